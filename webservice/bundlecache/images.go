package bundlecache

import (
	"context"
	"strings"

	"golang.org/x/sync/singleflight"

	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/lru"
)

// Images keeps the PNG images of templates' shared bundles, by the version
// Google Wallet's image URLs carry (googlewallet.ImageVersion), bounded in
// bytes. Anyone may ask for an image: a shared bundle is read from the
// store once while it stays cached, however many requests name it and
// whatever version they ask for, and a request whose version cannot be
// one is answered without a read.
type Images struct {
	stores  bundle.Stores
	entries *lru.Cache[string, map[string]image]
	loads   singleflight.Group
}

type image struct {
	version string
	data    []byte
}

// NewImages returns a cache of at most limit bytes reading from stores.
func NewImages(limit int, stores bundle.Stores) *Images {
	return &Images{stores: stores, entries: lru.New[string](limit, func(files map[string]image) int {
		n := 0
		for name, f := range files {
			n += len(name) + len(f.data)
		}
		return n
	})}
}

// Get returns the PNG file of a shared bundle when version is its version;
// false when the bundle, the file or that version does not exist.
func (c *Images) Get(ctx context.Context, namespace, shared, file, version string) ([]byte, bool, error) {
	if !strings.HasSuffix(file, ".png") || !isVersion(version) {
		return nil, false, nil
	}
	key := namespace + "/" + shared
	files, ok := c.entries.Get(key)
	if !ok {
		loaded, err, _ := c.loads.Do(key, func() (any, error) { return c.load(ctx, namespace, shared) })
		if err != nil {
			return nil, false, err
		}
		files = loaded.(map[string]image)
	}
	img, ok := files[file]
	if !ok || img.version != version {
		return nil, false, nil
	}
	return img.data, true, nil
}

// load reads a shared bundle's images from the store that has it; when no
// store could give it, nothing is cached.
func (c *Images) load(ctx context.Context, namespace, shared string) (map[string]image, error) {
	files := map[string]image{}
	var lastErr error
	found := false
	for _, store := range c.stores {
		all, err := store.GetShared(ctx, namespace, shared)
		if err != nil {
			lastErr = err
			continue
		}
		found = true
		for name, data := range all {
			if strings.HasSuffix(name, ".png") {
				files[name] = image{version: googlewallet.ImageVersion(data), data: data}
			}
		}
		break
	}
	if !found {
		return nil, lastErr
	}
	c.entries.Put(namespace+"/"+shared, files)
	return files, nil
}

// isVersion: the shape of googlewallet.ImageVersion, 16 lowercase hex.
func isVersion(v string) bool {
	if len(v) != 16 {
		return false
	}
	for _, r := range v {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}
