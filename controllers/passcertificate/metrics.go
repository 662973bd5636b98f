package passcertificate

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

var (
	expiryDesc = prometheus.NewDesc("wallet_manager_certificate_expiration_timestamp_seconds",
		"When the pass certificate expires (notAfter), as a Unix timestamp.", []string{"namespace", "name"}, nil)
	readyDesc = prometheus.NewDesc("wallet_manager_certificate_ready",
		"1 when the PassCertificate can sign passes, 0 otherwise.", []string{"namespace", "name"}, nil)
)

// collector reads certificates from the manager's cache at scrape time, as
// cert-manager does, so the metrics never lag behind status.
type collector struct{ reader client.Reader }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- expiryDesc
	ch <- readyDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var list walletv1.PassCertificateList
	if err := c.reader.List(ctx, &list); err != nil {
		return
	}
	for _, cert := range list.Items {
		ready := 0.0
		if cond := status.Ready(cert.Status.Conditions); cond != nil && cond.Status == metav1.ConditionTrue {
			ready = 1
		}
		ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, ready, cert.Namespace, cert.Name)
		if cert.Status.NotAfter != nil {
			ch <- prometheus.MustNewConstMetric(expiryDesc, prometheus.GaugeValue, float64(cert.Status.NotAfter.Unix()), cert.Namespace, cert.Name)
		}
	}
}

// RegisterMetrics adds the certificate metrics to controller-runtime's
// registry, replacing those of an earlier manager in the same process.
func RegisterMetrics(reader client.Reader) error {
	c := collector{reader: reader}
	err := metrics.Registry.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		metrics.Registry.Unregister(already.ExistingCollector)
		return metrics.Registry.Register(c)
	}
	return err
}
