package googlewallet

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// RootKeySource loads Google's root keys for callbacks from a URL (RootKeysURL
// when Source is empty) or a file, again after an hour.
type RootKeySource struct {
	Source string
	mu     sync.Mutex
	roots  []*ecdsa.PublicKey
	at     time.Time
}

func (g *RootKeySource) Keys(ctx context.Context) ([]*ecdsa.PublicKey, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.roots != nil && time.Since(g.at) < time.Hour {
		return g.roots, nil
	}
	source := g.Source
	if source == "" {
		source = RootKeysURL
	}
	var data []byte
	var err error
	if strings.HasPrefix(source, "https://") || strings.HasPrefix(source, "http://") {
		data, err = fetch(ctx, source)
	} else {
		data, err = os.ReadFile(source)
	}
	if err != nil {
		return nil, fmt.Errorf("Google's root keys from %s: %w", source, err)
	}
	roots, err := ParseRootKeys(data, time.Now())
	if err != nil {
		return nil, err
	}
	g.roots, g.at = roots, time.Now()
	return roots, nil
}

func fetch(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}
