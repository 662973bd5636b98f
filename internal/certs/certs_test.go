package certs

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

func TestDevelopmentChainInspectsAsAPassCertificate(t *testing.T) {
	chain, err := GenerateDevelopmentChain(DevelopmentOptions{PassTypeIdentifier: "pass.com.example.member", TeamIdentifier: "A1B2C3D4E5", Validity: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	data, err := chain.SecretData()
	if err != nil {
		t.Fatal(err)
	}
	id, err := FromSecretData(data)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := Inspect(id, time.Now())
	if err != nil {
		t.Fatalf("a fresh development chain is refused: %v", err)
	}
	if facts.PassTypeIdentifier != "pass.com.example.member" || facts.TeamIdentifier != "A1B2C3D4E5" || !facts.Development {
		t.Errorf("facts = %+v", facts)
	}
	if got := facts.NotAfter.Sub(facts.NotBefore); got != 48*time.Hour {
		t.Errorf("validity %v, want 48h", got)
	}
	// The fingerprint is the one openssl prints.
	certFile := filepath.Join(t.TempDir(), "tls.crt")
	if err := os.WriteFile(certFile, data[walletv1.SecretKeyCertificate], 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "x509", "-in", certFile, "-noout", "-fingerprint", "-sha256").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(strings.SplitN(string(out), "=", 2)[1]), ":", ""))
	if facts.Fingerprint != want {
		t.Errorf("fingerprint %s, openssl says %s", facts.Fingerprint, want)
	}
	// The chain verifies to its root, as openssl would.
	roots := x509Pool(chain)
	if err := Verify(id.Certificate, []*x509.Certificate{id.Intermediate}, roots, time.Now()); err != nil {
		t.Errorf("chain does not verify to its root: %v", err)
	}
	if tc := id.TLSCertificate(); len(tc.Certificate) != 2 || tc.Leaf != id.Certificate {
		t.Errorf("APNs client certificate should carry leaf and intermediate")
	}
}

func TestSecretWithoutKeys(t *testing.T) {
	_, err := FromSecretData(map[string][]byte{"unrelated": []byte("x")})
	if ReasonOf(err) != walletv1.ReasonSecretInvalid || !strings.Contains(err.Error(), "holds neither tls.crt and tls.key") {
		t.Errorf("got %v (%s)", err, ReasonOf(err))
	}
	_, err = FromSecretData(map[string][]byte{walletv1.SecretKeyCertificate: []byte("garbage"), walletv1.SecretKeyPrivateKey: []byte("garbage")})
	if !strings.Contains(err.Error(), "tls.crt is not a PEM certificate") {
		t.Errorf("got %v", err)
	}
}

func x509Pool(chain *DevelopmentChain) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(chain.Root)
	return p
}
