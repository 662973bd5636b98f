package googlewallet

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// serviceAccountKey is a service account JSON key as the Google Cloud
// console downloads it, with a key generated for the test.
func serviceAccountKey(t *testing.T) ([]byte, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "wallet-test", "private_key_id": "key-1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "wallet@wallet-test.iam.gserviceaccount.com", "client_id": "1",
		"token_uri": "https://oauth2.googleapis.com/token",
	})
	return data, key
}

// claims verifies a save link's JWT with the public key and returns its
// claims.
func claims(t *testing.T, url string, pub *rsa.PublicKey) jwt.MapClaims {
	t.Helper()
	raw, ok := strings.CutPrefix(url, SaveURLPrefix)
	if !ok {
		t.Fatalf("save link %q does not start with %s", url, SaveURLPrefix)
	}
	var c jwt.MapClaims
	tok, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("google"))
	if err != nil || !tok.Valid {
		t.Fatalf("the save link's JWT does not verify with the service account's public key: %v", err)
	}
	return c
}

// A save link by reference: signed RS256 by the service account, aud
// google, typ savetowallet, the web service's origin, the object's ID and
// class ID only.
func TestSaveLinkByReference(t *testing.T) {
	data, key := serviceAccountKey(t)
	signer, err := ServiceAccountSigner(data)
	if err != nil {
		t.Fatal(err)
	}
	if signer.Email != "wallet@wallet-test.iam.gserviceaccount.com" || signer.Development() {
		t.Fatalf("signer %q (development %v)", signer.Email, signer.Development())
	}
	m := sampleInputs(t)["coffee-coupon-0001"]
	url, err := signer.SaveURL(m, []string{"https://wallet.example.com"}, false, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, url, &key.PublicKey)
	if c["iss"] != signer.Email || c["typ"] != "savetowallet" || c["iat"].(float64) != 1700000000 {
		t.Errorf("claims %v", c)
	}
	if o := c["origins"].([]any); len(o) != 1 || o[0] != "https://wallet.example.com" {
		t.Errorf("origins %v", o)
	}
	objects := c["payload"].(map[string]any)["offerObjects"].([]any)
	ref := objects[0].(map[string]any)
	if len(objects) != 1 || len(ref) != 2 || ref["id"] != "3388000000022222222.-.team-a.coffee-coupon.cc-0001" || ref["classId"] != "3388000000022222222.team-a.coffee-coupon" {
		t.Errorf("payload %v", c["payload"])
	}
}

// A development save link carries the class and object themselves, signed
// by a generated key, and says so.
func TestDevelopmentSaveLinkCarriesTheObject(t *testing.T) {
	signer, err := NewDevelopmentSigner()
	if err != nil {
		t.Fatal(err)
	}
	m := sampleInputs(t)["bakery-jana"]
	url, err := signer.SaveURL(m, nil, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, url, &signer.Key.PublicKey)
	if c["iss"] != DevelopmentSigner {
		t.Errorf("iss %v", c["iss"])
	}
	payload := c["payload"].(map[string]any)
	class := payload["loyaltyClasses"].([]any)[0].(map[string]any)
	object := payload["loyaltyObjects"].([]any)[0].(map[string]any)
	if class["id"] != "3388000000022222222.team-a.bakery-loyalty" || object["accountId"] != "bk-000101" || object["classId"] != class["id"] {
		t.Errorf("payload class %v object %v", class, object)
	}
	if _, err := ServiceAccountSigner([]byte(`{"type":"service_account"}`)); err == nil {
		t.Error("a key without client_email or private_key was accepted")
	}
}
