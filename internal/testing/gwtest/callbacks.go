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
// told to trust (RootKeysJSON).
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

// RootKeysJSON is the root key set, as Google publishes its own.
func (c *CallbackSigner) RootKeysJSON() []byte {
	data, _ := json.Marshal(googlewallet.RootKeys{Keys: []googlewallet.RootKey{{KeyValue: keyValue(c.root), ProtocolVersion: googlewallet.ProtocolVersion}}})
	return data
}

// Sign makes a callback body for msg, for the issuer its object ID names.
func (c *CallbackSigner) Sign(msg googlewallet.CallbackMessage) []byte {
	signedKey, _ := json.Marshal(googlewallet.SignedKey{KeyValue: keyValue(c.intermediate), KeyExpiration: strconv.FormatInt(c.KeyExpiry.UnixMilli(), 10)})
	message, _ := json.Marshal(msg)
	issuer, _, _ := strings.Cut(msg.ObjectID, ".")
	var cb googlewallet.Callback
	cb.ProtocolVersion = googlewallet.ProtocolVersion
	cb.SignedMessage = string(message)
	cb.IntermediateSigningKey.SignedKey = string(signedKey)
	cb.IntermediateSigningKey.Signatures = []string{sign(c.root, googlewallet.LengthValue(googlewallet.GoogleSenderID, googlewallet.ProtocolVersion, string(signedKey)))}
	cb.Signature = sign(c.intermediate, googlewallet.LengthValue(googlewallet.PassesSenderID, issuer, googlewallet.ProtocolVersion, string(message)))
	body, _ := json.Marshal(cb)
	return body
}
