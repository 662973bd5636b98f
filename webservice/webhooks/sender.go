package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
	"github.com/wallet-operator/wallet-operator/webservice/personalization"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// Sender delivers the webhook events a registry.Outbox keeps: every
// replica runs one (or only the elected one, for an outbox whose claims are
// in memory); each event is one sender's at a time, in
// order per pass, and survives restarts. An attempt goes to every webhook
// that wants the event and has not taken it yet; a failed one is tried
// again after BaseDelay × Factor^n, MaxAttempts times in all.
type Sender struct {
	Webhooks *Client
	Outbox   registry.Outbox
	// Poll is how often an idle sender looks for due events; 500 ms when
	// zero.
	Poll time.Duration
	// Elected: only the elected replica sends (an outbox whose claims are
	// in memory); otherwise every replica does.
	Elected bool
}

// NeedLeaderElection says whether only the elected replica sends.
func (o *Sender) NeedLeaderElection() bool { return o.Elected }

const (
	// senderSlots are the events one sender attempts at once.
	senderSlots = 32
	// namespaceSlots: at most this many of them of one namespace, so a
	// namespace whose receivers are slow cannot hold every slot and delay
	// another namespace's events beyond one attempt.
	namespaceSlots = 8
)

// Lease is how long a sender holds a claimed event: one attempt to each
// of a template's webhooks, one after another, each within Timeout, and
// room to record the outcome. A claim that outlives it passes to another
// sender, and the first one's outcome is then not recorded.
func Lease(o Options) time.Duration {
	return MaxPerTemplate*o.Timeout + 30*time.Second
}

// MaxPerTemplate is the schema's bound on spec.webhooks.
const MaxPerTemplate = 10

// Start runs until ctx ends: it keeps up to senderSlots attempts under way,
// claiming more as attempts finish, not waiting for a whole batch.
func (o *Sender) Start(ctx context.Context) error {
	poll := o.Poll
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	lease := Lease(o.Webhooks.Options)
	log := ctrl.LoggerFrom(ctx).WithName("webhook-outbox")
	finished := make(chan string, senderSlots) // the namespace of each finished attempt
	perNamespace, running := map[string]int{}, 0
	for {
		if free := senderSlots - running; free > 0 {
			var busy []string
			for ns, n := range perNamespace {
				if n >= namespaceSlots {
					busy = append(busy, ns)
				}
			}
			events, err := o.Outbox.ClaimEvents(ctx, registry.EventClaim{N: free, Lease: lease, SkipNamespaces: busy})
			if err != nil && ctx.Err() == nil {
				log.Error(err, "read waiting webhook events; trying again")
			}
			for _, e := range events {
				ns := e.Event.Namespace
				perNamespace[ns]++
				running++
				go func() {
					o.attempt(ctx, e)
					finished <- ns
				}()
			}
		}
		wait := time.After(poll)
		select {
		case <-ctx.Done():
			return nil
		case ns := <-finished:
			running--
			if perNamespace[ns]--; perNamespace[ns] == 0 {
				delete(perNamespace, ns)
			}
		case <-wait:
		}
	}
}

// attempt delivers one event once to the webhooks that still need it and
// records the result.
func (o *Sender) attempt(ctx context.Context, e registry.OutboxEvent) {
	w, opts := o.Webhooks, o.Webhooks.Options
	delivered, retry := slices.Clone(e.DeliveredTo), false
	if pass, tpl, hooks, ok := w.hooks(ctx, e.Event); ok {
		ev := e.Event
		switch walletv1.WebhookEvent(ev.Event) {
		case walletv1.WebhookEventPersonalize:
			ev.Personalization = personalization.Details(tpl.Spec.Personalization, pass)
		case walletv1.WebhookEventCheckIn:
			ev.Gate = pass.Annotations[walletv1.AnnotationCheckedInBy]
		}
		body, _ := json.Marshal(ev)
		for _, hook := range hooks {
			if slices.Contains(delivered, hook.URL) {
				continue
			}
			apiKey, err := w.apiKey(ctx, tpl, hook)
			if err == nil {
				err = w.post(ctx, hook.URL, apiKey, body)
			}
			switch {
			case err == nil:
				deliveries.WithLabelValues("delivered").Inc()
				delivered = append(delivered, hook.URL)
			case errors.Is(err, outbound.ErrRefused):
				w.Recorder.Eventf(tpl, corev1.EventTypeWarning, "WebhookRefused", "webhook %s not sent: %v", outbound.Redacted(hook.URL), err)
				deliveries.WithLabelValues("refused").Inc()
				delivered = append(delivered, hook.URL) // retrying cannot help
			default:
				retry = true
				if e.Attempts+1 >= opts.MaxAttempts {
					w.Log.Info("webhook event abandoned", "pass", e.Event.Namespace+"/"+e.Event.Pass, "event", e.Event.Event, "attempts", opts.MaxAttempts, "lastError", err.Error())
					deliveries.WithLabelValues("abandoned").Inc()
				}
			}
		}
	}
	var err error
	if retry && e.Attempts+1 < opts.MaxAttempts {
		delay := time.Duration(float64(opts.BaseDelay) * math.Pow(opts.Factor, float64(e.Attempts)))
		err = o.Outbox.RetryAt(ctx, e, delivered, time.Now().Add(delay))
	} else {
		err = o.Outbox.Delivered(ctx, e)
	}
	if err != nil && ctx.Err() == nil {
		// The claim ends with its lease; the event is sent again then.
		w.Log.Error(err, "record a webhook delivery", "pass", e.Event.Namespace+"/"+e.Event.Pass)
	}
}
