package index

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

func lookupFixture(ns, name, bundlePassType, reason string) *walletv1.Pass {
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: walletv1.PassSpec{SerialNumber: "s-1"}}
	p.Status.PassTypeIdentifier = "pass.com.victim"
	p.Status.Bundle = &walletv1.BundleStatus{PassTypeIdentifier: bundlePassType}
	st := metav1.ConditionTrue
	if reason != walletv1.ReasonSigned {
		st = metav1.ConditionFalse
	}
	status.Set(&p.Status.Conditions, 0, walletv1.ConditionReady, st, reason, "")
	return p
}

// Defence in depth behind pass type ownership: whatever the claims, the
// web service answers for a pass type and serial only with a bundle signed
// for that pass type, never from a pass in SerialConflict, and never picks
// one of two candidates.
func TestLookupCannotBeHijacked(t *testing.T) {
	victim := lookupFixture("victim", "p", "pass.com.victim", walletv1.ReasonSigned)
	conflicting := lookupFixture("attacker", "conflicting", "pass.com.victim", walletv1.ReasonSerialConflict)
	otherType := lookupFixture("attacker", "other-type", "pass.com.attacker", walletv1.ReasonTemplateNotReady)
	build := func(passes ...*walletv1.Pass) client.Reader {
		b := fake.NewClientBuilder().WithScheme(scheme.New()).WithIndex(&walletv1.Pass{}, PassTypeSerial.Name, PassTypeSerial.Values)
		for _, p := range passes {
			b = b.WithObjects(p)
		}
		return b.Build()
	}
	for range 20 {
		got, err := PassBySerial(context.Background(), build(victim, conflicting, otherType), "pass.com.victim", "s-1")
		if err != nil || got == nil || got.Namespace != "victim" {
			t.Fatalf("lookup = %v, %v; want the victim's pass", got, err)
		}
	}
	second := lookupFixture("attacker", "second", "pass.com.victim", walletv1.ReasonSigned)
	if got, err := PassBySerial(context.Background(), build(victim, second), "pass.com.victim", "s-1"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("two candidates: lookup = %v, %v; want ErrAmbiguous", got, err)
	}
}
