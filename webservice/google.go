package webservice

import (
	"errors"
	"io"
	"net/http"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/webservice/googlecallback"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

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
		googlecallback.Observe("refused")
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	msg := &parsed.Message
	p, tpl, err := s.callbacks.Find(r.Context(), msg)
	if err != nil {
		googlecallback.Observe("unknown")
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	roots, err := s.callbacks.RootKeys(r.Context())
	if err != nil {
		s.log.Error(err, "read Google's root keys for callbacks")
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusServiceUnavailable, "cannot verify callbacks now")
		return
	}
	if err := s.callbacks.Verify(r.Context(), parsed, roots); err != nil {
		if r.Context().Err() == nil {
			googlecallback.Observe("refused")
			writeError(w, http.StatusBadRequest, err.Error())
		}
		return
	}
	// Verified: Google's, however many it sends from one address; all
	// replicas' status writes for callbacks together stay bounded.
	verified(r)
	if !s.callbackWrites.Allow() {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "too many callbacks right now; try again")
		return
	}
	users, err := s.callbacks.Count(r.Context(), p, msg)
	switch {
	case errors.Is(err, googlecallback.ErrUnknown):
		googlecallback.Observe("unknown")
		writeError(w, http.StatusNotFound, "no pass has this object")
		return
	case errors.Is(err, googlecallback.ErrReplayed):
		googlecallback.Observe("replayed")
		writeError(w, http.StatusConflict, "this callback was received already")
		return
	case err != nil:
		s.log.Error(err, "count a Google Wallet user", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	event := registry.EventUserAdd
	if msg.EventType == googlewallet.EventDelete {
		event = registry.EventUserDelete
	}
	if s.wanted(r.Context(), tpl, walletv1.WebhookEvent(event)) {
		ev := registry.Event{Event: event, PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name, SerialNumber: p.Spec.SerialNumber,
			PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: time.Now().UTC(), UserCount: users, Wallet: registry.WalletOf(event)}
		s.eventDropped(s.store.AddEvent(r.Context(), ev), p)
	}
	googlecallback.Observe(msg.EventType)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}
