package outbound

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// Internal addresses are refused on the resolved address, with the flag
// that allows them named; an allowed one is reached.
func TestInternalAddressesRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for _, url := range []string{srv.URL, "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1:8080/", "http://[::1]:9/", "http://100.64.0.1/"} {
		_, err := NewClient(nil, "--image-allow-cidrs", nil).Get(url)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "--image-allow-cidrs") {
			t.Errorf("%s: want refused naming the flag, got %v", url, err)
		}
	}
	resp, err := NewClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "", nil).Get(srv.URL)
	if err != nil {
		t.Fatalf("an allowed address: %v", err)
	}
	resp.Body.Close()
}

// URLs in logs, Events and status messages lose what may be a credential.
func TestRedacted(t *testing.T) {
	for raw, want := range map[string]string{
		"https://user:pass@hooks.example/in?key=secret#frag": "https://hooks.example/in?…",
		"https://hooks.example/in":                           "https://hooks.example/in",
		"::":                                                 "(an unreadable URL)",
	} {
		if got := Redacted(raw); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", raw, got, want)
		}
	}
}

// A failed request's error names its URL: redacted, it keeps the host and
// loses the credentials.
func TestRedactedError(t *testing.T) {
	_, err := NewClient(nil, "--image-allow-cidrs", nil).Get("https://user:pw@169.254.169.254/logo.png?token=s3cret")
	got := RedactedError(err).Error()
	if strings.Contains(got, "s3cret") || strings.Contains(got, "pw@") || !strings.Contains(got, "https://169.254.169.254/logo.png?…") {
		t.Errorf("redacted error %q", got)
	}
	if !errors.Is(RedactedError(err), ErrRefused) {
		t.Errorf("the redacted error lost its cause: %v", RedactedError(err))
	}
}
