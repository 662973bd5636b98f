package certs

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"slices"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Apple's object identifiers.
var (
	// OIDPassTypeIDMarker is the extension every Pass Type ID certificate
	// carries.
	OIDPassTypeIDMarker = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 1, 16}
	// OIDPassSigningEKU is the extended key usage of pass signing.
	OIDPassSigningEKU = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 4, 14}
	// oidUserID is the subject attribute (UID) holding the pass type identifier.
	oidUserID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// appleOrganization is the organization in Apple's certificates' names,
// which a chain not issued by Apple must not claim.
const appleOrganization = "Apple Inc."

// Facts are what status reports about an identity.
type Facts struct {
	PassTypeIdentifier string
	TeamIdentifier     string
	NotBefore          time.Time
	NotAfter           time.Time
	// Fingerprint is the hex SHA-256 of the certificate.
	Fingerprint string
	// Development is true when the chain does not lead, by signature, to
	// Apple's root: no real device trusts what it signs.
	Development bool
}

// Fingerprint is the hex SHA-256 of a certificate.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// FactsOf reads the facts of a certificate.
func FactsOf(id *Identity) Facts {
	c := id.Certificate
	f := Facts{
		NotBefore:   c.NotBefore,
		NotAfter:    c.NotAfter,
		Fingerprint: Fingerprint(c),
		Development: !chainsToApple(c, id.Intermediate),
	}
	for _, name := range c.Subject.Names {
		if name.Type.Equal(oidUserID) {
			f.PassTypeIdentifier, _ = name.Value.(string)
		}
	}
	if len(c.Subject.OrganizationalUnit) > 0 {
		f.TeamIdentifier = c.Subject.OrganizationalUnit[0]
	}
	return f
}

// check is one rule of the policy chain; the first that fails decides the
// reason.
type check func(id *Identity, f Facts, now time.Time) *Problem

var policy = []check{
	isPassCertificate,
	keyMatches,
	hasIntermediate,
	intermediateIssuedLeaf,
	notPosingAsApple,
	isValidAt,
}

// Inspect reads the facts of the identity and checks it can sign passes at
// now. The error, if any, is a *Problem with a precise reason.
func Inspect(id *Identity, now time.Time) (Facts, error) {
	f := FactsOf(id)
	for _, c := range policy {
		if p := c(id, f, now); p != nil {
			return f, p
		}
	}
	return f, nil
}

func isPassCertificate(id *Identity, f Facts, _ time.Time) *Problem {
	c := id.Certificate
	hasMarker := slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(OIDPassTypeIDMarker) })
	hasEKU := slices.ContainsFunc(c.UnknownExtKeyUsage, func(o asn1.ObjectIdentifier) bool { return o.Equal(OIDPassSigningEKU) })
	switch {
	case !hasMarker || !hasEKU:
		return problem(walletv1.ReasonNotAPassCertificate,
			"certificate %q is not a Pass Type ID certificate (it lacks Apple's pass extension %s or extended key usage %s): create one under Certificates, Identifiers & Profiles > Pass Type IDs",
			c.Subject.CommonName, OIDPassTypeIDMarker, OIDPassSigningEKU)
	case f.PassTypeIdentifier == "":
		return problem(walletv1.ReasonNotAPassCertificate, "certificate %q has no pass type identifier (subject UID)", c.Subject.CommonName)
	case f.TeamIdentifier == "":
		return problem(walletv1.ReasonNotAPassCertificate, "certificate %q has no team identifier (subject OU)", c.Subject.CommonName)
	}
	return nil
}

func keyMatches(id *Identity, _ Facts, _ time.Time) *Problem {
	if !sameKey(id.Certificate, id.Key) {
		return problem(walletv1.ReasonKeyMismatch,
			"%s is not the private key of the certificate in %s: put the key the certificate was requested with",
			walletv1.SecretKeyPrivateKey, walletv1.SecretKeyCertificate)
	}
	return nil
}

// sameKey says whether c was issued for key.
func sameKey(c *x509.Certificate, key crypto.Signer) bool {
	pub, ok := c.PublicKey.(interface{ Equal(x crypto.PublicKey) bool })
	return ok && pub.Equal(key.Public())
}

func hasIntermediate(id *Identity, _ Facts, _ time.Time) *Problem {
	if id.Intermediate == nil {
		return problem(walletv1.ReasonMissingIntermediate,
			"the Secret has no %s: add Apple's WWDR intermediate certificate that issued the pass certificate (%q)",
			walletv1.SecretKeyIntermediate, id.Certificate.Issuer.CommonName)
	}
	return nil
}

func intermediateIssuedLeaf(id *Identity, _ Facts, _ time.Time) *Problem {
	if err := id.Certificate.CheckSignatureFrom(id.Intermediate); err != nil {
		return problem(walletv1.ReasonWrongIntermediate,
			"%s (%q) did not issue the pass certificate, which was issued by %q: use the matching WWDR intermediate (G4 for current certificates)",
			walletv1.SecretKeyIntermediate, id.Intermediate.Subject.CommonName, id.Certificate.Issuer.CommonName)
	}
	return nil
}

// notPosingAsApple refuses a chain that carries Apple's name without
// Apple's signature: it would otherwise pass for a development chain in
// name only, or mislead whoever reads the Secret.
func notPosingAsApple(id *Identity, f Facts, _ time.Time) *Problem {
	if !f.Development {
		return nil
	}
	for _, c := range []*x509.Certificate{id.Intermediate, id.Certificate} {
		if slices.Contains(c.Subject.Organization, appleOrganization) || slices.Contains(c.Issuer.Organization, appleOrganization) {
			return problem(walletv1.ReasonUntrustedChain,
				"%q carries Apple's name but Apple's root did not sign its chain: use the certificate Apple issued and Apple's WWDR intermediate (or leave %s out: Apple's is built in); for tests, spec.selfSigned makes a development chain",
				c.Subject.CommonName, walletv1.SecretKeyIntermediate)
		}
	}
	return nil
}

func isValidAt(id *Identity, f Facts, now time.Time) *Problem {
	switch {
	case now.Before(f.NotBefore):
		return problem(walletv1.ReasonNotYetValid, "the pass certificate is not valid before %s", f.NotBefore.UTC().Format(time.RFC3339))
	case now.After(f.NotAfter):
		return problem(walletv1.ReasonExpired, "the pass certificate expired at %s: renew it in the Apple Developer portal and update the Secret", f.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// Verify checks a certificate chain as devices would, to roots.
func Verify(leaf *x509.Certificate, intermediates []*x509.Certificate, roots *x509.CertPool, at time.Time) error {
	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: pool, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}
