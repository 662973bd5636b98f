// Package apnstest is a local APNs stand-in for tests: HTTP/2 over TLS with
// its own CA, requiring a client certificate, refusing what APNs refuses
// (a push without a topic, a topic the client certificate is not for, a
// device token that is not one; and a payload other than Wallet's empty
// dictionary), recording every push it takes and answering what a test
// scripts (410, 429, 500, ...).
package apnstest

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Push is one notification the stand-in received.
type Push struct {
	Token    string
	Topic    string
	Payload  string
	ClientCN string
	At       time.Time
	// Reason is why the stand-in refused the push (APNs' reason); "" for
	// a push it took.
	Reason string
}

// Server is the stand-in.
type Server struct {
	srv *httptest.Server

	mu      sync.Mutex
	pushes  []Push
	refused []Push           // with Reason set
	scripts map[string][]int // per token: status codes to answer, in order
	delay   time.Duration
}

// Start starts a stand-in.
func Start() *Server {
	s := &Server{scripts: map[string][]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	s.srv.EnableHTTP2 = true
	s.srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}
	s.srv.StartTLS()
	return s
}

// URL is the gateway URL (for --apns-url).
func (s *Server) URL() string { return s.srv.URL }

// RootCAs trusts the stand-in's certificate (for --apns-ca).
func (s *Server) RootCAs() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// CAPEM is the stand-in's certificate as PEM (a file for --apns-ca).
func (s *Server) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Close stops the stand-in.
func (s *Server) Close() { s.srv.Close() }

// Script makes the stand-in answer the next pushes to token with codes, in
// order; after them it answers 200.
func (s *Server) Script(token string, codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[token] = append(s.scripts[token], codes...)
}

// Delay makes every answer take d.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Pushes returns what was received so far.
func (s *Server) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// Refused returns the pushes the stand-in refused, each with its reason:
// a test that sees none delivered can say why.
func (s *Server) Refused() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.refused...)
}

// Since returns the pushes received at or after t.
func (s *Server) Since(t time.Time) []Push {
	var out []Push
	for _, p := range s.Pushes() {
		if !p.At.Before(t) {
			out = append(out, p)
		}
	}
	return out
}

var reasons = map[int]string{410: "Unregistered", 429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable", 400: "BadTopic", 403: "BadCertificate"}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if !ok || r.ProtoMajor != 2 || r.Method != http.MethodPost {
		http.Error(w, "not an APNs request", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	p := Push{Token: token, Topic: r.Header.Get("apns-topic"), Payload: string(body), At: time.Now()}
	uid := ""
	if len(r.TLS.PeerCertificates) > 0 {
		p.ClientCN = r.TLS.PeerCertificates[0].Subject.CommonName
		uid = userID(r.TLS.PeerCertificates[0])
	}
	if p.Reason = refusal(p, uid); p.Reason != "" {
		s.mu.Lock()
		s.refused = append(s.refused, p)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"reason": p.Reason})
		return
	}
	s.mu.Lock()
	s.pushes = append(s.pushes, p)
	code := http.StatusOK
	if script := s.scripts[token]; len(script) > 0 {
		code, s.scripts[token] = script[0], script[1:]
	}
	delay := s.delay
	s.mu.Unlock()
	time.Sleep(delay)
	w.Header().Set("apns-id", "00000000-0000-0000-0000-000000000000")
	if code == http.StatusOK {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"reason": reasons[code]})
}

// refusal is APNs' reason to refuse a push (400), or "". A pass type ID
// certificate may push to one topic, its pass type identifier, which it
// carries as its subject's user ID; a device token is hex, 32 bytes today
// (Apple says they may grow: up to 100 bytes are taken). The payload rule
// is Wallet's, not APNs': a pass update is the empty dictionary.
func refusal(p Push, certificateTopic string) string {
	switch {
	case p.Topic == "":
		return "MissingTopic"
	case p.Topic != certificateTopic:
		return "TopicDisallowed"
	case len(p.Token) < 64 || len(p.Token) > 200 || len(p.Token)%2 != 0 || strings.Trim(strings.ToLower(p.Token), "0123456789abcdef") != "":
		return "BadDeviceToken"
	case strings.TrimSpace(p.Payload) == "":
		return "PayloadEmpty"
	case strings.Join(strings.Fields(p.Payload), "") != "{}":
		return "BadPayload: a Wallet push carries {}"
	}
	return ""
}

// oidUserID is the subject attribute a pass type ID certificate names its
// pass type identifier (its push topic) with.
var oidUserID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

func userID(cert *x509.Certificate) string {
	for _, n := range cert.Subject.Names {
		if n.Type.Equal(oidUserID) {
			if v, ok := n.Value.(string); ok {
				return v
			}
		}
	}
	return ""
}

// DeviceID turns a name a test reads well into the shape Wallet sends as
// a device library identifier (32 hex characters); the same name gives the
// same identifier.
func DeviceID(name string) string {
	sum := sha256.Sum256([]byte("device " + name))
	return hex.EncodeToString(sum[:16])
}

// Token turns a name a test reads well into the shape of an APNs device
// token (32 bytes, 64 hex characters); the same name gives the same token.
func Token(name string) string {
	sum := sha256.Sum256([]byte("token " + name))
	return hex.EncodeToString(sum[:])
}
