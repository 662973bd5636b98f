package webservice

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/render"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// walletClient says whether the browser can add a pass to Apple Wallet.
func walletClient(r *http.Request) bool {
	ua := r.UserAgent()
	return strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod")
}

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
	// is found; until then (an issued pass being signed) the answer says
	// only "being prepared", whatever the token.
	p, err := s.lookupPass(r.Context(), passType, serial)
	if err != nil {
		s.log.Error(err, "look up pass")
	}
	if p != nil && !tokens.Equal(token, s.opts.Tokens.Download(p.Namespace, passType, serial)) &&
		!(s.opts.AcceptLegacyTokens && tokens.Equal(token, s.opts.Tokens.LegacyDownload(passType, serial))) {
		writeError(w, http.StatusNotFound, "no such pass")
		return
	}
	var tags []string
	if p != nil {
		var tpl walletv1.PassTemplate
		if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, &tpl); err != nil {
			tags = trackedTags(nil, r.URL.Query()["tag"])
		} else {
			tags = trackedTags(&tpl, r.URL.Query()["tag"])
		}
		for _, tag := range tags {
			if tag != untagged {
				downloadTags.WithLabelValues(tag).Inc()
			}
		}
	}
	if format == "qrcode" {
		writeSVG(w, s.absoluteURL(r, r.URL.Path), barcodes.QRSVG)
		return
	}
	if err != nil || p == nil {
		// A pass just issued is signed within moments.
		w.Header().Set("Retry-After", "2")
		if format == "" && !walletClient(r) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`<!doctype html><meta http-equiv="refresh" content="2"><title>Preparing your pass</title><p>Your pass is being prepared…</p>`))
			return
		}
		writeError(w, http.StatusServiceUnavailable, "the pass is being prepared; try again in a moment")
		return
	}
	switch {
	case format == "googlewallet" || (format == "" && androidClient(r) && googleSaveURL(p) != ""):
		if googleSaveURL(p) == "" {
			writeError(w, http.StatusNotFound, "the pass is not in Google Wallet: its template has no spec.googleWallet")
			return
		}
		s.stats.count(p.Namespace, p.Spec.TemplateRef.Name, kindDownload, tags)
		http.Redirect(w, r, googleSaveURL(p), http.StatusFound)
	case format == "pkpass" || (format == "" && walletClient(r)):
		s.stats.count(p.Namespace, p.Spec.TemplateRef.Name, kindDownload, tags)
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
		s.stats.count(p.Namespace, p.Spec.TemplateRef.Name, kindPreview, tags)
		s.preview(w, r, p)
	default:
		writeError(w, http.StatusBadRequest, "format is one of pkpass, googlewallet, pdf, qrcode, barcode")
	}
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

// display is a field's value as Wallet would show it, roughly: dates in
// words.
func display(f render.Field) string {
	s := fmt.Sprint(f.Value)
	if f.DateStyle == "" && f.TimeStyle == "" {
		return s
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			switch {
			case f.TimeStyle == "" || f.TimeStyle == "PKDateStyleNone":
				return t.Format("Jan 2, 2006")
			case f.DateStyle == "" || f.DateStyle == "PKDateStyleNone":
				return t.Format("15:04")
			default:
				return t.Format("Jan 2, 2006 15:04")
			}
		}
	}
	return s
}

func (s *Server) passJSON(r *http.Request, p *walletv1.Pass) (*render.PassJSON, error) {
	b, err := s.bundles.get(r.Context(), p)
	if err != nil {
		return nil, err
	}
	return render.ParsePassJSON(b.files[pkpass.PassJSON])
}

var previewPage = template.Must(template.New("preview").Funcs(template.FuncMap{"display": display}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Pass.Description}}</title>
<style>
body{font-family:-apple-system,Helvetica,Arial,sans-serif;background:#f2f2f7;margin:0;padding:24px;display:flex;flex-direction:column;align-items:center}
.pass{width:340px;border-radius:14px;padding:14px 16px;box-shadow:0 4px 16px rgba(0,0,0,.2);background:{{.Background}};color:{{.Foreground}}}
.top{display:flex;align-items:center;gap:8px;min-height:40px}.top img{max-height:36px;max-width:120px}
.logotext{font-weight:600;font-size:17px;flex:1}.label{font-size:10px;text-transform:uppercase;color:{{.Label}};letter-spacing:.04em}
.value{font-size:15px}.primary .value{font-size:28px}.row{display:flex;gap:16px;margin:10px 0}.row>div{flex:1}.head{text-align:right}
.code{background:#fff;border-radius:8px;padding:8px;margin:14px auto 4px;text-align:center;width:fit-content}.alt{font-size:11px;color:#333}
.void{font-weight:700;color:#c00;text-align:center}.add{display:inline-block;margin:20px 0 8px;background:#000;color:#fff;padding:12px 22px;border-radius:10px;text-decoration:none;font-weight:600}
.google{margin-top:0;background:#1a73e8}.qr{text-align:center;font-size:13px;color:#555}
</style></head><body>
<div class="pass" id="pass" data-style="{{.Style}}">
 <div class="top">{{if .Logo}}<img alt="logo" src="{{.Logo}}">{{end}}<div class="logotext">{{.Pass.LogoText}}</div>
  {{range .Fields.HeaderFields}}<div class="head"><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 <div class="row primary">{{range .Fields.PrimaryFields}}<div><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 <div class="row">{{range .Fields.SecondaryFields}}<div><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 <div class="row">{{range .Fields.AuxiliaryFields}}<div><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 {{if .Pass.Voided}}<div class="void">VOID</div>{{end}}
 {{if .Barcode}}<div class="code" id="barcode">{{.Barcode}}{{if .AltText}}<div class="alt">{{.AltText}}</div>{{end}}</div>{{end}}
</div>
<a class="add" id="add" href="{{.PkpassLink}}">Add to Apple Wallet</a>
{{if .GoogleSaveLink}}<a class="add google" id="add-google" href="{{.GoogleSaveLink}}">Add to Google Wallet</a>{{end}}
<div class="qr" id="qr">{{.QR}}<div>Scan with your iPhone to add this pass</div></div>
</body></html>`))

func (s *Server) preview(w http.ResponseWriter, r *http.Request, p *walletv1.Pass) {
	pj, err := s.passJSON(r, p)
	if err != nil {
		s.log.Error(err, "read pass.json for a preview", "pass", p.Namespace+"/"+p.Name)
		writeError(w, http.StatusServiceUnavailable, "the pass is being updated; try again")
		return
	}
	b, _ := s.bundles.get(r.Context(), p)
	data := map[string]any{
		"Pass": pj, "Background": cssColor(pj.BackgroundColor, "rgb(255, 255, 255)"),
		"Foreground": cssColor(pj.ForegroundColor, "rgb(0, 0, 0)"), "Label": cssColor(pj.LabelColor, "rgb(90, 90, 90)"),
		"PkpassLink": s.absoluteURL(r, r.URL.Path) + "?format=pkpass",
	}
	if u := googleSaveURL(p); strings.HasPrefix(u, googlewallet.SaveURLPrefix) {
		data["GoogleSaveLink"] = template.URL(u) //nolint:gosec // Google's save URL, checked above
	}
	data["Style"], data["Fields"] = pj.Style()
	for _, name := range []string{"logo@2x.png", "logo.png"} {
		if img, ok := b.files[name]; ok {
			data["Logo"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img))
			break
		}
	}
	if len(pj.Barcodes) > 0 {
		bc := pj.Barcodes[0]
		if svg, err := s.codes.SVG(bc.Format, bc.Message, 2, 50); err == nil {
			data["Barcode"] = template.HTML(svg) //nolint:gosec // generated SVG, no user markup
			data["AltText"] = bc.AltText
		}
	}
	if qr, err := barcodes.QRSVG(s.absoluteURL(r, r.URL.Path)); err == nil {
		data["QR"] = template.HTML(qr) //nolint:gosec // generated SVG
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := previewPage.Execute(w, data); err != nil {
		s.log.Error(err, "render preview")
	}
}

var cssColorPattern = regexp.MustCompile(`^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$`)

// cssColor passes only rgb(r, g, b) into the page's CSS.
func cssColor(c, fallback string) template.CSS {
	if cssColorPattern.MatchString(c) {
		return template.CSS(c) //nolint:gosec // checked against the pattern
	}
	return template.CSS(fallback)
}
