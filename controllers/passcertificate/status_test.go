package passcertificate

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestNextCheck(t *testing.T) {
	const day = 24 * time.Hour
	facts := certs.Facts{NotBefore: t0, NotAfter: t0.Add(100 * day)}
	cases := []struct {
		name string
		now  time.Time
		want time.Duration
	}{
		{"before validity: when it becomes valid", t0.Add(-time.Hour), time.Hour + time.Second},
		{"valid: when the warning window opens", t0.Add(10 * day), 60*day + time.Second},
		{"in the window: when it expires", t0.Add(80 * day), 20*day + time.Second},
		{"expired: nothing more will change", t0.Add(101 * day), 0},
	}
	for _, tc := range cases {
		if got := nextCheck(facts, 30*day, tc.now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestConditions(t *testing.T) {
	const day = 24 * time.Hour
	facts := certs.Facts{PassTypeIdentifier: "pass.x.y", TeamIdentifier: "A1B2C3D4E5", NotBefore: t0, NotAfter: t0.Add(100 * day), Development: true}
	cases := []struct {
		name                        string
		now                         time.Time
		problem                     error
		ready, expiring             metav1.ConditionStatus
		readyReason, expiringReason string
		inMessage                   string
	}{
		{"valid", t0.Add(day), nil, metav1.ConditionTrue, metav1.ConditionFalse, walletv1.ReasonCertificateValid, walletv1.ReasonNotExpiring, "no real device trusts them"},
		{"in the warning window", t0.Add(75 * day), nil, metav1.ConditionTrue, metav1.ConditionTrue, walletv1.ReasonCertificateValid, walletv1.ReasonExpiringSoon, "renew it"},
		{"expired", t0.Add(101 * day), &certs.Problem{Reason: walletv1.ReasonExpired, Message: "expired"}, metav1.ConditionFalse, metav1.ConditionTrue, walletv1.ReasonExpired, walletv1.ReasonExpiringSoon, "expired"},
		{"key mismatch", t0.Add(day), &certs.Problem{Reason: walletv1.ReasonKeyMismatch, Message: "tls.key is not the key"}, metav1.ConditionFalse, metav1.ConditionFalse, walletv1.ReasonKeyMismatch, walletv1.ReasonNotExpiring, "tls.key"},
	}
	for _, tc := range cases {
		c := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Generation: 3}, Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "s"}}}
		setFacts(c, facts)
		setReady(c, tc.problem)
		setExpiring(c, facts, 30*day, tc.now)
		ready, expiring := c.Status.Conditions[0], c.Status.Conditions[1]
		if ready.Status != tc.ready || ready.Reason != tc.readyReason || expiring.Status != tc.expiring || expiring.Reason != tc.expiringReason {
			t.Errorf("%s: Ready %s/%s, Expiring %s/%s", tc.name, ready.Status, ready.Reason, expiring.Status, expiring.Reason)
		}
		if ready.ObservedGeneration != 3 || !strings.Contains(ready.Message+expiring.Message, tc.inMessage) {
			t.Errorf("%s: generation %d, messages %q / %q", tc.name, ready.ObservedGeneration, ready.Message, expiring.Message)
		}
	}
}
