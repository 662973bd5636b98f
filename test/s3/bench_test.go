package s3

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// A cold load (the web service's bundle LRU missed) of a bundle the size of
// the samples' (shared images ~60 KB, own files ~5 KB) from each store;
// a warm download is served from the LRU whatever the store. Like with
// like: the ConfigMap store reads both ConfigMaps each time, and so does
// "s3-uncached" (two objects); "s3" keeps the template's shared files in
// memory, as the web service runs it (one object per load).
//
//	go test ./test/s3 -run '^$' -bench Load -benchtime 2000x
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	random := func(n int) []byte { buf := make([]byte, n); _, _ = rand.Read(buf); return buf }
	shared := pkpass.Files{"icon.png": random(8 << 10), "icon@2x.png": random(16 << 10), "logo.png": random(12 << 10), "strip@2x.png": random(24 << 10)}
	own := pkpass.Files{"pass.json": random(1500), "manifest.json": random(400), "signature": random(3300)}
	zipped, _ := pkpass.Zip(pkpass.Merge(shared, own))
	sum := sha256.Sum256(zipped)
	ns := env.Namespace(b)
	uncached, err := bundle.NewS3Store(ctx, bundle.S3Options{Endpoint: server.Endpoint, Bucket: server.Bucket, Prefix: "wallet/", PathStyle: true, SharedCacheBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	stores := map[string]bundle.Store{"configmap": &bundle.ConfigMapStore{Client: env.Client, API: env.Client}, "s3-uncached": uncached, "s3": s3Store}
	for _, name := range []string{"configmap", "s3-uncached", "s3"} {
		store := stores[name]
		b.Run(name, func(b *testing.B) {
			sk, err := store.PutShared(ctx, ns, "bench", shared)
			if err != nil {
				b.Fatal(err)
			}
			p := &walletv1.Pass{TypeMeta: metav1.TypeMeta{APIVersion: walletv1.GroupVersion.String(), Kind: "Pass"},
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bench", UID: types.UID("bench")}}
			record := &walletv1.BundleStatus{SharedKey: sk, SHA256: hex.EncodeToString(sum[:]), ContentDigest: "sha256:" + hex.EncodeToString(sum[:])}
			if _, err := store.PutPass(ctx, p, own, record); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := store.Load(ctx, ns, record); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
