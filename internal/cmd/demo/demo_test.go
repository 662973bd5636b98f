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
