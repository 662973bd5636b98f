// Package outbound is the HTTP client for URLs that tenants write while
// the operator sits inside the cluster (webhooks, images to fetch): it
// refuses internal addresses and never follows a redirect.
package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused: a URL leads to an address the operator does not reach.
var ErrRefused = errors.New("destination refused")

// NewClient is an HTTP client for URLs any namespace user writes. It never
// follows a redirect (Go would copy X-API-Key to the new host), and it
// refuses, at dial time on the resolved address (so DNS rebinding cannot
// get round it), loopback, private, link-local (cloud metadata), shared,
// multicast and unspecified addresses, unless allowed lists them; flag
// names the option that allows them, for the error. roots, when not nil,
// replace the system's CAs (a test's server).
func NewClient(allowed []netip.Prefix, flag string, roots *x509.CertPool) *http.Client {
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
			return fmt.Errorf("%w: %s is an internal address (allow it with %s)", ErrRefused, ip, flag)
		}
		return nil
	}}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: dialer.DialContext, ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
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

// ParsePrefixes reads a comma-separated list of CIDRs (a flag's value).
func ParsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, c := range strings.Split(v, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Redacted is a URL as logs, Events and status messages show it: without
// the credentials a URL may carry (user information, the query).
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unreadable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}

// RedactedError is err with the URL of the request that failed (Go's
// *url.Error names it) redacted.
func RedactedError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		redacted := *ue
		redacted.URL = Redacted(ue.URL)
		return &redacted
	}
	return err
}
