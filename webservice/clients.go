package webservice

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"
)

// clientAddr is the address a request's rate limit is kept under. Without
// TrustForwardedFor it is the TCP peer. With it, and only when the peer is a
// trusted proxy, X-Forwarded-For is read from the right (each proxy appends
// the address it saw): the first address that is not a trusted proxy is the
// client's, as ingress-nginx's real-ip module with recursion does. The
// left-hand entries, which the client writes itself, are never believed.
func (s *Server) clientAddr(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if !s.opts.TrustForwardedFor || !s.trusted(peer) {
		return peer
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			addr, err := netip.ParseAddr(strings.TrimSpace(entries[j]))
			if err != nil {
				return client // written by someone untrusted: stop at the last hop we believe
			}
			client = addr.Unmap().String()
			if !s.trusted(client) {
				return client
			}
		}
	}
	return client
}

// clientKey is what a client is limited by: its address, or for IPv6 its
// network (--ipv6-client-prefix), since a host may pick any address of its
// /64 for each request.
func (s *Server) clientKey(r *http.Request) string {
	addr := s.clientAddr(r)
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Unmap().Is6() {
		return addr
	}
	p, err := a.Unmap().Prefix(s.opts.IPv6ClientPrefix)
	if err != nil {
		return addr
	}
	return p.String()
}

func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// limiters holds one rate limiter per client address, bounded: at most
// MaxClients, each forgotten after ClientIdle, so neither forged nor many
// real addresses (rotating IPv6) grow memory without bound. A forgotten
// client starts again with a full burst.
type limiters struct {
	mu        sync.Mutex // one limiter per address, even for its first two requests at once
	cache     *expirable.LRU[string, *rate.Limiter]
	perSecond rate.Limit
	burst     int
}

func newLimiters(perSecond float64, burst, maxClients int, idle time.Duration) *limiters {
	return &limiters{cache: expirable.NewLRU[string, *rate.Limiter](maxClients, nil, idle), perSecond: rate.Limit(perSecond), burst: burst}
}

func (l *limiters) get(addr string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim, ok := l.cache.Get(addr); ok {
		return lim
	}
	lim := rate.NewLimiter(l.perSecond, l.burst)
	l.cache.Add(addr, lim)
	return lim
}

// getAt is get for a key whose rate and burst are its own (a template's
// setting): a limiter made before the setting changed follows it.
func (l *limiters) getAt(key string, perSecond rate.Limit, burst int) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.cache.Get(key)
	if !ok {
		lim = rate.NewLimiter(perSecond, burst)
		l.cache.Add(key, lim)
	} else if lim.Limit() != perSecond || lim.Burst() != burst {
		lim.SetLimit(perSecond)
		lim.SetBurst(burst)
	}
	return lim
}

// Len is how many clients are remembered.
func (l *limiters) Len() int { return l.cache.Len() }
