package manager

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/proc"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

// env is one control plane for the package's tests; each runs its own
// manager (several in one process) in namespaces of its own.
var env *testenv.Env

func TestMain(m *testing.M) {
	skipControllerNameValidation = true
	os.Exit(testenv.Main(m, &env))
}

// The manager subcommand, started as a user would start it, serves its
// probes and metrics, takes the leader Lease, and stops cleanly.
func TestManagerRunsAgainstAPIServer(t *testing.T) {
	kubeconfig := env.Kubeconfig(t, t.TempDir())
	ns := env.Namespace(t)
	metricsAddr, probeAddr := proc.FreeAddress(t), proc.FreeAddress(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"--kubeconfig", kubeconfig,
			"--metrics-bind-address", metricsAddr,
			"--health-probe-bind-address", probeAddr,
			"--leader-elect", "--leader-election-namespace", ns,
		})
	}()

	waitFor(t, done, func() bool { return get(t, "http://"+probeAddr+"/readyz") == "ok" })
	if body := get(t, "http://"+probeAddr+"/healthz"); body != "ok" {
		t.Errorf("/healthz = %q", body)
	}
	waitFor(t, done, func() bool {
		var lease coordinationv1.Lease
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: LeaderElectionID}, &lease)
		return err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != ""
	})
	// Metrics are served over HTTPS to whom the API server allows: no
	// token is 401, a service account without the metrics-reader role
	// 403, one bound to it (config/rbac, as shipped) reads them.
	prometheus, nosy := serviceAccountToken(t, ns, "prometheus"), serviceAccountToken(t, ns, "nosy")
	bindMetricsReader(t, ns, "prometheus")
	waitFor(t, done, func() bool { code, _ := getMetrics(metricsAddr, ""); return code == http.StatusUnauthorized })
	if code, _ := getMetrics(metricsAddr, nosy); code != http.StatusForbidden {
		t.Errorf("metrics for a service account without the metrics-reader role: %d, want 403", code)
	}
	if code, _ := getMetrics("http://"+strings.TrimPrefix(metricsAddr, "https://"), ""); code == http.StatusOK {
		t.Error("metrics served over plain HTTP")
	}
	waitFor(t, done, func() bool {
		code, body := getMetrics(metricsAddr, prometheus)
		return code == http.StatusOK && strings.Contains(body, `leader_election_master_status{name="`+LeaderElectionID+`"} 1`)
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("manager stopped with an error: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("manager did not stop within 30s of cancellation")
	}
}

func TestManagerFlagErrors(t *testing.T) {
	err := run(context.Background(), []string{"--no-such-flag"})
	if !errors.Is(err, cli.ErrUsage) {
		t.Errorf("unknown flag: want a usage error, got %v", err)
	}
	err = run(context.Background(), []string{"--webservice-url", "http://wallet.example.com/passes"})
	if !errors.Is(err, cli.ErrUsage) || !strings.Contains(err.Error(), "must be https") {
		t.Errorf("http web service outside development: want a usage error, got %v", err)
	}
	if err := checkWebServiceURL("http://127.0.0.1:8080/passes", true); err != nil {
		t.Errorf("http in development: %v", err)
	}
	err = run(context.Background(), []string{"--kubeconfig", "/does/not/exist", "--metrics-bind-address", "0", "--health-probe-bind-address", "0"})
	if err == nil || !strings.Contains(err.Error(), "/does/not/exist") {
		t.Errorf("missing kubeconfig: want an error naming the file, got %v", err)
	}
}

// Outside a cluster, a missing operator namespace is one line saying how to
// make it, not a stack trace; by default the kubeconfig context's namespace
// is used, as kubectl would.
func TestManagerOperatorNamespace(t *testing.T) {
	kubeconfig := env.Kubeconfig(t, t.TempDir())
	err := run(context.Background(), []string{"--kubeconfig", kubeconfig, "--operator-namespace", "wallet-operator-nowhere",
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0"})
	if err == nil || !strings.Contains(err.Error(), "kubectl create namespace wallet-operator-nowhere") {
		t.Errorf("a missing operator namespace: %v", err)
	}
	if got := cli.OperatorNamespace(kubeconfig); got != "default" {
		t.Errorf("the default operator namespace outside a cluster is %q, want the context's (default)", got)
	}
}

// serviceAccountToken makes a service account and a token of it, as
// Prometheus's pod would have.
func serviceAccountToken(t *testing.T, ns, name string) string {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := env.Client.Create(context.Background(), sa); err != nil {
		t.Fatal(err)
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}
	if err := env.Client.SubResource("token").Create(context.Background(), sa, req); err != nil {
		t.Fatal(err)
	}
	return req.Status.Token
}

// bindMetricsReader binds the shipped metrics-reader ClusterRole to a
// service account.
func bindMetricsReader(t *testing.T, ns, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config/rbac/metrics_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(data, role); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Create(context.Background(), role); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "metrics-reader-" + ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}},
	}
	if err := env.Client.Create(context.Background(), binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), binding) })
}

// getMetrics asks addr (https unless it says http://) for /metrics with a
// bearer token (none when empty); the certificate is the manager's own.
func getMetrics(addr, token string) (int, string) {
	url := addr + "/metrics"
	if !strings.HasPrefix(addr, "http://") {
		url = "https://" + url
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(body)
}

// waitFor polls cond for up to 30s, failing early if the manager exits.
func waitFor(t *testing.T, done <-chan error, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("manager exited early: %v", err)
		default:
		}
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met within 30s")
}

// The token key never changes under devices: while passes exist, a missing
// key Secret is not replaced by a new key (the manager waits, not ready);
// once it is back, the manager runs, and a later deletion is undone with
// the same key.
func TestManagerKeepsTheTokenKey(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := env.Namespace(t)
	pass := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "on-devices"},
		Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "t"}, SerialNumber: "s-1"}}
	if err := env.Client.Create(ctx, pass); err != nil {
		t.Fatal(err)
	}
	// Signed once: its token derives from the key.
	pass.Status.Bundle = &walletv1.BundleStatus{ConfigMap: "on-devices-pkpass", SHA256: strings.Repeat("0", 64)}
	if err := env.Client.Status().Update(ctx, pass); err != nil {
		t.Fatal(err)
	}
	// The other tests' managers share this API server and look for signed
	// passes in every namespace.
	t.Cleanup(func() {
		var p walletv1.Pass
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(pass), &p); err == nil {
			p.Status.Bundle = nil
			_ = env.Client.Status().Update(context.Background(), &p)
		}
	})
	probeAddr, done := startTokenKeyManager(ctx, t, ns)
	secretKey := client.ObjectKey{Namespace: ns, Name: "wallet-operator-token-key"}
	time.Sleep(3 * time.Second)
	if get(t, "http://"+probeAddr+"/readyz") == "ok" {
		t.Fatal("the manager is ready without its token key while passes exist")
	}
	if err := env.Client.Get(ctx, secretKey, &corev1.Secret{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a new token key was made while passes exist: %v", err)
	}

	original := []byte("restored-from-backup-0123456789abcdef")
	if err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretKey.Name},
		Data: map[string][]byte{tokens.SecretKey: original}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, func() bool { return get(t, "http://"+probeAddr+"/readyz") == "ok" })

	if err := env.Client.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretKey.Name}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, func() bool {
		var s corev1.Secret
		return env.Client.Get(ctx, secretKey, &s) == nil && bytes.Equal(s.Data[tokens.SecretKey], original)
	})
}

// startTokenKeyManager runs the manager with a web service URL (so it
// needs its token key) and its token key Secret in ns, until ctx ends; it
// returns its health probe address and where run's error arrives.
func startTokenKeyManager(ctx context.Context, t *testing.T, ns string) (probeAddr string, done <-chan error) {
	probeAddr = proc.FreeAddress(t)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{
			"--kubeconfig", env.Kubeconfig(t, t.TempDir()), "--webservice-url", "https://wallet.example.com/passes",
			"--operator-namespace", ns, "--metrics-bind-address", "0", "--health-probe-bind-address", probeAddr,
		})
	}()
	return probeAddr, errc
}

// Passes applied before the manager ever ran (a newcomer applies the
// samples while the image is pulled) were never signed: the manager makes
// the token key and starts.
func TestManagerMakesTheTokenKeyBeforeAnyPassIsSigned(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := env.Namespace(t)
	if err := env.Client.Create(ctx, &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "applied-early"},
		Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "t"}, SerialNumber: "s-early"}}); err != nil {
		t.Fatal(err)
	}
	probeAddr, done := startTokenKeyManager(ctx, t, ns)
	waitFor(t, done, func() bool { return get(t, "http://"+probeAddr+"/readyz") == "ok" })
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "wallet-operator-token-key"}, &corev1.Secret{}); err != nil {
		t.Errorf("no token key made: %v", err)
	}
}

// With --watch-namespaces the manager reconciles the namespaces it is
// given and leaves the others alone.
func TestManagerWatchesOnlyItsNamespaces(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched, other := env.Namespace(t), env.Namespace(t)
	certIn := func(ns string) *walletv1.PassCertificate {
		cert := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dev"},
			Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "dev-tls"},
				SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: "pass.io.wallet-operator." + ns, TeamIdentifier: "A1B2C3D4E5"}}}
		if err := env.Client.Create(ctx, cert); err != nil {
			t.Fatal(err)
		}
		return cert
	}
	inWatched, inOther := certIn(watched), certIn(other)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"--kubeconfig", env.Kubeconfig(t, t.TempDir()), "--operator-namespace", watched, "--watch-namespaces", watched,
			"--development-namespaces", "test-*", "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
		})
	}()
	waitFor(t, done, func() bool {
		_ = env.Client.Get(ctx, client.ObjectKeyFromObject(inWatched), inWatched)
		return status.IsReady(inWatched.Status.Conditions, inWatched.Generation)
	})
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(inOther), inOther); err != nil || len(inOther.Status.Conditions) > 0 {
		t.Errorf("a namespace the manager does not watch was reconciled: %v %+v", err, inOther.Status.Conditions)
	}
}
