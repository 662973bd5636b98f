// Package bundlecache keeps the .pkpass files the web service assembled
// from the bundle store, bounded in bytes, so a pass fetched by many
// devices is read and zipped once per version.
package bundlecache

import (
	"container/list"
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Cache keeps assembled .pkpass files, least recently used first out,
// bounded in bytes (zip and files both count). An entry is valid for one
// content digest.
type Cache struct {
	stores  bundle.Stores
	mu      sync.Mutex
	limit   int
	size    int
	order   *list.List
	entries map[types.UID]*list.Element
}

// Bundle is one pass's assembled bundle: read it, never change it.
type Bundle struct {
	uid    types.UID
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
	return &Cache{limit: limit, stores: stores, order: list.New(), entries: map[types.UID]*list.Element{}}
}

// Get returns the pass's bundle, assembling it from the stores on a miss.
func (c *Cache) Get(ctx context.Context, p *walletv1.Pass) (*Bundle, error) {
	digest := p.Status.Bundle.ContentDigest
	c.mu.Lock()
	if el, ok := c.entries[p.UID]; ok && el.Value.(*Bundle).digest == digest {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*Bundle), nil
	}
	c.mu.Unlock()

	files, err := c.stores.Load(ctx, p)
	if err != nil {
		return nil, err
	}
	zipped, err := pkpass.Zip(files)
	if err != nil {
		return nil, err
	}
	b := &Bundle{uid: p.UID, digest: digest, Zip: zipped, Files: files}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[p.UID]; ok {
		c.size -= el.Value.(*Bundle).bytes()
		c.order.Remove(el)
	}
	c.entries[p.UID] = c.order.PushFront(b)
	c.size += b.bytes()
	for c.size > c.limit && c.order.Len() > 1 {
		old := c.order.Remove(c.order.Back()).(*Bundle)
		delete(c.entries, old.uid)
		c.size -= old.bytes()
	}
	return b, nil
}
