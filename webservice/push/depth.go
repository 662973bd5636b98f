package push

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

var awaitingDesc = prometheus.NewDesc("wallet_webservice_passes_awaiting_push",
	"Passes with registered devices not all told of their current content yet: the pushers' queue, read from the cache at each scrape.", nil, nil)

// depth reports the passes waiting for a push when scraped.
type depth struct{ cache client.Reader }

func (d depth) Describe(ch chan<- *prometheus.Desc) { ch <- awaitingDesc }

func (d depth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var passes walletv1.PassList
	if err := d.cache.List(ctx, &passes, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	n := 0
	for i := range passes.Items {
		if awaitingPush(&passes.Items[i]) {
			n++
		}
	}
	ch <- prometheus.MustNewConstMetric(awaitingDesc, prometheus.GaugeValue, float64(n))
}

// awaitingPush: the pass has devices and a content they were not all told
// of.
func awaitingPush(p *walletv1.Pass) bool {
	b := p.Status.Bundle
	return b != nil && b.ContentDigest != "" && p.Status.RegisteredDevices > 0 && p.Status.PushedDigest != b.ContentDigest
}
