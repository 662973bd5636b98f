package preview

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// A poster event ticket's preview draws the poster from its semantic tags
// (the artwork behind the event, when, where, the seat) and lists its
// upcoming events; a classic pass has no poster.
func TestPosterPreview(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "cmd", "render", "testdata", "festival-jana.pass.json"))
	if err != nil {
		t.Fatal(err)
	}
	pj, err := passjson.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var artwork bytes.Buffer
	_ = png.Encode(&artwork, image.NewNRGBA(image.Rect(0, 0, 4, 4)))
	var page bytes.Buffer
	if err := HTML(&page, pj, pkpass.Files{"artwork.png": artwork.Bytes()}, barcodes.NewDrawer(16), Links{Pkpass: "https://x.example/p", Self: "https://x.example/s"}); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{`id="poster"`, `background-image:url('data:image/png;base64,`, `<div class="event">Winter Jazz Festival</div>`,
		`<div class="venue">Lucerna Music Bar</div>`, `<div class="when">18 Dec 2027, 19:30</div>`, `<div class="seat">Section Balcony · Row B · Seat 14</div>`,
		`id="upcoming"`, `<li>Night one: The Vltava Quartet: 18 Dec 2027, 19:30</li>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the poster preview lacks %s\n%.600s", want, html[strings.Index(html, "<body>"):])
		}
	}
	classic, _ := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "cmd", "render", "testdata", "concert-a-12-7.pass.json"))
	pj, _ = passjson.Parse(classic)
	page.Reset()
	if err := HTML(&page, pj, nil, barcodes.NewDrawer(16), Links{Pkpass: "x", Self: "x"}); err != nil || strings.Contains(page.String(), `id="poster"`) {
		t.Errorf("a classic event ticket has a poster: %v", err)
	}
}

// The PDF says the poster's event and lists the upcoming events, as
// poppler's pdftotext reads it.
func TestPosterPDF(t *testing.T) {
	pdftotext := testenv.Tool(t, "pdftotext")
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "cmd", "render", "testdata", "festival-jana.pass.json"))
	if err != nil {
		t.Fatal(err)
	}
	pj, _ := passjson.Parse(data)
	doc, err := PDF(pj, pkpass.Files{})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pass.pdf")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Winter Jazz Festival · 18 Dec 2027, 19:30 · Lucerna Music Bar · Section Balcony · Row B · Seat 14", "Night one: The Vltava Quartet: 18 Dec 2027, 19:30"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, out)
		}
	}
}
