package webhooks

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// ReportDepth reports the outbox's depth as a metric, read at each scrape
// (the first outbox of a process: tests run several web services in one).
func ReportDepth(o registry.Outbox) {
	_ = metrics.Registry.Register(kube.ScrapeGauge("wallet_webservice_webhook_events_waiting",
		"Webhook events waiting in the outbox for delivery, read at each scrape (every replica reports the one outbox: take the max).",
		func(ctx context.Context) (float64, error) {
			n, err := o.Waiting(ctx)
			return float64(n), err
		}))
}
