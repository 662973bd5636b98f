package push

import (
	"bytes"
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/sideshow/apns2"
	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

const credentialsNamespace = "wallet-operator-system"

// tenant is a namespace with a template, its certificate (status as given)
// and the push credentials the manager copied for it.
func tenant(t *testing.T, ns string, id *certs.Identity, reportedFingerprint string) []client.Object {
	t.Helper()
	data, err := id.SecretData()
	if err != nil {
		t.Fatal(err)
	}
	cert := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cert"}}
	cert.Status.Fingerprint = reportedFingerprint
	return []client.Object{
		&walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tpl"}, Spec: walletv1.PassTemplateSpec{CertificateRef: walletv1.LocalObjectReference{Name: "cert"}}},
		cert,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: walletv1.PushCredentialsSecretName(ns, "tpl")}, Data: data},
	}
}

func identity(t *testing.T, passType string) *certs.Identity {
	t.Helper()
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: passType, TeamIdentifier: "A1B2C3D4E5"})
	if err != nil {
		t.Fatal(err)
	}
	return chain.Identity
}

// A tenant whose certificate status reports another tenant's fingerprint
// (status.fingerprint is written even when the key does not match) never
// gets that tenant's APNs connection: clients come from the template's own
// push credentials.
func TestPushConnectionsFollowCredentialsNotFingerprints(t *testing.T) {
	a, b := identity(t, "pass.com.a"), identity(t, "pass.com.b")
	fpA := certs.Fingerprint(a.Certificate)
	objs := append(tenant(t, "a", a, fpA), tenant(t, "b", b, fpA)...)
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).Build()
	p := &Pusher{Client: c, API: c, Options: Options{CredentialsNamespace: credentialsNamespace},
		clients: map[string]*apns2.Client{}, templates: map[string]templateClient{}}
	pass := func(ns string) *walletv1.Pass {
		return &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}, Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "tpl"}}}
	}
	clientA, err := p.apnsClient(context.Background(), pass("a"))
	if err != nil {
		t.Fatal(err)
	}
	clientB, err := p.apnsClient(context.Background(), pass("b"))
	if err != nil {
		t.Fatal(err)
	}
	if clientB == clientA {
		t.Fatal("tenant b's pushes would use tenant a's APNs connection")
	}
	if !bytes.Equal(clientB.Certificate.Certificate[0], b.Certificate.Raw) {
		t.Error("tenant b's client does not present b's own certificate")
	}
	again, _ := p.apnsClient(context.Background(), pass("a"))
	if again != clientA {
		t.Error("tenant a's client is not reused")
	}
}
