package demo

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// posterInChromium opens the poster event ticket's preview in headless
// Chromium (Debian's package, installed by hack/install-test-tools.sh): the
// page it builds shows the poster from the pass's semantic tags and the
// upcoming nights, and its screenshot shows the artwork (the sample's warm
// gradient) behind them. The screenshot is kept in bin/artifacts/.
func posterInChromium(t *testing.T, link string) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing: .ci/run installs it with hack/install-test-tools.sh")
		}
		t.Skip("chromium not installed; run hack/install-test-tools.sh")
	}
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
	for _, want := range []string{`id="poster"`, "Winter Jazz Festival", "Lucerna Music Bar", "18 Dec 2026, 19:30", "Section Balcony · Row B · Seat 14",
		`id="upcoming"`, "Night two: Jana Koubková"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the poster page Chromium built lacks %q", want)
		}
	}
	artifacts := filepath.Join(testenv.RepoRoot(), "bin", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "preview-poster.png")
	headless("--screenshot="+shot, "--window-size=420,900")
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The artwork runs from navy to amber: the pass's own colours are navy
	// and white, so warm pixels are the artwork's.
	if n := warmPixels(img); n < 10000 {
		t.Errorf("the screenshot shows %d warm pixels; want the poster's artwork (see %s)", n, shot)
	}
}

func warmPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, _, bl, _ := img.At(x, y).RGBA()
			if int(r>>8) > int(bl>>8)+60 {
				n++
			}
		}
	}
	return n
}
