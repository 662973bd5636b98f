// Package webhooks delivers the events of a template's webhooks (device
// registrations, Google Wallet users) as Yourpass sends them: the
// destinations and API keys (Client), an HTTP client that refuses internal
// addresses, and the Sender that takes events from a registry.Outbox until
// each is delivered or given up.
package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
	"github.com/wallet-operator/wallet-operator/internal/subscriptions"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

var deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_webhook_deliveries_total", Help: "Webhook events by outcome (delivered, abandoned, refused, dropped).",
}, []string{"outcome"})

func init() { metrics.Registry.MustRegister(deliveries) }

// Dropped counts an event that was not kept (its pass had too many waiting:
// registry.ErrEventDropped).
func Dropped() { deliveries.WithLabelValues("dropped").Inc() }

// Options shape deliveries: a 2xx within Timeout is success;
// otherwise the event is retried after BaseDelay × Factor^n, at most
// MaxAttempts times, then abandoned.
type Options struct {
	Timeout     time.Duration
	BaseDelay   time.Duration
	Factor      float64
	MaxAttempts int
	// AllowedCIDRs are internal addresses webhooks may still be sent to
	// (--webhook-allow-cidrs), e.g. a receiver inside the cluster.
	AllowedCIDRs []netip.Prefix
}

// DefaultOptions are 10 s, 10 s × 1.5^n, 15 attempts.
var DefaultOptions = Options{Timeout: 10 * time.Second, BaseDelay: 10 * time.Second, Factor: 1.5, MaxAttempts: 15}

// Client sends events to templates' webhooks: the destinations, API keys
// and HTTP of a delivery. Events wait in an outbox until delivered
// (Sender): PostgreSQL's, or the Pass's status.
type Client struct {
	Cache   client.Reader
	API     client.Reader
	Options Options
	// CredentialsNamespace holds the templates' push credentials, with the
	// webhooks' API keys.
	CredentialsNamespace string
	Log                  logr.Logger
	HTTP                 *http.Client
	// Recorder reports refused destinations on the template.
	Recorder record.EventRecorder
}

// hooks returns the pass and its template and the template's webhooks
// that want ev; false when the pass or template is gone (nothing to
// deliver to).
func (w *Client) hooks(ctx context.Context, ev registry.Event) (*walletv1.Pass, *walletv1.PassTemplate, []walletv1.Webhook, bool) {
	pass := &walletv1.Pass{}
	if err := w.Cache.Get(ctx, client.ObjectKey{Namespace: ev.Namespace, Name: ev.Pass}, pass); err != nil {
		return nil, nil, nil, false
	}
	tpl := &walletv1.PassTemplate{}
	if err := w.Cache.Get(ctx, client.ObjectKey{Namespace: ev.Namespace, Name: pass.Spec.TemplateRef.Name}, tpl); err != nil {
		return nil, nil, nil, false
	}
	all, err := subscriptions.Of(ctx, w.Cache, tpl)
	if err != nil {
		return nil, nil, nil, false
	}
	var out []walletv1.Webhook
	for _, hook := range all {
		if subscriptions.Takes(hook, walletv1.WebhookEvent(ev.Event)) {
			out = append(out, hook)
		}
	}
	return pass, tpl, out, true
}

// Wanted says whether a webhook of tpl's passes takes events of kind; none
// is queued otherwise.
func Wanted(ctx context.Context, c client.Reader, tpl *walletv1.PassTemplate, kind walletv1.WebhookEvent) bool {
	all, err := subscriptions.Of(ctx, c, tpl)
	return err == nil && slices.ContainsFunc(all, func(h walletv1.Webhook) bool { return subscriptions.Takes(h, kind) })
}

func (w *Client) post(ctx context.Context, url, apiKey string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.Options.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if apiKey != "" {
		req.Header.Set("X-API-Key", apiKey)
	}
	resp, err := w.HTTP.Do(req)
	if err != nil {
		// The URL may carry credentials: logs and Events see it without.
		return outbound.RedactedError(err)
	}
	// Read a little of the answer (so the connection is reused), never all.
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return nil
}

// apiKey reads a webhook's API key from the template's push credentials
// (the manager's copy in the operator's namespace).
func (w *Client) apiKey(ctx context.Context, tpl *walletv1.PassTemplate, hook walletv1.Webhook) (string, error) {
	if hook.APIKeySecretRef == nil {
		return "", nil
	}
	var s corev1.Secret
	name := walletv1.PushCredentialsSecretName(tpl.Namespace, tpl.Name)
	if err := w.API.Get(ctx, client.ObjectKey{Namespace: w.CredentialsNamespace, Name: name}, &s); err != nil {
		return "", fmt.Errorf("push credentials Secret %s/%s: %w", w.CredentialsNamespace, name, err)
	}
	v, ok := s.Data[walletv1.WebhookKey(hook)]
	if !ok {
		return "", fmt.Errorf("the API key of webhook %s is not in the push credentials yet: check that Secret %s has key %q (the manager copies it)",
			hook.URL, hook.APIKeySecretRef.Name, hook.APIKeySecretRef.Key)
	}
	return string(v), nil
}
