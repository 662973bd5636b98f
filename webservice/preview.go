package webservice

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/webservice/preview"
)

// preview answers a browser without Wallet: the pass drawn as a page.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, p *walletv1.Pass) {
	b, err := s.bundles.Get(r.Context(), p)
	var pj *passjson.Pass
	if err == nil {
		pj, err = passjson.Parse(b.Files[pkpass.PassJSON])
	}
	if err != nil {
		s.log.Error(err, "read pass.json for a preview", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "the pass is being updated; try again")
		return
	}
	self := s.absoluteURL(r, r.URL.Path)
	links := preview.Links{Pkpass: self + "?format=pkpass", Self: self}
	if u := googlewallet.PassSaveURL(p); strings.HasPrefix(u, googlewallet.SaveURLPrefix) {
		links.GoogleSave = template.URL(u) //nolint:gosec // Google's save URL, checked above
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", preview.ContentSecurityPolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := preview.HTML(w, pj, b.Files, s.codes, links); err != nil {
		s.log.Error(err, "render preview")
	}
}

// servePDF answers ?format=pdf: the pass as a printable one-page card (its
// colours, logo, fields and barcode), for holders without Wallet.
func (s *Server) servePDF(w http.ResponseWriter, r *http.Request, p *walletv1.Pass) {
	b, err := s.bundles.Get(r.Context(), p)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "the pass is being updated; try again")
		return
	}
	pj, err := passjson.Parse(b.Files[pkpass.PassJSON])
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "the pass is being updated; try again")
		return
	}
	doc, err := preview.PDF(pj, b.Files)
	if err != nil {
		s.log.Error(err, "draw a PDF", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", p.Spec.SerialNumber+".pdf"))
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = w.Write(doc)
}
