// Package certs loads, inspects and (for development) generates the signing
// identity of passes: an Apple Pass Type ID certificate, its private key and
// Apple's WWDR intermediate. The same identity is the APNs client
// certificate.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Identity is a pass signing identity.
type Identity struct {
	// Certificate is the Pass Type ID certificate (the leaf).
	Certificate *x509.Certificate
	// Key is its private key.
	Key crypto.Signer
	// Intermediate is Apple's WWDR intermediate that issued the leaf; nil
	// when the Secret holds none.
	Intermediate *x509.Certificate
}

// Problem is a reason the identity cannot be used, with the condition
// reason it maps to (walletv1.Reason*).
type Problem struct {
	Reason  string
	Message string
}

func (p *Problem) Error() string { return p.Message }

func problem(reason, format string, args ...any) *Problem {
	return &Problem{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the condition reason of err: the Problem's, or
// SecretInvalid for any other error.
func ReasonOf(err error) string {
	var p *Problem
	if errors.As(err, &p) {
		return p.Reason
	}
	return walletv1.ReasonSecretInvalid
}

// FromSecretData loads an identity from the keys of a PassCertificate's
// Secret: PEM tls.crt, tls.key and ca.crt, or certificate.p12 with its
// password (ca.crt may complete a .p12 that lacks the intermediate). When
// neither holds the intermediate, Apple's (embedded) is used if it issued
// the certificate.
func FromSecretData(data map[string][]byte) (*Identity, error) {
	if p12, ok := data[walletv1.SecretKeyPKCS12]; ok {
		id, err := LoadPKCS12(p12, string(data[walletv1.SecretKeyPKCS12Password]))
		if err != nil {
			return nil, err
		}
		if id.Intermediate == nil && len(data[walletv1.SecretKeyIntermediate]) > 0 {
			if id.Intermediate, err = parseCertificatePEM(walletv1.SecretKeyIntermediate, data[walletv1.SecretKeyIntermediate]); err != nil {
				return nil, err
			}
		}
		completeChain(id)
		return id, nil
	}
	if len(data[walletv1.SecretKeyCertificate]) == 0 && len(data[walletv1.SecretKeyPrivateKey]) > 0 {
		return nil, problem(walletv1.ReasonAwaitingCertificate,
			"the Secret holds the key of a certificate request but no certificate yet: upload the CSR to Apple (Certificates, Identifiers & Profiles > Pass Type IDs), then run kubectl wallet certificate import with the downloaded pass.cer")
	}
	if len(data[walletv1.SecretKeyCertificate]) == 0 || len(data[walletv1.SecretKeyPrivateKey]) == 0 {
		return nil, problem(walletv1.ReasonSecretInvalid,
			"the Secret holds neither %s and %s (PEM) nor %s: put the Pass Type ID certificate and its key there",
			walletv1.SecretKeyCertificate, walletv1.SecretKeyPrivateKey, walletv1.SecretKeyPKCS12)
	}
	id, err := LoadPEM(data[walletv1.SecretKeyCertificate], data[walletv1.SecretKeyPrivateKey], data[walletv1.SecretKeyIntermediate])
	if err != nil {
		return nil, err
	}
	completeChain(id)
	return id, nil
}

// completeChain supplies Apple's intermediate when the Secret has none and
// Apple issued the certificate: ca.crt is optional for Apple's chains.
func completeChain(id *Identity) {
	if id.Intermediate == nil {
		id.Intermediate = appleIntermediateFor(id.Certificate)
	}
}

// LoadPEM loads an identity from PEM. intermediatePEM may be empty; then
// Inspect reports MissingIntermediate (FromSecretData first looks among
// Apple's).
func LoadPEM(certPEM, keyPEM, intermediatePEM []byte) (*Identity, error) {
	cert, err := parseCertificatePEM(walletv1.SecretKeyCertificate, certPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	id := &Identity{Certificate: cert, Key: key}
	if len(intermediatePEM) > 0 {
		if id.Intermediate, err = parseCertificatePEM(walletv1.SecretKeyIntermediate, intermediatePEM); err != nil {
			return nil, err
		}
	}
	return id, nil
}

// LoadPKCS12 loads an identity from a .p12 as exported by Keychain Access
// or openssl (legacy RC2/3DES or modern AES encryption).
func LoadPKCS12(data []byte, password string) (*Identity, error) {
	key, cert, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, problem(walletv1.ReasonSecretInvalid,
			"%s: the password in key %q does not open it", walletv1.SecretKeyPKCS12, walletv1.SecretKeyPKCS12Password)
	}
	if err != nil {
		return nil, problem(walletv1.ReasonSecretInvalid,
			"%s is not a readable PKCS#12 file (%v): export the certificate and key from Keychain Access as .p12", walletv1.SecretKeyPKCS12, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, problem(walletv1.ReasonSecretInvalid, "%s holds a %T key, which cannot sign", walletv1.SecretKeyPKCS12, key)
	}
	id := &Identity{Certificate: cert, Key: signer}
	for _, ca := range cas {
		if cert.CheckSignatureFrom(ca) == nil {
			id.Intermediate = ca
		}
	}
	if id.Intermediate == nil && len(cas) > 0 {
		id.Intermediate = cas[0] // Inspect will say it is the wrong one
	}
	return id, nil
}

// TLSCertificate is the identity as an APNs client certificate.
func (id *Identity) TLSCertificate() tls.Certificate {
	chain := [][]byte{id.Certificate.Raw}
	if id.Intermediate != nil {
		chain = append(chain, id.Intermediate.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: id.Key, Leaf: id.Certificate}
}

func parseCertificatePEM(key string, data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, problem(walletv1.ReasonSecretInvalid, "%s is not a PEM certificate (-----BEGIN CERTIFICATE-----)", key)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, problem(walletv1.ReasonSecretInvalid, "%s: %v", key, err)
	}
	return cert, nil
}

func parseKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, problem(walletv1.ReasonSecretInvalid, "%s is not a PEM private key", walletv1.SecretKeyPrivateKey)
	}
	if block.Headers["Proc-Type"] != "" {
		return nil, problem(walletv1.ReasonSecretInvalid, "%s is encrypted: store it unencrypted in the Secret (openssl pkey -in key.pem -out tls.key)", walletv1.SecretKeyPrivateKey)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, problem(walletv1.ReasonSecretInvalid, "%s holds a %q block; want a PRIVATE KEY", walletv1.SecretKeyPrivateKey, block.Type)
	}
	if err != nil {
		return nil, problem(walletv1.ReasonSecretInvalid, "%s: %v", walletv1.SecretKeyPrivateKey, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	default:
		return nil, problem(walletv1.ReasonSecretInvalid, "%s holds a %T key; Wallet passes are signed with RSA or ECDSA", walletv1.SecretKeyPrivateKey, key)
	}
}
