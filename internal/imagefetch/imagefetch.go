// Package imagefetch fetches the images templates and passes give by URL:
// once per URL (and refetch request), over internal/outbound's client,
// bounded in size, kept in memory bounded in bytes. What is fetched is
// stored with the template's shared files (content-addressed), so a pass
// never depends on the URL still answering.
package imagefetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/wallet-operator/wallet-operator/internal/lru"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
)

// MaxBytes bounds one image.
const MaxBytes = 4 << 20

// CacheBytes bounds the images kept.
const CacheBytes = 64 << 20

// Fetcher fetches and keeps images.
type Fetcher struct {
	http  *http.Client
	cache *lru.Cache[string, []byte]
}

// New returns a fetcher over client (outbound.NewClient).
func New(client *http.Client) *Fetcher {
	return &Fetcher{http: client, cache: lru.New[string](CacheBytes, func(b []byte) int { return len(b) })}
}

// Fetch returns the image at rawURL: the bytes fetched before for the same
// URL and token (a refetch request's value), else fetched now. Only https
// is fetched, only a 200 is an image, and at most MaxBytes of it.
func (f *Fetcher) Fetch(ctx context.Context, rawURL, token string) ([]byte, error) {
	key := rawURL + "\x00" + token
	if b, ok := f.cache.Get(key); ok {
		return b, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("image url %s: only https URLs are fetched", outbound.Redacted(rawURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "image/png")
	resp, err := f.http.Do(req)
	if err != nil {
		// Go's error names the URL, query and all: redacted too.
		return nil, fmt.Errorf("fetch image %s: %w", outbound.Redacted(rawURL), outbound.RedactedError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch image %s: the server answered %s", outbound.Redacted(rawURL), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch image %s: %w", outbound.Redacted(rawURL), err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("fetch image %s: larger than %d MiB", outbound.Redacted(rawURL), MaxBytes>>20)
	}
	f.cache.Put(key, b)
	return b, nil
}
