package render

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"image"
	"image/jpeg"
	"image/png"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"software.sslmate.com/src/go-pkcs12"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden pass.json files")

// now is the fixed moment the tests render at, so expiration defaults are
// stable.
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

var (
	chainOnce sync.Once
	chain     *certs.DevelopmentChain
	other     *certs.DevelopmentChain
)

// chains returns two development chains for pass.io.wallet-operator.demo,
// generated once per test binary (RSA key generation is slow).
func chains(t *testing.T) (*certs.DevelopmentChain, *certs.DevelopmentChain) {
	t.Helper()
	chainOnce.Do(func() {
		opts := certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator.demo", TeamIdentifier: "WALLETDEMO", NotBefore: now.Add(-time.Hour)}
		var err error
		if chain, err = certs.GenerateDevelopmentChain(opts); err != nil {
			panic(err)
		}
		if other, err = certs.GenerateDevelopmentChain(opts); err != nil {
			panic(err)
		}
	})
	return chain, other
}

// samples loads config/samples and config/samples/modern plus the
// development Secret of chain.
func samples(t *testing.T) *Objects {
	t.Helper()
	c, _ := chains(t)
	dir := filepath.Join(testenv.RepoRoot(), "config", "samples")
	objs, err := load(sources{files: []string{dir, filepath.Join(dir, "modern")}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	data, err := c.SecretData()
	if err != nil {
		t.Fatal(err)
	}
	// Written with its namespace, the samples without: one namespace, as
	// kubectl apply -n default would have it.
	objs.Secrets = append(objs.Secrets, corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "dev-certificate-tls"}, Data: data})
	return objs
}

func secret(o *Objects) map[string][]byte { return o.Secrets[len(o.Secrets)-1].Data }

func template(o *Objects, name string) *walletv1.PassTemplate {
	for i := range o.Templates {
		if o.Templates[i].Name == name {
			return &o.Templates[i]
		}
	}
	panic("no template " + name)
}

func pass(o *Objects, name string) *walletv1.Pass {
	for i := range o.Passes {
		if o.Passes[i].Name == name {
			return &o.Passes[i]
		}
	}
	panic("no pass " + name)
}

func encodePNG(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every sample renders to the pass.json of its golden file, signed so that
// openssl accepts the signature and the chain to the development root.
func TestSamplesRenderToGoldenPassJSON(t *testing.T) {
	objs := samples(t)
	c, _ := chains(t)
	rootFile := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(rootFile, certs.EncodeCertificatePEM(c.Root), 0o644); err != nil {
		t.Fatal(err)
	}
	styles := map[walletv1.PassStyle]bool{}
	for _, p := range objs.Passes {
		t.Run(p.Name, func(t *testing.T) {
			signed, note, err := Render(objs, Request{PassName: p.Name, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if note != "" {
				t.Errorf("unexpected note %q: the Secret is in the files", note)
			}
			styles[template(objs, p.Spec.TemplateRef.Name).Spec.Style] = true
			golden := filepath.Join("testdata", p.Name+".pass.json")
			got := signed.Files[pkpass.PassJSON]
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cmd/render -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("pass.json differs from %s:\n%s", golden, got)
			}
			opensslVerify(t, signed.Files, rootFile)
			zipped, err := pkpass.Zip(signed.Files)
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(c.Root)
			if r := pkpass.Verify(zipped, roots); !r.OK() {
				t.Errorf("verify: %v", r.Failures)
			}
		})
	}
	if len(styles) != 5 {
		t.Errorf("golden files cover %d styles, want all 5", len(styles))
	}
}

// opensslVerify checks the detached signature with openssl, chain included.
func opensslVerify(t *testing.T, files pkpass.Files, rootFile string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{pkpass.ManifestJSON, pkpass.Signature} {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER",
		"-in", filepath.Join(dir, pkpass.Signature), "-content", filepath.Join(dir, pkpass.ManifestJSON),
		"-CAfile", rootFile, "-purpose", "any", "-out", os.DevNull)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify refused the signature: %v\n%s", err, out)
	}
}

// The same inputs give the same files and content digest; only the
// signature (its signing time) may differ.
func TestRenderingIsDeterministic(t *testing.T) {
	objs := samples(t)
	a, _, err := Render(objs, Request{PassName: "bakery-jana", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a later signing time
	b, _, err := Render(objs, Request{PassName: "bakery-jana", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentDigest != b.ContentDigest {
		t.Errorf("content digest moved without a change: %s vs %s", a.ContentDigest, b.ContentDigest)
	}
	for name, data := range a.Files {
		if name != pkpass.Signature && !bytes.Equal(data, b.Files[name]) {
			t.Errorf("%s differs between two renders of the same inputs", name)
		}
	}
	pass(objs, "bakery-jana").Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"points": 41, "member": "Jana Dvořáková", "level": "silver"}`)}
	c, _, err := Render(objs, Request{PassName: "bakery-jana", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if c.ContentDigest == a.ContentDigest {
		t.Error("content digest did not move when the data changed")
	}
}

// Any change to a signed bundle is caught by verify.
func TestVerifyCatchesTampering(t *testing.T) {
	objs := samples(t)
	signed, _, err := Render(objs, Request{PassName: "concert-a-12-7", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// With the roots, as a user verifying fully would: a changed byte in the
	// intermediate's own signature is only visible to a chain check.
	c, _ := chains(t)
	roots := x509.NewCertPool()
	roots.AddCert(c.Root)
	for _, name := range signed.Files.Names() {
		t.Run("change "+name, func(t *testing.T) {
			files := pkpass.Merge(signed.Files, nil)
			changed := bytes.Clone(files[name])
			changed[len(changed)/2] ^= 0x01
			files[name] = changed
			zipped, _ := pkpass.Zip(files)
			if r := pkpass.Verify(zipped, roots); r.OK() {
				t.Fatalf("a changed %s went unnoticed", name)
			}
		})
	}
	t.Run("add a file", func(t *testing.T) {
		zipped, _ := pkpass.Zip(pkpass.Merge(signed.Files, pkpass.Files{"thumbnail.png": encodePNG(t, 10, 10)}))
		if r := pkpass.Verify(zipped, nil); r.OK() || !strings.Contains(strings.Join(r.Failures, "\n"), "thumbnail.png is in the bundle but not in the manifest") {
			t.Fatalf("an added file went unnoticed: %v", r.Failures)
		}
	})
	t.Run("remove a file", func(t *testing.T) {
		files := pkpass.Merge(signed.Files, nil)
		delete(files, "strip@2x.png")
		zipped, _ := pkpass.Zip(files)
		if r := pkpass.Verify(zipped, nil); r.OK() || !strings.Contains(strings.Join(r.Failures, "\n"), "lists strip@2x.png, which is not in the bundle") {
			t.Fatalf("a removed file went unnoticed: %v", r.Failures)
		}
	})
	t.Run("signed by another chain", func(t *testing.T) {
		_, o := chains(t)
		roots := x509.NewCertPool()
		roots.AddCert(o.Root)
		zipped, _ := pkpass.Zip(signed.Files)
		if r := pkpass.Verify(zipped, roots); r.OK() || !strings.Contains(strings.Join(r.Failures, "\n"), "does not chain to the given roots") {
			t.Fatalf("a foreign root was accepted: %v", r.Failures)
		}
	})
}

// Bad input anywhere fails with one message that names the object and says
// what is wrong.
func TestBadInputsFailWithTheirOwnMessage(t *testing.T) {
	c, o := chains(t)
	expired, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator.demo", TeamIdentifier: "WALLETDEMO", NotBefore: now.Add(-2 * 365 * 24 * time.Hour), Validity: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	future, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator.demo", TeamIdentifier: "WALLETDEMO", NotBefore: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	useChain := func(ch *certs.DevelopmentChain) func(*Objects, *Request) {
		return func(objs *Objects, _ *Request) {
			data, _ := ch.SecretData()
			objs.Secrets[len(objs.Secrets)-1].Data = data
		}
	}
	jpegBytes := func() []byte {
		var buf bytes.Buffer
		_ = jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 29, 29)), nil)
		return buf.Bytes()
	}()

	boarding := "james-smith-pd123"
	cases := []struct {
		name   string
		pass   string
		change func(*Objects, *Request)
		want   string
	}{
		{"expired certificate", boarding, useChain(expired), "PassCertificate dev-certificate (Expired): the pass certificate expired at"},
		{"certificate not yet valid", boarding, useChain(future), "PassCertificate dev-certificate (NotYetValid): the pass certificate is not valid before"},
		{"wrong key", boarding, func(objs *Objects, _ *Request) {
			other, _ := o.SecretData()
			secret(objs)[walletv1.SecretKeyPrivateKey] = other[walletv1.SecretKeyPrivateKey]
		}, "(KeyMismatch): tls.key is not the private key of the certificate in tls.crt"},
		{"wrong intermediate", boarding, func(objs *Objects, _ *Request) {
			secret(objs)[walletv1.SecretKeyIntermediate] = certs.EncodeCertificatePEM(o.Identity.Intermediate)
		}, "(WrongIntermediate): ca.crt"},
		{"missing intermediate", boarding, func(objs *Objects, _ *Request) {
			delete(secret(objs), walletv1.SecretKeyIntermediate)
		}, "(MissingIntermediate): the Secret has no ca.crt"},
		{"plain TLS certificate", boarding, func(objs *Objects, _ *Request) {
			certPEM, keyPEM := plainTLSCertificate(t)
			secret(objs)[walletv1.SecretKeyCertificate] = certPEM
			secret(objs)[walletv1.SecretKeyPrivateKey] = keyPEM
		}, "(NotAPassCertificate): certificate \"shop.example.com\" is not a Pass Type ID certificate"},
		{"malformed .p12", boarding, func(objs *Objects, _ *Request) {
			objs.Secrets[len(objs.Secrets)-1].Data = map[string][]byte{walletv1.SecretKeyPKCS12: []byte("not a p12 at all"), walletv1.SecretKeyPKCS12Password: []byte("x")}
		}, "certificate.p12 is not a readable PKCS#12 file"},
		{"wrong .p12 password", boarding, func(objs *Objects, _ *Request) {
			p12, err := pkcs12.Modern.Encode(c.Identity.Key, c.Identity.Certificate, []*x509.Certificate{c.Identity.Intermediate}, "right")
			if err != nil {
				t.Fatal(err)
			}
			objs.Secrets[len(objs.Secrets)-1].Data = map[string][]byte{walletv1.SecretKeyPKCS12: p12, walletv1.SecretKeyPKCS12Password: []byte("wrong")}
		}, "certificate.p12: the password in key \"password\" does not open it"},
		{"missing icon", boarding, func(objs *Objects, _ *Request) {
			tpl := template(objs, "passdock-airways")
			tpl.Spec.Images = tpl.Spec.Images[2:]
		}, "PassTemplate passdock-airways: spec.images: an icon image is required"},
		{"JPEG named .png", boarding, func(objs *Objects, _ *Request) {
			objs.ConfigMaps[0].BinaryData["icon.png"] = jpegBytes
		}, "PassTemplate passdock-airways: spec.images[0]: icon image is not a PNG"},
		{"oversized image", boarding, func(objs *Objects, _ *Request) {
			objs.ConfigMaps[0].BinaryData["footer.png"] = encodePNG(t, 2000, 300)
		}, "footer image at @1x is 2000x300 pixels; Wallet shows it at most 286x15, so keep it within 572x30"},
		{"missing image key", boarding, func(objs *Objects, _ *Request) {
			template(objs, "passdock-airways").Spec.Images[4].ConfigMapKeyRef.Key = "nope.png"
		}, "spec.images[4]: ConfigMap sample-images has no key \"nope.png\""},
		{"image by URL", boarding, func(objs *Objects, _ *Request) {
			template(objs, "passdock-airways").Spec.Images[4] = walletv1.Image{Type: walletv1.ImageFooter, URL: "https://images.example.com/logo.png"}
		}, "spec.images[4]: https://images.example.com/logo.png is fetched by the manager in a cluster, not by render"},
		{"strip and thumbnail on an event ticket", "concert-a-12-7", func(objs *Objects, _ *Request) {
			tpl := template(objs, "harbour-concert")
			tpl.Spec.Images = append(tpl.Spec.Images, walletv1.Image{Type: walletv1.ImageThumbnail, ConfigMapKeyRef: &walletv1.KeyReference{Name: "sample-images", Key: "thumbnail.png"}})
		}, "an eventTicket with a strip image cannot also have a background or thumbnail image"},
		{"duplicate field key across sections", boarding, func(objs *Objects, _ *Request) {
			tpl := template(objs, "passdock-airways")
			tpl.Spec.Fields.Back = append(tpl.Spec.Fields.Back, walletv1.Field{Key: "gate", Value: "x"})
		}, "spec.fields.back[1].key: key \"gate\" is also used by spec.fields.header[0]"},
		{"dataSchema that does not compile", boarding, func(objs *Objects, _ *Request) {
			template(objs, "passdock-airways").Spec.DataSchema = &apiextensionsv1.JSON{Raw: []byte(`{"type": 12}`)}
		}, "spec.dataSchema: not a valid JSON Schema"},
		{"data failing the schema", boarding, func(objs *Objects, _ *Request) {
			pass(objs, boarding).Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"passenger":"J","flight":"pd-123","from":"JFK","to":"SFO","fromCity":"a","toCity":"b","gate":"1","departure":"2026-12-12T10:12:20-08:00"}`)}
		}, "spec.data.flight: 'pd-123' does not match pattern"},
		{"unknown override key", boarding, func(objs *Objects, _ *Request) {
			v := "B"
			pass(objs, boarding).Spec.Fields = map[string]walletv1.FieldOverride{"terminal": {Value: &v}}
		}, "Pass james-smith-pd123: spec.fields.terminal: template passdock-airways has no field \"terminal\"; its fields are gate, from, to"},
		{"missing placeholder key", boarding, func(objs *Objects, _ *Request) {
			template(objs, "passdock-airways").Spec.DataSchema = nil
			pass(objs, boarding).Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"passenger":"J","flight":"PD1","from":"JFK","to":"SFO","fromCity":"a","toCity":"b","departure":"2026-12-12T10:12:20-08:00"}`)}
		}, "spec.fields.header[0].value: the placeholder .data.gate needs key data.gate, which the pass does not have"},
		{"date field that is not a date", boarding, func(objs *Objects, _ *Request) {
			template(objs, "passdock-airways").Spec.DataSchema = nil
			pass(objs, boarding).Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"passenger":"J","flight":"PD1","from":"JFK","to":"SFO","fromCity":"a","toCity":"b","gate":"1","departure":"next tuesday"}`)}
		}, "spec.fields.auxiliary[0].value: \"next tuesday\" is not an ISO 8601 date"},
		{"short authentication token", boarding, func(_ *Objects, r *Request) {
			r.WebServiceURL, r.AuthenticationToken = "https://passes.example.com/wallet", "tooshort"
		}, "the authentication token has 8 characters; Wallet needs at least 16"},
		{"http web service outside development", boarding, func(_ *Objects, r *Request) {
			r.WebServiceURL = "http://passes.example.com/wallet"
		}, "must be https (Wallet refuses http outside development mode)"},
		{"missing template", boarding, func(objs *Objects, _ *Request) {
			pass(objs, boarding).Spec.TemplateRef.Name = "gone"
		}, "Pass james-smith-pd123: spec.templateRef names PassTemplate \"gone\", which is not in the files"},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := samples(t)
			req := Request{PassName: tc.pass, Now: now}
			tc.change(objs, &req)
			_, _, err := Render(objs, req)
			if err == nil {
				t.Fatalf("rendered; want an error saying %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error does not say %q:\n%v", tc.want, err)
			}
			if prev, dup := seen[err.Error()]; dup {
				t.Errorf("same message as case %q: %v", prev, err)
			}
			seen[err.Error()] = tc.name
		})
	}
}

// Both .p12 flavours (modern AES, legacy RC2/3DES as older Keychains
// export) load and sign, and http is accepted in development mode.
func TestPKCS12AndDevelopmentWebService(t *testing.T) {
	c, _ := chains(t)
	for name, enc := range map[string]*pkcs12.Encoder{"modern": pkcs12.Modern, "legacy": pkcs12.LegacyRC2, "legacy-des": pkcs12.LegacyDES} {
		t.Run(name, func(t *testing.T) {
			p12, err := enc.Encode(c.Identity.Key, c.Identity.Certificate, []*x509.Certificate{c.Identity.Intermediate}, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			objs := samples(t)
			objs.Secrets[len(objs.Secrets)-1].Data = map[string][]byte{walletv1.SecretKeyPKCS12: p12, walletv1.SecretKeyPKCS12Password: []byte("s3cret")}
			signed, _, err := Render(objs, Request{PassName: "member-petra", Now: now, WebServiceURL: "http://127.0.0.1:8443/wallet", Development: true})
			if err != nil {
				t.Fatal(err)
			}
			pj := string(signed.Files[pkpass.PassJSON])
			if !strings.Contains(pj, `"webServiceURL":"http://127.0.0.1:8443/wallet"`) || !strings.Contains(pj, `"authenticationToken":"`) {
				t.Errorf("pass.json lacks the web service fields:\n%s", pj)
			}
		})
	}
}

func plainTLSCertificate(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "shop.example.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"shop.example.com"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// render --google-wallet prints the pass as a Google Wallet class and
// object and a development save link carrying them.
func TestRenderGoogleWallet(t *testing.T) {
	objs := samples(t)
	req := Request{PassName: "bakery-jana", Now: now, GoogleWallet: true, WebServiceURL: "https://wallet.example.com/passes"}
	signed, _, err := Render(objs, req)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printGoogleWallet(&out, objs, req, signed.Files); err != nil {
		t.Fatal(err)
	}
	var printed struct {
		Vertical string
		Object   map[string]any
		SaveURL  string
	}
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if printed.Vertical != "loyalty" || printed.Object["accountId"] != "bk-000101" || !strings.HasPrefix(printed.SaveURL, "https://pay.google.com/gp/v/save/") {
		t.Errorf("printed %+v", printed)
	}
}

// renderBeside signs a pass of the manifests in dir beside the samples
// (their certificate and images) and checks it as Wallet would: it
// verifies, chain and pass.json schema included.
func renderBeside(t *testing.T, dir, pass string) *pkpass.Signed {
	t.Helper()
	objs := samples(t)
	more, err := load(sources{files: []string{dir}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	objs.Templates = append(objs.Templates, more.Templates...)
	objs.Passes = append(objs.Passes, more.Passes...)
	objs.ConfigMaps = append(objs.ConfigMaps, more.ConfigMaps...)
	signed, _, err := Render(objs, Request{PassName: pass, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := pkpass.Zip(signed.Files)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := chains(t)
	roots := x509.NewCertPool()
	roots.AddCert(c.Root)
	if r := pkpass.Verify(zipped, roots); !r.OK() {
		t.Fatalf("verify: %v", r.Failures)
	}
	return signed
}

// A template and pass using every key the CRDs model beyond Passbook's
// render offline to a pass that verifies, pass.json valid against the
// schema of Apple's pass.json (pkpass.Verify checks it), and applies to the
// API server's schema (api/v1alpha1 tests apply the same file).
func TestEveryModernKeyRenders(t *testing.T) {
	signed := renderBeside(t, filepath.Join("testdata", "every-key"), "every-key-member")
	var pj map[string]any
	if err := json.Unmarshal(signed.Files[pkpass.PassJSON], &pj); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"semantics", "nfc", "associatedStoreIdentifiers", "appLaunchURL", "userInfo", "footerBackgroundColor", "useAutomaticColors", "relevantDates", "upcomingPassInformation"} {
		if _, ok := pj[key]; !ok {
			t.Errorf("pass.json has no %s:\n%s", key, signed.Files[pkpass.PassJSON])
		}
	}
	if pj["useAutomaticColors"] != true || pj["userInfo"].(map[string]any)["since"] != 2020.0 || pj["userInfo"].(map[string]any)["tier"] != "gold" {
		t.Errorf("the pass's passJSON and userInfo do not merge over the template's: %v %v", pj["useAutomaticColors"], pj["userInfo"])
	}
	if upcoming := pj["upcomingPassInformation"].([]any); len(upcoming) != 2 {
		t.Errorf("upcoming events: %v", upcoming)
	}
}

// The poster event ticket of docs/passes.md, as printed, signs beside the samples'
// certificate and images: a pass that verifies, pass.json valid against
// Apple's schema, with the poster's scheme and semantic tags.
func TestReadmeModernPassRenders(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	for _, obj := range testenv.DocYAML(t, "docs/passes.md", "# Modern passes") {
		data, err := json.Marshal(obj.Object)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(data)
		buf.WriteString("\n---\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "readme.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	signed := renderBeside(t, dir, "cinema-f12")
	if !bytes.Contains(signed.Files[pkpass.PassJSON], []byte(`"preferredStyleSchemes":["posterEventTicket","eventTicket"]`)) ||
		!bytes.Contains(signed.Files[pkpass.PassJSON], []byte(`"seats":[{"seatNumber":"12","seatRow":"F"}]`)) {
		t.Errorf("pass.json: %s", signed.Files[pkpass.PassJSON])
	}
}

// render refuses what the API server refuses: a misspelled key (here a
// typo of associatedStoreIdentifiers) is named, not left out of the pass
// without a word.
func TestUnknownFieldsAreRefused(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "every-key", "every-key.yaml"))
	if err != nil {
		t.Skipf("testdata: %v", err)
	}
	text := strings.Replace(string(data), "associatedStoreIdentifiers:", "associatedStoreIdentifier:", 1)
	if text == string(data) {
		t.Fatal("the every-key testdata has no associatedStoreIdentifiers to misspell")
	}
	if err := os.WriteFile(filepath.Join(dir, "typo.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = load(sources{files: []string{dir}}, "default")
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.associatedStoreIdentifier"`) || !strings.Contains(err.Error(), "spec.passJSON") {
		t.Errorf("a misspelled key: %v", err)
	}
}

// -k builds kustomizations as kubectl apply -k does: the samples and the
// modern samples, built by kustomize, render a poster ticket that
// verifies, as -f of the same files does.
func TestRenderKustomizations(t *testing.T) {
	root := filepath.Join("..", "..", "..", "config", "samples")
	objs, err := load(sources{kustomizations: []string{root, filepath.Join(root, "modern")}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Templates) < 8 || len(objs.Passes) < 16 {
		t.Fatalf("-k config/samples -k config/samples/modern: %d templates, %d passes", len(objs.Templates), len(objs.Passes))
	}
	// The samples' certificate asks for a development chain, made now.
	signed, _, err := Render(objs, Request{PassName: "festival-jana", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := pkpass.Zip(signed.Files)
	if err != nil {
		t.Fatal(err)
	}
	if r := pkpass.Verify(zipped, nil); !r.OK() {
		t.Errorf("verify: %v", r.Failures)
	}
}
