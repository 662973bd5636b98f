package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

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

// Start runs until ctx ends.
func (o *Sender) Start(ctx context.Context) error {
	poll := o.Poll
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	opts := o.Webhooks.Options
	// A claim outlives one attempt to each of a template's webhooks.
	lease := 4*opts.Timeout + 30*time.Second
	log := ctrl.LoggerFrom(ctx).WithName("webhook-outbox")
	for {
		events, err := o.Outbox.ClaimEvents(ctx, 32, lease)
		if err != nil && ctx.Err() == nil {
			log.Error(err, "read waiting webhook events; trying again")
		}
		var wg sync.WaitGroup
		for _, e := range events {
			wg.Go(func() { o.attempt(ctx, e) })
		}
		wg.Wait()
		if len(events) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// attempt delivers one event once to the webhooks that still need it and
// records the result.
func (o *Sender) attempt(ctx context.Context, e registry.OutboxEvent) {
	w, opts := o.Webhooks, o.Webhooks.Options
	delivered, retry := slices.Clone(e.DeliveredTo), false
	if tpl, hooks, ok := w.hooks(ctx, e.Event); ok {
		body, _ := json.Marshal(e.Event)
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
			case errors.Is(err, errDestinationRefused):
				w.Recorder.Eventf(tpl, corev1.EventTypeWarning, "WebhookRefused", "webhook %s not sent: %v", hook.URL, err)
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
		err = o.Outbox.RetryAt(ctx, e.ID, delivered, time.Now().Add(delay))
	} else {
		err = o.Outbox.Delivered(ctx, e.ID)
	}
	if err != nil && ctx.Err() == nil {
		// The claim ends with its lease; the event is sent again then.
		w.Log.Error(err, "record a webhook delivery", "pass", e.Event.Namespace+"/"+e.Event.Pass)
	}
}
