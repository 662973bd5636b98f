package googlewallet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/testing/gwtest"
)

// Keys held are used while new ones are read and after a read fails
// (issue 26, item 15: callbacks waited for a slow read under a lock, and a
// failed read dropped keys still valid).
func TestRootKeysHeldThroughAFailedRead(t *testing.T) {
	keys := gwtest.NewCallbackSigner().RootKeysJSON()
	var mode atomic.Int32 // 0 answer, 1 hang, 2 fail
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case 1:
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			_, _ = w.Write(keys)
		}
	}))
	defer srv.Close()
	source := &googlewallet.RootKeySource{Source: srv.URL, MaxAge: time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if roots, err := source.Keys(ctx); err != nil || len(roots) == 0 {
		t.Fatalf("first read: %d keys, %v", len(roots), err)
	}
	mode.Store(1)
	time.Sleep(5 * time.Millisecond)
	start := time.Now()
	for range 3 {
		if roots, err := source.Keys(ctx); err != nil || len(roots) == 0 {
			t.Fatalf("keys while Google's answer hangs: %d keys, %v", len(roots), err)
		}
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("callbacks waited %v for a read of keys already held", waited)
	}
	close(release)
	mode.Store(2)
	time.Sleep(50 * time.Millisecond)
	for range 3 {
		if roots, err := source.Keys(ctx); err != nil || len(roots) == 0 {
			t.Fatalf("keys after a failed read: %d keys, %v", len(roots), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
