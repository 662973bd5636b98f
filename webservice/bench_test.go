package webservice_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
)

// Load figures: the 304 path and a full download through the web service,
// against a bare net/http handler, over real loopback HTTP.
//
//	go test ./webservice -run '^$' -bench . -benchtime 5s

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func benchRequests(b *testing.B, url string, header http.Header, want int) {
	b.Helper()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header = header.Clone()
			if !answered(b, req, want) {
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// answered makes one request and reads the whole answer; false (and the
// benchmark failed) when it is not want.
func answered(b *testing.B, req *http.Request, want int) bool {
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("status %d, want %d", resp.StatusCode, want)
		return false
	}
	return true
}

var benchPass *walletv1.Pass

func readyPass(b *testing.B) *walletv1.Pass {
	if benchPass != nil {
		return benchPass
	}
	ns, _ := samples(b)
	p := &walletv1.Pass{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "member-petra"}, p); err != nil {
		b.Fatal(err)
	}
	benchPass = p
	return p
}

func BenchmarkNotModified(b *testing.B) {
	p := readyPass(b)
	h := http.Header{}
	h.Set("Authorization", "ApplePass "+key.Authentication(p.Namespace, p.Status.PassTypeIdentifier, p.Spec.SerialNumber))
	h.Set("If-Modified-Since", time.Now().UTC().Format(http.TimeFormat))
	benchRequests(b, baseURL+"/v1/passes/"+p.Status.PassTypeIdentifier+"/"+p.Spec.SerialNumber, h, http.StatusNotModified)
}

func BenchmarkFullDownload(b *testing.B) {
	p := readyPass(b)
	h := http.Header{}
	h.Set("Authorization", "ApplePass "+key.Authentication(p.Namespace, p.Status.PassTypeIdentifier, p.Spec.SerialNumber))
	benchRequests(b, baseURL+"/v1/passes/"+p.Status.PassTypeIdentifier+"/"+p.Spec.SerialNumber, h, http.StatusOK)
}

// BenchmarkBareHandler is the floor: a net/http server answering 304 to
// the same request (same headers) with a Last-Modified header.
func BenchmarkBareHandler(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	h := http.Header{}
	h.Set("Authorization", "ApplePass "+key.Authentication("default", "pass.x.y", "serial"))
	h.Set("If-Modified-Since", time.Now().UTC().Format(http.TimeFormat))
	benchRequests(b, srv.URL+"/passes/v1/passes/pass.x.y/serial", h, http.StatusNotModified)
}

// The protocol's registration paths, against whichever registration store
// the package runs with (make bench-registrations runs both, one after the
// other):
//
//	go test ./webservice -run '^$' -bench 'Register|Serials' -benchtime 3000x
//	WALLET_REGISTRATION_STORE=postgres go test ./webservice -run '^$' -bench 'Register|Serials' -benchtime 3000x

// benchPasses are the sample passes of a namespace of their own, with
// their authentication tokens.
func benchPasses(b *testing.B) (pt string, serials, tokens []string) {
	b.Helper()
	ns, pt := samples(b)
	var list walletv1.PassList
	if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	for _, p := range list.Items {
		if p.Status.PassTypeIdentifier == pt {
			serials = append(serials, p.Spec.SerialNumber)
			tokens = append(tokens, key.Authentication(ns, pt, p.Spec.SerialNumber))
		}
	}
	return pt, serials, tokens
}

// BenchmarkRegister: new devices registering, spread over the sample
// passes (201 each).
func BenchmarkRegister(b *testing.B) {
	pt, serials, tokens := benchPasses(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			body := `{"pushToken":"` + apnstest.Token(fmt.Sprint("bench-token-", i)) + `"}`
			req, _ := http.NewRequest(http.MethodPost, baseURL+"/v1/devices/"+apnstest.DeviceID(fmt.Sprint("bench-", pt, i))+"/registrations/"+pt+"/"+serials[i%len(serials)], strings.NewReader(body))
			req.Header.Set("Authorization", "ApplePass "+tokens[i%len(tokens)])
			if !answered(b, req, http.StatusCreated) {
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkListSerials: a device asking which of its passes changed (200
// with the serial of the one it registered).
func BenchmarkListSerials(b *testing.B) {
	pt, serials, tokens := benchPasses(b)
	device := apnstest.DeviceID("bench-serials-" + pt)
	r, _ := http.NewRequest(http.MethodPost, baseURL+"/v1/devices/"+device+"/registrations/"+pt+"/"+serials[0], strings.NewReader(`{"pushToken":"`+apnstest.Token("bench-serials")+`"}`))
	r.Header.Set("Authorization", "ApplePass "+tokens[0])
	if resp, err := benchClient.Do(r); err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("register: %v", err)
	}
	if db == nil {
		time.Sleep(time.Second) // the cache sees the new DeviceRegistration
	}
	benchRequests(b, baseURL+"/v1/devices/"+device+"/registrations/"+pt, http.Header{}, http.StatusOK)
}
