// Package scale is the scripted load run of the controllers: thousands of
// Passes of one template against a local API server, with the manager as
// its own process, measured beside a bare client doing the same on the same
// API server. It only runs when WALLET_SCALE_PASSES is set:
//
//	make scale PASSES=10000
//	make scale PASSES=10000 BUNDLE_STORE=s3   # bundles in a local S3 server
package scale

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	locals3 "github.com/wallet-operator/wallet-operator/internal/local/s3"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/testing/proc"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func TestScale(t *testing.T) {
	n := envInt("WALLET_SCALE_PASSES", 0)
	if n == 0 {
		t.Skip("set WALLET_SCALE_PASSES (make scale PASSES=10000) to run the load test")
	}
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	ctx := context.Background()
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 2000, 4000
	c, err := client.New(&cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"wallet-operator-system", "scale", "bare"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}

	// The limit: what the API server allows a bare client, the same 32
	// creators creating the same passes and writing each one's status once,
	// as the controller's one status write would; then each status once
	// more, as a re-sign would. No manager runs yet.
	bare := measure(t, &cfg, nil, n, func() {
		parallel(n, func(i int) error { return c.Create(ctx, newPass("bare", i)) })
		parallel(n, func(i int) error { return writeStatus(ctx, c, i, "1") })
	})
	bareResign := measure(t, &cfg, nil, n, func() {
		parallel(n, func(i int) error { return writeStatus(ctx, c, i, "2") })
	})
	progress(t, "bare client: create + status write %s; status write alone %s", bare.rate(), bareResign.rate())

	// Gone before the manager starts (it would reconcile them), deleted
	// by the same 32 clients: one delete-collection of 100,000 passes took
	// the API server over a quarter of an hour.
	parallel(n, func(i int) error { return client.IgnoreNotFound(c.Delete(ctx, newPass("bare", i))) })

	// The manager, built and run as it is deployed; the web service beside
	// it, for its memory (it caches every pass too).
	bin := proc.Binary(t, testenv.RepoRoot())
	dir := t.TempDir()
	kubeconfig := env.Kubeconfig(t, dir)
	storeArgs := []string{"--bundle-store=configmap"}
	if os.Getenv("WALLET_SCALE_BUNDLE_STORE") == "s3" {
		binary, err := locals3.Binary(testenv.RepoRoot())
		if err != nil {
			t.Fatal(err)
		}
		server, err := locals3.Start(binary, t.TempDir(), "scale")
		if err != nil {
			t.Fatal(err)
		}
		defer server.Stop()
		server.SetCredentialsEnv()
		storeArgs = []string{"--bundle-store=s3", "--s3-endpoint=" + server.Endpoint, "--s3-bucket=scale", "--s3-path-style"}
	}
	metricsAddr := proc.FreeAddress(t)
	qps, burst := cmp.Or(os.Getenv("WALLET_SCALE_QPS"), "1000"), cmp.Or(os.Getenv("WALLET_SCALE_BURST"), "2000")
	mgr := exec.Command(bin, "manager", "--kubeconfig", kubeconfig,
		"--metrics-bind-address", metricsAddr, "--metrics-insecure", "--health-probe-bind-address", "0",
		"--webservice-url", "https://wallet.example.com/passes",
		"--kube-api-qps", qps, "--kube-api-burst", burst,
		"--pass-workers", strconv.Itoa(envInt("WALLET_SCALE_WORKERS", 4)), "--zap-log-level", "error",
		// The sample certificate is a development chain: allowed in "scale" only.
		"--development-namespaces=scale")
	mgr.Args = append(mgr.Args, storeArgs...)
	profiles := os.Getenv("WALLET_SCALE_PROFILE_DIR")
	mgrPprof, webPprof := proc.FreeAddress(t), proc.FreeAddress(t)
	mgr.Args = append(mgr.Args, "--pprof-bind-address="+mgrPprof)
	mgr.Stderr = os.Stderr
	if err := mgr.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mgr.Process.Kill(); _, _ = mgr.Process.Wait() }()
	web := exec.Command(bin, "webservice", "--kubeconfig", kubeconfig, "--listen", proc.FreeAddress(t),
		"--webservice-url", "https://wallet.example.com/passes", "--operator-namespace", "wallet-operator-system",
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--pprof-bind-address", webPprof, "--zap-log-level", "error")
	web.Stderr = os.Stderr
	if err := web.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = web.Process.Kill(); _, _ = web.Process.Wait() }()

	// Passes get their finalizer at admission, as config/components/
	// admission-policy gives it on Kubernetes 1.36 and later
	// (WALLET_SCALE_ADMISSION_POLICY=false: from the manager's patch).
	admission := os.Getenv("WALLET_SCALE_ADMISSION_POLICY") != "false"
	if admission {
		policy, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "components", "admission-policy"))
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range policy {
			obj.SetNamespace("")
			if err := c.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
		waitForAdmission(t, c)
	}

	// One template, the coupon sample, with its certificate and images.
	objs, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if k := obj.GetKind(); k == "ConfigMap" || k == "PassCertificate" || (k == "PassTemplate" && obj.GetName() == "coffee-coupon") {
			obj.SetNamespace("scale")
			if err := c.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
	}
	tpl := &walletv1.PassTemplate{}
	waitFor(t, 2*time.Minute, "template Ready", func() bool {
		_ = c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: "coffee-coupon"}, tpl)
		r := findReady(tpl.Status.Conditions)
		return r != nil && r.Status == metav1.ConditionTrue
	})
	signed := func() float64 { return scrape(t, metricsAddr)["wallet_manager_bundles_signed_total"] }
	timeout := time.Duration(envInt("WALLET_SCALE_TIMEOUT_MINUTES", 15+n/2500)) * time.Minute

	// The operator: the same creators; done when every pass is Ready.
	mgrHeap0, webHeap0 := heapAfterGC(t, mgrPprof), heapAfterGC(t, webPprof)
	var createdIn time.Duration
	operator := measure(t, &cfg, &metricsAddr, n, func() {
		start := time.Now()
		parallel(n, func(i int) error { return c.Create(ctx, newPass("scale", i)) })
		createdIn = time.Since(start)
		if profiles != "" {
			managerPprofAddress = mgrPprof
			go profile(t, &cfg, profiles)
		}
		waitFor(t, timeout, fmt.Sprintf("%d passes Ready", n), func() bool {
			_ = c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: "coffee-coupon"}, tpl)
			return int(tpl.Status.ReadyPasses) == n
		}, func() string {
			var first walletv1.Pass
			_ = c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: "coupon-00000"}, &first)
			return fmt.Sprintf("the template counts %d/%d Ready; coupon-00000: %+v", tpl.Status.ReadyPasses, tpl.Status.Passes, findReady(first.Status.Conditions))
		})
	})
	progress(t, "operator: creation %s (ratio %.2f)", operator.rate(), operator.perSecond()/bare.perSecond())
	managerPeak, webPeak := proc.PeakRSS(mgr.Process.Pid), proc.PeakRSS(web.Process.Pid)
	mgrHeap, webHeap := heapAfterGC(t, mgrPprof), heapAfterGC(t, webPprof)
	if profiles != "" {
		for name, addr := range map[string]string{"manager": mgrPprof, "webservice": webPprof} {
			out, err := exec.Command("curl", "-sSfo", filepath.Join(profiles, name+"-heap.pprof"), "http://"+addr+"/debug/pprof/heap?gc=1").CombinedOutput()
			if err != nil {
				t.Logf("%s heap profile: %v %s", name, err, out)
			}
		}
	}
	perPass := etcdBytesPerPass(t, c, n)

	// A template change re-signs every pass: done when the manager has
	// signed n bundles since (each pass once: checked below).
	before := signed()
	resign := measure(t, &cfg, &metricsAddr, n, func() {
		patch := client.MergeFrom(tpl.DeepCopy())
		tpl.Spec.OrganizationName = "Corner Coffee & Co"
		if err := c.Patch(ctx, tpl, patch); err != nil {
			t.Fatal(err)
		}
		waitFor(t, timeout, fmt.Sprintf("%d passes signed again", n), func() bool { return signed()-before >= float64(n) },
			func() string { return fmt.Sprintf("%.0f signed again", signed()-before) })
	})
	time.Sleep(5 * time.Second) // a second signing of any pass would show by now
	if again := signed() - before; again != float64(n) {
		t.Errorf("a template change signed %.0f bundles for %d passes; want each pass signed once", again, n)
	}

	store := strings.TrimPrefix(storeArgs[0], "--bundle-store=")
	report := []string{
		fmt.Sprintf("scale (%s store, %d passes, %d creators, finalizer at admission: %v): creation: bare client %s, operator %s (created in %s), ratio %.2f",
			store, n, creators, admission, bare.rate(), operator.rate(), createdIn.Round(time.Millisecond), operator.perSecond()/bare.perSecond()),
		fmt.Sprintf("  template change: bare status loop %s, operator %s, ratio %.2f", bareResign.rate(), resign.rate(), resign.perSecond()/bareResign.perSecond()),
		fmt.Sprintf("  peak RSS: manager %d MiB, web service %d MiB (%d passes cached); heap in use after GC per pass: manager %.2f KiB (%d MiB in all), web service %.2f KiB (%d MiB); %.2f KiB in etcd per pass (Pass as JSON + its ConfigMap as protobuf, managedFields included)",
			managerPeak>>20, webPeak>>20, n, float64(mgrHeap-mgrHeap0)/float64(n)/1024, mgrHeap>>20, float64(webHeap-webHeap0)/float64(n)/1024, webHeap>>20, perPass/1024),
		"  API requests per pass, creation: bare " + bare.requests + "; operator " + operator.requests,
		"  API requests per pass, template change: bare " + bareResign.requests + "; operator " + resign.requests,
		"  the manager's own requests per pass: creation " + operator.manager + "; template change " + resign.manager,
		fmt.Sprintf("  pass reconciles per pass: creation %.2f, template change %.2f", operator.reconciles, resign.reconciles),
		"  CPU seconds per 1,000 passes, creation: bare " + bare.cpu + "; operator " + operator.cpu,
		"  CPU seconds per 1,000 passes, template change: bare " + bareResign.cpu + "; operator " + resign.cpu,
	}
	for _, line := range report {
		t.Log(line)
		fmt.Println(line)
	}
}

const creators = 32

// progress says where a long run is, as soon as it is known.
func progress(t *testing.T, format string, args ...any) {
	line := fmt.Sprintf("[%s] ", time.Now().Format(time.TimeOnly)) + fmt.Sprintf(format, args...)
	t.Log(line)
	fmt.Println(line)
}

// waitForAdmission waits until the API server applies the admission
// policy: a probe pass, deleted again, gets the finalizer.
func waitForAdmission(t *testing.T, c client.Client) {
	ctx := context.Background()
	for i := 0; ; i++ {
		probe := newPass("bare", 1_000_000+i)
		if err := c.Create(ctx, probe); err != nil {
			t.Fatal(err)
		}
		has := slices.Contains(probe.Finalizers, walletv1.FinalizerVoidOnDelete)
		probe.Finalizers = nil
		if err := c.Update(ctx, probe); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx, probe); err != nil {
			t.Fatal(err)
		}
		if has {
			return
		}
		if i == 60 {
			t.Fatal("the admission policy gave no pass its finalizer in 30 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// parallel runs do(0..n-1) on the creators, as a client fleet would.
func parallel(n int, do func(i int) error) {
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range creators {
		wg.Go(func() {
			for i := w; i < n && failed.Load() == nil; i += creators {
				if err := do(i); err != nil {
					failed.Store(err)
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		panic(err)
	}
}

func newPass(ns string, i int) *walletv1.Pass {
	return testenv.Coupon(ns, fmt.Sprintf("coupon-%05d", i), fmt.Sprintf("cc-%05d", i), i)
}

// writeStatus writes the bare pass i's status as the controller's one
// status patch would: a Ready condition, the bundle record, the links.
func writeStatus(ctx context.Context, c client.Client, i int, version string) error {
	p := newPass("bare", i)
	now := metav1.Now()
	digest := fmt.Sprintf("sha256:%064d", i)
	p.Status = walletv1.PassStatus{
		ObservedGeneration: 1,
		Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Signed", LastTransitionTime: now, ObservedGeneration: 1,
			Message: "signed and stored in the configmap store, content " + digest[7:19] + ", last changed " + now.UTC().Format(time.RFC3339)}},
		Bundle: &walletv1.BundleStatus{Store: "configmap", Key: "pass-" + p.Name, ConfigMap: "pass-" + p.Name, SharedKey: "shared-coffee-coupon-0123456789ab",
			SHA256: fmt.Sprintf("%064d", i), Size: 2345, ContentDigest: digest, LastModified: &now, Revision: now.UnixNano(), PassTypeIdentifier: "pass.com.example.coupon" + version},
		DownloadURL: "https://wallet.example.com/passes/d/bare/" + p.Name + "?t=0123456789abcdef0123456789abcdef",
		Barcode:     &walletv1.PassBarcodeStatus{Message: testenv.EAN13(i)},
	}
	return c.Status().Patch(ctx, p, client.Merge)
}

// phase is one measured phase: n passes in its duration, and the requests
// per pass it cost the API server (and, when the manager ran, its own).
type phase struct {
	n                      int
	took                   time.Duration
	requests, manager, cpu string
	reconciles             float64
}

func (p phase) perSecond() float64 { return float64(p.n) / p.took.Seconds() }
func (p phase) rate() string {
	return fmt.Sprintf("%.0f passes/s (%s)", p.perSecond(), p.took.Round(time.Millisecond))
}

// measure times run and counts the API server's requests during it, and
// the manager's own when its metrics address is given.
func measure(t *testing.T, cfg *rest.Config, managerMetrics *string, n int, run func()) phase {
	apiBefore, cpuBefore := apiRequests(t, cfg), cpuSeconds()
	var mgrBefore map[string]float64
	var reconcilesBefore float64
	if managerMetrics != nil {
		mgrBefore = managerRequests(t, *managerMetrics)
		reconcilesBefore = passReconciles(t, *managerMetrics)
	}
	start := time.Now()
	run()
	ph := phase{n: n, took: time.Since(start), requests: perPassOf(apiBefore, apiRequests(t, cfg), n)}
	var cpu []string
	for name, after := range cpuSeconds() {
		cpu = append(cpu, fmt.Sprintf("%s %.2f", name, (after-cpuBefore[name])*1000/float64(n)))
	}
	slices.Sort(cpu)
	ph.cpu = strings.Join(cpu, ", ")
	if managerMetrics != nil {
		ph.manager = perPassOf(mgrBefore, managerRequests(t, *managerMetrics), n)
		ph.reconciles = (passReconciles(t, *managerMetrics) - reconcilesBefore) / float64(n)
	}
	return ph
}

// perPassOf says how many requests of each kind were made between two
// counts, per pass (kinds under 0.05 per pass are left out of the list).
func perPassOf(before, after map[string]float64, n int) string {
	counts := map[string]float64{}
	total := 0.0
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			counts[k] = d
			total += d
		}
	}
	kinds := slices.Collect(maps.Keys(counts))
	slices.SortFunc(kinds, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	var out, lists []string
	for _, k := range kinds {
		if per := counts[k] / float64(n); per >= 0.05 {
			out = append(out, fmt.Sprintf("%s %.2f", k, per))
		} else if strings.HasPrefix(k, "LIST ") {
			// Few, but each costs the API server a pass's worth per item.
			lists = append(lists, fmt.Sprintf("%s ×%.0f", k, counts[k]))
		}
	}
	if len(lists) > 0 {
		out = append(out, "and "+strings.Join(lists, ", "))
	}
	return fmt.Sprintf("%.2f (%s)", total/float64(n), strings.Join(out, ", "))
}

// etcdBytesPerPass is what a pass adds to the cluster, sampled: its object
// and its own ConfigMap, as etcd holds them.
func etcdBytesPerPass(t *testing.T, c client.Client, n int) float64 {
	ctx := context.Background()
	var sample, size int
	for i := 0; i < n; i += max(n/50, 1) {
		var p walletv1.Pass
		if err := c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: fmt.Sprintf("coupon-%05d", i)}, &p); err != nil {
			t.Fatal(err)
		}
		// As etcd holds them: a custom resource as JSON, a ConfigMap as
		// protobuf (none with the S3 store).
		pj, _ := json.Marshal(p)
		size += len(pj)
		if i == 0 {
			t.Logf("coupon-00000 as etcd holds it (%d bytes): %s", len(pj), pj)
		}
		if p.Status.Bundle.ConfigMap != "" {
			var cm corev1.ConfigMap
			if err := c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: p.Status.Bundle.ConfigMap}, &cm); err != nil {
				t.Fatal(err)
			}
			size += cm.Size()
		}
		sample++
	}
	return float64(size) / float64(sample)
}

// cpuSeconds is the CPU time (user and system) each process of the run
// has used so far: this test's children (kube-apiserver, etcd, the
// manager, the web service) and the test itself (the client).
func cpuSeconds() map[string]float64 {
	out := map[string]float64{}
	self := strconv.Itoa(os.Getpid())
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		raw, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: fields 14 and 15.
		stat := string(raw)
		end := strings.LastIndexByte(stat, ')')
		if end < 0 {
			continue
		}
		comm := stat[strings.IndexByte(stat, '(')+1 : end]
		f := strings.Fields(stat[end+2:])
		if len(f) < 13 || (f[1] != self && d.Name() != self) {
			continue
		}
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		name := comm
		if d.Name() == self {
			name = "client"
		} else if cmdline, _ := os.ReadFile("/proc/" + d.Name() + "/cmdline"); comm == "wallet-operator" {
			name = strings.Split(string(cmdline), "\x00")[1] // manager, webservice
		}
		out[name] += (utime + stime) / 100 // clock ticks: 100 per second on Linux
	}
	return out
}

// managerPprofAddress is where the manager serves /debug/pprof.
var managerPprofAddress string

// heapAfterGC is a process's live heap: HeapAlloc right after a collection
// (its /debug/pprof at addr).
func heapAfterGC(t *testing.T, addr string) int {
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "# HeapAlloc = "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("no HeapAlloc in %s's heap profile", addr)
	return 0
}

// managerRequests reads the manager's own client request counters
// (client-go's rest_client_requests_total) by method.
func managerRequests(t *testing.T, addr string) map[string]float64 {
	families := scrapeFamilies(t, "http://"+addr+"/metrics")
	counts := map[string]float64{}
	for _, m := range families["rest_client_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "method" {
				counts[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return counts
}

// passReconciles is how many reconciles the pass controller has run.
func passReconciles(t *testing.T, addr string) float64 {
	total := 0.0
	for _, m := range scrapeFamilies(t, "http://"+addr+"/metrics")["controller_runtime_reconcile_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "controller" && l.GetValue() == "pass" {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// scrape reads the manager's unlabelled counters and gauges by name.
func scrape(t *testing.T, addr string) map[string]float64 {
	out := map[string]float64{}
	for name, f := range scrapeFamilies(t, "http://"+addr+"/metrics") {
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) == 0 {
				out[name] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func scrapeFamilies(t *testing.T, url string) map[string]*dto.MetricFamily {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// apiRequests reads the API server's own request counters by verb and
// resource: what the API server spends its CPU on.
func apiRequests(t *testing.T, cfg *rest.Config) map[string]float64 {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, m := range families["apiserver_request_total"].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		kind := l["verb"] + " " + l["resource"]
		if l["subresource"] != "" {
			kind += "/" + l["subresource"]
		}
		counts[kind] += m.GetCounter().GetValue()
	}
	return counts
}

// profile writes 20-second CPU profiles of the manager and the API server,
// taken at the same time while passes are being signed, into dir
// (WALLET_SCALE_PROFILE_DIR): go tool pprof -top dir/manager.pprof.
func profile(t *testing.T, cfg *rest.Config, dir string) {
	const query = "/debug/pprof/profile?seconds=20"
	addr := managerPprofAddress
	var wg sync.WaitGroup
	wg.Go(func() {
		cs, err := kubernetes.NewForConfig(cfg)
		if err == nil {
			var raw []byte
			if raw, err = cs.RESTClient().Get().AbsPath("/debug/pprof/profile").Param("seconds", "20").DoRaw(context.Background()); err == nil {
				err = os.WriteFile(filepath.Join(dir, "apiserver.pprof"), raw, 0o644)
			}
		}
		if err != nil {
			t.Logf("API server profile: %v", err)
		}
	})
	wg.Go(func() {
		out, err := exec.Command("curl", "-sSfo", filepath.Join(dir, "manager.pprof"), "http://"+addr+query).CombinedOutput()
		if err != nil {
			t.Logf("manager profile: %v %s", err, out)
		}
	})
	wg.Wait()
}

func findReady(conds []metav1.Condition) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == "Ready" {
			return &conds[i]
		}
	}
	return nil
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	last := ""
	for _, s := range state {
		last = "; " + s()
	}
	t.Fatalf("timed out after %s waiting for %s%s", limit, what, last)
}
