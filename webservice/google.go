package webservice

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/prometheus/client_golang/prometheus"
	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// androidClient says whether the browser runs on Android, where a save link
// adds the pass to Google Wallet.
func androidClient(r *http.Request) bool { return strings.Contains(r.UserAgent(), "Android") }

// googleSaveURL is the pass's Google Wallet save link, "" when its template
// is no Google Wallet class (yet).
func googleSaveURL(p *walletv1.Pass) string {
	if g := p.Status.GoogleWallet; g != nil {
		return g.SaveURL
	}
	return ""
}

// googleSaveable: the pass's save link is one Google takes (signed by the
// template's service account). A development link is Google's refusal
// page: an Android visitor is shown the preview instead (and may still
// follow the link from there, or ask for ?format=googlewallet).
func googleSaveable(p *walletv1.Pass) bool {
	g := p.Status.GoogleWallet
	return g != nil && g.SaveURL != "" && g.SignedBy != "" && g.SignedBy != googlewallet.DevelopmentSigner
}

// googleImage: GET /google/images/{namespace}/{template}/{version}/{name}.
// Google fetches a Google Wallet template's images from public URLs; the
// version is a prefix of the image's SHA-256, so an answer never changes
// and may be cached for ever. Templates that are no Google Wallet class
// show nothing.
func (s *Server) googleImage(w http.ResponseWriter, r *http.Request) {
	ns, name, version, file := r.PathValue("namespace"), r.PathValue("template"), r.PathValue("version"), r.PathValue("name")
	var tpl walletv1.PassTemplate
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &tpl); err != nil || tpl.Spec.GoogleWallet == nil || tpl.Status.SharedBundle == "" {
		writeError(w, http.StatusNotFound, "no such image")
		return
	}
	data, ok, err := s.images.Get(r.Context(), ns, tpl.Status.SharedBundle, file, version)
	if err != nil {
		s.log.Error(err, "read a template's images", "template", ns+"/"+name)
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no such image")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// googleCallback: POST /google/callback, Google's save and delete
// callbacks. A callback verified against Google's root keys, seen for the
// first time (its nonce) and naming a pass of this installation counts a
// user in or out of status.googleWallet.users and becomes the template's
// userAdd or userDelete webhook; anything else is refused with 4xx and
// counts nothing.
func (s *Server) googleCallback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, googlewallet.MaxCallbackBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the callback is too large")
		return
	}
	// Anyone can post here: everything that needs no signature is checked
	// first, and signatures only for a pass of this installation, a few
	// verifications at a time.
	parsed, err := googlewallet.ParseCallback(body, time.Now())
	if err != nil {
		googleCallbacks.WithLabelValues("refused").Inc()
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	msg := &parsed.Message
	var list walletv1.PassList
	if err := s.cache.List(r.Context(), &list, client.MatchingFields{index.PassGoogleObject.Name: msg.ObjectID}); err != nil || len(list.Items) != 1 {
		googleCallbacks.WithLabelValues("unknown").Inc()
		writeError(w, http.StatusNotFound, "no pass has this object")
		return
	}
	p := &list.Items[0]
	var tpl walletv1.PassTemplate
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, &tpl); err != nil ||
		tpl.Spec.GoogleWallet == nil || googlewallet.ClassID(&tpl) != msg.ClassID {
		googleCallbacks.WithLabelValues("unknown").Inc()
		writeError(w, http.StatusNotFound, "the object is not of its pass's class")
		return
	}
	roots, err := s.google.Keys(r.Context())
	if err != nil {
		s.log.Error(err, "read Google's root keys for callbacks")
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusServiceUnavailable, "cannot verify callbacks now")
		return
	}
	select {
	case s.verifications <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	err = parsed.Verify(roots, time.Now())
	<-s.verifications
	if err != nil {
		googleCallbacks.WithLabelValues("refused").Inc()
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Verified: Google's, however many it sends from one address; all
	// replicas' status writes for callbacks together stay bounded.
	verified(r)
	if !s.callbacks.Allow() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "too many callbacks right now; try again")
		return
	}
	// The count and the nonce are one optimistic-locked write of the pass's
	// status: whichever replica gets a callback again refuses it.
	users, replayed, notGoogle := 0, false, false
	err = status.UpdatePass(r.Context(), s.api, s.cache, s.api, client.ObjectKeyFromObject(p), func(p *walletv1.Pass) bool {
		g := p.Status.GoogleWallet
		// No Google section (any more): nowhere to keep the nonce, so the
		// callback is refused, not taken without one.
		notGoogle = g == nil || g.ObjectID != msg.ObjectID
		replayed = !notGoogle && slices.Contains(g.RecentNonces, msg.Nonce)
		if notGoogle || replayed {
			return false
		}
		g.RecentNonces = append(g.RecentNonces, msg.Nonce)
		g.RecentNonces = g.RecentNonces[max(0, len(g.RecentNonces)-maxRecentNonces):]
		if msg.EventType == googlewallet.EventSave {
			g.Users++
		} else {
			g.Users = max(0, g.Users-1)
		}
		users = int(g.Users)
		return true
	})
	if err != nil {
		s.log.Error(err, "count a Google Wallet user", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	if notGoogle {
		googleCallbacks.WithLabelValues("unknown").Inc()
		writeError(w, http.StatusNotFound, "no pass has this object")
		return
	}
	if replayed {
		googleCallbacks.WithLabelValues("replayed").Inc()
		writeError(w, http.StatusConflict, "this callback was received already")
		return
	}
	event := registry.EventUserAdd
	if msg.EventType == googlewallet.EventDelete {
		event = registry.EventUserDelete
	}
	if wanted(&tpl, walletv1.WebhookEvent(event)) {
		ev := registry.Event{Event: event, PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name, SerialNumber: p.Spec.SerialNumber,
			PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: time.Now().UTC(), UserCount: users, Wallet: registry.WalletOf(event)}
		s.eventDropped(s.store.AddEvent(r.Context(), ev), p)
	}
	googleCallbacks.WithLabelValues(msg.EventType).Inc()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}

// maxRecentNonces callbacks of a pass are remembered (its status holds
// their nonces); an older one replayed is refused by its expiry.
const maxRecentNonces = 20

var googleCallbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_google_callbacks_total", Help: "Google Wallet callbacks by outcome (save, del, refused, replayed, unknown).",
}, []string{"outcome"})

func init() { metrics.Registry.MustRegister(googleCallbacks) }
