// Package manager is the `wallet-operator manager` subcommand: the
// controller-runtime manager that runs the reconcilers.
package manager

import (
	"context"
	"fmt"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// LeaderElectionID names the Lease the manager replicas compete for.
const LeaderElectionID = "wallet-operator-manager.passes.wallet-operator.io"

// Options are the manager's flags.
type Options struct {
	Kubeconfig              string
	MetricsBindAddress      string
	HealthProbeBindAddress  string
	LeaderElect             bool
	LeaderElectionNamespace string
	Zap                     zap.Options
}

// Command returns the `manager` subcommand.
func Command() cli.Command {
	return cli.Command{
		Name:    "manager",
		Summary: "run the controllers that turn Pass resources into signed bundles",
		Run:     run,
	}
}

func run(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("wallet-operator", "manager", os.Stderr)
	var o Options
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig. Default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; \"0\" disables it.")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz endpoints bind to.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader through a Lease so that only one replica reconciles at a time.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease. Default: the pod's namespace.")
	o.Zap.Development = false
	o.Zap.BindFlags(fs)
	if err := cli.Parse(fs, args, false); err != nil {
		return err
	}
	return Run(ctx, o)
}

// Run starts the manager and blocks until ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.Zap)))
	log := ctrl.Log.WithName("manager")

	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:  o.HealthProbeBindAddress,
		LeaderElection:          o.LeaderElect,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// The manager exits right after losing leadership; a faster handover
		// matters more than finishing in-flight reconciles, which are
		// idempotent.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if err := controllers.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up controllers: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}

	log.Info("starting manager", "leaderElection", o.LeaderElect, "metrics", o.MetricsBindAddress, "probes", o.HealthProbeBindAddress)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}

// restConfig loads the cluster to talk to: an explicit kubeconfig, or the
// usual chain ($KUBECONFIG, ~/.kube/config, in-cluster).
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := ctrl.GetConfig()
		if err != nil {
			return nil, fmt.Errorf("find a cluster: %w (pass --kubeconfig or set KUBECONFIG)", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}
