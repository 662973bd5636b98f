// Package bundlecache keeps the .pkpass files the web service assembled
// from the bundle store, bounded in bytes, so a pass fetched by many
// devices is read and zipped once per version.
package bundlecache

import (
	"context"

	"k8s.io/apimachinery/pkg/types"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/lru"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Cache keeps assembled .pkpass files, least recently used first out,
// bounded in bytes (zip and files both count). An entry is valid for one
// content digest.
type Cache struct {
	stores  bundle.Stores
	entries *lru.Cache[types.UID, *Bundle]
}

// Bundle is one pass's assembled bundle: read it, never change it.
type Bundle struct {
	digest string
	// Zip is the .pkpass file.
	Zip []byte
	// Files are the files zipped in it.
	Files pkpass.Files
}

// bytes is what the entry holds: the zip and the files it was made of.
func (b *Bundle) bytes() int {
	n := len(b.Zip)
	for _, f := range b.Files {
		n += len(f)
	}
	return n
}

// New returns a cache of at most limit bytes reading from stores.
func New(limit int, stores bundle.Stores) *Cache {
	return &Cache{stores: stores, entries: lru.New[types.UID](limit, (*Bundle).bytes)}
}

// Get returns the pass's bundle, assembling it from the stores on a miss.
func (c *Cache) Get(ctx context.Context, p *walletv1.Pass) (*Bundle, error) {
	digest := p.Status.Bundle.ContentDigest
	if b, ok := c.entries.Get(p.UID); ok && b.digest == digest {
		return b, nil
	}
	files, err := c.stores.Load(ctx, p)
	if err != nil {
		return nil, err
	}
	zipped, err := pkpass.Zip(files)
	if err != nil {
		return nil, err
	}
	b := &Bundle{digest: digest, Zip: zipped, Files: files}
	c.entries.Put(p.UID, b)
	return b, nil
}
