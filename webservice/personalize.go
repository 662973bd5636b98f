package webservice

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/webservice/personalization"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// personalizeWait bounds how long a sign-up waits for the personalized pass
// to be signed: Wallet fetches it right after the signed token, and should
// get the new pass, not the sign-up form again.
const personalizeWait = 10 * time.Second

// personalize: POST /v1/passes/{passType}/{serial}/personalize, Apple's
// Rewards Enrollment. Wallet sends the holder's details and a token; the
// details go into the Pass's data (spec.personalized set, so the pass is
// re-signed without the sign-up form), the template's webhooks get a
// personalize event, and the answer is the token signed with the pass's
// certificate (detached PKCS #7, as the manifest), which Wallet verifies
// before it fetches the personalized pass. A pass signs up once; the
// details are never logged.
func (s *Server) personalize(w http.ResponseWriter, r *http.Request) {
	passType, serial := r.PathValue("passType"), r.PathValue("serial")
	if !validPassType(passType) || !serialPattern.MatchString(serial) {
		writeError(w, http.StatusBadRequest, "malformed pass type identifier or serial number")
		return
	}
	p, err := index.PassBySerial(r.Context(), s.cache, passType, serial)
	if err != nil || p == nil {
		writeError(w, http.StatusNotFound, "no such pass")
		return
	}
	// Wallet sends the pass's token when it has one: a wrong one is refused.
	if r.Header.Get("Authorization") != "" && !s.authorized(r, p, passType, serial) {
		writeError(w, http.StatusUnauthorized, "wrong authentication token")
		return
	}
	tpl := &walletv1.PassTemplate{}
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, tpl); err != nil || tpl.Spec.Personalization == nil {
		writeError(w, http.StatusNotFound, "the pass has no sign-up form")
		return
	}
	if p.Spec.Personalized || p.Spec.Anonymized || !p.DeletionTimestamp.IsZero() {
		writeError(w, http.StatusConflict, "the pass is signed up already")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, personalization.MaxBody)
	var req personalization.Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be JSON: {\"personalizationToken\": ..., \"requiredPersonalizationInfo\": {...}}")
		return
	}
	details, err := personalization.Check(tpl.Spec.Personalization, req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, err := personalization.SigningIdentity(r.Context(), s.api, s.opts.CredentialsNamespace, p, tpl)
	if err != nil {
		s.log.Error(err, "personalize: the pass's signing identity", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "the pass cannot be signed now; try again later")
		return
	}
	signature, err := pkpass.Sign([]byte(req.PersonalizationToken), id)
	if err != nil {
		s.log.Error(err, "personalize: sign the token", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusInternalServerError, "the token could not be signed")
		return
	}
	signedUp, err := personalization.Record(r.Context(), s.api, p, tpl, details)
	switch {
	case apierrors.IsConflict(err):
		writeError(w, http.StatusConflict, "the pass changed meanwhile; try again")
		return
	case err != nil:
		s.log.Error(err, "personalize: record the sign-up", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "the sign-up could not be recorded; try again later")
		return
	}
	if s.wanted(r.Context(), tpl, walletv1.WebhookEventPersonalize) {
		// The details are read from the Pass when the event is sent: an
		// outbox keeps no personal data, and an anonymized pass sends none.
		s.eventDropped(s.store.AddEvent(r.Context(), registry.Event{
			Event: string(walletv1.WebhookEventPersonalize), PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name,
			SerialNumber: p.Spec.SerialNumber, PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: time.Now().UTC(),
			Wallet: registry.WalletOf(string(walletv1.WebhookEventPersonalize)),
		}), p)
	}
	personalizations.Inc()
	if !personalization.WaitSigned(r.Context(), s.cache, signedUp, personalizeWait) && r.Context().Err() == nil {
		s.log.Info("personalize: the personalized pass is not signed yet; the device fetches it on its next update", "pass", p.Namespace+"/"+p.Name)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(signature)
}

// checkedIn sends the template's webhooks a checkIn event for a pass a gate
// admitted; the gate is read from the Pass when the event is sent.
func (s *Server) checkedIn(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate) {
	if !s.wanted(ctx, tpl, walletv1.WebhookEventCheckIn) {
		return
	}
	s.eventDropped(s.store.AddEvent(ctx, registry.Event{
		Event: string(walletv1.WebhookEventCheckIn), PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name,
		SerialNumber: p.Spec.SerialNumber, PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: time.Now().UTC(),
		Wallet: registry.WalletOf(string(walletv1.WebhookEventCheckIn)),
	}), p)
}
