package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Request is a new private key and the certificate signing request to
// upload to Apple for it (Certificates, Identifiers & Profiles > Pass Type
// IDs > Create Certificate).
type Request struct {
	// KeyPEM is the private key, PKCS#8 PEM: it goes into a Secret only.
	KeyPEM []byte
	// CSRPEM is the request for Apple.
	CSRPEM []byte
}

// NewRequest makes an RSA 2048 key, as Apple requires for Pass Type ID
// certificates, and a request naming the pass type identifier (Apple takes
// the identifier from the portal; the name helps whoever reads the file).
func NewRequest(passTypeIdentifier, email string) (*Request, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	subject := pkix.Name{CommonName: passTypeIdentifier}
	tmpl := &x509.CertificateRequest{Subject: subject, SignatureAlgorithm: x509.SHA256WithRSA}
	if email != "" {
		tmpl.EmailAddresses = []string{email}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &Request{
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		CSRPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
	}, nil
}

// ParseCertificate reads a certificate as Apple's portal downloads it (DER,
// pass.cer) or as PEM.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a PEM %s, not a CERTIFICATE", block.Type)
		}
		data = block.Bytes
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("neither a DER (.cer) nor a PEM certificate: %w", err)
	}
	return c, nil
}

// timeZero is the time given to the policy's checks that do not look at it.
var timeZero time.Time

// ErrNotForThisKey says a certificate was issued for another key.
var ErrNotForThisKey = errors.New("the certificate was not issued for this key")

// Complete joins a certificate Apple issued with the key it was requested
// with (keyPEM) and the intermediate that issued it: intermediate when
// given (development and tests), else Apple's, found by its signature. It
// checks what devices and the manager will: the key matches, it is a Pass
// Type ID certificate for wantPassType (when given), the intermediate
// signed it. The result's SecretData is what the Secret should hold.
func Complete(keyPEM []byte, cert, intermediate *x509.Certificate, wantPassType string) (*Identity, error) {
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	return complete(key, cert, intermediate, wantPassType)
}

func complete(key crypto.Signer, cert, intermediate *x509.Certificate, wantPassType string) (*Identity, error) {
	id := &Identity{Certificate: cert, Key: key, Intermediate: intermediate}
	if !sameKey(cert, key) {
		return nil, ErrNotForThisKey
	}
	f := FactsOf(id)
	if p := isPassCertificate(id, f, timeZero); p != nil {
		return nil, p
	}
	if wantPassType != "" && f.PassTypeIdentifier != wantPassType {
		return nil, fmt.Errorf("the certificate is for pass type %s, but %s was requested: download the certificate of the right Pass Type ID", f.PassTypeIdentifier, wantPassType)
	}
	if id.Intermediate == nil {
		if id.Intermediate = appleIntermediateFor(cert); id.Intermediate == nil {
			return nil, fmt.Errorf("no Apple WWDR intermediate issued the certificate (its issuer is %q): for a chain that is not Apple's, pass the issuing intermediate with --intermediate", cert.Issuer.CommonName)
		}
	}
	if p := intermediateIssuedLeaf(id, f, timeZero); p != nil {
		return nil, p
	}
	if p := notPosingAsApple(id, FactsOf(id), timeZero); p != nil {
		return nil, p
	}
	return id, nil
}

// CompletePKCS12 reads a Keychain export (.p12) and checks it as Complete
// does.
func CompletePKCS12(data []byte, password, wantPassType string, intermediate *x509.Certificate) (*Identity, error) {
	id, err := LoadPKCS12(data, password)
	if err != nil {
		return nil, err
	}
	if intermediate != nil {
		id.Intermediate = intermediate
	}
	var inter *x509.Certificate
	if id.Intermediate != nil && id.Certificate.CheckSignatureFrom(id.Intermediate) == nil {
		inter = id.Intermediate
	}
	return complete(id.Key, id.Certificate, inter, wantPassType)
}
