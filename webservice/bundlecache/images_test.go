package bundlecache

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// countingStore counts the shared bundles read from it.
type countingStore struct {
	bundle.Store
	reads atomic.Int64
}

func (s *countingStore) GetShared(ctx context.Context, namespace, key string) (pkpass.Files, error) {
	s.reads.Add(1)
	return s.Store.GetShared(ctx, namespace, key)
}

// Requests for a template's images read its shared bundle once, whatever
// version they ask for (issue 26, item 5: every request read the store
// before the version was checked).
func TestImagesReadTheStoreOnce(t *testing.T) {
	logo := []byte("\x89PNG logo")
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "shared"}, BinaryData: bundle.Encode(pkpass.Files{"logo.png": logo, "pass.strings": []byte("x")})},
	).Build()
	store := &countingStore{Store: &bundle.ConfigMapStore{API: c}}
	images := NewImages(1<<20, bundle.Stores{bundle.KindConfigMap: store})
	ctx := context.Background()
	version := googlewallet.ImageVersion(logo)
	if data, ok, err := images.Get(ctx, "ns", "shared", "logo.png", version); err != nil || !ok || string(data) != string(logo) {
		t.Fatalf("the logo at its version: %q %v %v", data, ok, err)
	}
	for i := range 100 {
		for _, v := range []string{fmt.Sprintf("%016x", i), "not-a-version", version + "0"} {
			if _, ok, _ := images.Get(ctx, "ns", "shared", "logo.png", v); ok {
				t.Fatalf("the logo at version %q served", v)
			}
		}
	}
	if _, ok, _ := images.Get(ctx, "ns", "shared", "pass.strings", version); ok {
		t.Error("a file that is no PNG served")
	}
	if n := store.reads.Load(); n != 1 {
		t.Errorf("301 requests for one template's images read its shared bundle %d times; want once", n)
	}
	// Requests whose version cannot be one never reach the store.
	for range 100 {
		_, _, _ = images.Get(ctx, "ns", "other-shared", "logo.png", "zz")
	}
	if n := store.reads.Load(); n != 1 {
		t.Errorf("malformed versions read the store: %d reads", n)
	}
}
