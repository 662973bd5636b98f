package googlewallet_test

import (
	"bytes"
	"errors"
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
