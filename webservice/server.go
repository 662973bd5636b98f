// Package webservice is the device-facing server: Apple's PassKit web
// service protocol (registrations, updates, downloads), download links with
// a preview page, issue links, and Google Wallet's callbacks and images. It
// serves what the controllers store and keeps device registrations in a
// registry.Backend. Its parts are packages of their own: the backends
// (registry/kubernetes, registry/postgres), pushes (push), webhook
// delivery (webhooks), the preview page and PDF (preview) and download
// counts (stats); this package is the HTTP surface and the wiring.
package webservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/bundlecache"
	"github.com/wallet-operator/wallet-operator/webservice/checkin"
	"github.com/wallet-operator/wallet-operator/webservice/googlecallback"
	"github.com/wallet-operator/wallet-operator/webservice/issuance"
	"github.com/wallet-operator/wallet-operator/webservice/ratelimit"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/stats"
)

// Options configure the server: its configuration (defaulted by New), and
// what it is wired to.
type Options struct {
	app.WebService
	// Tokens checks authentication, download and issue tokens.
	Tokens tokens.Key
	// Stores read the bundles; the ConfigMap store when nil.
	Stores bundle.Stores
	// Backend keeps the registrations (PostgreSQL: postgres.Store); they
	// are DeviceRegistration resources when nil.
	Backend registry.Backend
}

// Server answers devices and browsers.
type Server struct {
	opts    Options
	base    string        // path prefix, e.g. /passes
	cache   client.Reader // informer cache with the indexes SetupWithManager registers
	api     client.Client // API server, for writes and bundle reads
	store   registry.Backend
	bundles *bundlecache.Cache
	images  *bundlecache.Images // template images Google Wallet fetches
	log     logr.Logger

	clients        *ratelimit.Limiters // per client (ratelimit.Clients.Key)
	who            ratelimit.Clients
	codes          *barcodes.Drawer
	logLimiter     *rate.Limiter // device log lines, everyone
	callbacks      *googlecallback.Receiver
	callbackWrites *rate.Limiter       // verified Google callbacks, everyone
	logLines       *ratelimit.Limiters // device log lines, per client
	registrations  *ratelimit.Limiters // new registrations, per pass
	admission      ratelimit.Stripes   // a pass's new devices, one at a time
	issue          sync.Map            // namespace/template -> *rate.Limiter
	slots          *issuance.Slots
	slotsSynced    func() bool // slots has seen every pass that existed at start
	stats          *stats.Recorder
	scanner        *checkin.Handler
}

// New returns a server reading through the manager's cache and writing
// through its client, with registrations in backend.
func New(mgr manager.Manager, backend registry.Backend, o Options) (*Server, error) {
	o.Default()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Stores == nil {
		o.Stores = bundle.ConfigMaps(mgr.GetClient()) // ConfigMaps are not cached: read from the API server
	}
	u, _ := url.Parse(o.WebServiceURL) // checked by Validate
	log := mgr.GetLogger().WithName("webservice")
	slots := issuance.NewSlots()
	passes, err := mgr.GetCache().GetInformer(context.Background(), &walletv1.Pass{}, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, fmt.Errorf("watch passes for issue links: %w", err)
	}
	slotsSeen, err := passes.AddEventHandler(slots.EventHandler())
	if err != nil {
		return nil, fmt.Errorf("watch passes for issue links: %w", err)
	}
	counts := stats.New(mgr.GetClient(), mgr.GetAPIReader(), o.StatsInterval)
	if err := mgr.Add(counts); err != nil {
		return nil, err
	}
	s := &Server{
		callbacks:   googlecallback.New(mgr.GetClient(), mgr.GetCache(), &googlewallet.RootKeySource{Source: o.GoogleRootKeys}),
		stats:       counts,
		slots:       slots,
		slotsSynced: slotsSeen.HasSynced,
		opts:        o, base: strings.TrimSuffix(u.Path, "/"),
		cache: mgr.GetCache(), api: mgr.GetClient(), store: backend,
		bundles:        bundlecache.New(o.BundleCacheBytes, o.Stores),
		images:         bundlecache.NewImages(o.BundleCacheBytes/4, o.Stores),
		clients:        ratelimit.New(o.RequestsPerSecond, o.Burst, o.MaxClients, o.ClientIdle),
		who:            ratelimit.Clients{TrustForwardedFor: o.TrustForwardedFor, TrustedProxies: o.TrustedProxies, IPv6Prefix: o.IPv6ClientPrefix},
		codes:          barcodes.NewDrawer(256),
		log:            log,
		logLimiter:     rate.NewLimiter(50, 200),
		callbackWrites: rate.NewLimiter(rate.Limit(o.GoogleCallbacksPerSecond), max(int(o.GoogleCallbacksPerSecond), 1)*2),
		logLines:       ratelimit.New(1, 20, o.MaxClients, o.ClientIdle),
		registrations:  ratelimit.New(o.RegistrationsPerMinute/60, max(o.RegistrationBurst, 1), o.MaxClients, o.ClientIdle),
	}
	s.scanner = &checkin.Handler{
		Cache: s.cache, API: s.api, CredentialsNamespace: o.CredentialsNamespace, Log: log.WithName("checkin"), Now: time.Now,
		Gates: ratelimit.New(o.ScansPerSecond, max(int(o.ScansPerSecond)*2, 1), o.MaxClients, o.ClientIdle), Verified: verified,
		PassJSON: s.passJSON, Admitted: s.checkedIn,
	}
	return s, nil
}

// Handler routes every endpoint under the base path.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	b := s.base
	mux.HandleFunc("POST "+b+"/v1/devices/{device}/registrations/{passType}/{serial}", s.limited("register", s.register))
	mux.HandleFunc("DELETE "+b+"/v1/devices/{device}/registrations/{passType}/{serial}", s.limited("unregister", s.unregister))
	mux.HandleFunc("GET "+b+"/v1/devices/{device}/registrations/{passType}", s.limited("serials", s.serials))
	mux.HandleFunc("GET "+b+"/v1/passes/{passType}/{serial}", s.limited("pass", s.latestPass))
	mux.HandleFunc("POST "+b+"/v1/log", s.limited("log", s.deviceLog))
	mux.HandleFunc("POST "+b+"/v1/passes/{passType}/{serial}/personalize", s.limited("personalize", s.personalize))
	mux.HandleFunc("GET "+b+"/download/{passType}/{serial}/{token}", s.limited("download", s.download))
	mux.HandleFunc("GET "+b+"/download-group/{namespace}/{group}/{token}", s.limited("download-group", s.groupDownload))
	mux.HandleFunc("GET "+b+"/issue/{namespace}/{template}/{token}", s.limited("issue", s.issueLink))
	mux.HandleFunc("POST "+b+"/scan/{namespace}/{template}", s.limitedUnlessVerified("scan", s.scanner.ServeHTTP))
	mux.HandleFunc("POST "+b+googlewallet.CallbackPath, s.limitedUnlessVerified("google-callback", s.googleCallback))
	mux.HandleFunc("GET "+b+"/google/images/{namespace}/{template}/{version}/{name}", s.limited("google-image", s.googleImage))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	return mux
}

// Serve runs the HTTP server on addr until ctx ends; it is a manager
// Runnable that every replica runs, leader or not.
func (s *Server) Serve(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeHandler(ctx, l, s.Handler())
}

// ServeHandler serves h on l with the web service's timeouts and header
// limit until ctx ends, then shuts down gracefully.
func ServeHandler(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}

// Runnable adapts Serve to the manager.
type Runnable struct {
	Server *Server
	Addr   string
}

// Start serves until ctx ends.
func (r Runnable) Start(ctx context.Context) error { return r.Server.Serve(ctx, r.Addr) }

// NeedLeaderElection is false: every replica answers devices.
func (Runnable) NeedLeaderElection() bool { return false }

// observe records a request's outcome and duration.
func observe(endpoint string, rec *statusRecorder, start time.Time) {
	requestsTotal.WithLabelValues(endpoint, strconv.Itoa(rec.status)).Inc()
	requestSeconds.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
}

// limited applies the per-client rate limit and records request metrics.
func (s *Server) limited(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer observe(endpoint, rec, time.Now())
		if !s.clients.Get(s.who.Key(r)).Allow() {
			rec.Header().Set("Retry-After", "1")
			writeError(rec, http.StatusTooManyRequests, "too many requests; slow down")
			return
		}
		h(rec, r)
	}
}

// limitedUnlessVerified is limited for Google's callbacks: a client pays
// into its per-client limit only for the callbacks refused, so Google's few
// egress addresses are never throttled for callbacks that verify (those
// are bounded for every client together, Server.callbackWrites).
func (s *Server) limitedUnlessVerified(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer observe(endpoint, rec, time.Now())
		limiter := s.clients.Get(s.who.Key(r))
		if limiter.Tokens() < 1 {
			rec.Header().Set("Retry-After", "1")
			writeError(rec, http.StatusTooManyRequests, "too many requests; slow down")
			return
		}
		var isVerified bool
		h(rec, r.WithContext(context.WithValue(r.Context(), verifiedKey{}, &isVerified)))
		if !isVerified {
			limiter.Allow()
		}
	}
}

type verifiedKey struct{}

// verified marks a request limitedUnlessVerified serves as verified.
func verified(r *http.Request) {
	if v, ok := r.Context().Value(verifiedKey{}).(*bool); ok {
		*v = true
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// writeError answers with a small JSON error that reveals no internals.
func writeError(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// Path parameters are checked before use: identifiers Wallet sends are
// short and plain.
var (
	// devicePattern: Wallet's device library identifiers are 32 hex
	// characters; Apple documents no shape, so a little room either way.
	devicePattern = regexp.MustCompile(`^[0-9A-Fa-f]{16,128}$`)
	// pushTokenPattern: an APNs device token in hex, 32 bytes today;
	// Apple warns they may grow, so up to 100 bytes.
	pushTokenPattern = regexp.MustCompile(`^(?:[0-9A-Fa-f]{2}){32,100}$`)
	passTypePattern  = regexp.MustCompile(`^pass(\.[A-Za-z0-9-]+)+$`)
	serialPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$`)
)

func validPassType(s string) bool { return len(s) <= 128 && passTypePattern.MatchString(s) }
