package webservice

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
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
	p, err := s.lookupPass(r.Context(), passType, serial)
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
	id, err := s.signingIdentity(r.Context(), p, tpl)
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
	signedUp, err := s.recordSignUp(r.Context(), p, tpl, details)
	switch {
	case apierrors.IsConflict(err):
		writeError(w, http.StatusConflict, "the pass changed meanwhile; try again")
		return
	case err != nil:
		s.log.Error(err, "personalize: record the sign-up", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "the sign-up could not be recorded; try again later")
		return
	}
	if wanted(tpl, walletv1.WebhookEventPersonalize) {
		// The details are read from the Pass when the event is sent: an
		// outbox keeps no personal data, and an anonymized pass sends none.
		s.eventDropped(s.store.AddEvent(r.Context(), registry.Event{
			Event: string(walletv1.WebhookEventPersonalize), PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name,
			SerialNumber: p.Spec.SerialNumber, PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: time.Now().UTC(),
			Wallet: registry.WalletOf(string(walletv1.WebhookEventPersonalize)),
		}), p)
	}
	personalizations.Inc()
	s.waitSigned(r.Context(), signedUp)
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(signature)
}

// recordSignUp writes the details into the Pass's data and sets
// spec.personalized, conditioned on the version read: of two sign-ups at
// once, one wins.
func (s *Server) recordSignUp(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate, details map[string]string) (*walletv1.Pass, error) {
	var data []byte
	if p.Spec.Data != nil {
		data = p.Spec.Data.Raw
	}
	merged, err := personalization.Merge(tpl.Spec.Personalization, data, details)
	if err != nil {
		return nil, err
	}
	updated := p.DeepCopy()
	updated.Spec.Data = &apiextensionsv1.JSON{Raw: merged}
	updated.Spec.Personalized = true
	err = s.api.Patch(ctx, updated, client.MergeFromWithOptions(p, client.MergeFromWithOptimisticLock{}), client.FieldOwner(walletv1.FieldOwner+"-webservice"))
	return updated, err
}

// signingIdentity is the pass's certificate and key, from the push
// credentials the manager keeps for its template in the web service's
// namespace (the web service reads no team's Secret).
func (s *Server) signingIdentity(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate) (*certs.Identity, error) {
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: s.opts.CredentialsNamespace, Name: walletv1.PushCredentialsSecretName(p.Namespace, tpl.Name)}
	if err := s.api.Get(ctx, key, secret); err != nil {
		return nil, err
	}
	return certs.FromSecretData(secret.Data)
}

// waitSigned waits, boundedly, until the manager has signed the
// personalized pass, so that Wallet's next fetch gets it.
func (s *Server) waitSigned(ctx context.Context, p *walletv1.Pass) {
	ctx, cancel := context.WithTimeout(ctx, personalizeWait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		current := &walletv1.Pass{}
		if err := s.cache.Get(ctx, client.ObjectKeyFromObject(p), current); err == nil &&
			current.Generation >= p.Generation && current.Spec.Personalized && status.IsReady(current.Status.Conditions, current.Generation) {
			return
		}
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.Canceled) {
				s.log.Info("personalize: the personalized pass is not signed yet; the device fetches it on its next update", "pass", p.Namespace+"/"+p.Name)
			}
			return
		case <-tick.C:
		}
	}
}
