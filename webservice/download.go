package webservice

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/stats"
	"github.com/wallet-operator/wallet-operator/webservice/useragent"
)

// download: GET /download/{passType}/{serial}/{token}[?format=pkpass|pdf|qrcode|barcode][&tag=...].
// Wallet-capable clients get the .pkpass, other browsers a preview page.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	passType, serial, token := r.PathValue("passType"), r.PathValue("serial"), r.PathValue("token")
	if !validPassType(passType) || !serialPattern.MatchString(serial) {
		writeError(w, http.StatusNotFound, "no such pass")
		return
	}
	format := r.URL.Query().Get("format")
	// The token covers the pass's namespace, so it is checked once the pass
	// is found: the signed pass, or one not signed yet (an issued pass,
	// "being prepared"); any other link is no pass.
	p, err := index.PassBySerial(r.Context(), s.cache, passType, serial)
	if err != nil {
		s.log.Error(err, "look up pass")
	}
	if p != nil && !tokens.Equal(token, s.opts.Tokens.Download(p.Namespace, passType, serial)) {
		writeError(w, http.StatusNotFound, "no such pass")
		return
	}
	var tags []string
	if p != nil {
		var tpl walletv1.PassTemplate
		if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, &tpl); err != nil {
			tags = stats.TrackedTags(nil, r.URL.Query()["tag"])
		} else {
			if !tpl.Distributable() {
				notDistributed(w, r, format)
				return
			}
			tags = stats.TrackedTags(&tpl, r.URL.Query()["tag"])
		}
		for _, tag := range tags {
			if tag != stats.Untagged {
				downloadTags.WithLabelValues(tag).Inc()
			}
		}
	}
	if format == "qrcode" {
		writeSVG(w, s.absoluteURL(r, r.URL.Path), barcodes.QRSVG)
		return
	}
	if err == nil && p == nil && !s.preparing(r, passType, serial, token) {
		writeError(w, http.StatusNotFound, "no such pass")
		return
	}
	if err != nil || p == nil {
		// A pass just issued is signed within moments.
		w.Header().Set("Retry-After", "2")
		if format == "" && !useragent.AppleWallet(r) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`<!doctype html><meta http-equiv="refresh" content="2"><title>Preparing your pass</title><p>Your pass is being prepared…</p>`))
			return
		}
		writeError(w, http.StatusServiceUnavailable, "the pass is being prepared; try again in a moment")
		return
	}
	switch {
	case format == "googlewallet" || (format == "" && useragent.Android(r) && googlewallet.Saveable(p)):
		if googlewallet.PassSaveURL(p) == "" {
			writeError(w, http.StatusNotFound, "the pass is not in Google Wallet: its template has no spec.googleWallet")
			return
		}
		s.stats.Count(p.Namespace, p.Spec.TemplateRef.Name, stats.KindDownload, tags)
		http.Redirect(w, r, googlewallet.PassSaveURL(p), http.StatusFound)
	case format == "pkpass" || (format == "" && useragent.AppleWallet(r)):
		s.stats.Count(p.Namespace, p.Spec.TemplateRef.Name, stats.KindDownload, tags)
		s.servePkpass(w, r, p, p.Status.Bundle.LastModified.UTC().Truncate(time.Second))
	case format == "barcode":
		pj, err := s.passJSON(r, p)
		if err != nil || len(pj.Barcodes) == 0 {
			writeError(w, http.StatusNotFound, "the pass has no barcode")
			return
		}
		bc := pj.Barcodes[0]
		writeSVG(w, bc.Message, func(m string) (string, error) { return s.codes.SVG(bc.Format, m, 3, 60) })
	case format == "pdf":
		s.servePDF(w, r, p)
	case format == "":
		s.stats.Count(p.Namespace, p.Spec.TemplateRef.Name, stats.KindPreview, tags)
		s.preview(w, r, p)
	default:
		writeError(w, http.StatusBadRequest, "format is one of pkpass, googlewallet, pdf, qrcode, barcode")
	}
}

// notDistributed answers a link of a template whose distribution is off:
// 404, and a person's browser is told in words.
func notDistributed(w http.ResponseWriter, r *http.Request, format string) {
	if format == "" && !useragent.AppleWallet(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`<!doctype html><title>Pass not available</title><p>This pass is not available.</p>`))
		return
	}
	writeError(w, http.StatusNotFound, "this pass is not available")
}

func writeSVG(w http.ResponseWriter, content string, draw func(string) (string, error)) {
	out, err := draw(content)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "cannot draw this code: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(out))
}

// absoluteURL is the public URL of path, as the client reached it.
func (s *Server) absoluteURL(r *http.Request, path string) string {
	base := strings.TrimSuffix(s.opts.WebServiceURL, "/")
	return base + strings.TrimPrefix(path, s.base)
}

func (s *Server) passJSON(r *http.Request, p *walletv1.Pass) (*passjson.Pass, error) {
	b, err := s.bundles.Get(r.Context(), p)
	if err != nil {
		return nil, err
	}
	return passjson.Parse(b.Files[pkpass.PassJSON])
}

// preparing: a pass of this serial number, not signed yet, has this
// download link (its token covers its namespace and the pass type).
func (s *Server) preparing(r *http.Request, passType, serial, token string) bool {
	passes, _ := index.PassesWithSerial(r.Context(), s.cache, serial)
	return slices.ContainsFunc(passes, func(p walletv1.Pass) bool {
		return tokens.Equal(token, s.opts.Tokens.Download(p.Namespace, passType, serial))
	})
}
