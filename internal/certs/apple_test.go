package certs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// The SHA-256 fingerprints Apple publishes for its certificates
// (https://www.apple.com/certificateauthority/): the embedded files are
// Apple's.
var appleFingerprints = map[string]string{
	"Apple Root CA": "b0b1730ecbc7ff4505142c49f1295e6eda6bcaed7e2c68c5be91b5a11001f024",
	"Apple Worldwide Developer Relations Certification Authority G4": "ea4757885538dd8cb59ff4556f676087d83c85e70902c122e42c0808b5bce14c",
}

func TestEmbeddedAppleCertificatesAreApples(t *testing.T) {
	if got := Fingerprint(AppleRoot()); got != appleFingerprints["Apple Root CA"] {
		t.Errorf("embedded Apple Root CA has fingerprint %s, Apple publishes %s", got, appleFingerprints["Apple Root CA"])
	}
	g4 := AppleIntermediates()[0]
	if got := Fingerprint(g4); got != appleFingerprints["Apple Worldwide Developer Relations Certification Authority G4"] {
		t.Errorf("embedded WWDR G4 has fingerprint %s", got)
	}
	// And openssl, not this package, says the root signed G4.
	if _, err := exec.LookPath("openssl"); err == nil {
		cmd := exec.Command("openssl", "verify", "-CAfile", filepath.Join("apple", "AppleRootCA.pem"), filepath.Join("apple", "AppleWWDRCAG4.pem"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("openssl verify of WWDR G4 against Apple Root CA: %v\n%s", err, out)
		}
	}
}

// chainOptions name a test chain's certificates.
type chainOptions struct {
	rootName, interName pkix.Name
}

type testChain struct {
	root, inter       *x509.Certificate
	rootKey, interKey *rsa.PrivateKey
}

func newTestCA(t *testing.T, o chainOptions) *testChain {
	t.Helper()
	rootKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	interKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	root, err := issue(&x509.Certificate{Subject: o.rootName, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, rootKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := issue(&x509.Certificate{Subject: o.interName, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign}, root, interKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return &testChain{root: root, inter: inter, rootKey: rootKey, interKey: interKey}
}

// passLeaf issues a Pass Type ID certificate as Apple does (the UID, the
// team in OU, Apple's extension and extended key usage).
func (c *testChain) passLeaf(t *testing.T, passType string) *Identity {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	marker, _ := asn1.MarshalWithParams(passType, "utf8")
	leaf, err := issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Pass Type ID: " + passType, OrganizationalUnit: []string{"ABCDE12345"}, Organization: []string{"Example Ltd"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUserID, Value: passType}}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{OIDPassSigningEKU},
		ExtraExtensions:    []pkix.Extension{{Id: OIDPassTypeIDMarker, Value: marker}},
	}, c.inter, key, c.interKey)
	if err != nil {
		t.Fatal(err)
	}
	return &Identity{Certificate: leaf, Key: key}
}

func secretData(t *testing.T, id *Identity, intermediate *x509.Certificate) map[string][]byte {
	t.Helper()
	id.Intermediate = intermediate
	data, err := id.SecretData()
	if err != nil {
		t.Fatal(err)
	}
	if intermediate == nil {
		delete(data, walletv1.SecretKeyIntermediate)
	}
	return data
}

var appleNames = chainOptions{
	rootName: pkix.Name{Country: []string{"US"}, Organization: []string{"Apple Inc."}, OrganizationalUnit: []string{"Apple Certification Authority"}, CommonName: "Apple Root CA"},
	interName: pkix.Name{Country: []string{"US"}, Organization: []string{"Apple Inc."}, OrganizationalUnit: []string{"G4"},
		CommonName: "Apple Worldwide Developer Relations Certification Authority"},
}

// A chain made to look like Apple's, names and all, is not Apple's: the
// embedded root did not sign it. It is refused as UntrustedChain (it was
// Valid and production when the check went by the organization's name),
// with ca.crt or without.
func TestChainPosingAsAppleIsRefused(t *testing.T) {
	fake := newTestCA(t, appleNames)
	for _, withCA := range []bool{true, false} {
		var inter *x509.Certificate
		if withCA {
			inter = fake.inter
		}
		id, err := FromSecretData(secretData(t, fake.passLeaf(t, "pass.com.victim.card"), inter))
		if err != nil {
			t.Fatal(err)
		}
		facts, err := Inspect(id, time.Now())
		if !facts.Development {
			t.Errorf("ca.crt %v: a self-made chain named like Apple's is not development", withCA)
		}
		want := walletv1.ReasonUntrustedChain
		if !withCA {
			want = walletv1.ReasonMissingIntermediate // and no Apple intermediate issued it
		}
		if ReasonOf(err) != want {
			t.Errorf("ca.crt %v: reason %q (%v), want %s", withCA, ReasonOf(err), err, want)
		}
	}
}

// withAppleStandIn makes a test CA stand in for Apple's root and WWDR
// intermediate for the length of a test: a chain it issued is then
// production, as a real Apple chain is, by signature.
func withAppleStandIn(t *testing.T) *testChain {
	t.Helper()
	ca := newTestCA(t, appleNames)
	root, inters := appleRoot, appleIntermediates
	appleRoot, appleIntermediates = ca.root, []*x509.Certificate{ca.inter}
	t.Cleanup(func() { appleRoot, appleIntermediates = root, inters })
	return ca
}

// Apple's chain needs no ca.crt: the intermediate that issued the
// certificate is found among the embedded ones by its signature; the
// identity is production and Valid.
func TestAppleIntermediateIsBuiltIn(t *testing.T) {
	apple := withAppleStandIn(t)
	id, err := FromSecretData(secretData(t, apple.passLeaf(t, "pass.com.example.card"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if id.Intermediate == nil || !id.Intermediate.Equal(apple.inter) {
		t.Fatal("the embedded intermediate was not chosen for a certificate it issued")
	}
	facts, err := Inspect(id, time.Now())
	if err != nil || facts.Development {
		t.Errorf("Apple's chain without ca.crt: %v, development %v; want valid production", err, facts.Development)
	}
	// Supplied too, it is the same.
	id, _ = FromSecretData(secretData(t, apple.passLeaf(t, "pass.com.example.card"), apple.inter))
	if facts, err := Inspect(id, time.Now()); err != nil || facts.Development {
		t.Errorf("Apple's chain with ca.crt: %v, development %v", err, facts.Development)
	}
}
