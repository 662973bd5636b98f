package pass

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	bundlesSigned = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wallet_manager_bundles_signed_total", Help: "Bundles signed because a pass's content changed.",
	})
	signingSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "wallet_manager_signing_duration_seconds", Help: "Time to sign and zip one bundle.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 12),
	})
	reconcileFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wallet_manager_pass_reconcile_errors_total", Help: "Pass reconciles that ended not Ready, by reason.",
	}, []string{"reason"})
)

func init() {
	metrics.Registry.MustRegister(bundlesSigned, signingSeconds, reconcileFailures)
}

func countFailure(reason string) { reconcileFailures.WithLabelValues(reason).Inc() }
