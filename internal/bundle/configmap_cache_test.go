package bundle_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
)

// countingReader counts the reads that reach the API server.
type countingReader struct {
	client.Reader
	reads int
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.reads++
	return c.Reader.Get(ctx, key, obj, opts...)
}

// frozenCache is a metadata cache that has not caught up: it holds what it
// was given, whatever the API server holds now.
type frozenCache struct {
	client.Reader
	holds *metav1.PartialObjectMetadata
}

func (f frozenCache) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if f.holds == nil || f.holds.Name != key.Name {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, key.Name)
	}
	f.holds.DeepCopyInto(obj.(*metav1.PartialObjectMetadata))
	return nil
}

// The ConfigMap store asks the API server only when its metadata cache and
// the pass's status disagree about what is stored: a new pass, or a pass
// whose content changed, costs no read; a status or cache that lags behind
// a ConfigMap just written is still caught.
func TestConfigMapStoreReadsTheAPIOnlyWhenCacheAndStatusDisagree(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	api := &countingReader{Reader: env.Client}
	newPass := func(name string) *walletv1.Pass {
		return &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
			Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "tpl"}, SerialNumber: name}}
	}
	writer := &bundle.ConfigMapStore{Client: env.Client, API: env.Client}
	record := func(p *walletv1.Pass, digest string) *walletv1.BundleStatus {
		r := &walletv1.BundleStatus{ContentDigest: digest, SHA256: "00", SharedKey: "shared"}
		if _, err := writer.PutPass(ctx, p, map[string][]byte{"pass.json": []byte(digest)}, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cached := func(p *walletv1.Pass) *metav1.PartialObjectMetadata {
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: bundle.PassName(p.Name)}, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		name      string
		setup     func(p *walletv1.Pass) (cache *metav1.PartialObjectMetadata, ask string)
		wantReads int
		wantFound bool
	}{
		{name: "a new pass: no ConfigMap cached, none in status", wantReads: 0,
			setup: func(p *walletv1.Pass) (*metav1.PartialObjectMetadata, string) { return nil, "sha256:new" }},
		{name: "a changed pass: cache and status name the old content", wantReads: 0,
			setup: func(p *walletv1.Pass) (*metav1.PartialObjectMetadata, string) {
				p.Status.Bundle = record(p, "sha256:old")
				return cached(p), "sha256:new"
			}},
		{name: "the cache lags behind a ConfigMap the status names", wantReads: 1, wantFound: true,
			setup: func(p *walletv1.Pass) (*metav1.PartialObjectMetadata, string) {
				p.Status.Bundle = record(p, "sha256:stored")
				return nil, "sha256:stored"
			}},
		{name: "a lost status write: the cache holds the content, the status names nothing", wantReads: 0, wantFound: true,
			setup: func(p *walletv1.Pass) (*metav1.PartialObjectMetadata, string) {
				record(p, "sha256:stored")
				return cached(p), "sha256:stored"
			}},
		{name: "the cache holds an older ConfigMap than the status names", wantReads: 1, wantFound: true,
			setup: func(p *walletv1.Pass) (*metav1.PartialObjectMetadata, string) {
				record(p, "sha256:old")
				old := cached(p)
				p.Status.Bundle = record(p, "sha256:stored")
				return old, "sha256:stored"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPass(fmtName(tc.name))
			holds, ask := tc.setup(p)
			api.reads = 0
			store := &bundle.ConfigMapStore{Client: env.Client, API: api, Metadata: frozenCache{holds: holds}}
			found, err := store.Stored(ctx, p, ask)
			if err != nil {
				t.Fatal(err)
			}
			if (found != nil) != tc.wantFound || api.reads != tc.wantReads {
				t.Errorf("found %v after %d API reads; want found %v after %d", found != nil, api.reads, tc.wantFound, tc.wantReads)
			}
		})
	}
}

// fmtName is a pass name from a case's name: its first letters.
func fmtName(s string) string {
	var out []byte
	for _, r := range []byte(s) {
		if r >= 'a' && r <= 'z' && len(out) < 24 {
			out = append(out, r)
		}
	}
	return "p-" + string(out)
}
