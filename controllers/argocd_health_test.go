package controllers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	lua "github.com/yuin/gopher-lua"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// argoHealth runs config/argocd/health.lua on obj in the interpreter Argo
// CD uses, as Argo CD does: obj is a global, the script returns a table.
func argoHealth(t *testing.T, obj client.Object) (status, message string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("obj", toLua(L, u))
	if err := L.DoString(string(script)); err != nil {
		t.Fatalf("health.lua on %s: %v", obj.GetName(), err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua returned %v, want a table", L.Get(-1))
	}
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, x := range v {
			t.RawSetString(k, toLua(L, x))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, x := range v {
			t.Append(toLua(L, x))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	}
	panic("unexpected type in an object")
}

// The health script reads the statuses the controllers really write:
// Ready → Healthy; a spec newer than the status → Progressing; a missing
// dependency → Progressing; a terminal failure → Degraded.
func TestArgoCDHealth(t *testing.T) {
	ns, _ := applySamples(t)
	passes := waitAllReady(t, ns)
	ctx := context.Background()

	var certsList walletv1.PassCertificateList
	var tpls walletv1.PassTemplateList
	if err := c.List(ctx, &certsList, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if err := c.List(ctx, &tpls, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var ready []client.Object
	for i := range certsList.Items {
		ready = append(ready, &certsList.Items[i])
	}
	for i := range tpls.Items {
		ready = append(ready, &tpls.Items[i])
	}
	for i := range passes {
		ready = append(ready, &passes[i])
	}
	for _, obj := range ready {
		if status, msg := argoHealth(t, obj); status != "Healthy" {
			t.Errorf("%T %s: %s (%s), want Healthy", obj, obj.GetName(), status, msg)
		}
	}

	// A spec edit the controller has not seen yet.
	stale := passes[0].DeepCopy()
	stale.Generation++
	if status, msg := argoHealth(t, stale); status != "Progressing" || !strings.Contains(msg, "generation") {
		t.Errorf("stale generation: %s (%s), want Progressing", status, msg)
	}
	// Just created: no status yet.
	fresh := passes[0].DeepCopy()
	fresh.Status = walletv1.PassStatus{}
	if status, _ := argoHealth(t, fresh); status != "Progressing" {
		t.Errorf("no status: %s, want Progressing", status)
	}

	// Invalid data: Degraded, with the reason.
	p := getPass(t, ns, "james-smith-pd123")
	update(t, p, func(p *walletv1.Pass) {
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"passenger":"James Smith","flight":"not a flight","from":"JFK","fromCity":"New York","to":"SFO","toCity":"San Francisco","gate":"56","departure":"2026-12-12T10:12:20-08:00"}`)}
	})
	eventually(t, "InvalidData", func() (bool, string) {
		got := getPass(t, ns, p.Name)
		r := status.Ready(got.Status.Conditions)
		return r.Reason == walletv1.ReasonInvalidData && r.ObservedGeneration == got.Generation, r.Reason
	})
	if status, msg := argoHealth(t, getPass(t, ns, p.Name)); status != "Degraded" || !strings.Contains(msg, "InvalidData") {
		t.Errorf("invalid data: %s (%s), want Degraded naming InvalidData", status, msg)
	}

	// A pass applied before its template: Progressing while it waits.
	early := &walletv1.Pass{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "early-pass"},
		Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "not-yet-applied"}, SerialNumber: "early-1",
			Data: &apiextensionsv1.JSON{Raw: []byte(`{}`)}},
	}
	if err := c.Create(ctx, early); err != nil {
		t.Fatal(err)
	}
	eventually(t, "TemplateNotFound", func() (bool, string) {
		r := status.Ready(getPass(t, ns, early.Name).Status.Conditions)
		return r != nil && r.Reason == walletv1.ReasonTemplateNotFound, "no condition"
	})
	if status, msg := argoHealth(t, getPass(t, ns, early.Name)); status != "Progressing" {
		t.Errorf("missing template: %s (%s), want Progressing", status, msg)
	}

	// A certificate whose Secret holds no certificate: Degraded.
	if err := c.Create(ctx, secretWithGarbage(ns, "broken-tls")); err != nil {
		t.Fatal(err)
	}
	broken := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "broken"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "broken-tls"}}}
	if err := c.Create(ctx, broken); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the broken certificate judged", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(broken), broken)
		r := status.Ready(broken.Status.Conditions)
		return r != nil && r.ObservedGeneration == broken.Generation, "no condition"
	})
	if status, msg := argoHealth(t, broken); status != "Degraded" {
		t.Errorf("broken certificate: %s (%s), want Degraded", status, msg)
	}
}

func secretWithGarbage(ns, name string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: []byte("not a certificate"), corev1.TLSPrivateKeyKey: []byte("not a key")},
	}
}
