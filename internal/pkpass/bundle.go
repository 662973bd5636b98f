// Package pkpass is the .pkpass bundle format: manifest, detached PKCS#7
// signature, deterministic zip, content digest, and verification.
package pkpass

import (
	"archive/zip"
	"bytes"
	"crypto/sha1" //nolint:gosec // Apple's manifest format is SHA-1.
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.mozilla.org/pkcs7"

	"github.com/wallet-operator/wallet-operator/internal/certs"
)

// Names of the bundle's fixed files.
const (
	PassJSON     = "pass.json"
	ManifestJSON = "manifest.json"
	Signature    = "signature"
	// MediaType is the Content-Type of a .pkpass.
	MediaType = "application/vnd.apple.pkpass"
)

// zipTime is the modification time of every zip entry, so equal inputs
// give equal bytes.
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Files maps bundle paths (pass.json, icon@2x.png, cs.lproj/pass.strings)
// to contents.
type Files map[string][]byte

// Names returns the paths in sorted order.
func (f Files) Names() []string {
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Merge returns a new set holding base overlaid with over.
func Merge(base, over Files) Files {
	out := make(Files, len(base)+len(over))
	for n, b := range base {
		out[n] = b
	}
	for n, b := range over {
		out[n] = b
	}
	return out
}

// Manifest is manifest.json: the SHA-1 hex of every file except the
// manifest and the signature, with keys in sorted order.
func Manifest(files Files) []byte {
	m := make(map[string]string, len(files))
	for name, data := range files {
		if name == ManifestJSON || name == Signature {
			continue
		}
		sum := sha1.Sum(data) //nolint:gosec
		m[name] = hex.EncodeToString(sum[:])
	}
	out, _ := json.Marshal(m) // map keys are sorted by encoding/json
	return out
}

// ContentDigest identifies the content of a bundle signed by the
// certificate with the given fingerprint: it changes exactly when a file
// other than the signature (and the manifest derived from the files)
// changes, or the signer does. Signing times do not move it.
func ContentDigest(files Files, signerFingerprint string) string {
	h := sha256.New()
	fmt.Fprintf(h, "signer\x00%s\n", signerFingerprint)
	for _, name := range files.Names() {
		if name == ManifestJSON || name == Signature {
			continue
		}
		sum := sha256.Sum256(files[name])
		fmt.Fprintf(h, "%s\x00%x\n", name, sum)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Sign returns the detached PKCS#7 signature of manifest: SHA-256 digest,
// one signing-time attribute, the WWDR intermediate in the certificate set.
func Sign(manifest []byte, id *certs.Identity) ([]byte, error) {
	if id.Intermediate == nil {
		return nil, fmt.Errorf("sign: the identity has no WWDR intermediate")
	}
	sd, err := pkcs7.NewSignedData(manifest)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(id.Certificate, id.Key, []*x509.Certificate{id.Intermediate}, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	sd.Detach()
	return sd.Finish()
}

// Signed is a complete bundle.
type Signed struct {
	// Files holds every file, manifest.json and signature included.
	Files Files
	// ContentDigest of the files (see ContentDigest).
	ContentDigest string
}

// SignFiles adds manifest.json and signature to files.
func SignFiles(files Files, id *certs.Identity) (*Signed, error) {
	manifest := Manifest(files)
	sig, err := Sign(manifest, id)
	if err != nil {
		return nil, err
	}
	all := Merge(files, Files{ManifestJSON: manifest, Signature: sig})
	return &Signed{Files: all, ContentDigest: ContentDigest(files, certs.Fingerprint(id.Certificate))}, nil
}

// Zip writes files as a zip in sorted order with fixed timestamps, so the
// same files always give the same bytes.
func Zip(files Files) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteZip(&buf, files); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteZip streams the zip of files to w.
func WriteZip(w io.Writer, files Files) error {
	zw := zip.NewWriter(w)
	for _, name := range files.Names() {
		// Only text is worth deflating: PNGs are compressed already and the
		// signature is mostly certificates and random bits.
		method := zip.Store
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".strings") {
			method = zip.Deflate
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: zipTime})
		if err != nil {
			return err
		}
		if _, err := fw.Write(files[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// PassesMediaType is Apple's media type of a .pkpasses bundle.
const PassesMediaType = "application/vnd.apple.pkpasses"

// MaxPassesPerBundle is how many passes Wallet takes from one .pkpasses
// ("up to 10 passes or 150 MB", Apple's Distributing and updating a pass).
const MaxPassesPerBundle = 10

// ZipPasses is a .pkpasses bundle: a zip of signed .pkpass files (a
// family's or a group's tickets, added to Wallet at once), by name, in
// name order.
func ZipPasses(passes map[string][]byte) ([]byte, error) {
	if len(passes) > MaxPassesPerBundle {
		return nil, fmt.Errorf("%d passes: Wallet takes at most %d from one .pkpasses", len(passes), MaxPassesPerBundle)
	}
	files := Files{}
	for name, data := range passes {
		files[name+".pkpass"] = data
	}
	return Zip(files)
}

// Unzip reads a bundle's files, refusing archives that could exhaust
// memory or escape a directory.
func Unzip(data []byte) (Files, error) {
	const maxFiles, maxTotal = 256, 64 << 20
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	if len(zr.File) > maxFiles {
		return nil, fmt.Errorf("the archive has %d files; a pass has far fewer than %d", len(zr.File), maxFiles)
	}
	files := Files{}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxTotal-total+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		total += int64(len(b))
		if total > maxTotal {
			return nil, fmt.Errorf("the archive unpacks to more than %d MiB", maxTotal>>20)
		}
		files[f.Name] = b
	}
	return files, nil
}
