package passcertificate

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Two certificates created within one second (creation timestamps have
// that grain): the one already signing owns the pass type, whatever the
// names of the namespaces (a latecomer in namespace "a-…" took it before;
// TestPassTypeBelongsToOneNamespace failed 1 run in 3 so).
func TestClaimWithinOneSecond(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 3, 16, 43, 3, 0, time.UTC))
	holder := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: "team-z", Name: "dev", CreationTimestamp: at}}
	holder.Status.Conditions = []metav1.Condition{{Type: walletv1.ConditionReady, Status: metav1.ConditionTrue, Reason: walletv1.ReasonCertificateValid}}
	latecomer := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "claim", CreationTimestamp: at}}
	if !olderThan(holder, latecomer) || olderThan(latecomer, holder) {
		t.Error("a certificate created in the same second as the one signing took its pass type")
	}
	earlier := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: "team-y", Name: "first", CreationTimestamp: metav1.NewTime(at.Add(-time.Second))}}
	if !olderThan(earlier, holder) {
		t.Error("an older certificate is not the older")
	}
}
