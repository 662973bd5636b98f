package kube

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// StripForCache drops managedFields and, on the kinds never written whole,
// kubectl's last-applied annotation; every other field stays as it was.
func TestStripForCacheDropsOnlyWhatNothingReads(t *testing.T) {
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"team": "a"},
			Annotations:   map[string]string{corev1.LastAppliedConfigAnnotation: `{"spec":{}}`, walletv1.AnnotationPushRequestedAt: "2027-01-01T00:00:00Z"},
			Finalizers:    []string{walletv1.FinalizerVoidOnDelete},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}}
	}
	pass := &walletv1.Pass{ObjectMeta: meta(), Spec: walletv1.PassSpec{SerialNumber: "s-1", TemplateRef: walletv1.LocalObjectReference{Name: "t"}},
		Status: walletv1.PassStatus{ObservedGeneration: 3, DownloadURL: "https://x/d"}}
	template := &walletv1.PassTemplate{ObjectMeta: meta()}
	partial := &metav1.PartialObjectMetadata{ObjectMeta: meta()}
	registration := &walletv1.DeviceRegistration{ObjectMeta: meta()} // updated whole by the web service
	for _, tc := range []struct {
		obj             any
		keepLastApplied bool
	}{{pass, false}, {template, false}, {partial, false}, {registration, true}} {
		before := jsonMap(t, tc.obj)
		out, err := StripForCache(tc.obj)
		if err != nil {
			t.Fatal(err)
		}
		after := jsonMap(t, out)
		want := before
		md := want["metadata"].(map[string]any)
		delete(md, "managedFields")
		if !tc.keepLastApplied {
			delete(md["annotations"].(map[string]any), corev1.LastAppliedConfigAnnotation)
		}
		if !reflect.DeepEqual(after, want) {
			t.Errorf("%T stripped:\n%v\nwant\n%v", tc.obj, after, want)
		}
	}
	if out, err := StripForCache("a tombstone"); err != nil || out != "a tombstone" {
		t.Errorf("a value without metadata: %v, %v", out, err)
	}
}

func jsonMap(t *testing.T, v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// What the cache drops, no code of the operator reads: a reconcile through
// the stripped cache decides what it would decide through a whole one. The
// code is searched, not sampled: any read of managedFields or of kubectl's
// annotation outside this package fails here, with where it is.
func TestNothingReadsWhatTheCacheDrops(t *testing.T) {
	root := filepath.Join("..", "..")
	dropped := map[string]bool{"ManagedFields": true, "GetManagedFields": true, "LastAppliedConfigAnnotation": true}
	const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case "test", "hack", "internal/kube", "internal/testing", ".git", "bin", "dist":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasPrefix(rel, "zz_generated") || strings.HasSuffix(path, "zz_generated.deepcopy.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if dropped[x.Sel.Name] {
					t.Errorf("%s reads %s, which the cache drops (internal/kube.StripForCache)", fset.Position(x.Pos()), x.Sel.Name)
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(x.Value); err == nil && x.Kind == token.STRING && s == lastApplied {
					t.Errorf("%s names %s, which the cache drops (internal/kube.StripForCache)", fset.Position(x.Pos()), lastApplied)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Two passes of a template, decoded apart, hold one copy of what they
// share once cached; what is their own stays their own.
func TestStripForCacheSharesWhatPassesHoldInCommon(t *testing.T) {
	decode := func(name string) *walletv1.Pass {
		raw := `{"metadata":{"name":"` + name + `","namespace":"ns","finalizers":["` + walletv1.FinalizerVoidOnDelete + `"]},
			"spec":{"templateRef":{"name":"coupon"},"serialNumber":"` + name + `"},
			"status":{"passTypeIdentifier":"pass.example","conditions":[{"type":"Ready","status":"True","reason":"Signed","message":"` + name + `"}],
			"bundle":{"store":"s3","key":"ns/passes/` + name + `","sharedKey":"ns/templates/coupon/0123.zip","passTypeIdentifier":"pass.example"},
			"barcode":{"message":"` + name + `","format":"PKBarcodeFormatQR"}}}`
		p := &walletv1.Pass{}
		if err := json.Unmarshal([]byte(raw), p); err != nil {
			t.Fatal(err)
		}
		if _, err := StripForCache(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := decode("a"), decode("b")
	same := func(what string, x, y string, want bool) {
		if got := unsafe.StringData(x) == unsafe.StringData(y); got != want {
			t.Errorf("%s (%q, %q): one copy %v, want %v", what, x, y, got, want)
		}
	}
	same("namespace", a.Namespace, b.Namespace, true)
	same("finalizer", a.Finalizers[0], b.Finalizers[0], true)
	same("template", a.Spec.TemplateRef.Name, b.Spec.TemplateRef.Name, true)
	same("pass type", a.Status.PassTypeIdentifier, b.Status.Bundle.PassTypeIdentifier, true)
	same("condition reason", a.Status.Conditions[0].Reason, b.Status.Conditions[0].Reason, true)
	same("shared key", a.Status.Bundle.SharedKey, b.Status.Bundle.SharedKey, true)
	same("barcode format", string(a.Status.Barcode.Format), string(b.Status.Barcode.Format), true)
	same("bundle key", a.Status.Bundle.Key, b.Status.Bundle.Key, false)
	if a.Status.Bundle.SharedKey != "ns/templates/coupon/0123.zip" || a.Status.Conditions[0].Message != "a" || b.Spec.SerialNumber != "b" {
		t.Errorf("values changed: %+v", a)
	}
}
