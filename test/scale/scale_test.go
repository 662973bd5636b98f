// Package scale is the scripted load run of the controllers: thousands of
// Passes of one template against a local API server, with the manager as
// its own process. It only runs when WALLET_SCALE_PASSES is set:
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

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	locals3 "github.com/wallet-operator/wallet-operator/internal/local/s3"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
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

	// The manager, built and run as it is deployed.
	dir := t.TempDir()
	bin := filepath.Join(dir, "wallet-operator")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, ns := range []string{"wallet-operator-system", "scale"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	workers := envInt("WALLET_SCALE_WORKERS", 4)
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
	mgr := exec.Command(bin, "manager", "--kubeconfig", env.Kubeconfig(t, dir),
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0",
		"--webservice-url", "https://wallet.example.com/passes",
		"--kube-api-qps", os.Getenv("WALLET_SCALE_QPS"), "--kube-api-burst", os.Getenv("WALLET_SCALE_BURST"),
		"--pass-workers", strconv.Itoa(workers), "--zap-log-level", "error")
	if mgr.Args[11] == "" {
		mgr.Args[11], mgr.Args[13] = "1000", "2000"
	}
	// The sample certificate is a development chain: allowed in "scale" only.
	mgr.Args = append(mgr.Args, append(storeArgs, "--development-namespaces=scale")...)
	profiles := os.Getenv("WALLET_SCALE_PROFILE_DIR")
	if profiles != "" {
		mgr.Args = append(mgr.Args, "--pprof-bind-address=127.0.0.1:6061")
	}
	mgr.Stderr = os.Stderr
	if err := mgr.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mgr.Process.Kill(); _, _ = mgr.Process.Wait() }()

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

	start := time.Now()
	var created atomic.Int64
	var wg sync.WaitGroup
	const creators = 32
	for w := range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += creators {
				p := &walletv1.Pass{
					ObjectMeta: metav1.ObjectMeta{Namespace: "scale", Name: fmt.Sprintf("coupon-%05d", i)},
					Spec: walletv1.PassSpec{
						TemplateRef: walletv1.LocalObjectReference{Name: "coffee-coupon"}, SerialNumber: fmt.Sprintf("cc-%05d", i),
						Data: &apiextensionsv1.JSON{Raw: fmt.Appendf(nil, `{"product":"Flat white","discount":0.%d,"ean":"%s"}`, i%9+1, ean13(i))},
					},
				}
				if err := c.Create(ctx, p); err != nil {
					t.Error(err)
					return
				}
				created.Add(1)
			}
		}()
	}
	wg.Wait()
	createdIn := time.Since(start)
	if profiles != "" {
		go profile(t, &cfg, profiles)
	}
	waitFor(t, time.Duration(envInt("WALLET_SCALE_TIMEOUT_MINUTES", 15+n/2500))*time.Minute, fmt.Sprintf("%d passes Ready", n), func() bool {
		_ = c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: "coffee-coupon"}, tpl)
		return int(tpl.Status.ReadyPasses) == n
	}, func() string {
		var first walletv1.Pass
		_ = c.Get(ctx, client.ObjectKey{Namespace: "scale", Name: "coupon-00000"}, &first)
		return fmt.Sprintf("the template counts %d/%d Ready; coupon-00000: %+v", tpl.Status.ReadyPasses, tpl.Status.Passes, findReady(first.Status.Conditions))
	})
	allReady := time.Since(start)
	peak := peakRSS(t, mgr.Process.Pid)
	if profiles != "" {
		out, err := exec.Command("curl", "-sSfo", filepath.Join(profiles, "manager-heap.pprof"), "http://127.0.0.1:6061/debug/pprof/heap?gc=1").CombinedOutput()
		if err != nil {
			t.Logf("manager heap profile: %v %s", err, out)
		}
	}

	// Bytes a pass adds to the cluster: its object and its own ConfigMap.
	var sample int
	var size int
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
	report := fmt.Sprintf("scale (%s): %d passes created in %s; all Ready %s after the first create (%.0f passes/s); manager peak RSS %d MiB; %.1f KiB in etcd per pass (Pass as JSON + its ConfigMap as protobuf, managedFields included)",
		storeArgs[0], n, createdIn.Round(time.Millisecond), allReady.Round(time.Millisecond), float64(n)/allReady.Seconds(), peak>>20, float64(size)/float64(sample)/1024)
	t.Log(report)
	fmt.Println(report)
	requests := apiRequestsPerPass(t, &cfg, n)
	t.Log(requests)
	fmt.Println(requests)
}

// apiRequestsPerPass reads the API server's own request counters and says
// how many requests of each kind the run made per pass: what the API server
// spends its CPU on (kinds under 0.05 per pass are left out).
func apiRequestsPerPass(t *testing.T, cfg *rest.Config, n int) string {
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
	kinds := slices.Collect(maps.Keys(counts))
	slices.SortFunc(kinds, func(a, b string) int { return cmp.Compare(counts[b], counts[a]) })
	var out []string
	total := 0.0
	for _, k := range kinds {
		total += counts[k]
		if per := counts[k] / float64(n); per >= 0.05 {
			out = append(out, fmt.Sprintf("%s %.2f", k, per))
		}
	}
	return fmt.Sprintf("API requests per pass: %.1f (%s)", total/float64(n), strings.Join(out, ", "))
}

// profile writes 20-second CPU profiles of the manager and the API server,
// taken at the same time while passes are being signed, into dir
// (WALLET_SCALE_PROFILE_DIR): go tool pprof -top dir/manager.pprof.
func profile(t *testing.T, cfg *rest.Config, dir string) {
	const query = "/debug/pprof/profile?seconds=20"
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
		out, err := exec.Command("curl", "-sSfo", filepath.Join(dir, "manager.pprof"), "http://127.0.0.1:6061"+query).CombinedOutput()
		if err != nil {
			t.Logf("manager profile: %v %s", err, out)
		}
	})
	wg.Wait()
}

// ean13 is a valid EAN-13 (its check digit computed) for pass i.
func ean13(i int) string {
	digits := fmt.Sprintf("4006%08d", i)
	sum := 0
	for k, d := range digits {
		w := 1
		if k%2 == 1 {
			w = 3
		}
		sum += int(d-'0') * w
	}
	return digits + strconv.Itoa((10-sum%10)%10)
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

// peakRSS reads a process's high-water resident set size (VmHWM).
func peakRSS(t *testing.T, pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb << 10
		}
	}
	return 0
}
