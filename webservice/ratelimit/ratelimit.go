// Package ratelimit tells who a request comes from and keeps a bounded set
// of rate limiters, one per client (or per pass, or per template): what
// the web service limits devices, browsers and Google's callbacks by.
package ratelimit

import (
	"hash/fnv"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"
)

// Clients tells a request's client. Without TrustForwardedFor it is the
// TCP peer. With it, and only when the peer is one of TrustedProxies,
// X-Forwarded-For is read from the right (each proxy appends the address
// it saw): the first address that is not a trusted proxy is the client's,
// as ingress-nginx's real-ip module with recursion does. The left-hand
// entries, which the client writes itself, are never believed.
type Clients struct {
	TrustForwardedFor bool
	TrustedProxies    []netip.Prefix
	// IPv6Prefix is the prefix length an IPv6 client is known by: a host
	// may pick any address of its /64 for each request.
	IPv6Prefix int
}

// Addr is the client's address.
func (c Clients) Addr(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if !c.TrustForwardedFor || !c.trusted(peer) {
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
			if !c.trusted(client) {
				return client
			}
		}
	}
	return client
}

// Key is what a client is limited by: its address, or for IPv6 its
// network of IPv6Prefix bits.
func (c Clients) Key(r *http.Request) string {
	addr := c.Addr(r)
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Unmap().Is6() {
		return addr
	}
	p, err := a.Unmap().Prefix(c.IPv6Prefix)
	if err != nil {
		return addr
	}
	return p.String()
}

func (c Clients) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range c.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Limiters holds one rate limiter per key, bounded: at most max keys, each
// forgotten after idle, so neither forged nor many real addresses
// (rotating IPv6) grow memory without bound. A forgotten key starts again
// with a full burst.
type Limiters struct {
	mu        sync.Mutex // one limiter per key, even for its first two requests at once
	cache     *expirable.LRU[string, *rate.Limiter]
	perSecond rate.Limit
	burst     int
}

// New keeps at most max limiters of perSecond and burst.
func New(perSecond float64, burst, max int, idle time.Duration) *Limiters {
	return &Limiters{cache: expirable.NewLRU[string, *rate.Limiter](max, nil, idle), perSecond: rate.Limit(perSecond), burst: burst}
}

// Get is key's limiter.
func (l *Limiters) Get(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim, ok := l.cache.Get(key); ok {
		return lim
	}
	lim := rate.NewLimiter(l.perSecond, l.burst)
	l.cache.Add(key, lim)
	return lim
}

// GetAt is Get for a key whose rate and burst are its own (a template's
// setting): a limiter made before the setting changed follows it.
func (l *Limiters) GetAt(key string, perSecond rate.Limit, burst int) *rate.Limiter {
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

// Len is how many keys are remembered.
func (l *Limiters) Len() int { return l.cache.Len() }

// Stripes serialize work per key (a pass's admission of new devices: its
// count, then its write) in a fixed number of locks, whatever the number
// of keys: two keys may share a lock, never one key two.
type Stripes [256]sync.Mutex

// Lock locks key's stripe and returns its unlock.
func (s *Stripes) Lock(key string) (unlock func()) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	m := &s[h.Sum32()%uint32(len(s))]
	m.Lock()
	return m.Unlock
}
