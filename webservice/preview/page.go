// Package preview draws a pass for people without Wallet: an HTML page (the
// pass's colours, logo, fields and barcode, with links to add it) and a
// printable PDF. It reads only pass.json and the bundle's files: no server
// state.
package preview

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Links are where the page's buttons and QR code lead.
type Links struct {
	// Pkpass downloads the pass for Apple Wallet.
	Pkpass string
	// GoogleSave adds it to Google Wallet (checked to be Google's save URL
	// by the caller); none when empty.
	GoogleSave template.URL
	// Self is the page's own URL, drawn as a QR code for a phone to scan.
	Self string
}

// HTML writes the preview page of a pass.
func HTML(w io.Writer, pj *passjson.Pass, files pkpass.Files, codes *barcodes.Drawer, links Links) error {
	data := map[string]any{
		"Pass": pj, "Background": cssColor(pj.BackgroundColor, "rgb(255, 255, 255)"),
		"Foreground": cssColor(pj.ForegroundColor, "rgb(0, 0, 0)"), "Label": cssColor(pj.LabelColor, "rgb(90, 90, 90)"),
		"PkpassLink": links.Pkpass,
	}
	if links.GoogleSave != "" {
		data["GoogleSaveLink"] = links.GoogleSave
	}
	data["Style"], data["Fields"] = pj.Style()
	for _, name := range []string{"logo@2x.png", "logo.png"} {
		if img, ok := files[name]; ok {
			data["Logo"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img))
			break
		}
	}
	if len(pj.Barcodes) > 0 {
		bc := pj.Barcodes[0]
		if svg, err := codes.SVG(bc.Format, bc.Message, 2, 50); err == nil {
			data["Barcode"] = template.HTML(svg) //nolint:gosec // generated SVG, no user markup
			data["AltText"] = bc.AltText
		}
	}
	if poster := posterOf(pj, files); poster != nil {
		data["Poster"] = poster
	}
	for _, e := range pj.UpcomingPassInformation {
		data["Upcoming"] = append(asList(data["Upcoming"]), upcomingEvent{Name: e.Name, When: dateText(str(e.DateInformation["date"]))})
	}
	if qr, err := barcodes.QRSVG(links.Self); err == nil {
		data["QR"] = template.HTML(qr) //nolint:gosec // generated SVG
	}
	return page.Execute(w, data)
}

// poster is what a poster event ticket shows above the classic fields:
// its artwork, the event, the venue, the start and the seat, from the
// semantic tags (as Wallet draws it on iOS 18 and later).
type poster struct {
	Artwork          template.URL
	Event, Venue     string
	Starts, Seat     string
	Performers       string
	SecondaryLogoURL template.URL
}

type upcomingEvent struct{ Name, When string }

func asList(v any) []upcomingEvent {
	l, _ := v.([]upcomingEvent)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// posterOf is the poster of a pass that prefers posterEventTicket and has
// its tags; nil for any other.
func posterOf(pj *passjson.Pass, files pkpass.Files) *poster {
	if !slices.Contains(pj.PreferredStyleSchemes, "posterEventTicket") || str(pj.Semantics["eventName"]) == "" {
		return nil
	}
	p := &poster{Event: str(pj.Semantics["eventName"]), Venue: str(pj.Semantics["venueName"]), Starts: dateText(str(pj.Semantics["eventStartDate"]))}
	if info, ok := pj.Semantics["eventStartDateInfo"].(map[string]any); ok && p.Starts == "" {
		p.Starts = dateText(str(info["date"]))
	}
	if seats, ok := pj.Semantics["seats"].([]any); ok && len(seats) > 0 {
		seat, _ := seats[0].(map[string]any)
		var parts []string
		for _, k := range []struct{ key, label string }{{"seatSection", "Section"}, {"seatRow", "Row"}, {"seatNumber", "Seat"}} {
			if v := str(seat[k.key]); v != "" && v != "-" {
				parts = append(parts, k.label+" "+v)
			}
		}
		p.Seat = strings.Join(parts, " · ")
	}
	if names, ok := pj.Semantics["performerNames"].([]any); ok {
		var list []string
		for _, n := range names {
			list = append(list, str(n))
		}
		p.Performers = strings.Join(list, ", ")
	}
	if img, ok := firstFile(files, "artwork@2x.png", "artwork.png"); ok {
		p.Artwork = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img)) //nolint:gosec // PNG bytes
	}
	if img, ok := firstFile(files, "secondaryLogo@2x.png", "secondaryLogo.png"); ok {
		p.SecondaryLogoURL = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img)) //nolint:gosec // PNG bytes
	}
	return p
}

// dateText shows an ISO 8601 date as the preview's fields do.
func dateText(v string) string {
	if v == "" {
		return ""
	}
	return passjson.FieldText(passjson.Field{Value: v, DateStyle: "PKDateStyleMedium", TimeStyle: "PKDateStyleShort", IgnoresTimeZone: &ignoreZone})
}

var ignoreZone = true

// ContentSecurityPolicy is the page's policy: it loads nothing, its images
// are inline.
const ContentSecurityPolicy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"

var page = template.Must(template.New("preview").Funcs(template.FuncMap{"display": passjson.FieldText}).Parse(`<!doctype html>
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
.poster{position:relative;border-radius:10px;overflow:hidden;min-height:300px;margin:4px 0 12px;background-size:cover;background-position:center;display:flex;flex-direction:column;justify-content:flex-end}
.poster .info{padding:14px;background:linear-gradient(transparent,rgba(0,0,0,.65));color:#fff}.poster .event{font-size:26px;font-weight:700}
.poster .when,.poster .venue,.poster .seat,.poster .performers{font-size:14px;margin-top:4px}.poster img{position:absolute;right:12px;bottom:12px;max-height:30px}
.upcoming{width:340px;margin:14px 0 0}.upcoming li{margin:4px 0}
</style></head><body>
<div class="pass" id="pass" data-style="{{.Style}}">
 {{with .Poster}}<div class="poster" id="poster"{{if .Artwork}} style="background-image:url('{{.Artwork}}')"{{end}}><div class="info">
  <div class="event">{{.Event}}</div>{{if .Performers}}<div class="performers">{{.Performers}}</div>{{end}}
  {{if .Starts}}<div class="when">{{.Starts}}</div>{{end}}{{if .Venue}}<div class="venue">{{.Venue}}</div>{{end}}{{if .Seat}}<div class="seat">{{.Seat}}</div>{{end}}</div>
  {{if .SecondaryLogoURL}}<img alt="" src="{{.SecondaryLogoURL}}">{{end}}</div>{{end}}
 <div class="top">{{if .Logo}}<img alt="logo" src="{{.Logo}}">{{end}}<div class="logotext">{{.Pass.LogoText}}</div>
  {{range .Fields.HeaderFields}}<div class="head"><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 <div class="row primary">{{range .Fields.PrimaryFields}}<div><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 <div class="row">{{range .Fields.SecondaryFields}}<div><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 <div class="row">{{range .Fields.AuxiliaryFields}}<div><div class="label">{{.Label}}</div><div class="value">{{display .}}</div></div>{{end}}</div>
 {{if .Pass.Voided}}<div class="void">VOID</div>{{end}}
 {{if .Barcode}}<div class="code" id="barcode">{{.Barcode}}{{if .AltText}}<div class="alt">{{.AltText}}</div>{{end}}</div>{{end}}
</div>
{{if .Upcoming}}<div class="upcoming" id="upcoming"><b>Upcoming events</b><ul>{{range .Upcoming}}<li>{{.Name}}{{if .When}}: {{.When}}{{end}}</li>{{end}}</ul></div>{{end}}
<a class="add" id="add" href="{{.PkpassLink}}">Add to Apple Wallet</a>
{{if .GoogleSaveLink}}<a class="add google" id="add-google" href="{{.GoogleSaveLink}}">Add to Google Wallet</a>{{end}}
<div class="qr" id="qr">{{.QR}}<div>Scan with your iPhone to add this pass</div></div>
</body></html>`))

// cssColor passes only rgb(r, g, b) into the page's CSS.
func cssColor(c, fallback string) template.CSS {
	if rgb, ok := passjson.RGB(c); ok {
		return template.CSS(fmt.Sprintf("rgb(%d, %d, %d)", rgb[0], rgb[1], rgb[2])) //nolint:gosec // three numbers
	}
	return template.CSS(fallback)
}
