package webservice_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
)

// maxResponse bounds any answer: a bundle is at most 1 MiB, a preview far
// less.
const maxResponse = 2 << 20

var fuzzMethods = []string{"GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS", "PATCH"}

// FuzzRouter drives the whole router, as the internet reaches it, against
// the real store (an API server): any method, path, query, header and body.
// Nothing panics, nothing answers 5xx but "being prepared" (a pass not yet
// signed), and no answer exceeds maxResponse.
func FuzzRouter(f *testing.F) {
	ns, pt, _ := env.ApplySamples(f)
	const serial = "bc-2041"
	token := key.Authentication(ns, pt, serial)
	device := apnstest.DeviceID("fuzz")
	download := "/download/" + pt + "/" + serial + "/" + key.Download(ns, pt, serial)
	for _, seed := range []struct {
		method      uint8
		path, query string
		auth, body  string
		forwarded   string
	}{
		{1, "/v1/devices/" + device + "/registrations/" + pt + "/" + serial, "", token, `{"pushToken":"` + apnstest.Token("fuzz") + `"}`, ""},
		{0, "/v1/devices/" + device + "/registrations/" + pt, "passesUpdatedSince=1", "", "", ""},
		{0, "/v1/passes/" + pt + "/" + serial, "", token, "", ""},
		{2, "/v1/devices/" + device + "/registrations/" + pt + "/" + serial, "", token, "", ""},
		{1, "/v1/log", "", "", `{"logs":["a","b"]}`, "203.0.113.1, 10.0.0.1"},
		{0, download, "format=barcode", "", "", ""},
		{0, download, "format=qrcode&tag=x", "", "", ""},
		{0, download, "", "", "", ""},
		{0, "/issue/" + ns + "/coffee-coupon/x", "", "", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.auth, seed.body, seed.forwarded)
	}
	handler := server.Handler()
	base := strings.TrimPrefix(baseURL, "http://"+strings.SplitN(strings.TrimPrefix(baseURL, "http://"), "/", 2)[0])
	f.Fuzz(func(t *testing.T, method uint8, path, query, auth, body, forwarded string) {
		req, err := http.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], "http://wallet.test"+base+path, strings.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		req.URL.RawQuery = query
		if auth != "" {
			req.Header.Set("Authorization", "ApplePass "+auth)
		}
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		req.RemoteAddr = "10.0.0.1:4000"
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code >= 500 && !(w.Code == http.StatusServiceUnavailable && bytes.Contains(w.Body.Bytes(), []byte("prepar"))) {
			t.Fatalf("%s %s?%s: %d %.200s", req.Method, path, query, w.Code, w.Body.Bytes())
		}
		if w.Body.Len() > maxResponse {
			t.Fatalf("%s %s: a %d-byte answer", req.Method, path, w.Body.Len())
		}
	})
}
