// Package chromium opens pages in headless Chromium (Debian's package,
// installed by hack/install-test-tools.sh) for tests that check what a
// person sees: the DOM the browser built and a screenshot of it.
package chromium

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// Browser is headless Chromium for one test.
type Browser struct {
	t    *testing.T
	path string
}

// New finds Chromium; the test is skipped without it, and fails under CI
// (which installs it).
func New(t *testing.T) *Browser {
	t.Helper()
	return &Browser{t: t, path: testenv.Tool(t, "chromium")}
}

func (b *Browser) run(url string, extra ...string) []byte {
	b.t.Helper()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + b.t.TempDir()}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, b.path, append(args, url)...).Output()
	if err != nil {
		b.t.Fatalf("chromium %v: %v", extra, err)
	}
	return out
}

// DOM is the page as the browser built it.
func (b *Browser) DOM(url string) string { return string(b.run(url, "--dump-dom")) }

// Screenshot draws the page in a 420×900 window, keeps the picture in
// bin/artifacts/NAME for a person to look at, and returns it.
func (b *Browser) Screenshot(url, name string) (image.Image, string) {
	b.t.Helper()
	artifacts := filepath.Join(testenv.RepoRoot(), "bin", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		b.t.Fatal(err)
	}
	shot := filepath.Join(artifacts, name)
	b.run(url, "--screenshot="+shot, "--window-size=420,900")
	data, err := os.ReadFile(shot)
	if err != nil {
		b.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		b.t.Fatal(err)
	}
	return img, shot
}

// Count is the number of pixels of img whose colour is.
func Count(img image.Image, is func(r, g, b uint8) bool) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if is(uint8(r>>8), uint8(g>>8), uint8(b>>8)) {
				n++
			}
		}
	}
	return n
}
