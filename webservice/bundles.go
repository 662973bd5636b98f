package webservice

import (
	"container/list"
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// bundleCache keeps assembled .pkpass files, least recently used first
// out, bounded in bytes (zip and files both count). An entry is valid for
// one content digest.
type bundleCache struct {
	stores  bundle.Stores
	mu      sync.Mutex
	limit   int
	size    int
	order   *list.List
	entries map[types.UID]*list.Element
}

type cachedBundle struct {
	uid    types.UID
	digest string
	zip    []byte
	files  pkpass.Files
}

// bytes is what the entry holds: the zip and the files it was made of.
func (b *cachedBundle) bytes() int {
	n := len(b.zip)
	for _, f := range b.files {
		n += len(f)
	}
	return n
}

// reportDamage marks a pass whose stored bundle is missing or corrupt, so
// the manager signs and stores it again (once per damaged bundle).
func (s *Server) reportDamage(ctx context.Context, p *walletv1.Pass, err error) {
	damage := bundle.Damage(err)
	if damage == "" || p.Status.Bundle == nil || p.Status.Bundle.Damaged != "" {
		return
	}
	before := p.DeepCopy()
	p.Status.Bundle.Damaged = damage
	if err := s.api.Status().Patch(ctx, p, client.MergeFrom(before)); err != nil {
		s.log.Error(err, "report a damaged bundle", "pass", p.Namespace+"/"+p.Name)
	}
}

func newBundleCache(limit int, stores bundle.Stores) *bundleCache {
	return &bundleCache{limit: limit, stores: stores, order: list.New(), entries: map[types.UID]*list.Element{}}
}

// get returns the pass's bundle, assembling it from its ConfigMaps on a miss.
func (c *bundleCache) get(ctx context.Context, p *walletv1.Pass) (*cachedBundle, error) {
	digest := p.Status.Bundle.ContentDigest
	c.mu.Lock()
	if el, ok := c.entries[p.UID]; ok && el.Value.(*cachedBundle).digest == digest {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*cachedBundle), nil
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
	b := &cachedBundle{uid: p.UID, digest: digest, zip: zipped, files: files}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[p.UID]; ok {
		c.size -= el.Value.(*cachedBundle).bytes()
		c.order.Remove(el)
	}
	c.entries[p.UID] = c.order.PushFront(b)
	c.size += b.bytes()
	for c.size > c.limit && c.order.Len() > 1 {
		old := c.order.Remove(c.order.Back()).(*cachedBundle)
		delete(c.entries, old.uid)
		c.size -= old.bytes()
	}
	return b, nil
}
