package demo

import (
	"archive/zip"
	"bytes"
	"crypto/sha1" //nolint:gosec // the manifest's digest is SHA-1, as Apple defines it
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// opensslVerifies checks a .pkpass the controllers signed without any of
// the product's code: every file's SHA-1 is the manifest's (Go's crypto,
// not pkpass.Verify), and openssl verifies the detached signature over the
// manifest against the development root, as Wallet verifies it against
// Apple's. A manifest changed by one byte must then be refused.
func opensslVerifies(t *testing.T, name string, data []byte, rootPEM string) {
	t.Helper()
	openssl := testenv.Tool(t, "openssl")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: not a zip: %v", name, err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	var manifest map[string]string
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatalf("%s: manifest.json: %v", name, err)
	}
	for file, content := range files {
		if file == "manifest.json" || file == "signature" {
			continue
		}
		sum := sha1.Sum(content) //nolint:gosec // Apple's manifest digest
		if manifest[file] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: manifest.json says %s has SHA-1 %q, its content has %x", name, file, manifest[file], sum)
		}
	}
	if len(manifest) != len(files)-2 {
		t.Errorf("%s: manifest.json lists %d files, the bundle holds %d besides it and the signature", name, len(manifest), len(files)-2)
	}
	dir := t.TempDir()
	write := func(file string, b []byte) string {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	verify := func(content []byte) ([]byte, error) {
		return exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", write("signature", files["signature"]),
			"-content", write("manifest.json", content), "-CAfile", rootPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	}
	if out, err := verify(files["manifest.json"]); err != nil {
		t.Errorf("%s: openssl refuses the bundle's signature: %v\n%s", name, err, out)
	}
	changed := bytes.Clone(files["manifest.json"])
	changed[len(changed)/2] ^= 1
	if _, err := verify(changed); err == nil {
		t.Errorf("%s: openssl accepts the signature over a changed manifest", name)
	}
}
