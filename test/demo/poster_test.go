package demo

import (
	"strings"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/testing/chromium"
)

// posterInChromium opens the poster event ticket's preview in headless
// Chromium: the page it builds shows the poster from the pass's semantic
// tags and the upcoming nights, and its screenshot shows the artwork (the
// sample's warm gradient) behind them.
func posterInChromium(t *testing.T, link string) {
	browser := chromium.New(t)
	dom := browser.DOM(link)
	for _, want := range []string{`id="poster"`, "Winter Jazz Festival", "Lucerna Music Bar", "18 Dec 2027, 19:30", "Section Balcony · Row B · Seat 14",
		`id="upcoming"`, "Night two: Jana Koubková"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the poster page Chromium built lacks %q", want)
		}
	}
	img, shot := browser.Screenshot(link, "preview-poster.png")
	// The artwork runs from navy to amber: the pass's own colours are navy
	// and white, so warm pixels are the artwork's.
	if n := chromium.Count(img, func(r, _, b uint8) bool { return int(r) > int(b)+60 }); n < 10000 {
		t.Errorf("the screenshot shows %d warm pixels; want the poster's artwork (see %s)", n, shot)
	}
}
