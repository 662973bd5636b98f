// Package webservice is the `wallet-operator webservice` subcommand: it
// parses the flags and runs the web service (webservice.SetupWithManager) in
// a manager of its own.
package webservice

import (
	"flag"

	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/sideshow/apns2"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/internal/version"
	ws "github.com/wallet-operator/wallet-operator/webservice"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// Options are the web service's flags.
type Options struct {
	// BundleStore says where signed bundles are read from.
	BundleStore       cli.BundleStoreFlags
	RegistrationStore cli.RegistrationStoreFlags
	// WebService is the server's configuration: its flags bind here.
	WebService             app.WebService
	Listen                 string
	Kubeconfig             string
	MetricsBindAddress     string
	MetricsCertDir         string
	MetricsInsecure        bool
	HealthProbeBindAddress string
	PprofBindAddress       string
	LeaderElect            bool
	LeaderElectionNS       string
	OperatorNamespace      string
	TokenKeySecret         string
	APNsURL                string
	PushClaimLease         time.Duration
	APNsCA                 string
	KubeQPS                float64
	KubeBurst              int
	Zap                    zap.Options
}

// Command returns the `webservice` subcommand.
func Command() *cobra.Command {
	return cli.FromFlagSet(&cobra.Command{
		Use:     "webservice",
		Short:   "serve Apple's PassKit web service, download and issue links",
		Example: `  wallet-operator webservice --webservice-url=https://passes.example.com/passes --leader-elect`,
		Args:    cobra.NoArgs,
	}, flags)
}

func flags(fs *flag.FlagSet) cli.RunFunc {
	o := Options{WebService: app.DefaultWebService()}
	c, d := &o.WebService, app.DefaultWebService()
	c.TrustedProxies = nil // the flag adds to none; Default restores them when it is not given
	fs.StringVar(&o.Listen, "listen", ":8080", "Address devices and browsers reach (behind the Ingress, which terminates TLS).")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig. Default: $KUBECONFIG, ~/.kube/config, or in-cluster.")
	fs.StringVar(&c.WebServiceURL, "webservice-url", "", "The URL the manager writes into passes (its --webservice-url); the server answers under its path. Required.")
	fs.BoolVar(&c.Development, "development", false, "Development mode: allow an http --webservice-url.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8081", "Address of the Prometheus metrics endpoint; \"0\" disables it.")
	fs.StringVar(&o.MetricsCertDir, "metrics-cert-dir", "", "Directory holding tls.crt and tls.key for the metrics endpoint (a cert-manager Certificate's Secret, mounted); a self-signed certificate is generated at start without one.")
	fs.BoolVar(&o.MetricsInsecure, "metrics-insecure", false, "Serve metrics over plain HTTP to anyone, without authentication: only where a network policy is the guard. By default they are served over HTTPS to callers the API server authorizes to get /metrics (the wallet-operator-metrics-reader ClusterRole).")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8082", "Address of /healthz and /readyz.")
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", "", "Address Go's /debug/pprof profiles bind to, for diagnosing CPU and memory (e.g. 127.0.0.1:6060); empty disables them.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader among replicas for the work only one may do (registration counts; pushes too unless --registration-store=postgres, where every replica pushes).")
	fs.StringVar(&o.LeaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election Lease.")
	fs.StringVar(&o.OperatorNamespace, "operator-namespace", "", "Namespace of the token key Secret and of the push credentials the manager keeps. Default: the pod's namespace, or outside a cluster the kubeconfig context's.")
	fs.StringVar(&o.TokenKeySecret, "token-key-secret", walletv1.TokenKeySecretName, "Secret holding the key pass tokens derive from (the manager's).")
	fs.BoolVar(&c.TrustForwardedFor, "trust-forwarded-for", false, "Take client addresses from X-Forwarded-For, as --trusted-proxies appended them (only behind an Ingress that sets it).")
	fs.IntVar(&c.IPv6ClientPrefix, "ipv6-client-prefix", d.IPv6ClientPrefix, "Prefix length an IPv6 client is rate limited by (a host may send from any address of its network).")
	fs.Func("trusted-proxies", "Comma-separated CIDRs of the proxies (the Ingress controller's pods) whose X-Forwarded-For entries are believed, read from the right. Default: private, unique-local and loopback ranges.", func(v string) error {
		prefixes, err := outbound.ParsePrefixes(v)
		c.TrustedProxies = append(c.TrustedProxies, prefixes...)
		return err
	})
	fs.IntVar(&c.MaxRegistrationsPerPass, "max-registrations-per-pass", d.MaxRegistrationsPerPass, "Devices one pass may have registered; a device already registered may always renew.")
	fs.Float64Var(&c.RegistrationsPerMinute, "registrations-per-minute", d.RegistrationsPerMinute, "New device registrations a pass may gain per minute (bursts of twice that).")
	fs.Float64Var(&c.ScansPerSecond, "scans-per-second", d.ScansPerSecond, "Gate scans one scanner key may send per second (bursts of twice that); beyond, the scanner gets 429.")
	fs.IntVar(&c.IssueRatePerMinute, "issue-rate-per-minute", d.IssueRatePerMinute, "Passes one template's issue links may create per minute (bursts of a sixth of that); beyond, visitors get 429.")
	fs.IntVar(&c.BundleCacheBytes, "bundle-cache-bytes", d.BundleCacheBytes, "Memory for assembled passes kept to answer devices; a quarter more keeps Google Wallet's template images.")
	fs.Float64Var(&c.RequestsPerSecond, "requests-per-second", d.RequestsPerSecond, "Requests per second allowed per client address.")
	fs.IntVar(&c.Burst, "burst", d.Burst, "Burst of requests allowed per client address.")
	fs.StringVar(&o.APNsURL, "apns-url", apns2.HostProduction, "APNs gateway pushes go to (a stand-in for tests); empty: pushes are logged, not sent.")
	fs.DurationVar(&o.PushClaimLease, "push-claim-lease", 2*time.Minute, "How long the pushes a replica claimed stay its own: when it dies mid fan-out, the other replicas push them once this has passed (PostgreSQL store).")
	fs.StringVar(&c.GoogleRootKeys, "google-wallet-root-keys", googlewallet.RootKeysURL, "Google's root keys that sign Google Wallet callbacks: the URL Google publishes them at, or a file of the same JSON.")
	fs.Float64Var(&c.GoogleCallbacksPerSecond, "google-wallet-callbacks-per-second", d.GoogleCallbacksPerSecond, "Verified Google Wallet callbacks taken per second from every client together (each is a status write); a client's refused callbacks count against its own rate limit.")
	fs.StringVar(&o.APNsCA, "apns-ca", "", "PEM file of the CA to trust for --apns-url instead of the system roots.")
	fs.DurationVar(&c.Webhooks.Timeout, "webhook-timeout", d.Webhooks.Timeout, "A webhook must answer 2xx within this.")
	fs.DurationVar(&c.Webhooks.BaseDelay, "webhook-retry-delay", d.Webhooks.BaseDelay, "First retry delay of a webhook event; each next one is --webhook-retry-factor times longer.")
	fs.Float64Var(&c.Webhooks.Factor, "webhook-retry-factor", d.Webhooks.Factor, "Growth of webhook retry delays.")
	fs.IntVar(&c.Webhooks.MaxAttempts, "webhook-attempts", d.Webhooks.MaxAttempts, "Attempts before a webhook event is abandoned.")
	fs.Func("webhook-allow-cidrs", "Comma-separated CIDRs of internal addresses webhooks may be sent to (a receiver inside the cluster). Default: none; loopback, private, link-local and shared addresses are refused.", func(v string) error {
		prefixes, err := outbound.ParsePrefixes(v)
		c.Webhooks.AllowedCIDRs = append(c.Webhooks.AllowedCIDRs, prefixes...)
		return err
	})
	fs.Float64Var(&o.KubeQPS, "kube-api-qps", 100, "Queries per second to the API server (push outcomes and counts are written through it).")
	fs.IntVar(&o.KubeBurst, "kube-api-burst", 200, "Burst of queries to the API server.")
	o.BundleStore.AddFlags(fs)
	o.RegistrationStore.AddFlags(fs)
	o.Zap.BindFlags(fs)
	return func(ctx context.Context, _ []string) error {
		if o.OperatorNamespace == "" {
			o.OperatorNamespace = cli.OperatorNamespace(o.Kubeconfig)
		}
		if c.WebServiceURL == "" {
			return fmt.Errorf("%w: --webservice-url is required", cli.ErrUsage)
		}
		c.RegistrationBurst = int(2 * c.RegistrationsPerMinute)
		c.Default()
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%w: %v", cli.ErrUsage, err)
		}
		return Start(ctx, o)
	}
}

// Start is what the command runs with the options its flags made: Run,
// and in tests (test/docs) a catcher of those options.
var Start = Run

// Run serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.Zap)))
	log := ctrl.Log.WithName("webservice")
	var cfg *rest.Config
	var cfgErr error
	if o.Kubeconfig != "" {
		cfg, cfgErr = clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	} else {
		cfg, cfgErr = ctrl.GetConfig()
	}
	if cfgErr != nil {
		return fmt.Errorf("find a cluster: %w", cfgErr)
	}
	// client-go's default (5 a second) would bound push outcomes and
	// counts written to the API server.
	cfg.QPS, cfg.Burst = float32(o.KubeQPS), o.KubeBurst
	direct, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	key, err := waitForKey(ctx, direct, o.OperatorNamespace, o.TokenKeySecret)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Metrics:                 kube.MetricsServer(o.MetricsBindAddress, o.MetricsCertDir, o.MetricsInsecure),
		HealthProbeBindAddress:  o.HealthProbeBindAddress,
		PprofBindAddress:        o.PprofBindAddress,
		LeaderElection:          o.LeaderElect,
		LeaderElectionID:        walletv1.LeaderElectionIDWebService,
		LeaderElectionNamespace: o.LeaderElectionNS,
		Client:                  kube.ManagerClientOptions(),
		Cache:                   kube.CacheOptions(cache.Options{}),
	})
	if err != nil {
		return err
	}
	push, err := ws.GatewayOptions(o.APNsURL, o.APNsCA)
	if err != nil {
		return fmt.Errorf("%w: --apns-ca: %v", cli.ErrUsage, err)
	}
	push.ClaimLease = o.PushClaimLease
	stores, err := o.BundleStore.Stores(ctx, mgr.GetClient())
	if err != nil {
		return err
	}
	db, err := o.RegistrationStore.Postgres()
	if err != nil {
		return err
	}
	var backend registry.Backend // DeviceRegistrations when nil
	if db != nil {
		defer db.Close()
		backend = db
		if err := mgr.Add(cli.KeepMigrated{Store: db, Log: log}); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("registrations", func(r *http.Request) error { return db.Ready(r.Context()) }); err != nil {
			return err
		}
	}
	settings := o.WebService
	settings.Push = push
	if settings.CredentialsNamespace == "" {
		settings.CredentialsNamespace = o.OperatorNamespace
	}
	settings.Default()
	server, err := ws.SetupWithManager(ctx, mgr, ws.Options{WebService: settings, Tokens: key, Stores: stores, Backend: backend})
	if err != nil {
		return fmt.Errorf("set up the web service: %w", err)
	}
	if err := mgr.Add(ws.Runnable{Server: server, Addr: o.Listen}); err != nil {
		return err
	}
	if err := mgr.Add(&tokens.Guard{Client: mgr.GetClient(), Namespace: o.OperatorNamespace, Name: o.TokenKeySecret, Key: key, Log: log.WithName("token-key")}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("caches", func(r *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(r.Context()) {
			return errors.New("caches not synced")
		}
		return nil
	}); err != nil {
		return err
	}
	if err := version.Register(metrics.Registry); err != nil {
		return err
	}
	log.Info("serving", "version", version.Get().Version, "listen", o.Listen, "url", settings.WebServiceURL, "development", settings.Development, "registrationStore", o.RegistrationStore.Kind, "memoryLimit", kube.SetMemoryLimit())
	return mgr.Start(ctx)
}

// waitForKey reads the token key Secret. When the web service starts
// before the manager has created it, it waits a minute for it rather than
// crash-looping.
func waitForKey(ctx context.Context, c client.Client, namespace, name string) (tokens.Key, error) {
	deadline := time.Now().Add(time.Minute)
	for logged := false; ; logged = true {
		key, err := tokens.Ensure(ctx, c, namespace, name)
		if !errors.Is(err, tokens.ErrMayNotCreate) || time.Now().After(deadline) {
			return key, err
		}
		if !logged {
			ctrl.Log.WithName("webservice").Info("waiting for the manager to create the token key Secret", "namespace", namespace, "name", name)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
