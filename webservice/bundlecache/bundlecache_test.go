package bundlecache

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// The bundle cache counts what it holds: the zip and the files.
func TestBundleCacheCountsWhatItHolds(t *testing.T) {
	shared := pkpass.Files{"icon.png": make([]byte, 50_000)}
	own := pkpass.Files{"pass.json": []byte(`{"formatVersion":1}`), "manifest.json": []byte(`{}`), "signature": []byte("sig")}
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u1"},
		Status: walletv1.PassStatus{Bundle: &walletv1.BundleStatus{ConfigMap: "p-pkpass", SharedConfigMap: "shared", ContentDigest: "d1"}}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p-pkpass"}, BinaryData: bundle.Encode(own)},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "shared"}, BinaryData: bundle.Encode(shared)},
	).Build()
	cache := New(1<<20, bundle.ConfigMaps(c))
	b, err := cache.Get(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(b.Zip) + 50_000 + len(`{"formatVersion":1}`) + len(`{}`) + len("sig"); cache.entries.Bytes() != want {
		t.Errorf("the cache counts %d bytes for an entry holding %d", cache.entries.Bytes(), want)
	}
}
