package demo

import (
	"html/template"
	"net/http"
	"sort"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// index is the demo's start page at "/": every pass with its preview,
// pkpass and QR code, and the issue links. Only the demo has it: a real
// web service never lists passes.
var index = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wallet-operator demo</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.5rem;border-bottom:1px solid #ddd;vertical-align:middle}
img{width:96px;height:96px}code{background:#f4f4f4;padding:.1rem .3rem}
</style></head><body>
<h1>wallet-operator demo</h1>
<p>Passes in namespace <code>{{.Namespace}}</code> of the local cluster. Open a preview, scan a QR code with an iPhone, or change a pass with
<code>kubectl --kubeconfig {{.Kubeconfig}} edit pass NAME</code> and reload.</p>
<table><tr><th>Pass</th><th>Template</th><th>Serial</th><th>State</th><th>Links</th><th>QR code</th></tr>
{{range .Passes}}<tr><td>{{.Name}}</td><td>{{.Template}}</td><td>{{.Serial}}</td><td>{{.State}}</td>
<td>{{if .DownloadURL}}<a href="{{.DownloadURL}}">preview</a> · <a href="{{.DownloadURL}}?format=pkpass">.pkpass</a>{{end}}{{if .GoogleSaveURL}} · <a class="google" href="{{.GoogleSaveURL}}">Add to Google Wallet</a>{{end}}</td>
<td>{{if .DownloadURL}}<img alt="QR code of {{.Name}}" src="{{.DownloadURL}}?format=qrcode">{{end}}</td></tr>
{{end}}</table>
{{if .IssueLinks}}<h2>Issue links</h2><p>Each visit creates a new pass.</p><ul>
{{range .IssueLinks}}<li>{{.Template}}: <a href="{{.URL}}">{{.URL}}</a></li>{{end}}</ul>{{end}}
</body></html>
`))

type indexPass struct {
	Name, Template, Serial, State, DownloadURL string
	GoogleSaveURL                              template.URL
}

type indexLink struct{ Template, URL string }

// indexHandler serves the start page at "/" and everything else from next
// (the web service).
func indexHandler(c client.Reader, kubeconfig string, next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", next)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		var passes walletv1.PassList
		var tpls walletv1.PassTemplateList
		if err := c.List(r.Context(), &passes, client.InNamespace(Namespace)); err != nil {
			http.Error(w, "list passes: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if err := c.List(r.Context(), &tpls, client.InNamespace(Namespace)); err != nil {
			http.Error(w, "list templates: "+err.Error(), http.StatusInternalServerError)
			return
		}
		page := struct {
			Namespace, Kubeconfig string
			Passes                []indexPass
			IssueLinks            []indexLink
		}{Namespace: Namespace, Kubeconfig: kubeconfig}
		for _, p := range passes.Items {
			state := "Ready"
			if r := status.Ready(p.Status.Conditions); r == nil {
				state = "pending"
			} else if !status.IsReady(p.Status.Conditions, p.Generation) {
				state = r.Reason
			}
			ip := indexPass{Name: p.Name, Template: p.Spec.TemplateRef.Name, Serial: p.Spec.SerialNumber, State: state, DownloadURL: p.Status.DownloadURL}
			if g := p.Status.GoogleWallet; g != nil && strings.HasPrefix(g.SaveURL, googlewallet.SaveURLPrefix) {
				ip.GoogleSaveURL = template.URL(g.SaveURL) //nolint:gosec // Google's save URL, checked above
			}
			page.Passes = append(page.Passes, ip)
		}
		sort.Slice(page.Passes, func(i, j int) bool { return page.Passes[i].Name < page.Passes[j].Name })
		for _, t := range tpls.Items {
			if t.Status.IssueURL != "" {
				page.IssueLinks = append(page.IssueLinks, indexLink{Template: t.Name, URL: t.Status.IssueURL})
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
		_ = index.Execute(w, page)
	})
	return mux
}
