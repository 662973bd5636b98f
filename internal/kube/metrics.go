package kube

import (
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
