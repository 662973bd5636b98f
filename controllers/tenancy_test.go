package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// waitCertificate waits for a certificate's Ready reason and returns it.
func waitCertificate(t *testing.T, key client.ObjectKey, reason string) *walletv1.PassCertificate {
	t.Helper()
	cert := &walletv1.PassCertificate{}
	eventually(t, fmt.Sprintf("PassCertificate %s %s", key, reason), func() (bool, string) {
		if err := c.Get(context.Background(), key, cert); err != nil {
			return false, err.Error()
		}
		r := status.Ready(cert.Status.Conditions)
		return r != nil && r.Reason == reason && r.ObservedGeneration == cert.Generation, fmt.Sprintf("%+v", r)
	})
	return cert
}

// A pass type identifier belongs to the namespace that claimed it first:
// another namespace's certificate for it is not Ready, and says so without
// naming the owner.
func TestPassTypeBelongsToOneNamespace(t *testing.T) {
	owner, _ := applySamples(t)
	waitAllReady(t, owner)
	ctx := context.Background()
	other := env.Namespace(t)
	claim := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "claim"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "claim-tls"},
			SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: "pass.io.wallet-operator." + owner, TeamIdentifier: "A1B2C3D4E5"}},
	}
	if err := c.Create(ctx, claim); err != nil {
		t.Fatal(err)
	}
	got := waitCertificate(t, client.ObjectKeyFromObject(claim), walletv1.ReasonPassTypeClaimed)
	r := status.Ready(got.Status.Conditions)
	if r.Status != metav1.ConditionFalse || strings.Contains(r.Message, owner+"/") || !strings.Contains(r.Message, "--shared-pass-types") {
		t.Errorf("Ready = %s: %s", r.Status, r.Message)
	}
	// The owner keeps signing.
	waitCertificate(t, client.ObjectKey{Namespace: owner, Name: "dev-certificate"}, walletv1.ReasonCertificateValid)

	// A second certificate in the owner's namespace (a rotation) is fine.
	rotation := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: owner, Name: "rotation"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "rotation-tls"},
			SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: "pass.io.wallet-operator." + owner, TeamIdentifier: "WALLETDEMO"}},
	}
	if err := c.Create(ctx, rotation); err != nil {
		t.Fatal(err)
	}
	waitCertificate(t, client.ObjectKeyFromObject(rotation), walletv1.ReasonCertificateValid)
}

// Development chains sign only in namespaces the manager allows them in:
// neither selfSigned nor a development chain brought in a Secret works
// elsewhere, and no chain is generated there.
func TestDevelopmentChainsOnlyWhereAllowed(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "prod-"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	selfSigned := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "self-signed"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "self-signed-tls"},
			SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: "pass.io.wallet-operator." + ns.Name, TeamIdentifier: "A1B2C3D4E5"}},
	}
	if err := c.Create(ctx, selfSigned); err != nil {
		t.Fatal(err)
	}
	got := waitCertificate(t, client.ObjectKeyFromObject(selfSigned), walletv1.ReasonDevelopmentNotAllowed)
	if r := status.Ready(got.Status.Conditions); !strings.Contains(r.Message, "--development-namespaces") {
		t.Errorf("the message should say how to allow it: %s", r.Message)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "self-signed-tls"}, &corev1.Secret{}); err == nil {
		t.Error("a development chain was generated in a namespace that may not use one")
	}

	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator.brought." + ns.Name, TeamIdentifier: "A1B2C3D4E5"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := chain.SecretData()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "brought-tls"}, Data: data}); err != nil {
		t.Fatal(err)
	}
	brought := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "brought"},
		Spec:       walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "brought-tls"}},
	}
	if err := c.Create(ctx, brought); err != nil {
		t.Fatal(err)
	}
	waitCertificate(t, client.ObjectKeyFromObject(brought), walletv1.ReasonDevelopmentNotAllowed)
}
