package gwtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
)

// CallbackSigner signs save and delete callbacks as Google does
// (ECv2SigningOnly), with a root key of its own that the web service is
// told to trust (RootKeysJSON). It is written from Google's documentation
// ("Add and delete callbacks": sender GooglePayPasses, the issuer ID as
// recipient, the message's classId, objectId, expTimeMillis, eventType and
// nonce) and Tink's PaymentMethodTokenSender, not from the package it
// tests: its field names, sender IDs and byte layout are its own, so a
// mistake in the verifier is not copied into the signer.
type CallbackSigner struct {
	root, intermediate *ecdsa.PrivateKey
	// KeyExpiry is the intermediate key's expiry.
	KeyExpiry time.Time
}

// NewCallbackSigner makes a root and an intermediate key.
func NewCallbackSigner() *CallbackSigner {
	root, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	intermediate, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return &CallbackSigner{root: root, intermediate: intermediate, KeyExpiry: time.Now().Add(24 * time.Hour)}
}

func keyValue(k *ecdsa.PrivateKey) string {
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

func sign(k *ecdsa.PrivateKey, data []byte) string {
	sum := sha256.Sum256(data)
	sig, _ := ecdsa.SignASN1(rand.Reader, k, sum[:])
	return base64.StdEncoding.EncodeToString(sig)
}

// lengthValue is what Google signs: each part as its length in four
// little-endian bytes, then its bytes (Tink's toLengthValue).
func lengthValue(parts ...string) []byte {
	var out []byte
	for _, p := range parts {
		n := len(p)
		out = append(out, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		out = append(out, p...)
	}
	return out
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// RootKeysJSON is the root key set, as Google publishes its own.
func (c *CallbackSigner) RootKeysJSON() []byte {
	return []byte(mustJSON(map[string]any{"keys": []map[string]string{{"keyValue": keyValue(c.root), "protocolVersion": "ECv2SigningOnly"}}}))
}

// Sign makes a callback body for msg, for the issuer its object ID names.
func (c *CallbackSigner) Sign(msg googlewallet.CallbackMessage) []byte {
	signedKey := mustJSON(map[string]string{"keyValue": keyValue(c.intermediate), "keyExpiration": strconv.FormatInt(c.KeyExpiry.UnixMilli(), 10)})
	fields := map[string]any{"classId": msg.ClassID, "objectId": msg.ObjectID, "expTimeMillis": msg.ExpTimeMillis, "eventType": msg.EventType, "nonce": msg.Nonce}
	if msg.Count != 0 {
		fields["count"] = msg.Count
	}
	message := mustJSON(fields)
	issuer, _, _ := strings.Cut(msg.ObjectID, ".")
	return []byte(mustJSON(map[string]any{
		"protocolVersion": "ECv2SigningOnly",
		"signedMessage":   message,
		"intermediateSigningKey": map[string]any{
			"signedKey":  signedKey,
			"signatures": []string{sign(c.root, lengthValue("Google", "ECv2SigningOnly", signedKey))},
		},
		"signature": sign(c.intermediate, lengthValue("GooglePayPasses", issuer, "ECv2SigningOnly", message)),
	}))
}
