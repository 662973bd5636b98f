// Package release checks what `make release` builds and the README's
// Install, Upgrade and Uninstall sections, run as printed against a local
// release on a real API server.
package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	code := testenv.Main(m, &env)
	for _, dir := range releases {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

const revision = "0123456789abcdef0123456789abcdef01234567"

var (
	releasesMu sync.Mutex
	releases   = map[string]string{}
)

// release builds `make release` of version for this machine's platform
// (the full release builds four; each is the same go build) once per test
// binary, and returns its directory. binaries=false builds the manifests
// only.
func release(t *testing.T, version string, binaries bool) string {
	t.Helper()
	releasesMu.Lock()
	defer releasesMu.Unlock()
	if dir, ok := releases[version]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "wallet-release-"+version+"-")
	if err != nil {
		t.Fatal(err)
	}
	platforms := ""
	if binaries {
		platforms = runtime.GOOS + "/" + runtime.GOARCH
	}
	cmd := exec.Command("make", "--no-print-directory", "release", "VERSION="+version, "REVISION="+revision, "PLATFORMS="+platforms, "DIST="+dir)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "SBOM="+fmt.Sprint(binaries))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release VERSION=%s: %v\n%s", version, err, out)
	}
	releases[version] = dir
	return dir
}

// The release's files: install.yaml pinned to the version (Namespace and
// CRDs first), one file per component, an archive per platform holding
// LICENSE and a binary that says its version, a krew manifest whose sums
// are the archives', an SBOM of the binary's modules, and checksums
// sha256sum accepts.
func TestReleaseArtifacts(t *testing.T) {
	dir := release(t, "v0.1.0", true)
	archive := fmt.Sprintf("wallet-operator_v0.1.0_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)
	for _, f := range []string{"install.yaml", "s3.yaml", "postgres.yaml", "google-wallet.yaml", "prometheus.yaml", "networkpolicy.yaml", "admission-policy.yaml", "wallet-operator-0.1.0.tgz", "wallet.yaml", "sbom.cdx.json", "checksums.txt", archive} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the release has no %s", f)
		}
	}

	t.Run("checksums", func(t *testing.T) {
		cmd := exec.Command("sha256sum", "--check", "--strict", "checksums.txt")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sha256sum --check: %v\n%s", err, out)
		}
		entries, _ := os.ReadDir(dir)
		if got := strings.Count(string(out), ": OK"); got != len(entries)-1 {
			t.Errorf("checksums.txt covers %d files, the release has %d besides it:\n%s", got, len(entries)-1, out)
		}
	})

	t.Run("install.yaml", func(t *testing.T) {
		objs := decodeFile(t, filepath.Join(dir, "install.yaml"))
		if objs[0].GetKind() != "Namespace" {
			t.Errorf("first object is a %s, want the Namespace", objs[0].GetKind())
		}
		seenOther := false
		for _, o := range objs[1:] {
			if o.GetKind() != "CustomResourceDefinition" {
				seenOther = true
			} else if seenOther {
				t.Errorf("CRD %s comes after other objects: CRDs go first", o.GetName())
			}
			if o.GetLabels()["app.kubernetes.io/version"] != "v0.1.0" || o.GetLabels()["app.kubernetes.io/part-of"] != "wallet-operator" {
				t.Errorf("%s %s labels = %v, want version v0.1.0, part of wallet-operator", o.GetKind(), o.GetName(), o.GetLabels())
			}
			if o.GetKind() == "Deployment" {
				var d appsv1.Deployment
				fromObject(t, o.Object, &d)
				if img := d.Spec.Template.Spec.Containers[0].Image; img != "ghcr.io/wallet-operator/wallet-operator:v0.1.0" {
					t.Errorf("Deployment %s image = %s, want the release's", d.Name, img)
				}
			}
		}
	})

	t.Run("namespaces", func(t *testing.T) {
		// Every namespaced object of every file is in the operator's
		// namespace (a component's objects too: config/default's
		// namespace does not reach them by itself).
		for _, f := range []string{"install.yaml", "s3.yaml", "postgres.yaml", "google-wallet.yaml", "prometheus.yaml", "networkpolicy.yaml", "admission-policy.yaml"} {
			for _, o := range decodeFile(t, filepath.Join(dir, f)) {
				clusterScoped := map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
					"MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true}[o.GetKind()]
				if want := map[bool]string{true: "", false: "wallet-operator-system"}[clusterScoped]; o.GetNamespace() != want {
					t.Errorf("%s: %s %s is in namespace %q", f, o.GetKind(), o.GetName(), o.GetNamespace())
				}
			}
		}
	})

	t.Run("archive", func(t *testing.T) {
		files := untar(t, filepath.Join(dir, archive))
		license, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "LICENSE"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(files["LICENSE"], license) || !bytes.Contains(license, []byte("Apache License")) {
			t.Error("the archive's LICENSE is not the repository's Apache-2.0 license")
		}
		bin := filepath.Join(t.TempDir(), "wallet-operator")
		if err := os.WriteFile(bin, files["wallet-operator"], 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "version", "--client").Output()
		if err != nil || !strings.HasPrefix(string(out), "client: v0.1.0 (revision "+revision[:12]+"), go") {
			t.Errorf("wallet-operator version --client = %q, %v; want v0.1.0 with its revision", out, err)
		}
		// As the plugin krew installs (the binary renamed kubectl-wallet).
		plugin := filepath.Join(filepath.Dir(bin), "kubectl-wallet")
		if err := os.Rename(bin, plugin); err != nil {
			t.Fatal(err)
		}
		out, err = exec.Command(plugin, "version", "--client", "-o", "json").Output()
		var r struct {
			Client struct{ Version, Revision string }
		}
		if err != nil || json.Unmarshal(out, &r) != nil || r.Client.Version != "v0.1.0" || r.Client.Revision != revision {
			t.Errorf("kubectl wallet version --client -o json = %s, %v", out, err)
		}
	})

	t.Run("krew manifest", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, "wallet.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var plugin struct {
			Kind string
			Spec struct {
				Version   string
				Platforms []struct {
					Selector         struct{ MatchLabels map[string]string }
					URI, Sha256, Bin string
					Files            []struct{ From, To string }
				}
			}
		}
		if err := yaml.UnmarshalStrict(data, &plugin); err != nil && !strings.Contains(err.Error(), "unknown field") {
			t.Fatal(err)
		}
		if plugin.Kind != "Plugin" || plugin.Spec.Version != "v0.1.0" || len(plugin.Spec.Platforms) != 1 {
			t.Fatalf("krew manifest: %+v", plugin)
		}
		for _, p := range plugin.Spec.Platforms {
			file := filepath.Join(dir, filepath.Base(p.URI))
			data, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s names %s, which the release does not have", p.URI, filepath.Base(p.URI))
				continue
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != p.Sha256 {
				t.Errorf("krew sha256 for %s = %s, the archive's is %x", p.URI, p.Sha256, sum)
			}
			if !strings.HasPrefix(p.URI, "https://github.com/wallet-operator/wallet-operator/releases/download/v0.1.0/") || p.Bin != "kubectl-wallet" ||
				p.Selector.MatchLabels["os"] != runtime.GOOS || p.Selector.MatchLabels["arch"] != runtime.GOARCH {
				t.Errorf("krew platform %+v", p)
			}
			mapped := map[string]string{}
			for _, f := range p.Files {
				mapped[f.From] = f.To
			}
			if mapped["wallet-operator"] != "kubectl-wallet" || mapped["LICENSE"] == "" {
				t.Errorf("krew files %+v: want the binary installed as kubectl-wallet, and LICENSE", p.Files)
			}
		}
	})

	t.Run("SBOM", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, "sbom.cdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		var bom struct {
			BOMFormat, SpecVersion string
			Metadata               struct {
				Component struct{ Name, Version string }
			}
			Components []struct{ Name, Version, Purl string }
		}
		if err := json.Unmarshal(data, &bom); err != nil {
			t.Fatal(err)
		}
		if bom.BOMFormat != "CycloneDX" || bom.Metadata.Component.Name != "github.com/wallet-operator/wallet-operator" || bom.Metadata.Component.Version != "v0.1.0" {
			t.Errorf("SBOM %s %s of %+v", bom.BOMFormat, bom.SpecVersion, bom.Metadata.Component)
		}
		// Exactly the modules the go command says the binary links (test-only
		// modules left out), at their versions.
		listed := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", ".")
		listed.Dir = testenv.RepoRoot()
		listed.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := listed.Output()
		if err != nil {
			t.Fatalf("go list -deps: %v", err)
		}
		want := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line != "" {
				want[line] = true
			}
		}
		got := map[string]bool{}
		for _, c := range bom.Components {
			got[c.Name+" "+c.Version] = true
		}
		for m := range want {
			if !got[m] {
				t.Errorf("the SBOM lacks %s, which the binary links", m)
			}
		}
		for m := range got {
			if !want[m] {
				t.Errorf("the SBOM lists %s, which the binary does not link", m)
			}
		}
		if len(want) < 50 || !want["github.com/sideshow/apns2 v0.25.0"] {
			t.Errorf("go list -deps found %d modules: %v", len(want), want)
		}
	})
}

// Each component's file applies after install.yaml (server-side, as the
// README says), and changes what its kustomize component changes.
func TestComponentsApplyAfterInstall(t *testing.T) {
	dir := release(t, "v0.1.0", true)
	kubeconfig := env.Kubeconfig(t, t.TempDir())
	// install.yaml for real (its namespace must exist for the rest), each
	// component as a dry run on top of it.
	for _, f := range []string{"install.yaml", "s3.yaml", "postgres.yaml", "google-wallet.yaml", "prometheus.yaml", "networkpolicy.yaml", "admission-policy.yaml"} {
		args := []string{"--kubeconfig", kubeconfig, "apply", "--server-side", "-f", filepath.Join(dir, f)}
		if f != "install.yaml" {
			args = append(args, "--dry-run=server")
		}
		if f == "prometheus.yaml" {
			// The Prometheus Operator's kinds are not installed here: it
			// holds those, the Grafana dashboard's ConfigMap and the
			// binding that lets Prometheus read metrics.
			objs := decodeFile(t, filepath.Join(dir, f))
			for _, o := range objs {
				if o.GetKind() != "ServiceMonitor" && o.GetKind() != "PrometheusRule" && o.GetName() != "wallet-operator-grafana-dashboard" && o.GetName() != "wallet-operator-metrics-reader" {
					t.Errorf("prometheus.yaml holds a %s %s", o.GetKind(), o.GetName())
				}
			}
			continue
		}
		if out, err := exec.Command("kubectl", args...).CombinedOutput(); err != nil {
			t.Errorf("kubectl apply --server-side -f %s: %v\n%s", f, err, out)
		}
	}
	for file, want := range map[string]string{"s3.yaml": "--bundle-store=s3", "postgres.yaml": "--registration-store=postgres", "google-wallet.yaml": "--google-wallet-root-keys="} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not set %s", file, want)
		}
	}
}

// The README's Install, Upgrade and Uninstall commands, as printed, with
// the release URLs pointing at local releases: install v0.1.0 with a host,
// run the manager as its Deployment would, make passes, upgrade to v0.1.1,
// uninstall; nothing is left waiting. (Last in this file: it deletes the
// CRDs the other tests use.)
func TestInstallUpgradeUninstallAsDocumented(t *testing.T) {
	testenv.Tool(t, "kubectl")
	dirs := map[string]string{"v0.1.0": release(t, "v0.1.0", true), "v0.1.1": release(t, "v0.1.1", false)}
	ctx := context.Background()
	work := t.TempDir()
	kubeconfig := env.Kubeconfig(t, work)
	sections := readmeSections(t)

	run := func(section string) {
		t.Helper()
		if len(sections[section]) == 0 {
			t.Fatalf("the README's %s section has no commands", section)
		}
		for _, line := range sections[section] {
			if section == "## Install" && !releaseURL.MatchString(line) {
				continue // the samples after the install: test/demo runs them
			}
			cmd := localRelease(line, dirs)
			sh := exec.Command("bash", "-o", "pipefail", "-c", cmd)
			sh.Dir = testenv.RepoRoot()
			sh.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
			out, err := sh.CombinedOutput()
			if err != nil {
				// A CRD left behind says why in its Terminating condition.
				crds, _ := exec.Command("kubectl", "--kubeconfig", kubeconfig, "get", "crd", "-l", "app.kubernetes.io/part-of=wallet-operator",
					"-o", `jsonpath={range .items[*]}{.metadata.name}: {.status.conditions[?(@.type=="Terminating")].message}{"\n"}{end}`).CombinedOutput()
				t.Fatalf("README (%s): %s\n%v\n%s\nCRDs left:\n%s", section, line, err, out, crds)
			}
			t.Logf("ran: %s", line)
		}
	}

	run("## Install")
	// The host the README's sed sets reached the Ingress and both components.
	var ing struct {
		Spec struct {
			Rules []struct{ Host string }
			TLS   []struct{ Hosts []string }
		}
	}
	getJSON(t, kubeconfig, &ing, "-n", "wallet-operator-system", "get", "ingress", "wallet-operator-webservice")
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "wallet.example.org" || ing.Spec.TLS[0].Hosts[0] != "wallet.example.org" {
		t.Errorf("Ingress after the README's install: %+v, want host wallet.example.org", ing.Spec)
	}
	manager := deployment(t, ctx, "wallet-operator-manager")
	if url := envValue(manager, "WEBSERVICE_URL"); url != "https://wallet.example.org/passes" {
		t.Errorf("manager WEBSERVICE_URL = %q", url)
	}

	// The manager, as its Deployment runs it (the API server here has no
	// kubelet): the release's binary with the Deployment's arguments.
	stop := startManager(t, dirs["v0.1.0"], manager, kubeconfig)
	defer stop()
	ns := env.Namespace(t)
	samples := exec.Command("kubectl", "--kubeconfig", kubeconfig, "-n", ns, "apply", "-k", "config/samples")
	samples.Dir = testenv.RepoRoot()
	if out, err := samples.CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply -k config/samples: %v\n%s", err, out)
	}
	testenv.Eventually(t, 2*time.Minute, "the samples' passes signed", func() (bool, string) {
		var passes walletv1.PassList
		if err := env.Client.List(ctx, &passes, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		ready := 0
		for _, p := range passes.Items {
			if p.Status.Bundle != nil && len(p.Finalizers) > 0 {
				ready++
			}
		}
		return len(passes.Items) >= 10 && ready == len(passes.Items), fmt.Sprintf("%d of %d passes signed", ready, len(passes.Items))
	})

	run("### Upgrade")
	if img := deployment(t, ctx, "wallet-operator-webservice").Spec.Template.Spec.Containers[0].Image; img != "ghcr.io/wallet-operator/wallet-operator:v0.1.1" {
		t.Errorf("after the upgrade the web service runs %s, want v0.1.1", img)
	}
	// The upgrade applies the example host again (the README says to use the
	// same sed): what it applied is what is there, with no conflict.
	if url := envValue(deployment(t, ctx, "wallet-operator-manager"), "WEBSERVICE_URL"); url == "" {
		t.Error("the upgrade lost the manager's WEBSERVICE_URL")
	}

	run("### Uninstall")
	// Nothing of ours is left, and nothing waits: the passes went while the
	// manager ran, the CRDs took every custom resource with them.
	crds := &unstructured.UnstructuredList{}
	crds.SetAPIVersion("apiextensions.k8s.io/v1")
	crds.SetKind("CustomResourceDefinitionList")
	if err := env.Client.List(ctx, crds); err != nil {
		t.Fatal(err)
	}
	for _, crd := range crds.Items {
		if strings.HasSuffix(crd.GetName(), "."+walletv1.GroupName) {
			t.Errorf("CRD %s is left (deleting: %v)", crd.GetName(), crd.GetDeletionTimestamp() != nil)
		}
	}
	for _, name := range []string{"wallet-operator-manager", "wallet-operator-webservice"} {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "wallet-operator-system", Name: name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
			t.Errorf("Deployment %s is left: %v", name, err)
		}
	}
	// The namespace is going; this API server has no namespace controller
	// (kube-controller-manager's) to finish it, so its finalizer stays.
	var nsObj corev1.Namespace
	if err := env.Client.Get(ctx, client.ObjectKey{Name: "wallet-operator-system"}, &nsObj); err == nil && nsObj.DeletionTimestamp == nil {
		t.Error("the namespace wallet-operator-system is not being deleted")
	}
}

// readmeSections are the README's shell commands by heading.
func readmeSections(t *testing.T) map[string][]string {
	out := map[string][]string{}
	for _, c := range testenv.ShellCommands(t, filepath.Join(testenv.RepoRoot(), "README.md")) {
		out[c.Heading] = append(out[c.Heading], c.Line)
	}
	return out
}

var releaseURL = regexp.MustCompile(`https://github\.com/wallet-operator/wallet-operator/releases/download/(v[^/]+)/([A-Za-z0-9._-]+)`)

// localRelease points a README command's release URLs at local releases:
// `curl ... URL` becomes `cat FILE`, any other URL the file's path.
func localRelease(line string, dirs map[string]string) string {
	local := func(url string) string {
		m := releaseURL.FindStringSubmatch(url)
		return filepath.Join(dirs[m[1]], m[2])
	}
	line = regexp.MustCompile(`curl (-[A-Za-z]+ )*`+releaseURL.String()).ReplaceAllStringFunc(line, func(s string) string {
		return "cat " + local(releaseURL.FindString(s))
	})
	return releaseURL.ReplaceAllStringFunc(line, local)
}

func startManager(t *testing.T, dir string, d *appsv1.Deployment, kubeconfig string) (stop func()) {
	t.Helper()
	files := untar(t, filepath.Join(dir, fmt.Sprintf("wallet-operator_v0.1.0_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)))
	bin := filepath.Join(t.TempDir(), "wallet-operator")
	if err := os.WriteFile(bin, files["wallet-operator"], 0o755); err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	var args []string
	for _, a := range c.Args {
		args = append(args, strings.ReplaceAll(a, "$(WEBSERVICE_URL)", envValue(d, "WEBSERVICE_URL")))
	}
	// Here, beside other tests: no fixed ports, this API server, samples
	// signed with the development chain in their namespace.
	args = append(args, "--kubeconfig", kubeconfig, "--metrics-bind-address=0", "--health-probe-bind-address=0", "--development-namespaces=*",
		"--leader-election-namespace=wallet-operator-system")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	var log testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	for _, e := range c.Env {
		if e.Value != "" {
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
		}
	}
	cmd.Env = append(cmd.Env, "POD_NAMESPACE=wallet-operator-system", "PATH="+os.Getenv("PATH"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	return func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("manager log:\n%s", log.String())
		}
	}
}

func deployment(t *testing.T, ctx context.Context, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "wallet-operator-system", Name: name}, &d); err != nil {
		t.Fatalf("Deployment %s: %v", name, err)
	}
	return &d
}

func envValue(d *appsv1.Deployment, name string) string {
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func getJSON(t *testing.T, kubeconfig string, into any, args ...string) {
	t.Helper()
	out, err := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig, "-o", "json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("kubectl %v: %v", args, err)
	}
	if err := json.Unmarshal(out, into); err != nil {
		t.Fatal(err)
	}
}

func decodeFile(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, err := manifests.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s holds no objects", file)
	}
	return objs
}

func fromObject(t *testing.T, obj map[string]any, into any) {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}

// untar reads a .tar.gz into memory, by file name.
func untar(t *testing.T, file string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = data
	}
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, []string{"LICENSE", "wallet-operator"}) {
		t.Errorf("%s holds %v, want LICENSE and wallet-operator", filepath.Base(file), got)
	}
	return files
}
