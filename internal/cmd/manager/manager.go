// Package manager is the `wallet-operator manager` subcommand: the
// controller-runtime manager that runs the reconcilers.
package manager

import (
	"flag"
	"net/netip"

	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	gwcontroller "github.com/wallet-operator/wallet-operator/controllers/googlewallet"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/controllers/passcertificate"
	"github.com/wallet-operator/wallet-operator/controllers/sweep"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/internal/version"
	"github.com/wallet-operator/wallet-operator/internal/weburl"
)

// LeaderElectionID names the Lease the manager replicas compete for.
const LeaderElectionID = walletv1.LeaderElectionIDManager

// Options are the manager's flags.
type Options struct {
	Kubeconfig              string
	MetricsBindAddress      string
	MetricsCertDir          string
	MetricsInsecure         bool
	HealthProbeBindAddress  string
	PprofBindAddress        string
	LeaderElect             bool
	LeaderElectionNamespace string
	// WebServiceURL is written into passes; https unless Development.
	WebServiceURL string
	// Development also allows development chains in every namespace.
	Development bool
	// DevelopmentNamespaces allow development chains in the namespaces
	// they match (shell patterns such as dev-*).
	DevelopmentNamespaces []string
	// SharedPassTypes may be claimed by several namespaces ("*": all).
	SharedPassTypes []string
	// WatchNamespaces, when set, are the only namespaces (with the
	// operator's own) the manager caches and reconciles.
	WatchNamespaces []string
	// OperatorNamespace and TokenKeySecret locate the key pass tokens
	// derive from.
	OperatorNamespace string
	TokenKeySecret    string
	// RegenerateTokenKey makes a new token key when its Secret is missing
	// even though passes exist (their devices' tokens become wrong).
	RegenerateTokenKey bool
	// VoidTimeout bounds how long a deleted pass waits for its devices to
	// be pushed its final voided version.
	VoidTimeout time.Duration
	// BundleStore says where signed bundles are kept.
	BundleStore cli.BundleStoreFlags
	// SweepInterval: how often unused bundle objects are swept.
	SweepInterval time.Duration
	// ImageAllowCIDRs are internal addresses images given by URL may be
	// fetched from.
	ImageAllowCIDRs []netip.Prefix
	// GoogleWalletAPI and GoogleWalletQPS: where and how fast the Google
	// Wallet sync talks to Google.
	GoogleWalletAPI      string
	GoogleWalletTokenURL string
	GoogleWalletQPS      float64
	QPS                  float64
	Burst                int
	PassWorkers          int
	TemplateWorkers      int
	Zap                  zap.Options
}

// Command returns the `manager` subcommand.
func Command() *cobra.Command {
	return cli.FromFlagSet(&cobra.Command{
		Use:     "manager",
		Short:   "run the controllers that turn Pass resources into signed bundles",
		Example: `  wallet-operator manager --leader-elect --webservice-url=https://passes.example.com/passes`,
		Args:    cobra.NoArgs,
	}, flags)
}

// run runs the command with args, as the binary would.
func run(ctx context.Context, args []string) error { return cli.Execute(ctx, Command(), args) }

func flags(fs *flag.FlagSet) cli.RunFunc {
	var o Options
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig. Default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; \"0\" disables it.")
	fs.StringVar(&o.MetricsCertDir, "metrics-cert-dir", "", "Directory holding tls.crt and tls.key for the metrics endpoint (a cert-manager Certificate's Secret, mounted); a self-signed certificate is generated at start without one.")
	fs.BoolVar(&o.MetricsInsecure, "metrics-insecure", false, "Serve metrics over plain HTTP to anyone, without authentication: only where a network policy is the guard. By default they are served over HTTPS to callers the API server authorizes to get /metrics (the wallet-operator-metrics-reader ClusterRole).")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz endpoints bind to.")
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", "", "Address Go's /debug/pprof profiles bind to, for diagnosing CPU and memory (e.g. 127.0.0.1:6060); empty disables them.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader through a Lease so that only one replica reconciles at a time.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease. Default: the pod's namespace.")
	fs.StringVar(&o.WebServiceURL, "webservice-url", "", "Base URL of the web service, written into passes as webServiceURL (https). Without it passes carry no web service fields.")
	fs.BoolVar(&o.Development, "development", false, "Development mode: allow an http --webservice-url and development chains (selfSigned) in every namespace. Never in production: devices refuse http.")
	fs.Func("development-namespaces", "Comma-separated namespaces (shell patterns such as dev-*) whose PassCertificates may use development chains (selfSigned). Default: none, unless --development.", func(v string) error {
		o.DevelopmentNamespaces = append(o.DevelopmentNamespaces, splitList(v)...)
		return nil
	})
	fs.Func("shared-pass-types", "Comma-separated pass type identifiers that PassCertificates of several namespaces may claim (\"*\": every one). Default: each pass type belongs to the namespace that claimed it first.", func(v string) error {
		o.SharedPassTypes = append(o.SharedPassTypes, splitList(v)...)
		return nil
	})
	fs.StringVar(&o.OperatorNamespace, "operator-namespace", "", "Namespace of the operator's own Secrets: the token key and the push credentials it keeps for the web service. Default: the pod's namespace, or outside a cluster the kubeconfig context's.")
	fs.StringVar(&o.TokenKeySecret, "token-key-secret", walletv1.TokenKeySecretName, "Secret (in --operator-namespace) holding the key pass tokens derive from; created when absent. Shared with the web service; never rotate it.")
	fs.BoolVar(&o.RegenerateTokenKey, "regenerate-token-key", false, "When the token key Secret is missing although passes exist, make a new key anyway: every pass on every device then needs re-adding. Without it the manager waits for the Secret to be restored.")
	fs.Func("watch-namespaces", "Comma-separated namespaces to watch instead of the whole cluster (with RoleBindings granting Secrets there only: config/namespaced-example). Pass type ownership and serial numbers are then checked among them only.", func(v string) error {
		o.WatchNamespaces = append(o.WatchNamespaces, splitList(v)...)
		return nil
	})
	fs.Func("image-allow-cidrs", "Comma-separated CIDRs of internal addresses images given by url may be fetched from (a server inside the cluster). Default: none; loopback, private, link-local and shared addresses are refused.", func(v string) error {
		prefixes, err := outbound.ParsePrefixes(v)
		o.ImageAllowCIDRs = append(o.ImageAllowCIDRs, prefixes...)
		return err
	})
	fs.DurationVar(&o.SweepInterval, "bundle-sweep-interval", sweep.DefaultInterval, "How often the elected manager deletes stored bundle objects that no Pass or PassTemplate uses any more (left behind by a finalizer removed by hand, or deletions while no manager ran); 0 disables it.")
	fs.StringVar(&o.GoogleWalletAPI, "google-wallet-api-url", "", "Base URL of the Google Wallet REST API (a proxy, or a stand-in in tests); Google's when empty.")
	fs.StringVar(&o.GoogleWalletTokenURL, "google-wallet-token-url", googlewallet.TokenURL, "The one OAuth2 token endpoint a Google service account key may name (its token_uri): keys come from the teams' Secrets, and one naming another endpoint is refused.")
	fs.Float64Var(&o.GoogleWalletQPS, "google-wallet-qps", 10, "Requests per second to the Google Wallet API, all passes together.")
	fs.DurationVar(&o.VoidTimeout, "void-timeout", pass.DefaultVoidTimeout, "How long a deleted Pass waits for its registered devices to be pushed a final voided version before it goes anyway.")
	fs.Float64Var(&o.QPS, "kube-api-qps", 100, "Queries per second to the API server.")
	fs.IntVar(&o.Burst, "kube-api-burst", 200, "Burst of queries to the API server.")
	fs.IntVar(&o.PassWorkers, "pass-workers", 4, "Passes reconciled (rendered and signed) in parallel.")
	fs.IntVar(&o.TemplateWorkers, "template-workers", 2, "PassTemplates reconciled in parallel.")
	o.Zap.Development = false
	o.BundleStore.AddFlags(fs)
	o.Zap.BindFlags(fs)
	return func(ctx context.Context, _ []string) error {
		if o.OperatorNamespace == "" {
			o.OperatorNamespace = cli.OperatorNamespace(o.Kubeconfig)
		}
		return Start(ctx, o)
	}
}

// Start is what the command runs with the options its flags made: Run,
// and in tests (test/docs) a catcher of those options.
var Start = Run

// Run starts the manager and blocks until ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.Zap)))
	log := ctrl.Log.WithName("manager")

	if err := checkWebServiceURL(o.WebServiceURL, o.Development); err != nil {
		return err
	}
	if o.Development {
		log.Info("DEVELOPMENT MODE: http web service URLs are allowed; devices outside development refuse them")
	}
	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = float32(o.QPS), o.Burst
	direct, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	if err := checkOperatorNamespace(ctx, direct, o.OperatorNamespace); err != nil {
		return err
	}
	passOptions := pass.Options{WebServiceURL: o.WebServiceURL, Development: o.Development, VoidTimeout: o.VoidTimeout}
	if o.WebServiceURL != "" {
		if passOptions.Tokens, err = tokenKey(ctx, direct, o); err != nil {
			return err
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Client:                  kube.ManagerClientOptions(),
		Cache:                   watchNamespaces(o),
		Controller:              config.Controller{SkipNameValidation: &skipControllerNameValidation},
		Metrics:                 kube.MetricsServer(o.MetricsBindAddress, o.MetricsCertDir, o.MetricsInsecure),
		HealthProbeBindAddress:  o.HealthProbeBindAddress,
		PprofBindAddress:        o.PprofBindAddress,
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
	if passOptions.Tokens != nil {
		// The S3 prefix is this installation's: another one's is refused.
		o.BundleStore.S3.Installation = passOptions.Tokens.Installation()
	}
	store, err := o.BundleStore.Store(ctx, mgr.GetClient(), mgr.GetAPIReader(), mgr.GetCache())
	if err != nil {
		return err
	}
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{
		Pass: passOptions, PassWorkers: o.PassWorkers, TemplateWorkers: o.TemplateWorkers, CertificateWorkers: 1, Store: store,
		SweepInterval:     o.SweepInterval,
		ImageAllowCIDRs:   o.ImageAllowCIDRs,
		OperatorNamespace: o.OperatorNamespace,
		GoogleWallet:      gwcontroller.Options{APIEndpoint: o.GoogleWalletAPI, TokenURL: o.GoogleWalletTokenURL, RequestsPerSecond: o.GoogleWalletQPS},
		Tenancy:           passcertificate.Tenancy{DevelopmentNamespaces: o.DevelopmentNamespaces, SharedPassTypes: o.SharedPassTypes},
	}); err != nil {
		return fmt.Errorf("set up controllers: %w", err)
	}
	if passOptions.Tokens != nil {
		if err := mgr.Add(&tokens.Guard{Client: mgr.GetClient(), Namespace: o.OperatorNamespace, Name: o.TokenKeySecret,
			Key: passOptions.Tokens, Restore: true, Log: log.WithName("token-key")}); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}

	if err := version.Register(metrics.Registry); err != nil {
		return err
	}
	log.Info("starting manager", "version", version.Get().Version, "leaderElection", o.LeaderElect, "metrics", o.MetricsBindAddress, "probes", o.HealthProbeBindAddress, "memoryLimit", kube.SetMemoryLimit())
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}

// checkWebServiceURL accepts an absolute https URL, or http in development.
func checkWebServiceURL(raw string, development bool) error {
	if raw == "" {
		return nil
	}
	if err := weburl.Check(raw, development); err != nil {
		return fmt.Errorf("%w: %v", cli.ErrUsage, err)
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

// splitList reads a comma-separated flag value.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// tokenKey loads the key every pass's tokens derive from. A new one is made
// only when none was ever used: when its Secret is missing while signed
// passes exist, a new key would make every device's token wrong, so the manager
// says so loudly and waits (not ready) for the Secret to be restored, unless
// --regenerate-token-key accepts that.
func tokenKey(ctx context.Context, c client.Client, o Options) (tokens.Key, error) {
	log := ctrl.Log.WithName("manager")
	for attempt := 0; ; attempt++ {
		key, err := tokens.Load(ctx, c, o.OperatorNamespace, o.TokenKeySecret)
		if !errors.Is(err, tokens.ErrNotFound) {
			return key, err
		}
		signed, err := anyPassSigned(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("check for signed passes before making a token key: %w", err)
		}
		if !signed || o.RegenerateTokenKey {
			return tokens.Ensure(ctx, c, o.OperatorNamespace, o.TokenKeySecret)
		}
		if attempt%6 == 0 {
			log.Error(err, "THE TOKEN KEY SECRET IS MISSING WHILE PASSES EXIST: a new key would make every device's token wrong. "+
				"Restore the Secret from a backup (the manager waits for it), or start the manager with --regenerate-token-key and re-add every pass on devices",
				"namespace", o.OperatorNamespace, "name", o.TokenKeySecret)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// anyPassSigned says whether a pass was ever signed, and so carries a token
// derived from the key: passes applied before the manager first ran (a
// newcomer applies the samples while its image is pulled) hold none yet.
func anyPassSigned(ctx context.Context, c client.Client) (bool, error) {
	var passes walletv1.PassList
	for opts := []client.ListOption{client.Limit(500)}; ; {
		if err := c.List(ctx, &passes, opts...); err != nil {
			return false, err
		}
		for _, p := range passes.Items {
			if p.Status.Bundle != nil {
				return true, nil
			}
		}
		if passes.Continue == "" {
			return false, nil
		}
		opts = []client.ListOption{client.Limit(500), client.Continue(passes.Continue)}
	}
}

// watchNamespaces restricts the cache to --watch-namespaces and the
// operator's namespace; the whole cluster when none are given.
func watchNamespaces(o Options) cache.Options {
	if len(o.WatchNamespaces) == 0 {
		return kube.CacheOptions(cache.Options{})
	}
	namespaces := map[string]cache.Config{o.OperatorNamespace: {}}
	for _, ns := range o.WatchNamespaces {
		namespaces[ns] = cache.Config{}
	}
	return kube.CacheOptions(cache.Options{DefaultNamespaces: namespaces})
}

// skipControllerNameValidation lets tests run several managers in one
// process; a process runs one manager.
var skipControllerNameValidation = false

// checkOperatorNamespace says in one line what to do when the operator's
// namespace (its token key and push credentials live there) does not exist,
// e.g. a manager started outside a cluster. A manager that may not read
// namespaces (its installed RBAC) skips the check.
func checkOperatorNamespace(ctx context.Context, c client.Reader, namespace string) error {
	err := c.Get(ctx, client.ObjectKey{Name: namespace}, &corev1.Namespace{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("the operator's namespace %q does not exist: create it (kubectl create namespace %s) or pass --operator-namespace", namespace, namespace)
	}
	return nil
}
