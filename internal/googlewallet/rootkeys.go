package googlewallet

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// RootKeySource loads Google's root keys for callbacks from a URL (RootKeysURL
// when Source is empty) or a file, again after MaxAge. Keys held are used
// while new ones are read (in the background, one read at a time) and
// after a read fails: a callback waits for a read only when no keys were
// ever read.
type RootKeySource struct {
	Source string
	// MaxAge is how long keys are used before they are read again; an hour
	// when zero.
	MaxAge time.Duration

	mu    sync.Mutex
	roots []*ecdsa.PublicKey
	at    time.Time // when roots were read (or a failed read is retried from)
	loads singleflight.Group
}

func (g *RootKeySource) Keys(ctx context.Context) ([]*ecdsa.PublicKey, error) {
	maxAge := cmp.Or(g.MaxAge, time.Hour)
	g.mu.Lock()
	roots, at := g.roots, g.at
	g.mu.Unlock()
	if roots != nil {
		if time.Since(at) >= maxAge {
			g.loads.DoChan("", g.load) // read again; these keys meanwhile
		}
		return roots, nil
	}
	select {
	case res := <-g.loads.DoChan("", g.load):
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]*ecdsa.PublicKey), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// load reads the keys; a failed read keeps the keys held, read again in a
// minute.
func (g *RootKeySource) load() (any, error) {
	source := g.Source
	if source == "" {
		source = RootKeysURL
	}
	var data []byte
	var err error
	if strings.HasPrefix(source, "https://") || strings.HasPrefix(source, "http://") {
		data, err = fetch(context.Background(), source)
	} else {
		data, err = os.ReadFile(source)
	}
	var roots []*ecdsa.PublicKey
	if err == nil {
		roots, err = ParseRootKeys(data, time.Now())
	} else {
		err = fmt.Errorf("Google's root keys from %s: %w", source, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		if g.roots != nil {
			g.at = time.Now().Add(min(time.Minute, cmp.Or(g.MaxAge, time.Hour)) - cmp.Or(g.MaxAge, time.Hour))
		}
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
