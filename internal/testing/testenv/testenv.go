// Package testenv starts a real control plane (kube-apiserver and etcd,
// built by hack/setup-envtest.sh) with the wallet CRDs installed, for tests.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	localcluster "github.com/wallet-operator/wallet-operator/internal/local/cluster"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// Env is a running control plane.
type Env struct {
	Config *rest.Config
	// Client validates fields strictly, as kubectl does, so a misspelt field
	// fails a test instead of being dropped.
	Client  client.Client
	cluster *localcluster.Cluster
}

// RepoRoot is the repository's top directory.
//
// It is found from the working directory (a test runs in its package's
// directory) upwards, not from this file's path: builds are -trimpath.
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(data), "module github.com/wallet-operator/wallet-operator\n") {
			return d
		}
		if filepath.Dir(d) == d {
			panic("no wallet-operator go.mod above " + dir)
		}
	}
}

// KubeVersion is the Kubernetes minor version the tests' API server
// behaves as: $WALLET_TEST_KUBE_VERSION (an older one, emulated), or ""
// for the version the API server was built at. `make test` runs the CRDs'
// validation and the install's tests again with the oldest version the
// README supports (the Makefile's OLDEST_KUBE_VERSION).
func KubeVersion() string { return os.Getenv("WALLET_TEST_KUBE_VERSION") }

// checkEmulation makes sure the API server behaves as KubeVersion says,
// from what it reports itself (/version).
func checkEmulation(cfg *rest.Config) error {
	want := KubeVersion()
	if want == "" {
		return nil
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return fmt.Errorf("read the API server's version: %w", err)
	}
	if got := info.EmulationMajor + "." + info.EmulationMinor; got != want {
		return fmt.Errorf("WALLET_TEST_KUBE_VERSION=%s, but kube-apiserver %s emulates %q", want, info.GitVersion, got)
	}
	return nil
}

// KubeOlderThan says whether the tests' API server behaves as a Kubernetes
// older than minor ("1.36").
func KubeOlderThan(minor string) bool {
	v := KubeVersion()
	if v == "" {
		return false // the API server's own version: the newest supported
	}
	return version.MustParseGeneric(v).LessThan(version.MustParseGeneric(minor))
}

// Start starts kube-apiserver and etcd and installs the CRDs of
// config/crd/bases. The binaries come from KUBEBUILDER_ASSETS, or from
// hack/setup-envtest.sh when that is unset (instant once built).
func Start() (*Env, error) { return start(filepath.Join(RepoRoot(), "config", "crd", "bases")) }

// StartEmpty starts kube-apiserver and etcd with nothing installed: for a
// test that installs the operator itself (helm refuses to take over CRDs
// it did not create).
func StartEmpty() (*Env, error) { return start("") }

func start(crdDir string) (*Env, error) {
	assets, err := localcluster.Assets(RepoRoot())
	if err != nil {
		return nil, err
	}
	cluster, err := localcluster.Start(assets, crdDir, KubeVersion())
	if err != nil {
		return nil, err
	}
	c, err := client.New(cluster.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		_ = cluster.Stop()
		return nil, fmt.Errorf("create client: %w", err)
	}
	if err := checkEmulation(cluster.Config); err != nil {
		_ = cluster.Stop()
		return nil, err
	}
	return &Env{Config: cluster.Config, Client: client.WithFieldValidation(c, metav1.FieldValidationStrict), cluster: cluster}, nil
}

// Stop stops the control plane.
func (e *Env) Stop() error { return e.cluster.Stop() }

// Main runs a package's tests against one control plane shared by them all.
// Use from TestMain: os.Exit(testenv.Main(m, &env)). Each setup runs once
// the control plane is up (e.g. to start a manager); the func it returns
// runs after the tests.
func Main(m *testing.M, env **Env, setups ...func(*Env) (func(), error)) int {
	fuzzWorker := slices.ContainsFunc(os.Args, func(a string) bool { return strings.HasPrefix(a, "-test.fuzzworker") })
	if fuzzWorker {
		// A fuzz worker talks to its coordinator over the descriptors 3 and 4
		// it inherited; the control plane it starts must not inherit them
		// too, or the coordinator waits for them to close long after the
		// worker has gone.
		syscall.CloseOnExec(3)
		syscall.CloseOnExec(4)
	}
	e, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*env = e
	var stops []func()
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	for _, setup := range setups {
		stop, err := setup(e)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			stopAll()
			_ = e.Stop()
			return 1
		}
		stops = append(stops, stop)
	}
	code := m.Run()
	if fuzzWorker {
		// The coordinator interrupts a worker that has not exited a second
		// after its last input, too soon for a graceful stop: end the
		// control plane at once, so that nothing it started outlives the
		// worker.
		killChildren()
		return code
	}
	stopAll() // before the API server, so its watches end first
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the test control plane:", err)
	}
	return code
}

// Namespace creates a namespace of its own for one test.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := e.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// Kubeconfig writes a kubeconfig for the control plane into dir and returns
// its path, for code under test that takes --kubeconfig.
func (e *Env) Kubeconfig(t testing.TB, dir string) string {
	t.Helper()
	data, err := e.cluster.Kubeconfig("test-admin")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}

// ApplySamples creates config/samples in a new namespace of its own, with
// a pass type identifier of its own (serial numbers are unique per pass
// type), and returns the namespace, the pass type and the objects created.
func (e *Env) ApplySamples(t testing.TB) (ns, passType string, objs []*unstructured.Unstructured) {
	t.Helper()
	ns = e.Namespace(t)
	passType = "pass.io.wallet-operator." + ns
	objs, err := manifests.ReadKustomization(filepath.Join(RepoRoot(), "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		obj.SetNamespace(ns)
		if obj.GetKind() == "PassCertificate" {
			if err := unstructured.SetNestedField(obj.Object, passType, "spec", "selfSigned", "passTypeIdentifier"); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Client.Create(context.Background(), obj); err != nil {
			t.Fatalf("create %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
	return ns, passType, objs
}

// Eventually polls cond every 100 ms until it holds, or fails the test
// after limit with what it waited for and the last state cond reported.
func Eventually(t testing.TB, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; last state: %s", limit, what, last)
}

// Consistently polls cond every 100 ms for d and fails the test the first
// time it does not hold: what a claim that something does not happen
// (not retried, not sent again) needs, waited for past the time it would
// have happened.
func Consistently(t testing.TB, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, state := cond(); !ok {
			t.Fatalf("%s no longer held: %s", what, state)
		}
	}
}

// SyncBuffer is a bytes.Buffer safe for one writer and concurrent readers:
// a program's output or log, read while it runs.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// killChildren kills this process's child processes (Linux: read from
// /proc), for a fuzz worker that has no time to stop them gracefully.
func killChildren() {
	entries, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == self {
			if pid, err := strconv.Atoi(e.Name()); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// RunManager starts mgr until ctx ends, as every test stack does, and
// returns a function that waits for it to have stopped (end ctx first). An
// error from the manager goes to stderr.
func RunManager(ctx context.Context, mgr manager.Manager) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return func() { <-done }
}
