package verify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

func TestVerifyCommand(t *testing.T) {
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.com.example.x", TeamIdentifier: "A1B2C3D4E5"})
	if err != nil {
		t.Fatal(err)
	}
	files := pkpass.Files{"icon.png": []byte("png"), "pass.json": []byte(`{"formatVersion":1,"passTypeIdentifier":"pass.com.example.x","serialNumber":"1","teamIdentifier":"A1B2C3D4E5","organizationName":"o","description":"d","generic":{}}`)}
	signed, err := pkpass.SignFiles(files, chain.Identity)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pkpass")
	bad := filepath.Join(dir, "bad.pkpass")
	roots := filepath.Join(dir, "roots.pem")
	zipped, _ := pkpass.Zip(signed.Files)
	tampered, _ := pkpass.Zip(pkpass.Merge(signed.Files, pkpass.Files{"pass.json": []byte(`{"formatVersion":2}`)}))
	for path, data := range map[string][]byte{good: zipped, bad: tampered, roots: certs.EncodeCertificatePEM(chain.Root)} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var out bytes.Buffer
	if err := Verify(&out, good, roots); err != nil || !strings.Contains(out.String(), "OK "+good) {
		t.Errorf("good pass: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := Verify(&out, good, ""); err != nil || !strings.Contains(out.String(), "NOTE trust chain: does not lead to Apple Root CA") {
		t.Errorf("without roots the output must say the development chain is not Apple's: %v\n%s", err, out.String())
	}
	out.Reset()
	err = Verify(&out, bad, roots)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered pass: want ErrInvalid, got %v", err)
	}
	for _, want := range []string{"FAIL manifest.json: pass.json has SHA-1", "FAIL pass.json: formatVersion must be 1", "FAIL pass.json: passTypeIdentifier is required"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := cli.Execute(context.Background(), Command(), nil); err == nil || !strings.Contains(err.Error(), "requires at least 1 arg") {
		t.Errorf("no file: want a usage error, got %v", err)
	}
	if err := cli.Execute(context.Background(), Command(), []string{good, "--roots", roots}); err != nil {
		t.Errorf("file before flags: %v", err)
	}
}
