package demo

import (
	"net"
	"strings"
	"testing"
)

func TestWebServiceURL(t *testing.T) {
	if got := webServiceURL(&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 8080}); got != "http://127.0.0.1:8080/passes" {
		t.Errorf("loopback: %s", got)
	}
	if got := webServiceURL(&net.TCPAddr{IP: net.ParseIP("::1"), Port: 8080}); got != "http://[::1]:8080/passes" {
		t.Errorf("IPv6 loopback: %s", got)
	}
	// On every interface, the URL names one a phone can reach, never 0.0.0.0.
	got := webServiceURL(&net.TCPAddr{IP: net.IPv4zero, Port: 8080})
	if strings.Contains(got, "0.0.0.0") || !strings.HasSuffix(got, ":8080/passes") {
		t.Errorf("all interfaces: %s", got)
	}
}

// The summary's verify line runs as printed: make demo starts
// bin/wallet-operator, which is not on PATH.
func TestCommandName(t *testing.T) {
	for arg0, want := range map[string]string{
		"bin/wallet-operator":                  "bin/wallet-operator",
		"wallet-operator":                      "wallet-operator",
		"/tmp/go-build1234/b001/exe/wallet-op": "wallet-operator",
		"":                                     "wallet-operator",
	} {
		if got := commandName(arg0); got != want {
			t.Errorf("commandName(%q) = %q, want %q", arg0, got, want)
		}
	}
}
