package googlewallet

import (
	"encoding/json"
	"testing"
)

// A known answer from Google's own code: the ECv1 token that Tink's
// PaymentMethodTokenRecipientTest unseals (tink-crypto/tink,
// apps/paymentmethodtoken, CIPHERTEXT_EC_V1), signed by Tink's
// PaymentMethodTokenSender with the ECv1 key of the test's
// GOOGLE_VERIFYING_PUBLIC_KEYS_JSON, for recipient "someRecipient".
// Google's signing protocols share one layout: the signature covers the
// length-value parts (a 4-byte little-endian length, then the bytes) of the
// sender ID, the recipient, the protocol version and the signed message.
// ECv2SigningOnly adds the intermediate key (signed the same way) and
// nothing else, so a wrong byte order, length width, sender ID or digest
// in this package fails here, against Google's bytes, not against a signer
// built from this package.
const (
	tinkECv1Token = `{"protocolVersion":"ECv1","signedMessage":"{\"tag\":\"ZVwlJt7dU8Plk0+r8rPF8DmPTvDiOA1UAoNjDV+SqDE\\u003d\",\"ephemeralPublicKey\":\"BPhVspn70Zj2Kkgu9t8+ApEuUWsI/zos5whGCQBlgOkuYagOis7qsrcbQrcprjvTZO3XOU+Qbcc28FSgsRtcgQE\\u003d\",\"encryptedMessage\":\"12jUObueVTdy\"}","signature":"MEQCIDxBoUCoFRGReLdZ/cABlSSRIKoOEFoU3e27c14vMZtfAiBtX3pGMEpnw6mSAbnagCCgHlCk3NcFwWYEyxIE6KGZVA\u003d\u003d"}`
	tinkECv1Key   = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPYnHwS8uegWAewQtlxizmLFynwHcxRT1PK07cDA6/C4sXrVI1SzZCUx8U8S0LjMrT6ird/VW7be3Mz6t/srtRQ=="
	tinkRecipient = "someRecipient"
)

func TestSignedBytesMatchGooglesKnownAnswer(t *testing.T) {
	var token struct{ ProtocolVersion, SignedMessage, Signature string }
	if err := json.Unmarshal([]byte(tinkECv1Token), &token); err != nil {
		t.Fatal(err)
	}
	key, err := publicKey(tinkECv1Key)
	if err != nil {
		t.Fatal(err)
	}
	signed := LengthValue(GoogleSenderID, tinkRecipient, token.ProtocolVersion, token.SignedMessage)
	if !verify(key, signed, token.Signature) {
		t.Fatalf("Google's signature does not verify over this package's signed bytes (%x...)", signed[:16])
	}
	// One byte changed anywhere in what is signed: refused.
	for i := range signed {
		changed := append([]byte(nil), signed...)
		changed[i] ^= 0x01
		if verify(key, changed, token.Signature) {
			t.Fatalf("a signature verified with byte %d of the signed bytes changed", i)
		}
	}
}
