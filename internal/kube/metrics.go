package kube

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// MetricsServer is how a component serves its Prometheus metrics: over
// HTTPS, to callers the API server authenticates (a bearer token, checked
// with a TokenReview) and authorizes to get the /metrics URL (a
// SubjectAccessReview: the metrics-reader ClusterRole grants it), as
// kubebuilder scaffolds it. The certificate is read from certDir
// (tls.crt, tls.key) or, without one, generated at start. insecure serves
// plain HTTP to anyone: for a cluster whose network policy is the guard.
func MetricsServer(addr, certDir string, insecure bool) metricsserver.Options {
	if insecure || addr == "0" {
		return metricsserver.Options{BindAddress: addr}
	}
	return metricsserver.Options{BindAddress: addr, SecureServing: true, CertDir: certDir, FilterProvider: filters.WithAuthenticationAndAuthorization}
}

// ScrapeGauge is a gauge read when Prometheus scrapes, within 5 s; when
// the read fails nothing is reported (a gap, not a false zero).
func ScrapeGauge(name, help string, read func(context.Context) (float64, error)) prometheus.Collector {
	return scrapeGauge{prometheus.NewDesc(name, help, nil, nil), read}
}

type scrapeGauge struct {
	desc *prometheus.Desc
	read func(context.Context) (float64, error)
}

func (g scrapeGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g scrapeGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if v, err := g.read(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v)
	}
}
