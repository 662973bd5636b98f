package bundle

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

var configMapKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

func TestKeysAreLegalAndReversible(t *testing.T) {
	for _, path := range []string{"pass.json", "icon@2x.png", "cs.lproj/pass.strings", "pt-BR.lproj/logo@3x.png", "a_b.png"} {
		key := Key(path)
		if !configMapKey.MatchString(key) {
			t.Errorf("%s -> %s is not a legal ConfigMap key", path, key)
		}
		back, err := Path(key)
		if err != nil || back != path {
			t.Errorf("%s -> %s -> %s (%v)", path, key, back, err)
		}
	}
}

func FuzzKeyRoundTrip(f *testing.F) {
	f.Add("cs.lproj/icon@2x.png")
	f.Fuzz(func(t *testing.T, path string) {
		back, err := Path(Key(path))
		if err != nil || back != path {
			t.Fatalf("%q came back as %q (%v)", path, back, err)
		}
	})
}

// Files over what a ConfigMap holds are reported with their size and the
// limit, before the API server refuses them.
func TestTooLarge(t *testing.T) {
	if got := TooLarge(pkpass.Files{"a": make([]byte, MaxConfigMapBytes-10), "b": make([]byte, 10)}); got != "" {
		t.Errorf("exactly 1 MiB: %q", got)
	}
	got := TooLarge(pkpass.Files{"pass.json": make([]byte, 1_100_000)})
	if !strings.Contains(got, "1100000 bytes") || !strings.Contains(got, "1048576 bytes") {
		t.Errorf("over: %q", got)
	}
}
