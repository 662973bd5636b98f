package webservice

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/webservice/ratelimit"
)

func limitedServer(maxClients int) (*Server, http.Handler) {
	s := &Server{who: ratelimit.Clients{TrustForwardedFor: true, TrustedProxies: app.DefaultTrustedProxies, IPv6Prefix: 64}}
	s.clients = ratelimit.New(20, 40, maxClients, 10*time.Minute)
	return s, s.limited("test", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
}

func request(h http.Handler, remote string, xff ...string) int {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// A client behind the Ingress cannot escape its rate limit by writing its
// own X-Forwarded-For entries: 100,000 requests, each with a new forged
// left-hand address before the one the Ingress appended, are limited as one
// client.
func TestForgedForwardedForIsLimited(t *testing.T) {
	_, h := limitedServer(1 << 16)
	limited, start := 0, time.Now()
	for i := range 100_000 {
		forged := fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)
		if request(h, "10.1.2.3:41000", forged+", 203.0.113.7") == http.StatusTooManyRequests {
			limited++
		}
	}
	// One client's bucket: a burst of 40, then 20 a second while they ran.
	allowed := 40 + int(20*time.Since(start).Seconds()) + 1
	t.Logf("%d of 100,000 forged requests answered 429 (one client may pass %d in that time)", limited, allowed)
	if passed := 100_000 - limited; passed > allowed {
		t.Errorf("%d of 100,000 forged requests passed; one client may pass %d", passed, allowed)
	}
}

// An IPv6 client is limited by its /64: 200 addresses of one network are
// one client (issue 26, item 9: each was a client of its own), and another
// network is another client.
func TestIPv6ClientsAreLimitedByNetwork(t *testing.T) {
	_, h := limitedServer(1 << 16)
	passed := 0
	for i := range 200 {
		if request(h, fmt.Sprintf("[2001:db8:1:2:%x:%x::1]:41000", i, i*7)) != http.StatusTooManyRequests {
			passed++
		}
	}
	if passed > 41 {
		t.Errorf("%d of 200 requests from one /64 passed; one client may pass 40 at once", passed)
	}
	if request(h, "[2001:db8:1:3::1]:41000") == http.StatusTooManyRequests {
		t.Error("another /64 limited with the first")
	}
	if request(h, "203.0.113.9:41000") == http.StatusTooManyRequests {
		t.Error("an IPv4 client limited with the /64")
	}
}
