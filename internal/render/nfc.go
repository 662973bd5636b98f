package render

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
)

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
)

// nfcPublicKey reads an NFC terminal's public key as Apple wants it in
// pass.json: "a Base64 encoded X.509 SubjectPublicKeyInfo structure
// containing an ECDH public key for group P256". It takes a PEM PUBLIC KEY
// or that base64; the point may be compressed (as openssl writes with
// -conv_form compressed), which crypto/x509 does not read, so the structure
// is read here.
func nfcPublicKey(data []byte) (string, error) {
	der := []byte(nil)
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return "", errors.New("a PEM " + block.Type + ", not a PUBLIC KEY (openssl ec -in key.pem -pubout)")
		}
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(data))); err != nil {
			return "", errors.New("neither a PEM PUBLIC KEY nor base64")
		}
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &spki); err != nil || len(rest) > 0 {
		return "", errors.New("not an X.509 SubjectPublicKeyInfo")
	}
	var curve asn1.ObjectIdentifier
	if !spki.Algorithm.Algorithm.Equal(oidECPublicKey) {
		return "", errors.New("not an elliptic-curve key: the NFC key is ECDH on P-256")
	}
	if _, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err != nil || !curve.Equal(oidP256) {
		return "", errors.New("not on P-256 (prime256v1), the only curve Apple VAS uses")
	}
	point := spki.PublicKey.RightAlign()
	switch {
	case len(point) == 33 && (point[0] == 2 || point[0] == 3):
		if x, _ := elliptic.UnmarshalCompressed(elliptic.P256(), point); x == nil {
			return "", errors.New("the compressed point is not on P-256")
		}
	default:
		if _, err := ecdh.P256().NewPublicKey(point); err != nil {
			return "", errors.New("the point is not on P-256")
		}
	}
	return base64.StdEncoding.EncodeToString(der), nil
}
