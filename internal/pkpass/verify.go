package pkpass

import (
	"crypto/sha1" //nolint:gosec // Apple's manifest format is SHA-1.
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.mozilla.org/pkcs7"

	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
)

// Report is the outcome of Verify: every rule that failed, and notes on
// what was not checked.
type Report struct {
	Failures []string
	Notes    []string
}

// OK says whether every rule passed.
func (r *Report) OK() bool { return len(r.Failures) == 0 }

func (r *Report) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// styleKeys are pass.json's five style keys; exactly one is present.
var styleKeys = []string{"boardingPass", "coupon", "eventTicket", "generic", "storeCard"}

var colorPattern = regexp.MustCompile(`^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$`)

// Verify checks a .pkpass as Wallet would: structure, manifest hashes,
// signature and signing time, the signer against pass.json, the chain (to
// roots when given), and pass.json's rules.
func Verify(data []byte, roots *x509.CertPool) *Report {
	r := &Report{}
	files, err := Unzip(data)
	if err != nil {
		r.fail("structure: %v", err)
		return r
	}
	for _, name := range []string{PassJSON, ManifestJSON, Signature} {
		if _, ok := files[name]; !ok {
			r.fail("structure: %s is missing", name)
		}
	}
	if !r.OK() {
		return r
	}
	verifyManifest(r, files)
	var pass map[string]any
	if err := json.Unmarshal(files[PassJSON], &pass); err != nil {
		r.fail("pass.json: not valid JSON: %v", err)
		pass = map[string]any{}
	}
	verifySignature(r, files, pass, roots)
	verifyPassJSON(r, files, pass)
	return r
}

func verifyManifest(r *Report, files Files) {
	var manifest map[string]string
	if err := json.Unmarshal(files[ManifestJSON], &manifest); err != nil {
		r.fail("manifest.json: not a JSON object of file hashes: %v", err)
		return
	}
	for _, name := range files.Names() {
		if name == ManifestJSON || name == Signature {
			continue
		}
		want, ok := manifest[name]
		if !ok {
			r.fail("manifest.json: %s is in the bundle but not in the manifest", name)
			continue
		}
		sum := sha1.Sum(files[name]) //nolint:gosec
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
			r.fail("manifest.json: %s has SHA-1 %s, the manifest says %s (the file was changed after signing)", name, got, want)
		}
	}
	for name := range manifest {
		if _, ok := files[name]; !ok {
			r.fail("manifest.json: lists %s, which is not in the bundle", name)
		}
	}
}

func verifySignature(r *Report, files Files, pass map[string]any, roots *x509.CertPool) {
	p7, err := pkcs7.Parse(files[Signature])
	if err != nil {
		r.fail("signature: not a PKCS#7 signature: %v", err)
		return
	}
	p7.Content = files[ManifestJSON]
	if err := p7.Verify(); err != nil {
		r.fail("signature: does not verify over manifest.json: %v", err)
		return
	}
	if len(p7.Signers) != 1 {
		r.fail("signature: has %d signers, want 1", len(p7.Signers))
		return
	}
	signer := p7.Signers[0]
	if !signer.DigestAlgorithm.Algorithm.Equal(pkcs7.OIDDigestAlgorithmSHA256) {
		r.fail("signature: digest algorithm %s, want SHA-256", signer.DigestAlgorithm.Algorithm)
	}
	var signingTimes []time.Time
	for _, a := range signer.AuthenticatedAttributes {
		if a.Type.Equal(pkcs7.OIDAttributeSigningTime) {
			var t time.Time
			if _, err := asn1.Unmarshal(a.Value.Bytes, &t); err != nil {
				r.fail("signature: unreadable signing time: %v", err)
			}
			signingTimes = append(signingTimes, t)
		}
	}
	if len(signingTimes) != 1 {
		r.fail("signature: has %d signing-time attributes, want exactly 1", len(signingTimes))
	}
	leaf := p7.GetOnlySigner()
	if leaf == nil {
		r.fail("signature: the signer's certificate is not in the signature")
		return
	}
	if len(signingTimes) == 1 && (signingTimes[0].Before(leaf.NotBefore) || signingTimes[0].After(leaf.NotAfter)) {
		r.fail("signature: signed at %s, outside the certificate's validity %s to %s",
			signingTimes[0].Format(time.RFC3339), leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
	}
	var intermediates []*x509.Certificate
	for _, c := range p7.Certificates {
		if c != leaf && leaf.CheckSignatureFrom(c) == nil {
			intermediates = append(intermediates, c)
		}
	}
	if len(intermediates) == 0 {
		r.fail("signature: the certificate set lacks the WWDR intermediate that issued the signer (%q)", leaf.Issuer.CommonName)
	}
	facts := certs.FactsOf(&certs.Identity{Certificate: leaf})
	if got, _ := pass["passTypeIdentifier"].(string); got != facts.PassTypeIdentifier {
		r.fail("signature: signed by the certificate of %q, but pass.json says passTypeIdentifier %q", facts.PassTypeIdentifier, got)
	}
	if got, _ := pass["teamIdentifier"].(string); got != facts.TeamIdentifier {
		r.fail("signature: signed by team %q, but pass.json says teamIdentifier %q", facts.TeamIdentifier, got)
	}
	if roots == nil {
		r.Notes = append(r.Notes, "trust chain not checked: pass --roots with the root certificates to check it")
		return
	}
	at := time.Now()
	if len(signingTimes) == 1 {
		at = signingTimes[0]
	}
	if err := certs.Verify(leaf, intermediates, roots, at); err != nil {
		r.fail("chain: the signer does not chain to the given roots: %v", err)
	}
}

func verifyPassJSON(r *Report, files Files, pass map[string]any) {
	if v, ok := pass["formatVersion"].(float64); !ok || v != 1 {
		r.fail("pass.json: formatVersion must be 1")
	}
	for _, key := range []string{"passTypeIdentifier", "serialNumber", "teamIdentifier", "organizationName", "description"} {
		if s, _ := pass[key].(string); s == "" {
			r.fail("pass.json: %s is required", key)
		}
	}
	var styles []string
	for _, k := range styleKeys {
		if _, ok := pass[k]; ok {
			styles = append(styles, k)
		}
	}
	if len(styles) != 1 {
		r.fail("pass.json: want exactly one style key (%s), found %v", strings.Join(styleKeys, ", "), styles)
	}
	url, hasURL := pass["webServiceURL"].(string)
	token, hasToken := pass["authenticationToken"].(string)
	switch {
	case hasURL != hasToken:
		r.fail("pass.json: webServiceURL and authenticationToken go together")
	case hasToken && len(token) < 16:
		r.fail("pass.json: authenticationToken has %d characters, Wallet needs at least 16", len(token))
	case hasURL && !strings.HasPrefix(url, "https://"):
		r.Notes = append(r.Notes, "webServiceURL is not https: only development devices accept it")
	}
	for _, key := range []string{"backgroundColor", "foregroundColor", "labelColor"} {
		if c, ok := pass[key].(string); ok && !colorPattern.MatchString(c) {
			r.fail("pass.json: %s %q is not rgb(r, g, b)", key, c)
		}
	}
	// Every key Apple documents, with its type and allowed values.
	if err := passjson.Validate(files[PassJSON]); err != nil {
		r.fail("pass.json: against the schema of Apple's pass.json: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if !slices.ContainsFunc(files.Names(), func(n string) bool { return n == "icon.png" || strings.HasPrefix(n, "icon@") }) {
		r.fail("structure: icon.png is missing; Wallet refuses a pass without an icon")
	}
}
