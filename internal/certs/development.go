package certs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// DevelopmentOrganization names every certificate of a generated chain, so
// nobody mistakes it for Apple's.
const DevelopmentOrganization = "wallet-operator development (not trusted by devices)"

// DevelopmentChain is a self-contained DEVELOPMENT-ONLY chain shaped like
// Apple's: a root, a WWDR-like intermediate and a Pass Type ID leaf with
// Apple's pass OIDs. Passes it signs are well-formed, verify with openssl
// against Root, and are trusted by no real device.
type DevelopmentChain struct {
	Root     *x509.Certificate
	Identity *Identity
}

// DevelopmentOptions describe the leaf to generate.
type DevelopmentOptions struct {
	PassTypeIdentifier string
	TeamIdentifier     string
	// NotBefore of the leaf; default now minus an hour (clock skew).
	NotBefore time.Time
	// Validity of the leaf; default one year.
	Validity time.Duration
}

// GenerateDevelopmentChain creates a new development chain.
func GenerateDevelopmentChain(o DevelopmentOptions) (*DevelopmentChain, error) {
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.Validity == 0 {
		o.Validity = 365 * 24 * time.Hour
	}
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	caValidity := o.NotBefore.Add(o.Validity + 10*365*24*time.Hour)
	root, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "wallet-operator Development Root CA", Organization: []string{DevelopmentOrganization}},
		NotBefore:             o.NotBefore.Add(-24 * time.Hour),
		NotAfter:              caValidity,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, rootKey, rootKey)
	if err != nil {
		return nil, err
	}
	interKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	inter, err := issue(&x509.Certificate{
		Subject: pkix.Name{
			CommonName:         "wallet-operator Development Worldwide Developer Relations Certification Authority",
			OrganizationalUnit: []string{"G4"},
			Organization:       []string{DevelopmentOrganization},
		},
		NotBefore:             o.NotBefore.Add(-24 * time.Hour),
		NotAfter:              caValidity,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, root, interKey, rootKey)
	if err != nil {
		return nil, err
	}
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	marker, err := asn1.MarshalWithParams(o.PassTypeIdentifier, "utf8")
	if err != nil {
		return nil, err
	}
	leaf, err := issue(&x509.Certificate{
		Subject: pkix.Name{
			CommonName:         "Pass Type ID: " + o.PassTypeIdentifier,
			OrganizationalUnit: []string{o.TeamIdentifier},
			Organization:       []string{DevelopmentOrganization},
			ExtraNames:         []pkix.AttributeTypeAndValue{{Type: oidUserID, Value: o.PassTypeIdentifier}},
		},
		NotBefore:          o.NotBefore,
		NotAfter:           o.NotBefore.Add(o.Validity),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{OIDPassSigningEKU},
		ExtraExtensions:    []pkix.Extension{{Id: OIDPassTypeIDMarker, Value: marker}},
	}, inter, leafKey, interKey)
	if err != nil {
		return nil, err
	}
	return &DevelopmentChain{Root: root, Identity: &Identity{Certificate: leaf, Key: leafKey, Intermediate: inter}}, nil
}

// SecretData is the chain as the keys of a PassCertificate's Secret.
func (d *DevelopmentChain) SecretData() (map[string][]byte, error) {
	data, err := d.Identity.SecretData()
	if err != nil {
		return nil, err
	}
	data[walletv1.SecretKeyDevelopmentRoot] = EncodeCertificatePEM(d.Root)
	return data, nil
}

// SecretData is the identity as PEM under a PassCertificate Secret's keys
// (tls.crt, tls.key as PKCS#8, ca.crt when there is an intermediate).
func (id *Identity) SecretData() (map[string][]byte, error) {
	key, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{
		walletv1.SecretKeyCertificate: EncodeCertificatePEM(id.Certificate),
		walletv1.SecretKeyPrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}),
	}
	if id.Intermediate != nil {
		data[walletv1.SecretKeyIntermediate] = EncodeCertificatePEM(id.Intermediate)
	}
	return data, nil
}

// EncodeCertificatePEM encodes a certificate as PEM.
func EncodeCertificatePEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// issue signs template with parentKey (self-signed when parent is nil).
func issue(template, parent *x509.Certificate, key *rsa.PrivateKey, parentKey *rsa.PrivateKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, err
	}
	template.SerialNumber = serial
	if parent == nil {
		parent = template
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", template.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}
