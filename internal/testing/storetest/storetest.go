// Package storetest is the conformance suite every bundle store passes,
// run against real backends (the API server for ConfigMaps, an S3 server).
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Backend is a store under test and what the suite needs of its backend.
type Backend struct {
	Store bundle.Store
	// Namespace to store in (it exists).
	Namespace string
	// Corrupt changes the stored bytes of the pass object under key behind
	// the store's back; nil when the backend cannot.
	Corrupt func(t *testing.T, key string)
	// Immutable: every signing is an object of its own (content-addressed),
	// else a pass's object is replaced in place.
	Immutable bool
}

func pass(ns, name string) *walletv1.Pass {
	return &walletv1.Pass{
		TypeMeta:   metav1.TypeMeta{APIVersion: walletv1.GroupVersion.String(), Kind: "Pass"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
		Spec:       walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "tpl"}, SerialNumber: name},
	}
}

// signed is a pass's own files and the record of the bundle they make with
// shared.
func signed(shared pkpass.Files, sharedKey, version string) (pkpass.Files, *walletv1.BundleStatus) {
	own := pkpass.Files{"pass.json": []byte(`{"version":"` + version + `"}`), "manifest.json": []byte("{}"), "signature": []byte("sig-" + version)}
	full := pkpass.Merge(shared, own)
	zipped, _ := pkpass.Zip(full)
	sum := sha256.Sum256(zipped)
	return own, &walletv1.BundleStatus{
		SharedKey: sharedKey, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(zipped)),
		ContentDigest: pkpass.ContentDigest(full, "test-signer"), Revision: 1,
	}
}

func same(a, b pkpass.Files) bool {
	return maps.EqualFunc(a, b, func(x, y []byte) bool { return string(x) == string(y) })
}

// Run runs the suite.
func Run(t *testing.T, b Backend) {
	ctx := context.Background()
	s, ns := b.Store, b.Namespace
	sharedV1 := pkpass.Files{"icon.png": []byte("icon-1"), "logo.png": []byte("logo-1")}
	sharedV2 := pkpass.Files{"icon.png": []byte("icon-2"), "logo.png": []byte("logo-1")}

	t.Run("shared files are stored once per content", func(t *testing.T) {
		k1, err := s.PutShared(ctx, ns, "tpl", sharedV1)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.PutShared(ctx, ns, "tpl", maps.Clone(sharedV1))
		if err != nil || again != k1 {
			t.Fatalf("the same files stored again: key %q (first %q), %v", again, k1, err)
		}
		k2, err := s.PutShared(ctx, ns, "tpl", sharedV2)
		if err != nil || k2 == k1 {
			t.Fatalf("other files: key %q (first %q), %v", k2, k1, err)
		}
		got, err := s.GetShared(ctx, ns, k1)
		if err != nil || !same(got, sharedV1) {
			t.Fatalf("GetShared %s: %v %v", k1, got, err)
		}
	})

	t.Run("a pass's bundle is stored, found by its content and loaded whole", func(t *testing.T) {
		sk, _ := s.PutShared(ctx, ns, "tpl", sharedV1)
		p := pass(ns, "conformance-load")
		own, record := signed(sharedV1, sk, "1")
		key, err := s.PutPass(ctx, p, own, record)
		if err != nil {
			t.Fatal(err)
		}
		if record.Store != s.Kind() || record.Key != key {
			t.Errorf("the record says store %q key %q; want %q %q", record.Store, record.Key, s.Kind(), key)
		}
		found, err := s.Stored(ctx, p, record.ContentDigest)
		if err != nil || found == nil || found.SHA256 != record.SHA256 || found.Key != key || found.Store != s.Kind() {
			t.Fatalf("Stored: %+v, %v; want the record %+v", found, err, record)
		}
		if other, err := s.Stored(ctx, p, "sha256:other"); err != nil || other != nil {
			t.Errorf("Stored for another content: %+v, %v; want nothing", other, err)
		}
		files, err := s.Load(ctx, ns, record)
		if err != nil || !same(files, pkpass.Merge(sharedV1, own)) {
			t.Fatalf("Load: %v", err)
		}
	})

	t.Run("a new signing replaces the old; the kept one stays, the rest go", func(t *testing.T) {
		sk, _ := s.PutShared(ctx, ns, "tpl", sharedV1)
		p := pass(ns, "conformance-versions")
		own1, r1 := signed(sharedV1, sk, "1")
		k1, err := s.PutPass(ctx, p, own1, r1)
		if err != nil {
			t.Fatal(err)
		}
		own2, r2 := signed(sharedV1, sk, "2")
		k2, err := s.PutPass(ctx, p, own2, r2)
		if err != nil {
			t.Fatal(err)
		}
		if files, err := s.Load(ctx, ns, r2); err != nil || !same(files, pkpass.Merge(sharedV1, own2)) {
			t.Fatalf("Load of the new version: %v", err)
		}
		if b.Immutable {
			if _, err := s.Load(ctx, ns, r1); err != nil {
				t.Errorf("the old version is gone before anything deleted it: %v", err)
			}
		}
		if err := s.DeletePass(ctx, p, []string{k2}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, ns, r2); err != nil {
			t.Errorf("the kept version was deleted: %v", err)
		}
		if b.Immutable && k1 != k2 {
			if _, err := s.Load(ctx, ns, r1); err == nil {
				t.Error("an old version nothing refers to survived DeletePass (grace period over)")
			}
		}
		if err := s.DeletePass(ctx, p, nil, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, ns, r2); err == nil {
			t.Error("DeletePass with nothing kept left the pass's bundle")
		}
	})

	t.Run("shared files in use stay, the others go", func(t *testing.T) {
		k1, _ := s.PutShared(ctx, ns, "collect", sharedV1)
		k2, _ := s.PutShared(ctx, ns, "collect", sharedV2)
		if err := s.CollectShared(ctx, ns, "collect", map[string]bool{k1: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetShared(ctx, ns, k1); err != nil {
			t.Errorf("shared files in use were collected: %v", err)
		}
		if _, err := s.GetShared(ctx, ns, k2); err == nil {
			t.Error("unused shared files survived CollectShared")
		}
	})

	t.Run("a corrupted bundle is never served", func(t *testing.T) {
		if b.Corrupt == nil {
			t.Skip("the backend cannot be corrupted behind the store's back")
		}
		sk, _ := s.PutShared(ctx, ns, "tpl", sharedV1)
		p := pass(ns, "conformance-corrupt")
		own, r := signed(sharedV1, sk, "1")
		key, err := s.PutPass(ctx, p, own, r)
		if err != nil {
			t.Fatal(err)
		}
		b.Corrupt(t, key)
		files, err := s.Load(ctx, ns, r)
		if err == nil {
			t.Fatalf("a corrupted bundle loaded: %v", fmt.Sprint(len(files), " files"))
		}
	})

	// Last: the sweep takes everything of this namespace the others left.
	t.Run("a sweep deletes what gone passes and unused shared files left, and nothing else", func(t *testing.T) {
		used, err := s.PutShared(ctx, ns, "sweep", sharedV1)
		if err != nil {
			t.Fatal(err)
		}
		unused, err := s.PutShared(ctx, ns, "sweep", sharedV2)
		if err != nil {
			t.Fatal(err)
		}
		stays, goes := pass(ns, "sweep-stays"), pass(ns, "sweep-goes")
		records := map[string]*walletv1.BundleStatus{}
		for _, p := range []*walletv1.Pass{stays, goes} {
			own, r := signed(sharedV1, used, p.Name)
			if _, err := s.PutPass(ctx, p, own, r); err != nil {
				t.Fatal(err)
			}
			records[p.Name] = r
		}
		refs := &references{namespace: ns, passes: map[string]bool{stays.Name: true}, shared: map[string]bool{used: true}}
		if n, err := s.Sweep(ctx, refs, time.Hour); err != nil || n != 0 {
			t.Fatalf("a sweep of objects younger than its minimum age deleted %d (%v)", n, err)
		}
		n, err := s.Sweep(ctx, refs, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, ns, records[stays.Name]); err != nil {
			t.Errorf("the bundle of a pass that exists was swept: %v", err)
		}
		if _, err := s.Load(ctx, ns, records[goes.Name]); err == nil {
			t.Error("the bundle of a pass that is gone survived the sweep")
		}
		if _, err := s.GetShared(ctx, ns, unused); err == nil {
			t.Error("shared files nothing uses survived the sweep")
		}
		if n < 2 {
			t.Errorf("the sweep says it deleted %d objects; at least the gone pass's and the unused shared files went", n)
		}
		if n, err := s.Sweep(ctx, refs, 0); err != nil || n != 0 {
			t.Errorf("a second sweep deleted %d objects (%v); nothing was left to delete", n, err)
		}
	})
}

// references answers a sweep: the passes and shared keys of namespace
// that exist; everything in other namespaces exists.
type references struct {
	namespace string
	passes    map[string]bool
	shared    map[string]bool
}

func (r *references) PassExists(_ context.Context, namespace, name string) (bool, error) {
	return namespace != r.namespace || r.passes[name], nil
}

func (r *references) SharedInUse(_ context.Context, namespace, key string) (bool, error) {
	return namespace != r.namespace || r.shared[key], nil
}
