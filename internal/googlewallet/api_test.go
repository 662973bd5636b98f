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
	google, account := issuer338(t)
	ctx := context.Background()
	object := genericObject("338.o1", "338.c")
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
	want := []string{"POST OK", "PATCH Not Found", "POST OK", "POST Conflict", "PATCH OK"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("requests %v; want %v", got, want)
	}
	if r := google.Resource("genericObject", "338.o1"); r["state"] != "EXPIRED" {
		t.Errorf("at Google: %v", r)
	}

	stranger := gwtest.Start()
	defer stranger.Close()
	foreign, _ := stranger.ServiceAccountKey("someone@else.iam.gserviceaccount.com", "338")
	other, err := googlewallet.NewAccount(ctx, foreign, google.Endpoint(), stranger.TokenURL(), google.Client())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Upsert(ctx, object, true); googlewallet.Code(err) != http.StatusUnauthorized {
		t.Errorf("a token another endpoint granted: %v; want 401", err)
	}
}

// issuer338 is a stand-in with class 338.c, and an account of issuer 338
// on it.
func issuer338(t *testing.T) (*gwtest.Server, *googlewallet.Account) {
	t.Helper()
	google := gwtest.Start()
	t.Cleanup(google.Close)
	key, _ := google.ServiceAccountKey("wallet@test.iam.gserviceaccount.com", "338")
	ctx := context.Background()
	account, err := googlewallet.NewAccount(ctx, key, google.Endpoint(), google.TokenURL(), google.Client())
	if err != nil {
		t.Fatal(err)
	}
	if err := account.Upsert(ctx, &walletobjects.GenericClass{Id: "338.c"}, false); err != nil {
		t.Fatal(err)
	}
	return google, account
}

func genericObject(id, class string) *walletobjects.GenericObject {
	title := &walletobjects.LocalizedString{DefaultValue: &walletobjects.TranslatedString{Language: "en", Value: "Corner Coffee"}}
	return &walletobjects.GenericObject{Id: id, ClassId: class, State: "ACTIVE", CardTitle: title, Header: title}
}

// The stand-in refuses what Google refuses, and the account reports
// Google's code: an object of a class Google does not have (404), a class
// of an issuer the service account is no user of (403), a resource the
// client library's schema refuses, on insert and on patch (400).
func TestStandInRefusesWhatGoogleRefuses(t *testing.T) {
	google, account := issuer338(t)
	ctx := context.Background()
	bad := genericObject("338.o2", "338.c")
	bad.State = "GONE"
	noHeader := genericObject("338.o3", "338.c")
	noHeader.Header = nil
	for _, tc := range []struct {
		what     string
		resource any
		patch    bool
		want     int
	}{
		{"an object of a class Google does not have", genericObject("338.o1", "338.missing"), false, http.StatusNotFound},
		{"a class of another issuer", &walletobjects.GenericClass{Id: "339.c"}, false, http.StatusForbidden},
		{"an object of another issuer", genericObject("339.o1", "338.c"), true, http.StatusForbidden},
		{"a state the schema does not list", bad, false, http.StatusBadRequest},
		{"an object without its required header", noHeader, false, http.StatusBadRequest},
	} {
		if err := account.Upsert(ctx, tc.resource, tc.patch); googlewallet.Code(err) != tc.want {
			t.Errorf("%s: %v; want %d", tc.what, err, tc.want)
		}
	}
	// A patch is checked as the resource it makes.
	good := genericObject("338.o4", "338.c")
	if err := account.Upsert(ctx, good, false); err != nil {
		t.Fatal(err)
	}
	good.State = "GONE"
	if err := account.Upsert(ctx, good, true); googlewallet.Code(err) != http.StatusBadRequest {
		t.Errorf("a patch to a state the schema does not list: %v; want 400", err)
	}
	if r := google.Resource("genericObject", "338.o4"); r["state"] != "ACTIVE" {
		t.Errorf("a refused patch changed the object: %v", r)
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
	key, _ := google.ServiceAccountKey("wallet@test.iam.gserviceaccount.com", "338")
	forged := withTokenURI(t, key, internal.URL+"/token")
	ctx := context.Background()
	account, err := googlewallet.NewAccount(ctx, forged, google.Endpoint(), google.TokenURL(), google.Client())
	if err == nil {
		err = account.Upsert(ctx, genericObject("338.o1", "338.c"), false)
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
	key, _ := google.ServiceAccountKey("wallet@test.iam.gserviceaccount.com", "338")
	key = withTokenURI(t, key, token.URL)
	ctx := context.Background()
	account, err := googlewallet.NewAccount(ctx, key, google.Endpoint(), token.URL, google.Client())
	if err != nil {
		t.Fatal(err)
	}
	err = account.Upsert(ctx, genericObject("338.o1", "338.c"), false)
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
