package webservice

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wallet_webservice_requests_total", Help: "Requests by endpoint and status code.",
	}, []string{"endpoint", "code"})
	registrationsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wallet_webservice_registrations_total", Help: "Device registrations by outcome (created, updated, deleted).",
	}, []string{"outcome"})
	downloadTags = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wallet_webservice_download_tags_total", Help: "Downloads by the ?tag= of the link (campaign tracking).",
	}, []string{"tag"})
	issuedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wallet_webservice_issued_passes_total", Help: "Passes created through issue links, by template.",
	}, []string{"namespace", "template"})
	// How long an answer takes, by endpoint: what a person asks when
	// devices or browsers say the service is slow.
	requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "wallet_webservice_request_duration_seconds", Help: "Time to answer a request, by endpoint.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"endpoint"})
	personalizations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wallet_webservice_personalizations_total", Help: "Rewards sign-ups recorded (Apple's personalize endpoint).",
	})
)

func init() {
	metrics.Registry.MustRegister(requestsTotal, requestSeconds, registrationsTotal, downloadTags, issuedTotal, personalizations)
}
