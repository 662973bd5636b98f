package version

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// A build given no version is the dev version; the gauge carries what Get
// says, once however often it is registered.
func TestBuildInfo(t *testing.T) {
	defer func(v, r string) { version, revision = v, r }(version, revision)
	version, revision = "", ""
	if got := Get().Version; got != Dev {
		t.Errorf("unversioned build says %q, want %s", got, Dev)
	}
	version, revision = "v1.2.3", "0123456789abcdef0123"
	if got := Get().String(); got != "v1.2.3 (revision 0123456789ab), "+runtime.Version()+", "+runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("String() = %q", got)
	}
	reg := prometheus.NewRegistry()
	for range 2 {
		if err := Register(reg); err != nil {
			t.Fatal(err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(families) != 1 || families[0].GetName() != "wallet_build_info" || len(families[0].Metric) != 1 {
		t.Fatalf("gathered %v, want one wallet_build_info series", families)
	}
	m := families[0].Metric[0]
	labels := map[string]string{}
	for _, l := range m.Label {
		labels[l.GetName()] = l.GetValue()
	}
	if m.GetGauge().GetValue() != 1 || labels["version"] != "v1.2.3" || labels["revision"] != "0123456789abcdef0123" || labels["goversion"] != runtime.Version() {
		t.Errorf("wallet_build_info = %v %v", labels, m.GetGauge().GetValue())
	}
}
