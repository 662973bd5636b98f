package webservice

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/app"
)

func limitedServer(maxClients int) (*Server, http.Handler) {
	s := &Server{opts: Options{WebService: app.WebService{TrustForwardedFor: true, TrustedProxies: app.DefaultTrustedProxies, IPv6ClientPrefix: 64}}}
	s.clients = newLimiters(20, 40, maxClients, 10*time.Minute)
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

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
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

// The limiters stay bounded however many addresses come: 100,000 distinct
// real clients (IPv6 networks) leave at most MaxClients limiters, and the
// heap does not grow with them.
func TestLimitersAreBounded(t *testing.T) {
	s, h := limitedServer(10_000)
	before := heapInUse()
	for i := range 100_000 {
		request(h, "10.1.2.3:41000", fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff)) // a network each
	}
	after := heapInUse()
	if n := s.clients.Len(); n > 10_000 {
		t.Errorf("%d limiters kept, want at most 10,000", n)
	}
	grew := int64(after) - int64(before)
	t.Logf("100,000 clients: %d limiters kept, heap in use %+.1f MiB", s.clients.Len(), float64(grew)/(1<<20))
	if grew > 16<<20 {
		t.Errorf("the heap grew %d MiB for 100,000 clients", grew>>20)
	}
}

func TestClientAddr(t *testing.T) {
	s, _ := limitedServer(16)
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy", "203.0.113.9:1", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:1", []string{"198.51.100.1"}, "203.0.113.9"},
		{"the address the Ingress appended", "10.0.0.2:1", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"through two trusted proxies", "10.0.0.2:1", []string{"1.2.3.4, 203.0.113.7, 10.0.0.9"}, "203.0.113.7"},
		{"several header lines", "10.0.0.2:1", []string{"1.2.3.4", "203.0.113.7"}, "203.0.113.7"},
		{"garbage stops at the last believed hop", "10.0.0.2:1", []string{"203.0.113.7, not-an-ip, 10.0.0.9"}, "10.0.0.9"},
		{"only trusted hops", "10.0.0.2:1", []string{"10.0.0.7"}, "10.0.0.7"},
		{"IPv4 in IPv6", "[::ffff:10.0.0.2]:1", []string{"203.0.113.7"}, "203.0.113.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientAddr(r); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
