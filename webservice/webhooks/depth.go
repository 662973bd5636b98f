package webhooks

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

var waitingDesc = prometheus.NewDesc("wallet_webservice_webhook_events_waiting",
	"Webhook events waiting in the outbox for delivery, read at each scrape (every replica reports the one outbox: take the max).", nil, nil)

// depth reports an outbox's depth when scraped.
type depth struct{ outbox registry.Outbox }

func (d depth) Describe(ch chan<- *prometheus.Desc) { ch <- waitingDesc }

// Collect reports nothing when the outbox cannot be read in time: a gap,
// not a false zero.
func (d depth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := d.outbox.Waiting(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(n))
	}
}

// ReportDepth reports the outbox's depth as a metric (the first outbox of
// a process: tests run several web services in one).
func ReportDepth(o registry.Outbox) { _ = metrics.Registry.Register(depth{o}) }
