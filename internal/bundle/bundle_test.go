package bundle

import (
	"regexp"
	"testing"
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
