// Package version says which build of wallet-operator is running: the
// release it was cut from (set by `make build` and `make release` through
// -ldflags -X from `git describe`), the commit, and the Go that built it.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Set at link time: -X github.com/wallet-operator/wallet-operator/internal/version.version=v0.1.0
var (
	version  string
	revision string
)

// Dev is the version of a build that was not given one (go build, go run).
const Dev = "v0.0.0-dev"

// Info is one build's identity.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns this binary's Info.
func Get() Info {
	info := Info{Version: version, Revision: revision, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if info.Version == "" {
		info.Version = Dev
		// go install module@vX.Y.Z records the module's version.
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
	}
	if info.Revision == "" && ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.Revision = s.Value
			}
		}
	}
	return info
}

func (i Info) String() string {
	s := i.Version
	if i.Revision != "" {
		s += fmt.Sprintf(" (revision %s)", short(i.Revision))
	}
	return s + fmt.Sprintf(", %s, %s", i.GoVersion, i.Platform)
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// Register adds wallet_build_info{version,revision,goversion} 1 to reg, as
// Prometheus' own build_info gauges do, so a dashboard can say which release
// each replica runs. Registering twice is not an error.
func Register(reg prometheus.Registerer) error {
	i := Get()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wallet_build_info",
		Help: "The running build of wallet-operator: always 1, with its version, revision and Go version as labels.",
	}, []string{"version", "revision", "goversion"})
	g.WithLabelValues(i.Version, i.Revision, i.GoVersion).Set(1)
	if err := reg.Register(g); err != nil {
		if _, ok := err.(prometheus.AlreadyRegisteredError); !ok {
			return err
		}
	}
	return nil
}
