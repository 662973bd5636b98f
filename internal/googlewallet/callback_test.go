package googlewallet_test

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/testing/gwtest"
)

func message(event string) googlewallet.CallbackMessage {
	return googlewallet.CallbackMessage{ClassID: "338.c", ObjectID: "338.team-a.cc-1", EventType: event, Nonce: "n-1", ExpTimeMillis: time.Now().Add(time.Hour).UnixMilli()}
}

// A callback signed as Google signs them verifies; anything else is
// refused with its reason.
func TestVerifyCallback(t *testing.T) {
	signer := gwtest.NewCallbackSigner()
	roots, err := googlewallet.ParseRootKeys(signer.RootKeysJSON(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := googlewallet.VerifyCallback(signer.Sign(message("save")), roots, time.Now())
	if err != nil || msg.ObjectID != "338.team-a.cc-1" || msg.EventType != "save" || msg.Nonce != "n-1" {
		t.Fatalf("a good callback: %+v, %v", msg, err)
	}
	other := gwtest.NewCallbackSigner()
	expiredMsg := message("del")
	expiredMsg.ExpTimeMillis = time.Now().Add(-time.Minute).UnixMilli()
	oldKey := gwtest.NewCallbackSigner()
	oldKey.KeyExpiry = time.Now().Add(-time.Hour)
	oldRoots, _ := googlewallet.ParseRootKeys(oldKey.RootKeysJSON(), time.Now())
	tampered := bytes.Replace(signer.Sign(message("save")), []byte(`\"save\"`), []byte(`\"del\"`), 1)
	for name, c := range map[string]struct {
		body  []byte
		roots any
		want  string
	}{
		"signed by another root":        {other.Sign(message("save")), nil, "not signed by a Google root key"},
		"message changed after signing": {tampered, nil, "signature does not verify"},
		"expired message":               {signer.Sign(expiredMsg), nil, "message has expired"},
		"expired intermediate key":      {oldKey.Sign(message("save")), oldRoots, "intermediate signing key has expired"},
		"not JSON":                      {[]byte("hello"), nil, "not a Google Wallet callback"},
	} {
		r := roots
		if c.roots != nil {
			r = oldRoots
		}
		_, err := googlewallet.VerifyCallback(c.body, r, time.Now())
		var refused *googlewallet.CallbackError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want a refusal saying %q", name, err, c.want)
		}
	}
}

// manySignatures is a callback whose intermediate key carries n copies of a
// signature by another root: each would be verified against every root key.
func manySignatures(t testing.TB, n int) []byte {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(gwtest.NewCallbackSigner().Sign(message("save")), &body); err != nil {
		t.Fatal(err)
	}
	key := body["intermediateSigningKey"].(map[string]any)
	sig := key["signatures"].([]any)[0]
	sigs := make([]any, n)
	for i := range sigs {
		sigs[i] = sig
	}
	key["signatures"] = sigs
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Anyone can post a callback: what costs no signature is checked first, so
// a body made to cost hundreds of P-256 verifications is refused before
// any (and so are oversized parts).
func TestCallbackBoundsBeforeSignatures(t *testing.T) {
	signer := gwtest.NewCallbackSigner()
	roots, err := googlewallet.ParseRootKeys(signer.RootKeysJSON(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	longSig := signer.Sign(message("save"))
	longSig = bytes.Replace(longSig, []byte(`"signature":"`), []byte(`"signature":"`+strings.Repeat("A", 400)), 1)
	for name, c := range map[string]struct {
		body []byte
		want string
	}{
		"100 signatures":        {manySignatures(t, 100), "100 signatures; 1 to 4 are accepted"},
		"600 signatures":        {manySignatures(t, 600), "larger than 16384 bytes"},
		"a signature too long":  {longSig, "longer than 256 characters"},
		"a body over 16 KiB":    {bytes.Repeat([]byte(" "), googlewallet.MaxCallbackBytes+1), "larger than"},
		"no intermediate sigs":  {manySignatures(t, 0), "0 signatures"},
		"a message of no event": {signer.Sign(message("open")), "want save or del"},
	} {
		_, err := googlewallet.ParseCallback(c.body, time.Now())
		var refused *googlewallet.CallbackError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want a refusal before any signature saying %q", name, err, c.want)
		}
		if _, err := googlewallet.VerifyCallback(c.body, roots, time.Now()); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	// Within the bounds, a good callback still verifies.
	if _, err := googlewallet.VerifyCallback(signer.Sign(message("del")), roots, time.Now()); err != nil {
		t.Errorf("a good callback: %v", err)
	}
}

// BenchmarkRefuseManySignatures: the cost of refusing a callback with 100
// or 600 signatures (64 KiB, what the web service read before) against
// three root keys.
func BenchmarkRefuseManySignatures(b *testing.B) {
	var roots []*ecdsa.PublicKey
	for range 3 {
		r, err := googlewallet.ParseRootKeys(gwtest.NewCallbackSigner().RootKeysJSON(), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		roots = append(roots, r...)
	}
	for _, n := range []int{100, 600} {
		body := manySignatures(b, n)
		b.Run(fmt.Sprintf("signatures=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := googlewallet.VerifyCallback(body, roots, time.Now()); err == nil {
					b.Fatal("verified")
				}
			}
		})
	}
}
