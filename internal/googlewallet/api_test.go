package googlewallet_test

import (
	"context"
	"net/http"
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
	account, err := googlewallet.NewAccount(ctx, key, google.Endpoint(), google.Client())
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
	other, err := googlewallet.NewAccount(ctx, foreign, google.Endpoint(), google.Client())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Upsert(ctx, object, true); googlewallet.Code(err) != http.StatusUnauthorized {
		t.Errorf("a token another endpoint granted: %v; want 401", err)
	}
}
