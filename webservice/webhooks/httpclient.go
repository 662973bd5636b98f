package webhooks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errDestinationRefused: a webhook URL leads to an address the web service
// does not send to.
var errDestinationRefused = errors.New("destination refused")

// NewHTTPClient is the HTTP client of webhooks, whose URLs any namespace
// user writes while the web service sits inside the cluster. It never
// follows a redirect (Go would copy X-API-Key to the new host), and it
// refuses, at dial time on the resolved address (so DNS rebinding cannot
// get round it), loopback, private, link-local (cloud metadata), shared,
// multicast and unspecified addresses, unless allowed lists them.
func NewHTTPClient(allowed []netip.Prefix) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return err
		}
		if ip = ip.Unmap(); internalAddress(ip) && !contains(allowed, ip) {
			return fmt.Errorf("%w: %s is an internal address (allow it with --webhook-allow-cidrs)", errDestinationRefused, ip)
		}
		return nil
	}}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: dialer.DialContext, ForceAttemptHTTP2: true,
			TLSHandshakeTimeout: 10 * time.Second, MaxIdleConns: 100, IdleConnTimeout: 90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

func internalAddress(ip netip.Addr) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || sharedAddressSpace.Contains(ip)
}

func contains(prefixes []netip.Prefix, ip netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
