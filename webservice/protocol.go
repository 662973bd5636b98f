package webservice

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/useragent"
	"github.com/wallet-operator/wallet-operator/webservice/webhooks"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/webservice/bundlecache"
)

// maxDeviceBody bounds the body of a device call: a push token is small.
const maxDeviceBody = 4 << 10

// tagGrace is how far behind "now" an update tag is set: a change whose
// status becomes visible up to this late is still reported next time (a
// pass reported twice only costs the device a 304).
const tagGrace = 10 * time.Second

// authorized checks the ApplePass header against the pass's token, in
// constant time.
func (s *Server) authorized(r *http.Request, p *walletv1.Pass, passType, serial string) bool {
	presented, ok := strings.CutPrefix(r.Header.Get("Authorization"), "ApplePass ")
	if !ok {
		return false
	}
	return tokens.Equal(presented, s.opts.Tokens.Authentication(p.Namespace, passType, serial))
}

// devicePass validates the path, finds the pass and checks its token; it
// answers the request itself when that fails. Unknown passes and wrong
// tokens look the same, but to an unregistration: a device unregistering a
// deleted pass is answered 200 (there is nothing left to remove).
func (s *Server) devicePass(w http.ResponseWriter, r *http.Request) (*walletv1.Pass, bool) {
	passType, serial := r.PathValue("passType"), r.PathValue("serial")
	if device := r.PathValue("device"); device != "" && !devicePattern.MatchString(device) {
		writeError(w, http.StatusBadRequest, "malformed device library identifier")
		return nil, false
	}
	if !validPassType(passType) || !serialPattern.MatchString(serial) {
		writeError(w, http.StatusBadRequest, "malformed pass type identifier or serial number")
		return nil, false
	}
	p, err := index.PassBySerial(r.Context(), s.cache, passType, serial)
	if err != nil {
		s.log.Error(err, "look up pass")
		writeError(w, http.StatusInternalServerError, "internal error")
		return nil, false
	}
	if p == nil && r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusOK)
		return nil, false
	}
	if p == nil || !s.authorized(r, p, passType, serial) {
		writeError(w, http.StatusUnauthorized, "unauthorized")
		return nil, false
	}
	return p, true
}

// register: POST /v1/devices/{device}/registrations/{passType}/{serial}.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	p, ok := s.devicePass(w, r)
	if !ok {
		return
	}
	var body struct {
		PushToken string `json:"pushToken"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxDeviceBody)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "the body must be JSON: {\"pushToken\": \"...\"}")
		return
	}
	if !pushTokenPattern.MatchString(body.PushToken) {
		writeError(w, http.StatusBadRequest, "pushToken is missing or malformed")
		return
	}
	// A pass's new devices are admitted one at a time (here; other replicas
	// may each admit up to the limit before their caches see these).
	defer s.admission.Lock(p.Namespace + "/" + p.Name)()
	if ok, retry := s.mayRegister(r, p); !ok {
		// A transient answer: the device registers again later, as after
		// any server trouble, and a device that is refused for good would
		// never get this pass's updates.
		w.Header().Set("Retry-After", retry)
		writeError(w, http.StatusServiceUnavailable, "this pass has as many registered devices as it may have, or is gaining them too fast; try again later")
		return
	}
	if !p.DeletionTimestamp.IsZero() {
		// Being deleted: its devices are being told it is void.
		writeError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	change, err := s.store.Register(r.Context(), registry.Registration{
		Device: r.PathValue("device"), PushToken: body.PushToken,
		PassTypeIdentifier: r.PathValue("passType"), Serial: r.PathValue("serial"),
		Namespace: p.Namespace, PassName: p.Name, PassUID: p.UID, Digest: p.Status.Bundle.ContentDigest, Wallet: useragent.Wallet(r),
	}, s.event(r, p, walletv1.WebhookEventRegister))
	if err != nil {
		s.storeFailed(w, err, "register a device", p)
		return
	}
	s.eventDropped(change.EventDropped, p)
	if change.Changed {
		registrationsTotal.WithLabelValues("created").Inc()
		w.WriteHeader(http.StatusCreated)
		return
	}
	registrationsTotal.WithLabelValues("updated").Inc()
	w.WriteHeader(http.StatusOK)
}

// unregister: DELETE /v1/devices/{device}/registrations/{passType}/{serial}.
func (s *Server) unregister(w http.ResponseWriter, r *http.Request) {
	p, ok := s.devicePass(w, r)
	if !ok {
		return
	}
	change, err := s.store.Unregister(r.Context(), registry.PassRef{Namespace: p.Namespace, Name: p.Name}, r.PathValue("device"), r.PathValue("passType"), r.PathValue("serial"),
		s.event(r, p, walletv1.WebhookEventUnregister))
	if err != nil {
		s.storeFailed(w, err, "unregister a device", p)
		return
	}
	s.eventDropped(change.EventDropped, p)
	if change.Changed {
		registrationsTotal.WithLabelValues("deleted").Inc()
	}
	w.WriteHeader(http.StatusOK)
}

// serials: GET /v1/devices/{device}/registrations/{passType}?passesUpdatedSince=tag.
func (s *Server) serials(w http.ResponseWriter, r *http.Request) {
	device, passType := r.PathValue("device"), r.PathValue("passType")
	if !devicePattern.MatchString(device) || !validPassType(passType) {
		writeError(w, http.StatusBadRequest, "malformed device library identifier or pass type identifier")
		return
	}
	// A tag this service did not give out (a device migrated from another
	// pass platform) is answered like no tag: with every pass.
	var since int64
	if v, err := strconv.ParseInt(r.URL.Query().Get("passesUpdatedSince"), 10, 64); err == nil && v > 0 {
		since = v
	}
	now := time.Now()
	refs, err := s.store.PassesOf(r.Context(), device, passType)
	if err != nil {
		s.storeFailed(w, err, "list a device's registrations", nil)
		return
	}
	var serials []string
	for _, ref := range refs {
		var p walletv1.Pass
		if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, &p); err != nil || p.Status.Bundle == nil {
			continue
		}
		if p.Status.Bundle.Revision > since {
			serials = append(serials, p.Spec.SerialNumber)
		}
	}
	if len(serials) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	slices.Sort(serials)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"serialNumbers": serials,
		"lastUpdated":   strconv.FormatInt(now.Add(-tagGrace).UnixNano(), 10),
	})
}

// latestPass: GET (and HEAD) /v1/passes/{passType}/{serial}.
func (s *Server) latestPass(w http.ResponseWriter, r *http.Request) {
	p, ok := s.devicePass(w, r)
	if !ok {
		return
	}
	modified := p.Status.Bundle.LastModified.UTC().Truncate(time.Second)
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !modified.After(ims) {
		w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.servePkpass(w, r, p, modified)
}

// assemble is the pass's .pkpass, as devices fetch it; a bundle the store
// lost or holds damaged is logged and reported, so the manager signs it
// again.
func (s *Server) assemble(ctx context.Context, p *walletv1.Pass) (*bundlecache.Bundle, error) {
	b, err := s.bundles.Get(ctx, p)
	if err != nil {
		s.log.Error(err, "assemble a bundle", "pass", p.Namespace+"/"+p.Name)
		if err := bundlecache.ReportDamage(ctx, s.api, p, err); err != nil {
			s.log.Error(err, "report a damaged bundle", "pass", p.Namespace+"/"+p.Name)
		}
	}
	return b, err
}

// servePkpass writes the pass's bundle.
func (s *Server) servePkpass(w http.ResponseWriter, r *http.Request, p *walletv1.Pass, modified time.Time) {
	b, err := s.assemble(r.Context(), p)
	if err != nil {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "the pass is being updated; try again")
		return
	}
	h := w.Header()
	h.Set("Content-Type", pkpass.MediaType)
	h.Set("Last-Modified", modified.Format(http.TimeFormat))
	h.Set("Content-Length", strconv.Itoa(len(b.Zip)))
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Zip)
	}
}

// deviceLog: POST /v1/log with {"logs": [...]}, bounded in size and rate.
func (s *Server) deviceLog(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	var body struct {
		Logs []string `json:"logs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be JSON: {\"logs\": [\"...\"]}")
		return
	}
	for i, msg := range body.Logs {
		// Per client first, so one client cannot use up what the log
		// allows everyone.
		if i == 20 || !s.logLines.Get(s.who.Key(r)).Allow() || !s.logLimiter.Allow() {
			break
		}
		if len(msg) > 512 {
			msg = msg[:512] + "…"
		}
		s.log.Info("device log", "message", msg)
	}
	w.WriteHeader(http.StatusOK)
}

// event is the webhook event of a registration change of the pass (its
// wallet the registering app's), or nil when no webhook of its template
// wants it (nothing is queued then).
func (s *Server) event(r *http.Request, p *walletv1.Pass, kind walletv1.WebhookEvent) *registry.Event {
	tpl := &walletv1.PassTemplate{}
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, tpl); err != nil {
		return nil
	}
	if !s.wanted(r.Context(), tpl, kind) {
		return nil
	}
	return &registry.Event{
		Event: string(kind), PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name, SerialNumber: p.Spec.SerialNumber,
		PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: time.Now().UTC(), Wallet: useragent.Wallet(r),
	}
}

// wanted: a webhook of the template (its own, or a PassWebhook of its
// namespace) takes events of this kind; none is queued otherwise.
func (s *Server) wanted(ctx context.Context, tpl *walletv1.PassTemplate, kind walletv1.WebhookEvent) bool {
	return webhooks.Wanted(ctx, s.cache, tpl, kind)
}

// eventDropped counts a webhook event the backend did not keep (the change
// it belongs to stands) and logs why, unless it was the bound of waiting
// events.
func (s *Server) eventDropped(err error, p *walletv1.Pass) {
	if err == nil {
		return
	}
	webhooks.Dropped()
	if !errors.Is(err, registry.ErrEventDropped) {
		s.log.Error(err, "keep a webhook event", "pass", p.Namespace+"/"+p.Name)
	}
}

// storeFailed answers a request the registration store could not serve:
// 503 with Retry-After (a device tries again), never 500.
func (s *Server) storeFailed(w http.ResponseWriter, err error, what string, p *walletv1.Pass) {
	if p != nil {
		s.log.Error(err, what, "pass", p.Namespace+"/"+p.Name)
	} else {
		s.log.Error(err, what)
	}
	w.Header().Set("Retry-After", "10")
	writeError(w, http.StatusServiceUnavailable, "registrations are unavailable; try again")
}

// mayRegister bounds the registrations one pass can collect: anyone holding
// a pass holds its token, and each registration is an object, a status
// write and a webhook event. A device already registered may always renew;
// a new one needs a place under MaxRegistrationsPerPass and the pass's
// registration rate.
func (s *Server) mayRegister(r *http.Request, p *walletv1.Pass) (ok bool, retryAfter string) {
	registered, devices, err := s.store.Devices(r.Context(), registry.PassRef{Namespace: p.Namespace, Name: p.Name}, r.PathValue("device"))
	if err != nil || registered {
		return true, "" // the store answers for itself
	}
	maxDevices, perMinute := s.opts.MaxRegistrationsPerPass, s.opts.RegistrationsPerMinute
	burst := s.opts.RegistrationBurst
	tpl := &walletv1.PassTemplate{}
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, tpl); err == nil && tpl.Spec.Registrations != nil {
		if m := tpl.Spec.Registrations.MaxDevicesPerPass; m != nil {
			maxDevices = int(*m)
		}
		if m := tpl.Spec.Registrations.PerMinute; m != nil {
			perMinute, burst = float64(*m), 2*int(*m)
		}
	}
	if devices >= maxDevices {
		return false, "3600"
	}
	if !s.registrations.GetAt(p.Namespace+"/"+p.Name, rate.Limit(perMinute/60), max(burst, 1)).Allow() {
		return false, "60"
	}
	return true, ""
}
