package push

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/kube"
)

// awaitingPushGauge counts, at each scrape, the passes whose devices were
// not all told of their current content: the pushers' queue.
func awaitingPushGauge(cache client.Reader) prometheus.Collector {
	return kube.ScrapeGauge("wallet_webservice_passes_awaiting_push",
		"Passes with registered devices not all told of their current content yet: the pushers' queue, read from the cache at each scrape.",
		func(ctx context.Context) (float64, error) {
			var passes walletv1.PassList
			if err := cache.List(ctx, &passes, client.UnsafeDisableDeepCopy); err != nil {
				return 0, err
			}
			n := 0
			for i := range passes.Items {
				if awaitingPush(&passes.Items[i]) {
					n++
				}
			}
			return float64(n), nil
		})
}

// awaitingPush: the pass has devices and a content they were not all told
// of.
func awaitingPush(p *walletv1.Pass) bool {
	b := p.Status.Bundle
	return b != nil && b.ContentDigest != "" && p.Status.RegisteredDevices > 0 && p.Status.PushedDigest != b.ContentDigest
}
