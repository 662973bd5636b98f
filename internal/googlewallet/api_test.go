package googlewallet_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/api/walletobjects/v1"

	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/testing/gwtest"
)

// Upsert answers the API as Google does: a patch of an object Google does
// not have (404) inserts it, an insert of one it has (409) patches it; a
// key the token endpoint does not know gets nothing.
func TestUpsert(t *testing.T) {
	google := gwtest.Start()
	defer google.Close()
	key, _ := google.ServiceAccountKey("wallet@test.iam.gserviceaccount.com")
	ctx := context.Background()
	account, err := googlewallet.NewAccount(ctx, key, google.Endpoint(), google.TokenURL(), google.Client())
	if err != nil {
		t.Fatal(err)
	}
	object := &walletobjects.GenericObject{Id: "338.o1", ClassId: "338.c", State: "ACTIVE"}
	if err := account.Upsert(ctx, object, true); err != nil {
		t.Fatalf("a patch of an object Google lacks: %v", err)
	}
	object.State = "EXPIRED"
	if err := account.Upsert(ctx, object, false); err != nil {
		t.Fatalf("an insert of an object Google has: %v", err)
	}
	var got []string
	for _, r := range google.Requests() {
		got = append(got, r.Method+" "+http.StatusText(r.Status))
	}
	want := []string{"PATCH Not Found", "POST OK", "POST Conflict", "PATCH OK"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("requests %v; want %v", got, want)
	}
	if r := google.Resource("genericObject", "338.o1"); r["state"] != "EXPIRED" {
		t.Errorf("at Google: %v", r)
	}

	stranger := gwtest.Start()
	defer stranger.Close()
	foreign, _ := stranger.ServiceAccountKey("someone@else.iam.gserviceaccount.com")
	other, err := googlewallet.NewAccount(ctx, foreign, google.Endpoint(), stranger.TokenURL(), google.Client())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Upsert(ctx, object, true); googlewallet.Code(err) != http.StatusUnauthorized {
		t.Errorf("a token another endpoint granted: %v; want 401", err)
	}
}

// A service account key comes from a tenant's Secret: one whose token_uri
// names any endpoint but the allowed one is refused without a request, so
// a tenant cannot make the manager call an address of its choosing (and
// read the answer in a status).
func TestKeyWithAnotherTokenEndpoint(t *testing.T) {
	var hits atomic.Int32
	marker := "MARKER-internal-answer"
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(marker))
	}))
	defer internal.Close()
	google := gwtest.Start()
	defer google.Close()
	key, _ := google.ServiceAccountKey("wallet@test.iam.gserviceaccount.com")
	forged := withTokenURI(t, key, internal.URL+"/token")
	ctx := context.Background()
	account, err := googlewallet.NewAccount(ctx, forged, google.Endpoint(), google.TokenURL(), google.Client())
	if err == nil {
		err = account.Upsert(ctx, &walletobjects.GenericObject{Id: "338.o1", ClassId: "338.c", State: "ACTIVE"}, false)
	}
	if err == nil || !strings.Contains(err.Error(), "token_uri is not Google's token endpoint") || strings.Contains(err.Error(), marker) {
		t.Errorf("a key naming another token endpoint: %v; want it refused, and nothing of that endpoint's answer", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the key's token endpoint was called %d times", hits.Load())
	}
	// Google's own keys still work: the allowed endpoint defaults to Google's.
	if _, err := googlewallet.NewAccount(ctx, key, google.Endpoint(), "", google.Client()); err == nil || !strings.Contains(err.Error(), googlewallet.TokenURL) {
		t.Errorf("the stand-in's key with Google's endpoint allowed: %v; want it refused naming %s", err, googlewallet.TokenURL)
	}
}

// What a token endpoint answers besides its status and OAuth error code
// never reaches a condition message.
func TestTokenEndpointBodyStaysOut(t *testing.T) {
	marker := "MARKER-token-endpoint-body"
	token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"` + marker + `"}`))
	}))
	defer token.Close()
	google := gwtest.Start()
	defer google.Close()
	key, _ := google.ServiceAccountKey("wallet@test.iam.gserviceaccount.com")
	key = withTokenURI(t, key, token.URL)
	ctx := context.Background()
	account, err := googlewallet.NewAccount(ctx, key, google.Endpoint(), token.URL, google.Client())
	if err != nil {
		t.Fatal(err)
	}
	err = account.Upsert(ctx, &walletobjects.GenericObject{Id: "338.o1", ClassId: "338.c", State: "ACTIVE"}, false)
	msg := googlewallet.Message(err)
	if err == nil || strings.Contains(msg, marker) || !strings.Contains(msg, "invalid_grant") || googlewallet.Code(err) != http.StatusBadRequest {
		t.Errorf("a token endpoint's refusal: %q (code %d); want its status and error code, not its body", msg, googlewallet.Code(err))
	}
}

// withTokenURI is a service account key naming another token endpoint.
func withTokenURI(t *testing.T, key []byte, uri string) []byte {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(key, &fields); err != nil {
		t.Fatal(err)
	}
	fields["token_uri"] = uri
	out, _ := json.Marshal(fields)
	return out
}
