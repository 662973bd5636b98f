// Package demo is the `wallet-operator demo` subcommand: a local control
// plane, the samples applied, the manager and the web service in this
// process, and the signed passes written to a directory.
package demo

import (
	"bytes"
	"flag"

	"context"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/controllers/sweep"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	localcluster "github.com/wallet-operator/wallet-operator/internal/local/cluster"
	localpg "github.com/wallet-operator/wallet-operator/internal/local/postgres"
	locals3 "github.com/wallet-operator/wallet-operator/internal/local/s3"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/internal/weburl"
	ws "github.com/wallet-operator/wallet-operator/webservice"
	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/registry/postgres"
)

// Namespace is where the demo applies the samples.
const Namespace = "default"

// operatorNamespace holds the token key Secret, as in a cluster.
const operatorNamespace = "wallet-operator-system"

// Options are the demo's flags.
type Options struct {
	// Out receives kubeconfig, dev-root.pem and the passes.
	Out string
	// Listen is the web service's address; its URL is printed.
	Listen string
	// URL is the web service URL written into passes; derived from Listen
	// when empty.
	URL string
	// APNsURL and APNsCA send pushes to a gateway (a stand-in); without a
	// URL pushes are logged.
	APNsURL, APNsCA string
	// ExitAfterReady stops once the passes are written.
	ExitAfterReady bool
	// Config is the repository's config directory (CRDs and samples).
	Config string
	// Assets holds kube-apiserver and etcd; found by localcluster.Assets
	// when empty.
	Assets string
	// ReadyTimeout bounds the wait for the samples.
	ReadyTimeout time.Duration
	// BundleStore is configmap (the default) or s3: a local S3 server is
	// started (built by hack/setup-s3.sh) and the bundles kept in it.
	BundleStore string
	// RegistrationStore is kubernetes (the default) or postgres: a local
	// PostgreSQL (Debian's package) is started for the demo.
	RegistrationStore string
	// Verbose also prints the log lines (they always go to Out/demo.log);
	// without it the terminal gets progress lines, errors and the summary.
	Verbose bool
	Zap     zap.Options
	// Ready, when set, is called with the summary once everything is
	// written (tests use it).
	Ready func(Summary)
}

// Summary is what the demo made.
type Summary struct {
	// StartPage lists the passes with previews and QR codes.
	StartPage     string
	WebServiceURL string
	Kubeconfig    string
	DevRoot       string
	Passes        []PassFile
	IssueLinks    map[string]string // template name → issue URL
	// Bundles says where the bundles are when not in ConfigMaps.
	Bundles string
	// Registrations says where registrations are when not resources.
	Registrations string
}

// demoStore is the bundle store the demo runs with, and the S3 server it
// started for it.
type demoStore struct {
	Store   bundle.Store // nil: ConfigMaps
	Readers bundle.Stores
	server  *locals3.Server
	// Backend holds the registrations when they are in PostgreSQL.
	Backend registry.Backend
	db      *postgres.Store
	pg      *localpg.Server
}

func (d demoStore) Stop() {
	if d.server != nil {
		d.server.Stop()
	}
	if d.db != nil {
		d.db.Close()
	}
	if d.pg != nil {
		d.pg.Close() // thrown away with the demo's cluster
	}
}

// registrationStore starts PostgreSQL for --registration-store=postgres.
func registrationStore(ctx context.Context, o Options, d *demoStore, s *Summary) error {
	switch o.RegistrationStore {
	case cli.RegistrationStoreKubernetes, "":
		return nil
	case cli.RegistrationStorePostgres:
	default:
		return cli.Usagef("--registration-store is kubernetes or postgres, not %q", o.RegistrationStore)
	}
	pg, err := localpg.Start()
	if err != nil {
		return err
	}
	d.pg = pg
	url, err := pg.CreateDatabase(ctx, "wallet")
	if err != nil {
		return err
	}
	if d.db, err = postgres.Open(ctx, url); err != nil {
		return err
	}
	d.Backend = d.db
	s.Registrations = fmt.Sprintf("PostgreSQL: psql %s", url)
	return nil
}

// bundleStore starts the store --bundle-store names: for s3, a local S3
// server with its files under OUT/s3.
func bundleStore(ctx context.Context, o Options, c client.Reader, s *Summary) (demoStore, error) {
	d := demoStore{Readers: bundle.ConfigMaps(c)}
	switch o.BundleStore {
	case bundle.KindConfigMap, "":
		return d, nil
	case bundle.KindS3:
	default:
		return d, cli.Usagef("--bundle-store is configmap or s3, not %q", o.BundleStore)
	}
	binary, err := locals3.Binary(filepath.Dir(filepath.Clean(o.Config)))
	if err != nil {
		return d, err
	}
	const bucket = "wallet"
	if d.server, err = locals3.Start(binary, filepath.Join(o.Out, "s3"), bucket); err != nil {
		return d, err
	}
	d.server.SetCredentialsEnv()
	store, err := bundle.NewS3Store(ctx, bundle.S3Options{Endpoint: d.server.Endpoint, Bucket: bucket, PathStyle: true})
	if err != nil {
		d.server.Stop()
		return d, err
	}
	d.Store, d.Readers[bundle.KindS3] = store, store
	s.Bundles = fmt.Sprintf("s3 bucket %s at %s (objects under %s)", bucket, d.server.Endpoint, filepath.Join(d.server.Dir, bucket))
	return d, nil
}

// PassFile is one pass written to Out.
type PassFile struct {
	Name, File, DownloadURL string
	// GoogleSaveURL adds the pass to Google Wallet (development-signed).
	GoogleSaveURL string
}

// GoogleIssuer is the example issuer ID the demo's templates use as
// Google Wallet classes; without a service account their save links are
// signed with a development key.
const GoogleIssuer = "3388000000022222222"

// Command returns the `demo` subcommand.
func Command() *cobra.Command {
	var o Options
	cmd := cli.FromFlagSet(&cobra.Command{
		Use:   "demo",
		Short: "run everything on this machine: a local cluster, the samples, signed passes",
		Example: `  wallet-operator demo
  wallet-operator demo --exit-after-ready --out /tmp/passes`,
		Args: cobra.NoArgs,
	}, func(fs *flag.FlagSet) cli.RunFunc { return flags(fs, &o) })
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "Print the controllers' log lines here too (they always go to OUT/demo.log).")
	return cmd
}

func flags(fs *flag.FlagSet, o *Options) cli.RunFunc {
	fs.StringVar(&o.Out, "out", "demo-out", "Directory for kubeconfig, dev-root.pem and the signed passes.")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "Address of the web service (devices, downloads, previews).")
	fs.StringVar(&o.URL, "webservice-url", "", "URL devices reach the web service at (e.g. http://192.168.1.20:8080/passes for a phone on your network). Default: from --listen.")
	fs.StringVar(&o.APNsURL, "apns-url", "", "APNs gateway (or a stand-in) to send pushes to; without it pushes are logged, not sent.")
	fs.StringVar(&o.APNsCA, "apns-ca", "", "PEM file of the CA to trust for --apns-url.")
	fs.BoolVar(&o.ExitAfterReady, "exit-after-ready", false, "Stop once the passes are written (for scripts).")
	fs.StringVar(&o.Config, "config", "config", "The repository's config directory: CRDs from crd/bases, samples from samples.")
	fs.StringVar(&o.Assets, "assets", "", "Directory of kube-apiserver and etcd. Default: $KUBEBUILDER_ASSETS, or built by hack/setup-envtest.sh.")
	fs.DurationVar(&o.ReadyTimeout, "ready-timeout", 3*time.Minute, "How long to wait for the samples to become Ready.")
	fs.StringVar(&o.BundleStore, "bundle-store", bundle.KindConfigMap, "Where signed bundles are kept: configmap, or s3 (a local S3 server is started, built by hack/setup-s3.sh, its files under OUT/s3).")
	fs.StringVar(&o.RegistrationStore, "registration-store", cli.RegistrationStoreKubernetes, "Where device registrations are kept: kubernetes, or postgres (a local PostgreSQL is started from Debian's postgresql package).")
	o.Zap.Development = true // console lines for people
	o.Zap.BindFlags(fs)
	return func(ctx context.Context, _ []string) error {
		return Run(ctx, *o, os.Stdout)
	}
}

// Run runs the demo, printing what it made to w, until ctx ends (or, with
// ExitAfterReady, until the passes are written). The control plane's
// processes are stopped before it returns.
func Run(ctx context.Context, o Options, w io.Writer) (err error) {
	crds, samples := filepath.Join(o.Config, "crd", "bases"), filepath.Join(o.Config, "samples")
	if _, err := os.Stat(samples); err != nil {
		return fmt.Errorf("no samples in %s: run the demo from the repository's top directory (make demo) or pass --config", samples)
	}
	pushOptions, err := ws.GatewayOptions(o.APNsURL, o.APNsCA)
	if err != nil {
		return fmt.Errorf("%w: --apns-ca: %v", cli.ErrUsage, err)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("create --out %s: %w", o.Out, err)
	}
	logFile, err := os.Create(filepath.Join(o.Out, "demo.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	logs := io.MultiWriter(logFile, errorLines{os.Stderr})
	if o.Verbose {
		logs = io.MultiWriter(logFile, os.Stderr)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.Zap), zap.WriteTo(logs)))
	klog.SetLogger(ctrl.Log.WithName("client-go"))
	log := ctrl.Log.WithName("demo")
	// Listen first: a busy port is reported before a cluster is started.
	listener, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --listen)", o.Listen, err)
	}
	defer listener.Close()
	url := o.URL
	if url == "" {
		url = webServiceURL(listener.Addr().(*net.TCPAddr))
	} else if err := weburl.Check(url, true); err != nil {
		return fmt.Errorf("%w: --webservice-url: %v", cli.ErrUsage, err)
	}

	assets := o.Assets
	if assets == "" {
		if assets, err = localcluster.Assets("."); err != nil {
			return err
		}
	}
	log.Info("starting a local control plane (kube-apiserver and etcd)", "assets", assets)
	step := progress(w, "Starting a local control plane (kube-apiserver, etcd)")
	cluster, err := localcluster.Start(assets, crds, "")
	if err != nil {
		return err
	}
	step("done")
	defer func() {
		if stopErr := cluster.Stop(); stopErr != nil && err == nil {
			err = fmt.Errorf("stop the local control plane: %w", stopErr)
		}
	}()
	summary := Summary{StartPage: startPage(url), WebServiceURL: url, Kubeconfig: filepath.Join(o.Out, "kubeconfig"), DevRoot: filepath.Join(o.Out, "dev-root.pem")}
	kubeconfig, err := cluster.Kubeconfig("demo-admin")
	if err != nil {
		return err
	}
	if err := os.WriteFile(summary.Kubeconfig, kubeconfig, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", summary.Kubeconfig, err)
	}

	c, err := client.New(cluster.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", operatorNamespace, err)
	}
	key, err := tokens.Ensure(ctx, c, operatorNamespace, walletv1.TokenKeySecretName)
	if err != nil {
		return err
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	store, err := bundleStore(ctx, o, c, &summary)
	if err != nil {
		return err
	}
	defer store.Stop()
	if err := registrationStore(ctx, o, &store, &summary); err != nil {
		return err
	}
	stores := store.Readers
	done, err := startManager(runCtx, cluster, listener, url, summary.Kubeconfig, key, pushOptions, store)
	if err != nil {
		return err
	}
	defer func() { stop(); <-done }() // the manager ends before the control plane

	step = progress(w, "Applying config/samples and config/samples/modern to namespace "+Namespace)
	applied := 0
	for _, dir := range []string{samples, filepath.Join(samples, "modern")} {
		n, err := apply(ctx, c, dir)
		if err != nil {
			return err
		}
		applied += n
	}
	step(fmt.Sprintf("%d objects", applied))
	log.Info("samples applied; waiting until every one is Ready", "namespace", Namespace)
	step = progress(w, "Signing the sample passes")
	if err := waitReady(ctx, c, o.ReadyTimeout); err != nil {
		if ctx.Err() != nil {
			return nil // interrupted while starting
		}
		return err
	}
	step("every certificate, template and pass Ready")
	if err := writeOutputs(ctx, c, stores, o.Out, &summary); err != nil {
		return err
	}
	printSummary(w, summary, o.ExitAfterReady, pushOptions.LogOnly)
	if o.Ready != nil {
		o.Ready(summary)
	}
	if o.ExitAfterReady {
		return nil
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(w, "Stopping: the web service, the controllers, kube-apiserver and etcd.")
	case <-done:
		return errors.New("the manager stopped; see the log above")
	}
	return nil
}

// webServiceURL is the URL of a listening address: on all interfaces, the
// first address a phone on the same network could reach.
func webServiceURL(addr *net.TCPAddr) string {
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
					host = ip.IP.String()
					break
				}
			}
		}
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port)) + "/passes"
}

// startPage is the root of the web service's host.
func startPage(webServiceURL string) string {
	u, err := neturl.Parse(webServiceURL)
	if err != nil {
		return webServiceURL
	}
	return u.Scheme + "://" + u.Host + "/"
}

// startManager runs the controllers and the web service in one manager,
// as the two Deployments do in a cluster. done closes when it has stopped.
func startManager(ctx context.Context, cluster *localcluster.Cluster, listener net.Listener, url, kubeconfig string, key tokens.Key, pushOptions push.Options,
	store demoStore) (<-chan struct{}, error) {
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{
		Scheme: scheme.New(), Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Client: kube.ManagerClientOptions(), Cache: kube.CacheOptions(cache.Options{}),
	})
	if err != nil {
		return nil, err
	}
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{
		Pass: pass.Options{WebServiceURL: url, Development: true, Tokens: key}, PassWorkers: 2, TemplateWorkers: 2, CertificateWorkers: 1,
		OperatorNamespace: operatorNamespace, Store: store.Store, SweepInterval: sweep.DefaultInterval,
	}); err != nil {
		return nil, fmt.Errorf("set up controllers: %w", err)
	}
	server, err := ws.SetupWithManager(ctx, mgr, ws.Options{
		WebService: app.WebService{WebServiceURL: url, Development: true, CredentialsNamespace: operatorNamespace, Push: pushOptions},
		Tokens:     key, Stores: store.Readers, Backend: store.Backend,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the web service: %w", err)
	}
	// The web service, and the demo's start page at "/".
	handler := indexHandler(mgr.GetClient(), kubeconfig, server.Handler())
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error { return ws.ServeHandler(ctx, listener, handler) })); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			ctrl.Log.WithName("demo").Error(err, "manager stopped")
		}
	}()
	return done, nil
}

// apply creates the kustomization in dir in the demo namespace and says
// how many objects it made.
func apply(ctx context.Context, c client.Client, dir string) (int, error) {
	objs, err := manifests.ReadKustomization(dir)
	if err != nil {
		return 0, fmt.Errorf("read samples %s: %w", dir, err)
	}
	for _, obj := range objs {
		obj.SetNamespace(Namespace)
		if obj.GetKind() == "PassTemplate" {
			// Every sample is also a Google Wallet class (development key).
			if err := unstructured.SetNestedField(obj.Object, GoogleIssuer, "spec", "googleWallet", "issuerID"); err != nil {
				return 0, err
			}
		}
		if err := c.Create(ctx, obj); err != nil {
			return 0, fmt.Errorf("apply %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
	return len(objs), nil
}

// progress prints what the demo starts doing; the function it returns
// ends the line with the outcome and the time it took.
func progress(w io.Writer, doing string) func(outcome string) {
	start := time.Now()
	fmt.Fprintf(w, "%s … ", doing)
	return func(outcome string) {
		fmt.Fprintf(w, "%s (%.1fs)\n", outcome, time.Since(start).Seconds())
	}
}

// errorLines passes on only the log lines of errors: the terminal gets
// those, the log file everything.
type errorLines struct{ w io.Writer }

func (e errorLines) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("\tERROR\t")) || bytes.Contains(p, []byte(`"level":"error"`)) || bytes.Contains(p, []byte("\tDPANIC\t")) {
		if _, err := e.w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// waitReady waits until every certificate, template and pass is Ready for
// its generation; on timeout it names those that are not, with reasons.
func waitReady(ctx context.Context, c client.Client, timeout time.Duration) error {
	var pending []string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var err error
		pending, err = notReady(ctx, c)
		return err == nil && len(pending) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("samples not Ready after %s: %s", timeout, strings.Join(pending, "; "))
	}
	return nil
}

func notReady(ctx context.Context, c client.Client) ([]string, error) {
	var certs walletv1.PassCertificateList
	var tpls walletv1.PassTemplateList
	var passes walletv1.PassList
	for _, l := range []client.ObjectList{&certs, &tpls, &passes} {
		if err := c.List(ctx, l, client.InNamespace(Namespace)); err != nil {
			return nil, err
		}
	}
	var pending []string
	check := func(kind, name string, conds []metav1.Condition, generation int64) {
		if status.IsReady(conds, generation) {
			return
		}
		why := "no status yet"
		if r := status.Ready(conds); r != nil {
			why = r.Reason + ": " + r.Message
		}
		pending = append(pending, fmt.Sprintf("%s %s (%s)", kind, name, why))
	}
	for _, x := range certs.Items {
		check("PassCertificate", x.Name, x.Status.Conditions, x.Generation)
	}
	for _, x := range tpls.Items {
		check("PassTemplate", x.Name, x.Status.Conditions, x.Generation)
	}
	for _, x := range passes.Items {
		check("Pass", x.Name, x.Status.Conditions, x.Generation)
		if status.IsReady(x.Status.Conditions, x.Generation) && (x.Status.GoogleWallet == nil || x.Status.GoogleWallet.SaveURL == "") {
			pending = append(pending, fmt.Sprintf("Pass %s (no Google Wallet save link yet)", x.Name))
		}
	}
	if len(passes.Items) == 0 {
		pending = append(pending, "no passes yet")
	}
	return pending, nil
}

// writeOutputs writes every pass and the development root into out.
func writeOutputs(ctx context.Context, c client.Client, stores bundle.Stores, out string, s *Summary) error {
	var passes walletv1.PassList
	if err := c.List(ctx, &passes, client.InNamespace(Namespace)); err != nil {
		return err
	}
	for _, p := range passes.Items {
		file := filepath.Join(out, Namespace+"-"+p.Name+".pkpass")
		data, err := stores.Fetch(ctx, c, p.Namespace, p.Name)
		if err == nil {
			err = os.WriteFile(file, data, 0o644)
		}
		if err != nil {
			return fmt.Errorf("write pass %s: %w", p.Name, err)
		}
		pf := PassFile{Name: p.Name, File: file, DownloadURL: p.Status.DownloadURL}
		if g := p.Status.GoogleWallet; g != nil {
			pf.GoogleSaveURL = g.SaveURL
		}
		s.Passes = append(s.Passes, pf)
	}
	sort.Slice(s.Passes, func(i, j int) bool { return s.Passes[i].Name < s.Passes[j].Name })

	var tpls walletv1.PassTemplateList
	if err := c.List(ctx, &tpls, client.InNamespace(Namespace)); err != nil {
		return err
	}
	s.IssueLinks = map[string]string{}
	for _, t := range tpls.Items {
		if t.Status.IssueURL != "" {
			s.IssueLinks[t.Name] = t.Status.IssueURL
		}
	}

	// The development root of every generated chain: what verify --roots
	// and a development device need to trust the signatures.
	var certs walletv1.PassCertificateList
	if err := c.List(ctx, &certs, client.InNamespace(Namespace)); err != nil {
		return err
	}
	var roots []byte
	for _, cert := range certs.Items {
		var secret corev1.Secret
		if err := c.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: cert.Spec.SecretRef.Name}, &secret); err != nil {
			return fmt.Errorf("read Secret %s of certificate %s: %w", cert.Spec.SecretRef.Name, cert.Name, err)
		}
		roots = append(roots, secret.Data[walletv1.SecretKeyDevelopmentRoot]...)
	}
	if len(roots) == 0 {
		return errors.New("no certificate has a development root: the samples must use spec.selfSigned")
	}
	return os.WriteFile(s.DevRoot, roots, 0o644)
}

// commandName is how the reader runs this binary again: as it was started
// (bin/wallet-operator from make demo, wallet-operator from PATH), or by
// its name when it was started by an absolute path (go run's temporary
// build, a test).
func commandName(arg0 string) string {
	if arg0 == "" || filepath.IsAbs(arg0) {
		return "wallet-operator"
	}
	return arg0
}

func printSummary(w io.Writer, s Summary, exiting, logOnly bool) {
	fmt.Fprintf(w, "\nwallet-operator demo: %d passes signed and Ready.\n\n", len(s.Passes))
	fmt.Fprintf(w, "  Start page        %s   (open it in a browser)\n", s.StartPage)
	fmt.Fprintf(w, "  Web service       %s\n", s.WebServiceURL)
	fmt.Fprintf(w, "  Cluster           kubectl --kubeconfig %s get wallet\n", s.Kubeconfig)
	dir := filepath.Dir(s.DevRoot)
	fmt.Fprintf(w, "  Pass files        %s\n", filepath.Join(dir, Namespace+"-NAME.pkpass"))
	fmt.Fprintf(w, "  Check them        %s verify --roots %s %s\n", commandName(os.Args[0]), s.DevRoot, filepath.Join(dir, "*.pkpass"))
	fmt.Fprintf(w, "  Log               %s\n", filepath.Join(dir, "demo.log"))
	if logOnly {
		fmt.Fprintln(w, "  Pushes            logged, not sent (pass --apns-url to send them)")
	}
	if s.Bundles != "" {
		fmt.Fprintf(w, "  Bundles           %s\n", s.Bundles)
	}
	if s.Registrations != "" {
		fmt.Fprintf(w, "  Registrations     %s\n", s.Registrations)
	}
	// A Google save link is a JWT of kilobytes: the download link with
	// ?format=googlewallet leads to it, and the start page has the buttons.
	fmt.Fprintln(w, "\nDownload links (a browser shows a preview, an iPhone the pass; add ?format=googlewallet for the Google\nWallet save link, signed with a development key, which Google refuses: it shows what would be saved):")
	for _, p := range s.Passes {
		fmt.Fprintf(w, "  %-20s %s\n", p.Name, p.DownloadURL)
	}
	if len(s.IssueLinks) > 0 {
		fmt.Fprintln(w, "\nIssue links (each visit creates a new pass):")
		names := make([]string, 0, len(s.IssueLinks))
		for n := range s.IssueLinks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-20s %s\n", n, s.IssueLinks[n])
		}
	}
	if exiting {
		fmt.Fprintln(w, "\n--exit-after-ready: stopping.")
		return
	}
	fmt.Fprintf(w, "\nTry: kubectl --kubeconfig %s edit pass %s   (re-signs it; devices are told)\n", s.Kubeconfig, s.Passes[0].Name)
	fmt.Fprintln(w, "Press Ctrl-C to stop; the local cluster goes with it.")
}
