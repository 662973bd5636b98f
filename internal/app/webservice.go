// Package app holds each component's configuration: what its flags set,
// with Default filling what a caller left zero (the flags show the same
// defaults) and Validate saying what is wrong. The libraries take it as it
// is and apply no defaults of their own.
package app

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/weburl"
	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/webhooks"
)

// WebService configures the web service.
type WebService struct {
	// WebServiceURL is the URL the manager writes into passes; the server
	// serves under its path.
	WebServiceURL string
	// Development allows an http WebServiceURL.
	Development bool
	// RequestsPerSecond and Burst limit each client address.
	RequestsPerSecond float64
	Burst             int
	// TrustForwardedFor takes the client address from X-Forwarded-For as
	// the trusted proxies in front of the service wrote it (set it behind an
	// Ingress that appends to that header).
	TrustForwardedFor bool
	// TrustedProxies are the hops whose X-Forwarded-For entries are
	// believed.
	TrustedProxies []netip.Prefix
	// GoogleCallbacksPerSecond bounds the verified Google Wallet callbacks a
	// replica takes (each is a status write), from every client together;
	// 100 when zero.
	GoogleCallbacksPerSecond float64
	// IPv6ClientPrefix is the prefix length an IPv6 client is known by:
	// one subscriber gets a whole /64 (often more) and may send from any
	// address in it. 64 when zero.
	IPv6ClientPrefix int
	// MaxClients and ClientIdle bound the per-client rate limiters.
	MaxClients int
	ClientIdle time.Duration
	// MaxRegistrationsPerPass bounds the devices one pass may have;
	// RegistrationsPerMinute and RegistrationBurst how fast a pass gains
	// new ones.
	MaxRegistrationsPerPass int
	RegistrationsPerMinute  float64
	RegistrationBurst       int
	// ScansPerSecond limits each gate's scanner key (bursts of twice
	// that).
	ScansPerSecond float64
	// IssueRatePerMinute limits passes created per template through its
	// issue link.
	IssueRatePerMinute int
	// BundleCacheBytes bounds the assembled bundles kept in memory.
	BundleCacheBytes int
	// StatsInterval is how often a replica adds the downloads and previews
	// it served to their templates' status.
	StatsInterval time.Duration
	// Webhooks shapes webhook deliveries.
	Webhooks webhooks.Options
	// CredentialsNamespace holds the push credentials Secrets the manager
	// keeps (webhooks' API keys, APNs certificates): the operator's
	// namespace.
	CredentialsNamespace string
	// Push configures pushes; its CredentialsNamespace defaults to the one
	// above.
	Push push.Options
	// OutboxPoll is how often an idle replica looks for webhook events to
	// send.
	OutboxPoll time.Duration
	// GoogleRootKeys are Google's root keys for callbacks: a URL (Google's,
	// googlewallet.RootKeysURL, when empty) or a file.
	GoogleRootKeys string
}

// DefaultTrustedProxies are the addresses an Ingress controller reaches
// pods from in a typical cluster: private, unique-local and loopback
// ranges. Only a hop from one of them may say who the client is.
var DefaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("::1/128"),
}

// DefaultWebService is the web service's configuration with every default.
func DefaultWebService() WebService {
	var c WebService
	c.Default()
	return c
}

// Default fills what was left zero: 20 requests a second per client
// (bursts of 40); 65,536 client limiters, each forgotten after 10 idle
// minutes; 100 devices per pass, gained at 10 a minute (bursts of 20); 20
// scans a second per gate; 60
// issued passes a minute per template; 128 MiB of bundles; counts written
// every 10 s; webhooks.DefaultOptions; an idle outbox looked at every
// 500 ms.
func (c *WebService) Default() {
	if c.RequestsPerSecond == 0 {
		c.RequestsPerSecond, c.Burst = 20, 40
	}
	if len(c.TrustedProxies) == 0 {
		c.TrustedProxies = DefaultTrustedProxies
	}
	if c.MaxClients == 0 {
		c.MaxClients = 1 << 16
	}
	if c.GoogleCallbacksPerSecond == 0 {
		c.GoogleCallbacksPerSecond = 100
	}
	if c.IPv6ClientPrefix == 0 {
		c.IPv6ClientPrefix = 64
	}
	if c.ClientIdle == 0 {
		c.ClientIdle = 10 * time.Minute
	}
	if c.MaxRegistrationsPerPass == 0 {
		c.MaxRegistrationsPerPass = 100
	}
	if c.RegistrationsPerMinute == 0 {
		c.RegistrationsPerMinute, c.RegistrationBurst = 10, 20
	}
	if c.IssueRatePerMinute == 0 {
		c.IssueRatePerMinute = 60
	}
	if c.ScansPerSecond == 0 {
		c.ScansPerSecond = 20
	}
	if c.BundleCacheBytes == 0 {
		c.BundleCacheBytes = 128 << 20
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = 10 * time.Second
	}
	if c.Webhooks.MaxAttempts == 0 {
		c.Webhooks = webhooks.DefaultOptions
	}
	if c.Push.CredentialsNamespace == "" {
		c.Push.CredentialsNamespace = c.CredentialsNamespace
	}
	if c.OutboxPoll == 0 {
		c.OutboxPoll = 500 * time.Millisecond
	}
}

// Validate says what is wrong with the configuration: the URL (the one
// check every component applies, internal/weburl) and bounds that must be
// positive.
func (c *WebService) Validate() error {
	var errs []error
	if err := weburl.Check(c.WebServiceURL, c.Development); err != nil {
		errs = append(errs, err)
	}
	if c.RequestsPerSecond <= 0 || c.Burst <= 0 {
		errs = append(errs, errors.New("--requests-per-second and --burst must be positive"))
	}
	if c.MaxRegistrationsPerPass <= 0 || c.RegistrationsPerMinute <= 0 {
		errs = append(errs, errors.New("--max-registrations-per-pass and --registrations-per-minute must be positive"))
	}
	if c.IPv6ClientPrefix < 32 || c.IPv6ClientPrefix > 128 {
		errs = append(errs, fmt.Errorf("--ipv6-client-prefix %d: must be 32 to 128 (64: one subscriber's network)", c.IPv6ClientPrefix))
	}
	return errors.Join(errs...)
}
