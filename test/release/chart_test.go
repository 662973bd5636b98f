package release

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wallet-operator/wallet-operator/internal/manifests"
)

// The Helm chart renders, with Helm's own engine, what the kustomize
// install renders: install.yaml with the defaults; install.yaml with each
// component's file over it when that component is enabled; and, with a
// host and an image tag, what the README's sed makes of install.yaml. Its
// default rendering applies to the API server (a server-side dry run).
func TestHelmChartRendersTheKustomizeInstall(t *testing.T) {
	dir := release(t, "v0.1.0", true)
	chart := filepath.Join(dir, "wallet-operator-0.1.0.tgz")
	install := decodeFile(t, filepath.Join(dir, "install.yaml"))

	defaults := renderChart(t, chart, nil)
	sameObjects(t, "the chart with its defaults", defaults, install)

	for value, file := range map[string]string{"s3": "s3.yaml", "postgres": "postgres.yaml", "googleWallet": "google-wallet.yaml", "prometheus": "prometheus.yaml", "networkPolicy": "networkpolicy.yaml", "admissionPolicy": "admission-policy.yaml"} {
		want := overlayObjects(install, decodeFile(t, filepath.Join(dir, file)))
		sameObjects(t, "the chart with "+value+".enabled", renderChart(t, chart, map[string]any{value: map[string]any{"enabled": true}}), want)
	}

	data, err := os.ReadFile(filepath.Join(dir, "install.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sed := strings.ReplaceAll(string(data), "passes.example.com", "wallet.example.org")
	sed = strings.ReplaceAll(sed, "wallet-operator:v0.1.0", "wallet-operator:v0.1.1")
	want, err := manifests.Decode(strings.NewReader(sed))
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, "the chart with host and image.tag", renderChart(t, chart, map[string]any{"host": "wallet.example.org", "image": map[string]any{"tag": "v0.1.1"}}), want)

	if crds := renderChart(t, chart, map[string]any{"crds": map[string]any{"install": false}}); len(crds) != len(install)-countKind(install, "CustomResourceDefinition") {
		t.Errorf("crds.install=false: %d objects, want install.yaml's %d without its CRDs", len(crds), len(install))
	}

	// Applies: its Namespace for real (other tests may have made it), the
	// rest as the server-side dry run of what helm install would create.
	kubeconfig := env.Kubeconfig(t, t.TempDir())
	var namespaces, rest []*unstructured.Unstructured
	for _, o := range defaults {
		if o.GetKind() == "Namespace" {
			namespaces = append(namespaces, o)
		} else {
			rest = append(rest, o)
		}
	}
	for i, objs := range [][]*unstructured.Unstructured{namespaces, rest} {
		var text bytes.Buffer
		for _, o := range objs {
			y, err := o.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&text, "---\n%s\n", y)
		}
		file := filepath.Join(t.TempDir(), "chart.yaml")
		if err := os.WriteFile(file, text.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--kubeconfig", kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", file}
		if i == 1 {
			args = append(args, "--dry-run=server")
		}
		if out, err := exec.Command("kubectl", args...).CombinedOutput(); err != nil {
			t.Errorf("the chart's objects do not apply: %v\n%s", err, out)
		}
	}
}

// renderChart renders the chart archive with values, as helm template
// would, into objects.
func renderChart(t *testing.T, archive string, values map[string]any) []*unstructured.Unstructured {
	t.Helper()
	chrt, err := loader.LoadFile(archive)
	if err != nil {
		t.Fatalf("load %s: %v", archive, err)
	}
	vals, err := util.ToRenderValues(chrt, values, common.ReleaseOptions{Name: "wallet-operator", Namespace: "default", IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(chrt, vals)
	if err != nil {
		t.Fatalf("render the chart with %v: %v", values, err)
	}
	var objs []*unstructured.Unstructured
	for name, text := range files {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		o, err := manifests.Decode(strings.NewReader(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		objs = append(objs, o...)
	}
	return objs
}

func objectKey(o *unstructured.Unstructured) string {
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// overlayObjects is base with the objects of over in place of those of the
// same key, and those it adds.
func overlayObjects(base, over []*unstructured.Unstructured) []*unstructured.Unstructured {
	byKey := map[string]*unstructured.Unstructured{}
	for _, o := range base {
		byKey[objectKey(o)] = o
	}
	for _, o := range over {
		byKey[objectKey(o)] = o
	}
	out := make([]*unstructured.Unstructured, 0, len(byKey))
	for _, o := range byKey {
		out = append(out, o)
	}
	return out
}

func countKind(objs []*unstructured.Unstructured, kind string) int {
	n := 0
	for _, o := range objs {
		if o.GetKind() == kind {
			n++
		}
	}
	return n
}

// sameObjects reports objects missing, extra or different.
func sameObjects(t *testing.T, what string, got, want []*unstructured.Unstructured) {
	t.Helper()
	g, w := map[string]*unstructured.Unstructured{}, map[string]*unstructured.Unstructured{}
	for _, o := range got {
		g[objectKey(o)] = o
	}
	for _, o := range want {
		w[objectKey(o)] = o
	}
	var diffs []string
	for k, o := range w {
		switch other, ok := g[k]; {
		case !ok:
			diffs = append(diffs, "missing "+k)
		case !reflect.DeepEqual(o.Object, other.Object):
			diffs = append(diffs, "different "+k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			diffs = append(diffs, "extra "+k)
		}
	}
	if len(got) != len(g) {
		diffs = append(diffs, fmt.Sprintf("%d objects with the same key", len(got)-len(g)))
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("%s: not what kustomize renders: %s", what, strings.Join(diffs, "; "))
	}
}
