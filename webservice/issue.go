package webservice

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/issuance"
)

// issueLink: GET /issue/{namespace}/{template}/{token}. Each visit creates
// a new Pass from the template (a generated serial, the data schema's
// defaults) and redirects to its download link; ?format=qrcode returns the
// QR code of the issue link itself.
func (s *Server) issueLink(w http.ResponseWriter, r *http.Request) {
	ns, name, token := r.PathValue("namespace"), r.PathValue("template"), r.PathValue("token")
	if len(ns) > 63 || len(name) > 253 || !tokens.Equal(token, s.opts.Tokens.Issue(ns, name)) {
		writeError(w, http.StatusNotFound, "no such issue link")
		return
	}
	if r.URL.Query().Get("format") == "qrcode" {
		writeSVG(w, s.absoluteURL(r, r.URL.Path), barcodes.QRSVG)
		return
	}
	tpl := &walletv1.PassTemplate{}
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, tpl); err != nil {
		writeError(w, http.StatusNotFound, "no such issue link")
		return
	}
	if tpl.Spec.Distribution == nil || !tpl.Spec.Distribution.IssueLinks || !tpl.Distributable() {
		writeError(w, http.StatusNotFound, "this template does not hand out passes by link")
		return
	}
	if !status.IsReady(tpl.Status.Conditions, tpl.Generation) || tpl.Status.PassTypeIdentifier == "" || !s.slotsSynced() {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "passes of this template cannot be issued right now")
		return
	}
	limit := issuance.Limit(tpl)
	// The count and the limiter come before any write: a used-up link and
	// a flood both cost a map lookup.
	if s.slots.Issued(ns, name) >= limit {
		writeError(w, http.StatusGone, "all passes of this link have been handed out")
		return
	}
	if !s.issueLimiter(ns + "/" + name).Allow() {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusTooManyRequests, "too many passes issued from this link right now; try again shortly")
		return
	}
	p, err := s.slots.Issue(r.Context(), s.api, tpl, limit)
	switch {
	case errors.Is(err, issuance.ErrLimitReached):
		writeError(w, http.StatusGone, "all passes of this link have been handed out")
		return
	case errors.Is(err, issuance.ErrSlotsBusy):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "many passes are being issued from this link right now; try again shortly")
		return
	case err != nil:
		s.log.Error(err, "create a pass from an issue link", "template", ns+"/"+name)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	issuedTotal.WithLabelValues(ns, name).Inc()
	ptid := tpl.Status.PassTypeIdentifier
	link := strings.TrimSuffix(s.opts.WebServiceURL, "/") + "/download/" + url.PathEscape(ptid) + "/" + p.Spec.SerialNumber + "/" + s.opts.Tokens.Download(ns, ptid, p.Spec.SerialNumber)
	http.Redirect(w, r, link, http.StatusSeeOther)
}

func (s *Server) issueLimiter(key string) *rate.Limiter {
	perSecond := rate.Limit(float64(s.opts.IssueRatePerMinute) / 60)
	l, _ := s.issue.LoadOrStore(key, rate.NewLimiter(perSecond, max(s.opts.IssueRatePerMinute/6, 1)))
	return l.(*rate.Limiter)
}
