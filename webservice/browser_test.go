package webservice_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/testing/chromium"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// The preview page in a real browser: headless Chromium (Debian's package,
// installed by hack/install-test-tools.sh) loads it; the test reads the DOM
// it built and looks at the screenshot it drew. The screenshot is kept in
// bin/artifacts/ for a person to look at.
func TestPreviewInChromium(t *testing.T) {
	storeIndependent(t)
	browser := chromium.New(t)
	ns, _ := samples(t)
	link := getPass(t, ns, "concert-a-12-7").Status.DownloadURL
	dom := browser.DOM(link)
	for _, want := range []string{`id="pass"`, `data-style="eventTicket"`, "Winter Concert", "Harbour Hall", "Add to Apple Wallet", "<svg"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page Chromium built lacks %q", want)
		}
	}
	img, shot := browser.Screenshot(link, "preview-eventticket.png")
	// The pass is drawn in the template's background colour, rgb(24, 46, 92).
	if n := chromium.Count(img, func(r, g, b uint8) bool { return r == 24 && g == 46 && b == 92 }); n < 20000 {
		t.Errorf("the screenshot shows %d pixels of the pass's background colour; want a drawn pass (see %s)", n, shot)
	}
	t.Logf("screenshot: %s", shot)
}

// Each client address is rate limited.
func TestRateLimit(t *testing.T) {
	store := testStore()
	limited, err := webservice.New(mgr, store, webservice.Options{Tokens: key, WebService: app.WebService{WebServiceURL: baseURL, Development: true, RequestsPerSecond: 1, Burst: 3}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(limited.Handler())
	defer srv.Close()
	codes := map[int]int{}
	for range 6 {
		resp, err := http.Post(srv.URL+"/passes/v1/log", "application/json", strings.NewReader(`{"logs":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[200] != 3 || codes[429] != 3 {
		t.Errorf("with a burst of 3: %v", codes)
	}
}
