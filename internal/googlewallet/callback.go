package googlewallet

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Google signs its save and delete callbacks as Google Pay does its
// tokens, protocol ECv2SigningOnly: an intermediate key signed by one of
// Google's root keys, the message signed by the intermediate key, each
// signature over length-prefixed parts (sender, recipient, protocol,
// content), ECDSA P-256 with SHA-256.
const (
	ProtocolVersion = "ECv2SigningOnly"
	// GoogleSenderID signs intermediate keys; PassesSenderID messages.
	GoogleSenderID = "Google"
	PassesSenderID = "GooglePayPasses"
	// RootKeysURL is where Google publishes its root signing keys.
	RootKeysURL = "https://pay.google.com/gp/m/issuer/keys"
)

// RootKeys are Google's root signing keys, as RootKeysURL publishes them.
type RootKeys struct {
	Keys []RootKey `json:"keys"`
}

// RootKey is one root key: an X.509 SubjectPublicKeyInfo in base64.
type RootKey struct {
	KeyValue        string `json:"keyValue"`
	ProtocolVersion string `json:"protocolVersion"`
	// KeyExpiration in milliseconds since the epoch; never when empty.
	KeyExpiration string `json:"keyExpiration,omitempty"`
}

// Callback is the body Google posts.
type Callback struct {
	Signature              string `json:"signature"`
	IntermediateSigningKey struct {
		SignedKey  string   `json:"signedKey"`
		Signatures []string `json:"signatures"`
	} `json:"intermediateSigningKey"`
	ProtocolVersion string `json:"protocolVersion"`
	SignedMessage   string `json:"signedMessage"`
}

// SignedKey is the intermediate key.
type SignedKey struct {
	KeyValue      string `json:"keyValue"`
	KeyExpiration string `json:"keyExpiration"`
}

// CallbackMessage is what a callback says: an account saved (save) or
// deleted (del) an object.
type CallbackMessage struct {
	ClassID       string `json:"classId"`
	ObjectID      string `json:"objectId"`
	EventType     string `json:"eventType"`
	ExpTimeMillis int64  `json:"expTimeMillis"`
	Count         int    `json:"count,omitempty"`
	Nonce         string `json:"nonce"`
}

// The callback event types.
const (
	EventSave   = "save"
	EventDelete = "del"
)

// CallbackError is a callback refused: its reason is safe to answer.
type CallbackError struct{ Reason string }

func (e *CallbackError) Error() string { return e.Reason }

func refuse(format string, args ...any) error {
	return &CallbackError{Reason: fmt.Sprintf(format, args...)}
}

// LengthValue is the signed form of parts: each as a 4-byte little-endian
// length and its bytes.
func LengthValue(parts ...string) []byte {
	var out []byte
	for _, p := range parts {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}

// ParseRootKeys reads root keys, keeping the ECv2SigningOnly ones not
// expired at now.
func ParseRootKeys(data []byte, now time.Time) ([]*ecdsa.PublicKey, error) {
	var set RootKeys
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("Google's root keys: %w", err)
	}
	var keys []*ecdsa.PublicKey
	for _, k := range set.Keys {
		if k.ProtocolVersion != ProtocolVersion || expired(k.KeyExpiration, now) {
			continue
		}
		pub, err := publicKey(k.KeyValue)
		if err != nil {
			return nil, fmt.Errorf("Google's root keys: %w", err)
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("Google's root keys: none for " + ProtocolVersion + " that has not expired")
	}
	return keys, nil
}

func publicKey(b64 string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return pub, nil
}

func expired(millis string, now time.Time) bool {
	if millis == "" {
		return false
	}
	ms, err := strconv.ParseInt(millis, 10, 64)
	return err != nil || time.UnixMilli(ms).Before(now)
}

func verify(pub *ecdsa.PublicKey, signed []byte, sigB64 string) bool {
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(signed)
	return ecdsa.VerifyASN1(pub, sum[:], sig)
}

// Bounds of a callback, checked before any signature: Google's bodies are
// about 2 KB, with one or two signatures on the intermediate key. Whatever
// exceeds them costs the web service nothing but parsing.
const (
	MaxCallbackBytes          = 16 << 10
	maxIntermediateSignatures = 4
	maxSignatureChars         = 256  // base64 of an ASN.1 P-256 signature: ~96
	maxSignedKeyChars         = 1024 // the intermediate key's JSON: ~200
	maxSignedMessageChars     = 4096
)

// ParsedCallback is a callback whose shape, bounds and message passed the
// cheap checks; Verify checks its signatures.
type ParsedCallback struct {
	Message CallbackMessage
	body    Callback
}

// ParseCallback reads a callback body and makes every check that needs no
// signature: its size and shape, the protocol, at most a few signatures of
// bounded size, a message that names an event, a nonce and an object, and
// has not expired. Only a callback that passes them is worth verifying.
func ParseCallback(body []byte, now time.Time) (*ParsedCallback, error) {
	if len(body) > MaxCallbackBytes {
		return nil, refuse("the callback is larger than %d bytes", MaxCallbackBytes)
	}
	var cb Callback
	if err := json.Unmarshal(body, &cb); err != nil {
		return nil, refuse("not a Google Wallet callback: %v", err)
	}
	if cb.ProtocolVersion != ProtocolVersion {
		return nil, refuse("protocol %q; only %s is accepted", cb.ProtocolVersion, ProtocolVersion)
	}
	sigs := cb.IntermediateSigningKey.Signatures
	if len(sigs) == 0 || len(sigs) > maxIntermediateSignatures {
		return nil, refuse("the intermediate signing key has %d signatures; 1 to %d are accepted", len(sigs), maxIntermediateSignatures)
	}
	for _, sig := range append([]string{cb.Signature}, sigs...) {
		if len(sig) > maxSignatureChars {
			return nil, refuse("a signature is longer than %d characters", maxSignatureChars)
		}
	}
	if len(cb.IntermediateSigningKey.SignedKey) > maxSignedKeyChars || len(cb.SignedMessage) > maxSignedMessageChars {
		return nil, refuse("the intermediate signing key or the signed message is too large")
	}
	var msg CallbackMessage
	if err := json.Unmarshal([]byte(cb.SignedMessage), &msg); err != nil {
		return nil, refuse("the signed message: %v", err)
	}
	if msg.EventType != EventSave && msg.EventType != EventDelete || msg.Nonce == "" || msg.ObjectID == "" {
		return nil, refuse("the message has event %q, nonce %q and object %q; want save or del, a nonce and an object", msg.EventType, msg.Nonce, msg.ObjectID)
	}
	if time.UnixMilli(msg.ExpTimeMillis).Before(now) {
		return nil, refuse("the message has expired")
	}
	return &ParsedCallback{Message: msg, body: cb}, nil
}

// Verify checks the signatures: the intermediate key signed by a root key
// (stopping at the first that verifies) and not expired, the message
// signed by it for the issuer the message names.
func (c *ParsedCallback) Verify(roots []*ecdsa.PublicKey, now time.Time) error {
	cb := &c.body
	signedKey := cb.IntermediateSigningKey.SignedKey
	signed := LengthValue(GoogleSenderID, ProtocolVersion, signedKey)
	if !verifiedByAny(roots, signed, cb.IntermediateSigningKey.Signatures) {
		return refuse("the intermediate signing key is not signed by a Google root key")
	}
	var key SignedKey
	if err := json.Unmarshal([]byte(signedKey), &key); err != nil {
		return refuse("the intermediate signing key: %v", err)
	}
	if key.KeyExpiration == "" || expired(key.KeyExpiration, now) {
		return refuse("the intermediate signing key has expired")
	}
	intermediate, err := publicKey(key.KeyValue)
	if err != nil {
		return refuse("the intermediate signing key: %v", err)
	}
	issuer, _, _ := strings.Cut(c.Message.ObjectID, ".")
	if !verify(intermediate, LengthValue(PassesSenderID, issuer, ProtocolVersion, cb.SignedMessage), cb.Signature) {
		return refuse("the message's signature does not verify")
	}
	return nil
}

// verifiedByAny: one of sigs verifies signed under one of roots.
func verifiedByAny(roots []*ecdsa.PublicKey, signed []byte, sigs []string) bool {
	for _, sig := range sigs {
		for _, root := range roots {
			if verify(root, signed, sig) {
				return true
			}
		}
	}
	return false
}

// VerifyCallback checks a callback body against Google's root keys and
// returns its message (ParseCallback, then Verify).
func VerifyCallback(body []byte, roots []*ecdsa.PublicKey, now time.Time) (*CallbackMessage, error) {
	c, err := ParseCallback(body, now)
	if err != nil {
		return nil, err
	}
	if err := c.Verify(roots, now); err != nil {
		return nil, err
	}
	return &c.Message, nil
}
