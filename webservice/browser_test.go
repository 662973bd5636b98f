package webservice_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// The preview page in a real browser: headless Chromium (Debian's package,
// installed by hack/install-test-tools.sh) loads it; the test reads the DOM
// it built and looks at the screenshot it drew. The screenshot is kept in
// bin/artifacts/ for a person to look at.
func TestPreviewInChromium(t *testing.T) {
	storeIndependent(t)
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing: .ci/run installs it with hack/install-test-tools.sh")
		}
		t.Skip("chromium not installed; run hack/install-test-tools.sh")
	}
	ns, _ := samples(t)
	link := getPass(t, ns, "concert-a-12-7").Status.DownloadURL
	headless := func(extra ...string) []byte {
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir=" + t.TempDir()}, extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, browser, append(args, link)...).Output()
		if err != nil {
			t.Fatalf("chromium %v: %v", extra, err)
		}
		return out
	}

	dom := string(headless("--dump-dom"))
	for _, want := range []string{`id="pass"`, `data-style="eventTicket"`, "Winter Concert", "Harbour Hall", "Add to Apple Wallet", "<svg"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page Chromium built lacks %q", want)
		}
	}

	artifacts := filepath.Join(testenv.RepoRoot(), "bin", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "preview-eventticket.png")
	headless("--screenshot="+shot, "--window-size=420,900")
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The pass is drawn in the template's background colour, rgb(24, 46, 92).
	if n := countColor(img, 24, 46, 92); n < 20000 {
		t.Errorf("the screenshot shows %d pixels of the pass's background colour; want a drawn pass (see %s)", n, shot)
	}
	t.Logf("screenshot: %s", shot)
}

func countColor(img image.Image, r, g, b uint8) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				n++
			}
		}
	}
	return n
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
