package v1alpha1_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// The samples are what a new user copies: every one must apply, with strict
// field validation, to a real API server.
func TestSamplesApply(t *testing.T) {
	ctx := context.Background()
	objs, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	styles := map[string]bool{}
	ns := env.Namespace(t)
	for _, obj := range objs {
		obj.SetNamespace(ns)
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Errorf("sample %s %s refused: %v", obj.GetKind(), obj.GetName(), err)
			continue
		}
		kinds[obj.GetKind()]++
		if obj.GetKind() == "PassTemplate" {
			style, _, _ := unstructuredString(obj.Object, "spec", "style")
			styles[style] = true
		}
	}
	if kinds["PassCertificate"] < 1 || kinds["ConfigMap"] < 1 {
		t.Errorf("samples lack a certificate or the image ConfigMap: %v", kinds)
	}
	for _, style := range []string{"boardingPass", "coupon", "eventTicket", "storeCard", "generic"} {
		if !styles[style] {
			t.Errorf("no sample template of style %s", style)
		}
	}
	if kinds["Pass"] < 2*len(styles) {
		t.Errorf("want at least two sample passes per template, have %d passes for %d templates", kinds["Pass"], len(styles))
	}
}

func unstructuredString(obj map[string]any, path ...string) (string, bool, error) {
	cur := any(obj)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		cur = m[p]
	}
	s, ok := cur.(string)
	return strings.TrimSpace(s), ok, nil
}

// The modern samples (a poster event ticket, a semantic boarding pass) and
// the every-key fixture the render tests sign apply to a real API server
// with strict field validation: the CRDs hold every key they use.
func TestModernSamplesApply(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	modern, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples", "modern"))
	if err != nil {
		t.Fatal(err)
	}
	everyKey, err := manifests.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "cmd", "render", "testdata", "every-key", "every-key.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, objs := range [][]*unstructured.Unstructured{modern, everyKey} {
		if len(objs) < 3 {
			t.Fatalf("%d objects", len(objs))
		}
		for _, obj := range objs {
			obj.SetNamespace(ns)
			if err := env.Client.Create(ctx, obj, client.FieldValidation("Strict")); err != nil {
				t.Errorf("%s %s refused: %v", obj.GetKind(), obj.GetName(), err)
			}
		}
	}
}

// The poster event ticket of docs/passes.md applies, as printed, with strict field
// validation (internal/cmd/render signs it).
func TestReadmeModernPassApplies(t *testing.T) {
	ns := env.Namespace(t)
	objs := testenv.DocYAML(t, "docs/passes.md", "# Modern passes")
	if len(objs) != 2 {
		t.Fatalf("docs/passes.md's modern pass has %d objects, want a template and a pass", len(objs))
	}
	for _, obj := range objs {
		obj.SetNamespace(ns)
		if err := env.Client.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
			t.Errorf("%s %s refused: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
}
