package bundle

import (
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

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

// Every path comes back from its key, and the key of any name a bundle can
// hold (not empty, not starting with a dot, as no pass file does) is one
// the API server takes as a ConfigMap key (its own rule, IsConfigMapKey).
func FuzzKeyRoundTrip(f *testing.F) {
	f.Add("cs.lproj/icon@2x.png")
	f.Add("pt-BR.lproj/pass.strings")
	f.Add("logo@3x.png")
	f.Fuzz(func(t *testing.T, path string) {
		key := Key(path)
		back, err := Path(key)
		if err != nil || back != path {
			t.Fatalf("%q came back as %q (%v)", path, back, err)
		}
		if path == "" || strings.HasPrefix(path, ".") || len(key) > validation.DNS1123SubdomainMaxLength {
			return
		}
		if problems := validation.IsConfigMapKey(key); len(problems) > 0 {
			t.Fatalf("%q has the key %q, which the API server refuses: %v", path, key, problems)
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

// Long pass and template names give ConfigMap names that fit and stay
// apart (issue 26, item 15: names over 246 characters were cut, so two
// passes could share one ConfigMap).
func TestLongNamesStayApart(t *testing.T) {
	base := strings.Repeat("a", 240)
	names := map[string]string{}
	for _, name := range []string{base + "-0000001", base + "-0000002", strings.Repeat("b", 253)} {
		for _, cm := range []string{PassName(name), SharedName(name, "sha256:0123456789abcdef")} {
			if len(cm) > 253 || len(validation.IsDNS1123Subdomain(cm)) > 0 {
				t.Errorf("%q: %d characters, %v", cm, len(cm), validation.IsDNS1123Subdomain(cm))
			}
			if other, ok := names[cm]; ok {
				t.Errorf("%s and %s share the ConfigMap %s", other[:10]+"…"+other[len(other)-8:], name[:10]+"…"+name[len(name)-8:], cm)
			}
			names[cm] = name
		}
	}
	if PassName("member-petra") != "member-petra-pkpass" {
		t.Errorf("a short name changed: %s", PassName("member-petra"))
	}
}
