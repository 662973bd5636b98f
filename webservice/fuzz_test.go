package webservice_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// maxResponse bounds any answer: a bundle is at most 1 MiB, a preview far
// less.
const maxResponse = 2 << 20

var fuzzMethods = []string{"GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS", "PATCH"}

// FuzzRouter drives the whole router, as the internet reaches it, against
// the real store (an API server) once every sample pass is signed: any
// method, path, query, header and body. Nothing panics, nothing answers
// 5xx, no answer exceeds maxResponse, and a pass is only ever given for
// its own credential (the ApplePass token of that pass, or its download
// or group link).
func FuzzRouter(f *testing.F) {
	ns, pt, _ := env.ApplySamples(f)
	testenv.Eventually(f, time.Minute, "samples Ready", func() (bool, string) {
		var list walletv1.PassList
		if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for _, p := range list.Items {
			if !status.IsReady(p.Status.Conditions, p.Generation) {
				return false, p.Name + " not Ready"
			}
		}
		return len(list.Items) > 0, fmt.Sprintf("%d passes", len(list.Items))
	})
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
		{0, "/v1/passes/" + pt + "/" + serial, "", key.Authentication(ns, pt, "bc-2042"), "", ""}, // another pass's token
		{0, "/download/" + pt + "/" + serial + "/" + key.Download(ns, pt, "bc-2042"), "format=pkpass", "", "", ""},
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
		if w.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %.200s", req.Method, path, query, w.Code, w.Body.Bytes())
		}
		if ct := w.Header().Get("Content-Type"); strings.HasPrefix(ct, pkpass.MediaType) && !entitled(ns, req, auth) {
			t.Fatalf("%s %s?%s with Authorization %q: a pass (%s) for a wrong credential", req.Method, path, query, auth, ct)
		}
		if w.Body.Len() > maxResponse {
			t.Fatalf("%s %s: a %d-byte answer", req.Method, path, w.Body.Len())
		}
	})
}

// entitled: the request carries the credential of the pass (or group) it
// asks for, as the tokens key derives it; anything else must never get a
// .pkpass or .pkpasses.
func entitled(ns string, r *http.Request, auth string) bool {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for i, p := range parts {
		rest := parts[i+1:]
		switch {
		case p == "passes" && len(rest) == 2 && i > 0 && parts[i-1] == "v1":
			return auth == key.Authentication(ns, rest[0], rest[1])
		case p == "download" && len(rest) == 3:
			return rest[2] == key.Download(ns, rest[0], rest[1])
		case p == "download-group" && len(rest) == 3:
			return rest[0] == ns && rest[2] == key.GroupDownload(ns, rest[1])
		}
	}
	return false
}
