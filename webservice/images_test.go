package webservice_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// sharedReads counts the shared bundles read from a store.
type sharedReads struct {
	bundle.Store
	n *atomic.Int64
}

func (s sharedReads) GetShared(ctx context.Context, namespace, key string) (pkpass.Files, error) {
	s.n.Add(1)
	return s.Store.GetShared(ctx, namespace, key)
}

// Anyone may ask for a Google Wallet class's images: 100 requests for a
// version that is not the image's read the store at most once (issue 26,
// item 5: each read the template's shared bundle first).
func TestGoogleImagesWithAWrongVersionReadNothing(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "coffee-coupon"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.GoogleWallet = &walletv1.GoogleWallet{IssuerID: "3388000000022222222"}
	})
	eventually(t, "a shared bundle", func() (bool, string) {
		_ = c.Get(context.Background(), client.ObjectKeyFromObject(tpl), tpl)
		return tpl.Status.SharedBundle != "", ""
	})
	reads := &atomic.Int64{}
	o := webservice.Options{Stores: bundle.Stores{bundle.KindConfigMap: sharedReads{&bundle.ConfigMapStore{API: c}, reads}}}
	o.WebServiceURL, o.Development, o.Tokens = baseURL, true, key
	o.RequestsPerSecond, o.Burst = 1e6, 1e6
	srv, err := webservice.New(mgr, testStore(), o)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(baseURL)
	for i := range 100 {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("%s/google/images/%s/coffee-coupon/%016x/logo.png", u.Path, ns, i), nil))
		if rec.Code != http.StatusNotFound {
			t.Fatalf("an image at a wrong version: %d", rec.Code)
		}
	}
	if n := reads.Load(); n > 1 {
		t.Errorf("100 requests for images at wrong versions read the store %d times", n)
	}
}
