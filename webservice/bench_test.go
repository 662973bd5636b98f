package webservice_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
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
			resp, err := benchClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				b.Errorf("status %d, want %d", resp.StatusCode, want)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

var benchPass *walletv1.Pass

func readyPass(b *testing.B) *walletv1.Pass {
	if benchPass != nil {
		return benchPass
	}
	t := &testing.T{}
	ns, _ := samples(t)
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
