package passcount

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	passGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wallet_manager_template_passes", Help: "Passes made from each template (as last counted in its status).",
	}, []string{"namespace", "template"})
	devicesGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wallet_manager_template_registered_devices", Help: "Devices registered for the passes of each template (as last counted in its status).",
	}, []string{"namespace", "template"})
)

func init() { metrics.Registry.MustRegister(passGauge, devicesGauge) }

// forget drops a deleted template's gauges.
func forget(namespace, name string) {
	passGauge.DeleteLabelValues(namespace, name)
	devicesGauge.DeleteLabelValues(namespace, name)
}
