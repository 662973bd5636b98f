package googlewallet

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	gw "github.com/wallet-operator/wallet-operator/internal/googlewallet"
)

// Two templates created within one second name one class: the one whose
// status records the class as sent owns it, also when the other's status
// records it as refused (a CI run found the refused one winning by its
// namespace's name, and sending the other's class).
func TestClassOwnerIsTheTemplateHoldingIt(t *testing.T) {
	second := metav1.Date(2026, 12, 4, 10, 0, 0, 0, metav1.Now().Location())
	template := func(ns string, reason string) *walletv1.PassTemplate {
		tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "coffee-coupon", CreationTimestamp: second},
			Spec: walletv1.PassTemplateSpec{GoogleWallet: &walletv1.GoogleWallet{IssuerID: "3388000000022222222", ClassSuffix: "owner-coupon"}}}
		tpl.Status.GoogleWallet = &walletv1.GoogleWalletClassStatus{ClassID: gw.ClassID(tpl),
			Conditions: []metav1.Condition{{Type: walletv1.ConditionGoogleWalletReady, Reason: reason}}}
		return tpl
	}
	owner := template("z-owner", walletv1.ReasonGoogleWalletSynced)
	refused := template("a-latecomer", walletv1.ReasonClassClaimed) // first by name
	if !older(owner, refused) || older(refused, owner) {
		t.Errorf("the template holding the class is not its owner against one refused it (older: %v, %v)", older(owner, refused), older(refused, owner))
	}
	// Neither holding it: the name decides, one way.
	fresh := template("a-latecomer", walletv1.ReasonClassClaimed)
	fresh.Status.GoogleWallet = nil
	if older(owner, fresh) == older(fresh, owner) {
		t.Error("two claims in one second without a holder: no single owner")
	}
}
