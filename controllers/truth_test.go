package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// Conditions that tell the truth: what `kubectl get pass` and `kubectl wait
// --for=condition=Ready` read is a verdict on the current generation and
// names the current cause.

// waitVerdict waits for a Ready condition on the pass's current generation
// (what kubectl wait needs) with the given status and reason.
func waitVerdict(t *testing.T, ns, name string, want metav1.ConditionStatus, reason string) *walletv1.Pass {
	t.Helper()
	var p *walletv1.Pass
	eventually(t, fmt.Sprintf("%s Ready=%s %s", name, want, reason), func() (bool, string) {
		p = getPass(t, ns, name)
		r := status.Ready(p.Status.Conditions)
		if r == nil {
			return false, "no Ready condition"
		}
		return r.Status == want && r.Reason == reason && r.ObservedGeneration == p.Generation && p.Status.ObservedGeneration == p.Generation,
			fmt.Sprintf("%s %s (gen %d, status gen %d, object gen %d): %s", r.Status, r.Reason, r.ObservedGeneration, p.Status.ObservedGeneration, p.Generation, r.Message)
	})
	return p
}

// A pass's message follows its certificate's reason, also when the
// certificate goes from one problem straight to another.
func TestPassMessageFollowsCertificateReason(t *testing.T) {
	ns, _ := applySamples(t)
	passes := waitAllReady(t, ns)
	ctx := context.Background()
	secret := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate-tls"}, secret); err != nil {
		t.Fatal(err)
	}
	update(t, secret, func(s *corev1.Secret) {
		s.Data = map[string][]byte{"tls.crt": []byte("garbage"), "tls.key": []byte("garbage")}
	})
	for _, p := range passes {
		eventually(t, p.Name+" says SecretInvalid", func() (bool, string) {
			r := status.Ready(getPass(t, ns, p.Name).Status.Conditions)
			return r.Status == metav1.ConditionFalse && strings.Contains(r.Message, walletv1.ReasonSecretInvalid), r.Message
		})
	}

	expired, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator." + ns, TeamIdentifier: "WALLETDEMO",
		NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	data, err := expired.SecretData()
	if err != nil {
		t.Fatal(err)
	}
	update(t, secret, func(s *corev1.Secret) { s.Data = data })
	for _, p := range passes {
		eventually(t, p.Name+" says Expired, no longer SecretInvalid", func() (bool, string) {
			r := status.Ready(getPass(t, ns, p.Name).Status.Conditions)
			return r.Status == metav1.ConditionFalse && strings.Contains(r.Message, walletv1.ReasonExpired) && !strings.Contains(r.Message, walletv1.ReasonSecretInvalid), r.Message
		})
	}
}

// A pass too large for a ConfigMap is BundleTooLarge on its current
// generation, with the size and the limit, and its last good bundle stays.
func TestBundleTooLargeIsReported(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	p := getPass(t, ns, "member-tom")
	good := *p.Status.Bundle
	big := strings.Repeat("x", 1100*1000)
	update(t, p, func(p *walletv1.Pass) {
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"name":"` + big + `","since":"2025-09-15T00:00:00Z","plan":"monthly"}`)}
	})
	got := waitVerdict(t, ns, p.Name, metav1.ConditionFalse, walletv1.ReasonBundleTooLarge)
	r := status.Ready(got.Status.Conditions)
	// A 1.1 MB value meets the first bound on its way: one rendered text
	// holds at most 64 KiB (bundle.TooLarge's 1 MiB ConfigMap bound is
	// tested in internal/bundle).
	if !strings.Contains(r.Message, "65536 bytes") || !strings.Contains(r.Message, "spec.fields") || !strings.Contains(r.Message, "last good bundle is still served") {
		t.Errorf("the message should name the field, give the limit and say the old bundle is served: %s", r.Message)
	}
	if !equality.Semantic.DeepEqual(*got.Status.Bundle, good) {
		t.Errorf("the bundle status moved: %+v -> %+v", good, *got.Status.Bundle)
	}
	files := fetchAndVerify(t, ns, p.Name, devRoots(t, ns))
	if !strings.Contains(string(files[pkpass.PassJSON]), "Tom Berg") {
		t.Error("the served bundle is not the last good one")
	}
	// Fixing the pass makes it Ready again.
	update(t, got, func(p *walletv1.Pass) {
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"name":"Tom Berg Jr","since":"2025-09-15T00:00:00Z","plan":"monthly"}`)}
	})
	waitVerdict(t, ns, p.Name, metav1.ConditionTrue, walletv1.ReasonSigned)
}

// The API refuses data with more keys than the schema allows.
func TestDataKeysAreBounded(t *testing.T) {
	ns, _ := applySamples(t)
	keys := make([]string, 257)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":"v"`, i)
	}
	p := &walletv1.Pass{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "many-keys"},
		Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "climbing-membership"}, SerialNumber: "many-keys",
			Data: &apiextensionsv1.JSON{Raw: []byte("{" + strings.Join(keys, ",") + "}")}},
	}
	err := c.Create(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "256") {
		t.Errorf("a pass with 257 data keys was not refused with the bound: %v", err)
	}
}

// A barcode message its format cannot draw is InvalidData naming the field,
// and the last good bundle (one a scanner reads) stays served.
func TestUndrawableBarcodeKeepsLastGoodBundle(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	p := getPass(t, ns, "coffee-coupon-0001")
	good := *p.Status.Bundle
	update(t, p, func(p *walletv1.Pass) { p.Spec.Barcode = &walletv1.PassBarcode{Message: "HELLO"} })
	got := waitVerdict(t, ns, p.Name, metav1.ConditionFalse, walletv1.ReasonInvalidData)
	r := status.Ready(got.Status.Conditions)
	if !strings.Contains(r.Message, "spec.barcode.message") || !strings.Contains(r.Message, "EAN-13") {
		t.Errorf("the message should name the field and the format: %s", r.Message)
	}
	if !equality.Semantic.DeepEqual(*got.Status.Bundle, good) {
		t.Errorf("the bundle status moved: %+v -> %+v", good, *got.Status.Bundle)
	}
	files := fetchAndVerify(t, ns, p.Name, devRoots(t, ns))
	if !strings.Contains(string(files[pkpass.PassJSON]), `"4006381333931"`) || strings.Contains(string(files[pkpass.PassJSON]), "HELLO") {
		t.Error("the served bundle is not the last good one")
	}
}

// Names longer than a label value (63 characters) still sign: a pass of 100
// characters, of a template of 70.
func TestLongNamesSign(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	ctx := context.Background()
	var tpl walletv1.PassTemplate
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "climbing-membership"}, &tpl); err != nil {
		t.Fatal(err)
	}
	long := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.Repeat("t", 70)}, Spec: tpl.Spec}
	if err := c.Create(ctx, long); err != nil {
		t.Fatal(err)
	}
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.Repeat("p", 100)},
		Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: long.Name}, SerialNumber: "long-names",
			Data: &apiextensionsv1.JSON{Raw: []byte(`{"name":"Lee","since":"2025-09-15T00:00:00Z","plan":"monthly"}`)}}}
	if err := c.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	waitVerdict(t, ns, p.Name, metav1.ConditionTrue, walletv1.ReasonSigned)
	fetchAndVerify(t, ns, p.Name, devRoots(t, ns))
}

// Last-Modified moves forward with every new content, also for changes
// within one second, so a device is never answered 304 for a version it
// does not have.
func TestLastModifiedMovesForward(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	last := getPass(t, ns, "member-tom").Status.Bundle
	for i := range 3 {
		p := getPass(t, ns, "member-tom")
		update(t, p, func(p *walletv1.Pass) {
			p.Spec.Data = &apiextensionsv1.JSON{Raw: fmt.Appendf(nil, `{"name":"Tom %d","since":"2025-09-15T00:00:00Z","plan":"monthly"}`, i)}
		})
		var b *walletv1.BundleStatus
		eventually(t, "re-signed", func() (bool, string) {
			b = getPass(t, ns, "member-tom").Status.Bundle
			return b.ContentDigest != last.ContentDigest, ""
		})
		if !b.LastModified.After(last.LastModified.Time) {
			t.Errorf("change %d: lastModified %s does not move past %s", i, b.LastModified, last.LastModified)
		}
		last = b
	}
}
