package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/outbound"
)

// Webhooks never reach internal addresses unless allowed, and never follow
// a redirect (which would hand the API key to another host).
func TestWebhookDestinations(t *testing.T) {
	var hits, stolen atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "" {
			stolen.Add(1)
		}
	}))
	defer thief.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, thief.URL+"/collect", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	post := func(allowed []netip.Prefix, url string) error {
		w := &Client{HTTP: outbound.NewClient(allowed, "--webhook-allow-cidrs", nil), Options: Options{Timeout: 2 * time.Second}}
		return w.post(context.Background(), url, "k-123", []byte(`{}`))
	}

	for _, url := range []string{redirector.URL, "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1:8080/", "http://[::1]:9/", "http://0.0.0.0:9/"} {
		if err := post(nil, url); !errors.Is(err, outbound.ErrRefused) {
			t.Errorf("%s: want refused, got %v", url, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("a refused destination was reached %d times", hits.Load())
	}

	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	if err := post(loopback, redirector.URL); err == nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("a redirect: want the 307 as a failure, got %v", err)
	}
	if hits.Load() != 1 || stolen.Load() != 0 {
		t.Errorf("redirect followed: %d hits, key sent to the other host %d times", hits.Load(), stolen.Load())
	}
}
