package certs

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
)

// Apple's certificates, as Apple publishes them at
// https://www.apple.com/certificateauthority/ (their SHA-256 fingerprints
// are checked in a test): the root every device trusts, and the
// Worldwide Developer Relations intermediate that issues Pass Type ID
// certificates (G4, valid until 2030-12-10). A newer intermediate joins
// appleIntermediatePEMs as Apple moves to it.
var (
	//go:embed apple/AppleRootCA.pem
	appleRootPEM []byte
	//go:embed apple/AppleWWDRCAG4.pem
	appleWWDRG4PEM []byte

	appleIntermediatePEMs = [][]byte{appleWWDRG4PEM}
)

var (
	appleRoot          = mustParsePEM(appleRootPEM)
	appleIntermediates = func() []*x509.Certificate {
		var out []*x509.Certificate
		for _, p := range appleIntermediatePEMs {
			out = append(out, mustParsePEM(p))
		}
		return out
	}()
)

func mustParsePEM(data []byte) *x509.Certificate {
	block, _ := pem.Decode(data)
	if block == nil {
		panic("certs: an embedded Apple certificate is not PEM")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic(fmt.Sprintf("certs: an embedded Apple certificate does not parse: %v", err))
	}
	return c
}

// AppleRoot is Apple Root CA, which every Apple device trusts.
func AppleRoot() *x509.Certificate { return appleRoot }

// AppleIntermediates are the WWDR intermediates that issue Pass Type ID
// certificates, embedded in the binary.
func AppleIntermediates() []*x509.Certificate { return appleIntermediates }

// appleIntermediateFor is the embedded intermediate that signed leaf, or nil.
func appleIntermediateFor(leaf *x509.Certificate) *x509.Certificate {
	for _, c := range appleIntermediates {
		if bytes.Equal(c.RawSubject, leaf.RawIssuer) && leaf.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}

// chainsToApple says whether Apple issued leaf: intermediate signed it and
// Apple's root signed intermediate, both checked by signature (a name
// proves nothing: anyone can call a certificate Apple's).
func chainsToApple(leaf, intermediate *x509.Certificate) bool {
	if intermediate == nil || leaf.CheckSignatureFrom(intermediate) != nil {
		return false
	}
	return bytes.Equal(intermediate.RawIssuer, appleRoot.RawSubject) && intermediate.CheckSignatureFrom(appleRoot) == nil
}
