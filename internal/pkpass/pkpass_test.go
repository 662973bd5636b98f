package pkpass

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"go.mozilla.org/pkcs7"

	"github.com/wallet-operator/wallet-operator/internal/certs"
)

func TestSignatureShape(t *testing.T) {
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.com.example.x", TeamIdentifier: "A1B2C3D4E5"})
	if err != nil {
		t.Fatal(err)
	}
	files := Files{"pass.json": []byte(`{"formatVersion":1,"passTypeIdentifier":"pass.com.example.x","serialNumber":"1","teamIdentifier":"A1B2C3D4E5","organizationName":"o","description":"d","generic":{}}`), "icon.png": []byte("png")}
	signed, err := SignFiles(files, chain.Identity)
	if err != nil {
		t.Fatal(err)
	}
	// SHA-1s as sha1sum prints them.
	if got := string(signed.Files[ManifestJSON]); got != `{"icon.png":"9040a7d6cdf7a0d6cab1823831c6ceb7d01af97f","pass.json":"606b4fb797637554f12dcf31cf946f3f9e2b2da6"}` {
		t.Errorf("manifest = %s", got)
	}
	p7, err := pkcs7.Parse(signed.Files[Signature])
	if err != nil {
		t.Fatal(err)
	}
	if len(p7.Content) != 0 {
		t.Error("the signature must be detached")
	}
	if len(p7.Certificates) != 2 {
		t.Errorf("certificate set has %d certificates, want leaf and WWDR intermediate", len(p7.Certificates))
	}
	zipped, _ := Zip(signed.Files)
	if r := Verify(zipped, nil); !r.OK() {
		t.Errorf("verify: %v", r.Failures)
	}

	// A second signing-time attribute is refused by verify.
	sd, _ := pkcs7.NewSignedData(signed.Files[ManifestJSON])
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	extra := pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{{Type: pkcs7.OIDAttributeSigningTime, Value: time.Now().UTC()}}}
	if err := sd.AddSignerChain(chain.Identity.Certificate, chain.Identity.Key, []*x509.Certificate{chain.Identity.Intermediate}, extra); err != nil {
		t.Fatal(err)
	}
	sd.Detach()
	sig, _ := sd.Finish()
	zipped, _ = Zip(Merge(signed.Files, Files{Signature: sig}))
	if r := Verify(zipped, nil); r.OK() || !strings.Contains(strings.Join(r.Failures, "\n"), "has 2 signing-time attributes, want exactly 1") {
		t.Errorf("two signing times accepted: %v", r.Failures)
	}
}

func TestZipIsDeterministic(t *testing.T) {
	files := Files{"b.json": []byte("{}"), "a.png": []byte("x"), "c/pass.strings": []byte("s")}
	a, _ := Zip(files)
	b, _ := Zip(Merge(nil, files))
	if string(a) != string(b) {
		t.Error("equal files gave different zips")
	}
	back, err := Unzip(a)
	if err != nil || len(back) != 3 || string(back["c/pass.strings"]) != "s" {
		t.Errorf("unzip: %v %v", back, err)
	}
}
