package release

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// publishedChart is the README's chart reference; the test publishes the
// local releases' charts to a local registry and points it there.
const publishedChart = "oci://ghcr.io/wallet-operator/charts"

// The README's Helm commands, as printed, with helm built from go.mod and
// the charts `make publish-chart` pushed to a local OCI registry: install
// v0.1.0 with a host, upgrade to v0.1.1, uninstall (the CRDs kept until
// deleted last). On an API server of its own: helm installs the same
// namespace as the kubectl install, and this API server has no namespace
// controller to finish deleting it between the two.
func TestHelmInstallUpgradeUninstallAsDocumented(t *testing.T) {
	testenv.Tool(t, "kubectl")
	dirs := map[string]string{"v0.1.0": release(t, "v0.1.0", true), "v0.1.1": release(t, "v0.1.1", false)}
	ctx := context.Background()

	// An OCI registry (go-containerregistry's, in memory), and both charts
	// pushed to it as the release does.
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	localRepo := "oci://" + strings.TrimPrefix(reg.URL, "http://") + "/charts"
	for version, dir := range dirs {
		publish := exec.Command("make", "--no-print-directory", "publish-chart", "VERSION="+version, "DIST="+dir, "CHART_REPO="+localRepo, "HELM_FLAGS=--plain-http")
		publish.Dir = testenv.RepoRoot()
		if out, err := publish.CombinedOutput(); err != nil {
			t.Fatalf("make publish-chart VERSION=%s: %v\n%s", version, err, out)
		}
	}

	// helm, as go.mod pins it (the binary make publish-chart built, from the
	// build cache), on PATH beside kubectl.
	bin := t.TempDir()
	where := exec.Command("go", "tool", "-n", "helm")
	where.Dir = testenv.RepoRoot()
	helm, err := where.Output()
	if err != nil {
		t.Fatalf("go tool -n helm: %v", err)
	}
	if err := os.Symlink(strings.TrimSpace(string(helm)), filepath.Join(bin, "helm")); err != nil {
		t.Fatal(err)
	}
	apiServer, err := testenv.StartEmpty()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = apiServer.Stop() }()
	kubeconfig := apiServer.Kubeconfig(t, t.TempDir())
	sections := readmeSections(t)
	run := func(line string) {
		t.Helper()
		cmd := strings.ReplaceAll(line, publishedChart, localRepo)
		if strings.HasPrefix(cmd, "helm install ") || strings.HasPrefix(cmd, "helm upgrade ") {
			cmd += " --plain-http" // the local registry has no TLS
		}
		sh := exec.Command("bash", "-o", "pipefail", "-c", cmd)
		sh.Dir = t.TempDir()
		sh.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+bin+":"+os.Getenv("PATH"))
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("README: %s\n%v\n%s", line, err, out)
		}
		t.Logf("ran: %s", line)
	}
	deployment := func(name string) (*appsv1.Deployment, error) {
		d := &appsv1.Deployment{}
		return d, apiServer.Client.Get(ctx, client.ObjectKey{Namespace: "wallet-operator-system", Name: name}, d)
	}
	crds := func() int {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion("apiextensions.k8s.io/v1")
		list.SetKind("CustomResourceDefinitionList")
		if err := apiServer.Client.List(ctx, list, client.MatchingLabels{"app.kubernetes.io/part-of": "wallet-operator"}); err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}

	installs := 0
	for _, line := range sections["## Install"] {
		if strings.HasPrefix(line, "helm ") {
			run(line)
			installs++
		}
	}
	if installs != 1 {
		t.Fatalf("the README's Install section has %d helm commands, want the one install", installs)
	}
	manager, err := deployment("wallet-operator-manager")
	if err != nil {
		t.Fatalf("after helm install: %v", err)
	}
	if url := envValue(manager, "WEBSERVICE_URL"); url != "https://wallet.example.org/passes" {
		t.Errorf("after helm install, the manager's WEBSERVICE_URL = %q", url)
	}
	if img := manager.Spec.Template.Spec.Containers[0].Image; img != "ghcr.io/wallet-operator/wallet-operator:v0.1.0" {
		t.Errorf("after helm install the manager runs %s", img)
	}

	steps := sections["### With Helm"]
	if len(steps) == 0 || !strings.HasPrefix(steps[0], "helm upgrade ") {
		t.Fatalf("the README's With Helm section starts with %q, want helm upgrade", steps)
	}
	for _, line := range steps {
		run(line)
		switch {
		case strings.HasPrefix(line, "helm upgrade "):
			manager, err := deployment("wallet-operator-manager")
			if err != nil {
				t.Fatal(err)
			}
			if img := manager.Spec.Template.Spec.Containers[0].Image; img != "ghcr.io/wallet-operator/wallet-operator:v0.1.1" {
				t.Errorf("after helm upgrade the manager runs %s, want v0.1.1", img)
			}
			if url := envValue(manager, "WEBSERVICE_URL"); url != "https://wallet.example.org/passes" {
				t.Errorf("after helm upgrade, the manager's WEBSERVICE_URL = %q", url)
			}
		case strings.HasPrefix(line, "helm uninstall "):
			// The CRDs stay (and every pass with them) until deleted by name.
			if _, err := deployment("wallet-operator-webservice"); !apierrors.IsNotFound(err) {
				t.Errorf("after helm uninstall, the web service Deployment: %v", err)
			}
			if n := crds(); n != 6 {
				t.Errorf("after helm uninstall %d CRDs are left, want all 6 kept", n)
			}
		}
	}
	if n := crds(); n != 0 {
		t.Errorf("after the README's Helm uninstall %d CRDs are left", n)
	}
}
