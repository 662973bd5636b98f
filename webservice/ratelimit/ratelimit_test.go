package ratelimit

import (
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/app"
)

func behindIngress() Clients {
	return Clients{TrustForwardedFor: true, TrustedProxies: app.DefaultTrustedProxies, IPv6Prefix: 64}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// The limiters stay bounded however many addresses come: 100,000 distinct
// real clients (IPv6 networks) leave at most MaxClients limiters, and the
// heap does not grow with them.
func TestLimitersAreBounded(t *testing.T) {
	who, limiters := behindIngress(), New(20, 40, 10_000, 10*time.Minute)
	before := heapInUse()
	for i := range 100_000 {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:41000"
		r.Header.Set("X-Forwarded-For", fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff)) // a network each
		limiters.Get(who.Key(r)).Allow()
	}
	after := heapInUse()
	if n := limiters.Len(); n > 10_000 {
		t.Errorf("%d limiters kept, want at most 10,000", n)
	}
	grew := int64(after) - int64(before)
	t.Logf("100,000 clients: %d limiters kept, heap in use %+.1f MiB", limiters.Len(), float64(grew)/(1<<20))
	if grew > 16<<20 {
		t.Errorf("the heap grew %d MiB for 100,000 clients", grew>>20)
	}
}

func TestClientAddr(t *testing.T) {
	who := behindIngress()
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
		if got := who.Addr(r); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
