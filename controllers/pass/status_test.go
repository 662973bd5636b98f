package pass

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

func TestSetRedeemed(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	p := &walletv1.Pass{Spec: walletv1.PassSpec{Redeemed: true}}
	setRedeemed(p, now)
	if p.Status.RedeemedAt == nil || !p.Status.RedeemedAt.Time.Equal(now) {
		t.Fatalf("redeemedAt = %v", p.Status.RedeemedAt)
	}
	setRedeemed(p, now.Add(time.Hour))
	if !p.Status.RedeemedAt.Time.Equal(now) {
		t.Error("redeemedAt must keep the first time")
	}
	p.Spec.Redeemed = false
	setRedeemed(p, now)
	if p.Status.RedeemedAt != nil {
		t.Error("an un-redeemed pass has no redeemedAt")
	}
}

func TestDownloadURL(t *testing.T) {
	key := tokens.Key("0123456789abcdef0123456789abcdef")
	p := &walletv1.Pass{Spec: walletv1.PassSpec{SerialNumber: "s-1"}, Status: walletv1.PassStatus{PassTypeIdentifier: "pass.x.y"}}
	setDownloadURL(p, Options{WebServiceURL: "https://w.example.com/base/", Tokens: key})
	want := "https://w.example.com/base/download/pass.x.y/s-1/" + key.Download("", "pass.x.y", "s-1")
	if p.Status.DownloadURL != want {
		t.Errorf("downloadURL = %s, want %s", p.Status.DownloadURL, want)
	}
	setDownloadURL(p, Options{})
	if p.Status.DownloadURL != "" {
		t.Error("no web service, no download link")
	}
}

func TestNotReadySaysTheOldBundleIsServed(t *testing.T) {
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Generation: 2}}
	setNotReady(p, walletv1.ReasonInvalidData, "bad")
	if m := p.Status.Conditions[0].Message; m != "bad" {
		t.Errorf("without a bundle: %q", m)
	}
	p.Status.Bundle = &walletv1.BundleStatus{}
	setNotReady(p, walletv1.ReasonInvalidData, "bad")
	if c := p.Status.Conditions[0]; !strings.Contains(c.Message, "last good bundle is still served") || c.ObservedGeneration != 2 || c.Status != metav1.ConditionFalse {
		t.Errorf("with a bundle: %+v", c)
	}
}
