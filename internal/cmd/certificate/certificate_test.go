package certificate

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"software.sslmate.com/src/go-pkcs12"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }

// run runs `certificate ARGS...` against the test API server in ns and
// returns what it printed (stdout and stderr together).
func run(t *testing.T, ns string, args ...string) (string, error) {
	t.Helper()
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(append(args, "--kubeconfig", env.Kubeconfig(t, t.TempDir()), "-n", ns))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// standInApple is a CA standing in for Apple's WWDR in these tests (Apple's
// own key is not ours to sign with): it issues Pass Type ID certificates
// from CSRs as the developer portal does.
type standInApple struct {
	root, inter *x509.Certificate
	interKey    *rsa.PrivateKey
	dir         string
}

func newStandIn(t *testing.T) *standInApple {
	t.Helper()
	rootKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	interKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	root := sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Stand-in Root CA", Organization: []string{"Test CA"}},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, &rootKey.PublicKey, rootKey)
	inter := sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Stand-in WWDR", OrganizationalUnit: []string{"G4"}, Organization: []string{"Test CA"}},
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign}, root, &interKey.PublicKey, rootKey)
	a := &standInApple{root: root, inter: inter, interKey: interKey, dir: t.TempDir()}
	write(t, filepath.Join(a.dir, "root.pem"), certs.EncodeCertificatePEM(root))
	write(t, filepath.Join(a.dir, "intermediate.pem"), certs.EncodeCertificatePEM(inter))
	return a
}

func sign(t *testing.T, tmpl, parent *x509.Certificate, pub any, key *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber, _ = rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// issue answers a CSR file with pass.cer (DER, as Apple's portal downloads
// it) for passType.
func (a *standInApple) issue(t *testing.T, csrFile, passType string) string {
	t.Helper()
	data, err := os.ReadFile(csrFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("%s is not a PEM CSR:\n%s", csrFile, data)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		t.Fatalf("CSR: %v", err)
	}
	marker, _ := asn1.MarshalWithParams(passType, "utf8")
	leaf := sign(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Pass Type ID: " + passType, OrganizationalUnit: []string{"ABCDE12345"}, Organization: []string{"Example Ltd"},
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: passType}}},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{certs.OIDPassSigningEKU},
		ExtraExtensions:    []pkix.Extension{{Id: certs.OIDPassTypeIDMarker, Value: marker}},
	}, a.inter, csr.PublicKey, a.interKey)
	out := filepath.Join(t.TempDir(), "pass.cer")
	write(t, out, leaf.Raw)
	return out
}

func write(t *testing.T, file string, data []byte) {
	t.Helper()
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func secret(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// From nothing to an identity that signs: request makes the key (in the
// Secret only) and a CSR openssl accepts for the pass type; import of the
// certificate issued for it completes the Secret, which openssl verifies to
// the issuing root, with the key matching.
func TestRequestThenImport(t *testing.T) {
	ns := env.Namespace(t)
	dir := t.TempDir()
	csr := filepath.Join(dir, "membership.csr")
	out, err := run(t, ns, "request", "membership", "--pass-type-id", "pass.com.example.membership", "--output-file", csr)
	if err != nil {
		t.Fatalf("request: %v\n%s", err, out)
	}
	if strings.Contains(out, "PRIVATE KEY") || !strings.Contains(out, "kubectl wallet certificate import membership pass.cer") {
		t.Errorf("request printed:\n%s", out)
	}
	openssl(t, "req", "-in", csr, "-noout", "-verify")
	if subject := openssl(t, "req", "-in", csr, "-noout", "-subject"); !strings.Contains(subject, "pass.com.example.membership") {
		t.Errorf("CSR subject %q does not name the pass type", subject)
	}
	s := secret(t, ns, "membership-tls")
	if len(s.Data) != 1 || len(s.Data[walletv1.SecretKeyPrivateKey]) == 0 {
		t.Fatalf("Secret after request holds %d keys, want tls.key only", len(s.Data))
	}
	keyFile := filepath.Join(dir, "tls.key")
	write(t, keyFile, s.Data[walletv1.SecretKeyPrivateKey])
	if text := openssl(t, "pkey", "-in", keyFile, "-noout", "-text"); !strings.Contains(text, "(2048 bit") {
		t.Errorf("the key is not RSA 2048 as Apple requires:\n%.200s", text)
	}
	pc := &walletv1.PassCertificate{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "membership"}, pc); err != nil || pc.Spec.SecretRef.Name != "membership-tls" {
		t.Fatalf("PassCertificate: %v %+v", err, pc.Spec)
	}
	if _, err := certs.FromSecretData(s.Data); certs.ReasonOf(err) != walletv1.ReasonAwaitingCertificate {
		t.Errorf("a Secret with a request's key only: %v, want %s", err, walletv1.ReasonAwaitingCertificate)
	}
	if out, err := run(t, ns, "request", "membership", "--pass-type-id", "pass.com.example.membership"); err == nil || !strings.Contains(err.Error(), "--renew") {
		t.Errorf("a second request for the same name: %v\n%s", err, out)
	}

	apple := newStandIn(t)
	cer := apple.issue(t, csr, "pass.com.example.membership")
	// Not Apple's chain, and no --intermediate: refused, naming the flag.
	if out, err := run(t, ns, "import", "membership", cer); err == nil || !strings.Contains(err.Error(), "--intermediate") {
		t.Errorf("import of a certificate no Apple intermediate issued: %v\n%s", err, out)
	}
	out, err = run(t, ns, "import", "membership", cer, "--intermediate", filepath.Join(apple.dir, "intermediate.pem"))
	if err != nil || !strings.Contains(out, "imported (pass.com.example.membership, team ABCDE12345") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	s = secret(t, ns, "membership-tls")
	for _, k := range []string{walletv1.SecretKeyCertificate, walletv1.SecretKeyIntermediate} {
		write(t, filepath.Join(dir, k), s.Data[k])
	}
	if !bytes.Equal(s.Data[walletv1.SecretKeyPrivateKey], mustRead(t, keyFile)) {
		t.Error("import changed the key")
	}
	openssl(t, "verify", "-CAfile", filepath.Join(apple.dir, "root.pem"), "-untrusted", filepath.Join(dir, "ca.crt"), filepath.Join(dir, "tls.crt"))
	if a, b := openssl(t, "x509", "-in", filepath.Join(dir, "tls.crt"), "-noout", "-pubkey"), openssl(t, "pkey", "-in", keyFile, "-pubout"); a != b {
		t.Error("the imported certificate's public key is not the requested key's")
	}
	id, err := certs.FromSecretData(s.Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certs.Inspect(id, time.Now()); err != nil {
		t.Errorf("the imported identity cannot sign: %v", err)
	}
}

// What import refuses: a certificate for another key, or for another pass
// type than was requested; the Secret is left as it was.
func TestImportRefusesTheWrongCertificate(t *testing.T) {
	ns := env.Namespace(t)
	dir := t.TempDir()
	apple := newStandIn(t)
	mine, other := filepath.Join(dir, "mine.csr"), filepath.Join(dir, "other.csr")
	if out, err := run(t, ns, "request", "mine", "--pass-type-id", "pass.com.example.mine", "--output-file", mine); err != nil {
		t.Fatal(err, out)
	}
	if out, err := run(t, ns, "request", "other", "--pass-type-id", "pass.com.example.mine", "--output-file", other); err != nil {
		t.Fatal(err, out)
	}
	before := secret(t, ns, "mine-tls").Data
	inter := filepath.Join(apple.dir, "intermediate.pem")
	for cer, want := range map[string]string{
		apple.issue(t, other, "pass.com.example.mine"): "not issued for the key in Secret",
		apple.issue(t, mine, "pass.com.example.yours"): "the certificate is for pass type pass.com.example.yours, but pass.com.example.mine was requested",
	} {
		if out, err := run(t, ns, "import", "mine", cer, "--intermediate", inter); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("import: %v\n%s\nwant an error saying %q", err, out, want)
		}
	}
	if after := secret(t, ns, "mine-tls").Data; len(after) != len(before) || !bytes.Equal(after[walletv1.SecretKeyPrivateKey], before[walletv1.SecretKeyPrivateKey]) {
		t.Error("a refused import changed the Secret")
	}
}

// Renewal: request --renew adds a new key beside the current identity,
// which stays whole (it keeps signing); import of the renewed certificate
// swaps both in one update and drops the renewal key.
func TestRenewal(t *testing.T) {
	ns := env.Namespace(t)
	dir := t.TempDir()
	apple := newStandIn(t)
	inter := filepath.Join(apple.dir, "intermediate.pem")
	first, second := filepath.Join(dir, "2026.csr"), filepath.Join(dir, "2027.csr")
	if out, err := run(t, ns, "request", "card", "--pass-type-id", "pass.com.example.card", "--output-file", first); err != nil {
		t.Fatal(err, out)
	}
	if out, err := run(t, ns, "import", "card", apple.issue(t, first, "pass.com.example.card"), "--intermediate", inter); err != nil {
		t.Fatal(err, out)
	}
	current := secret(t, ns, "card-tls").Data
	if out, err := run(t, ns, "request", "card", "--renew", "--output-file", second); err != nil {
		t.Fatal(err, out)
	}
	during := secret(t, ns, "card-tls").Data
	if !bytes.Equal(during[walletv1.SecretKeyCertificate], current[walletv1.SecretKeyCertificate]) ||
		!bytes.Equal(during[walletv1.SecretKeyPrivateKey], current[walletv1.SecretKeyPrivateKey]) || len(during[walletv1.SecretKeyRenewalKey]) == 0 {
		t.Fatal("request --renew touched the identity that signs, or kept no renewal key")
	}
	if _, err := certs.FromSecretData(during); err != nil {
		t.Errorf("during a renewal the Secret does not load: %v", err)
	}
	if out, err := run(t, ns, "request", "card", "--renew"); err == nil {
		t.Errorf("a second renewal before import was accepted\n%s", out)
	}
	out, err := run(t, ns, "import", "card", apple.issue(t, second, "pass.com.example.card"), "--intermediate", inter)
	if err != nil || !strings.Contains(out, "renewed") {
		t.Fatalf("import of the renewal: %v\n%s", err, out)
	}
	after := secret(t, ns, "card-tls").Data
	if !bytes.Equal(after[walletv1.SecretKeyPrivateKey], during[walletv1.SecretKeyRenewalKey]) || len(after[walletv1.SecretKeyRenewalKey]) != 0 ||
		bytes.Equal(after[walletv1.SecretKeyCertificate], current[walletv1.SecretKeyCertificate]) {
		t.Error("import of the renewal did not switch to the renewal's key and certificate")
	}
}

// A Keychain export (.p12 with a password) imports as the certificate and
// key it holds.
func TestImportPKCS12(t *testing.T) {
	ns := env.Namespace(t)
	dir := t.TempDir()
	apple := newStandIn(t)
	csr := filepath.Join(dir, "p12.csr")
	if out, err := run(t, ns, "request", "keychain", "--pass-type-id", "pass.com.example.keychain", "--output-file", csr); err != nil {
		t.Fatal(err, out)
	}
	keyPEM := secret(t, ns, "keychain-tls").Data[walletv1.SecretKeyPrivateKey]
	block, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(mustRead(t, apple.issue(t, csr, "pass.com.example.keychain")))
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{apple.inter}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "card.p12"), p12)
	write(t, filepath.Join(dir, "password"), []byte("s3cret\n"))
	if out, err := run(t, ns, "import", "keychain", filepath.Join(dir, "card.p12"), "--password-file", filepath.Join(dir, "wrong")); err == nil {
		t.Errorf("a missing password file was accepted\n%s", out)
	}
	if out, err := run(t, ns, "import", "keychain", filepath.Join(dir, "card.p12"), "--password-file", filepath.Join(dir, "password")); err != nil {
		t.Fatalf("import .p12: %v\n%s", err, out)
	}
	s := secret(t, ns, "keychain-tls")
	id, err := certs.FromSecretData(s.Data)
	if err != nil || !id.Certificate.Equal(cert) || id.Intermediate == nil || !id.Intermediate.Equal(apple.inter) {
		t.Fatalf("after the .p12 import: %v", err)
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The README's "Your Apple certificate" commands, as printed, with a
// stand-in for Apple answering the CSR with pass.cer: the PassCertificate
// is then complete (status itself needs the manager: test/demo runs it).
func TestReadmeSectionAsPrinted(t *testing.T) {
	ns := env.Namespace(t)
	work := t.TempDir()
	apple := newStandIn(t)
	var ran int
	for _, c := range testenv.ShellCommands(t, filepath.Join(testenv.RepoRoot(), "README.md")) {
		if c.Heading != "## Your Apple certificate" {
			continue
		}
		args := strings.Fields(c.Line)
		if len(args) < 3 || args[0] != "kubectl" || args[1] != "wallet" {
			t.Fatalf("the section shows %q, which is not kubectl wallet", c.Line)
		}
		if args[2] != "certificate" {
			continue // status: needs the manager
		}
		// Paths relative to where the reader runs them.
		for i, a := range args {
			if strings.HasSuffix(a, ".csr") || strings.HasSuffix(a, ".cer") {
				args[i] = filepath.Join(work, a)
			}
		}
		if args[3] == "import" {
			// Apple's portal answers the CSR with pass.cer; the stand-in's
			// chain is not Apple's, so its intermediate is given.
			csr, _ := filepath.Glob(filepath.Join(work, "*.csr"))
			if len(csr) != 1 {
				t.Fatalf("no CSR was written before %q", c.Line)
			}
			if err := os.Rename(apple.issue(t, csr[0], "pass.com.example.membership"), filepath.Join(work, "pass.cer")); err != nil {
				t.Fatal(err)
			}
			args = append(args, "--intermediate", filepath.Join(apple.dir, "intermediate.pem"))
		}
		if out, err := run(t, ns, args[3:]...); err != nil {
			t.Fatalf("README: %s: %v\n%s", c.Line, err, out)
		}
		ran++
	}
	if ran != 2 {
		t.Fatalf("ran %d certificate commands from the README, want request and import", ran)
	}
	id, err := certs.FromSecretData(secret(t, ns, "membership-tls").Data)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := certs.Inspect(id, time.Now()); err != nil || f.PassTypeIdentifier != "pass.com.example.membership" {
		t.Errorf("after the README's commands: %v %+v", err, f)
	}
}
