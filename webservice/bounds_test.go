package webservice

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// The bundle cache counts what it holds: the zip and the files.
func TestBundleCacheCountsWhatItHolds(t *testing.T) {
	shared := pkpass.Files{"icon.png": make([]byte, 50_000)}
	own := pkpass.Files{"pass.json": []byte(`{"formatVersion":1}`), "manifest.json": []byte(`{}`), "signature": []byte("sig")}
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u1"},
		Status: walletv1.PassStatus{Bundle: &walletv1.BundleStatus{ConfigMap: "p-pkpass", SharedConfigMap: "shared", ContentDigest: "d1"}}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p-pkpass"}, BinaryData: bundle.Encode(own)},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "shared"}, BinaryData: bundle.Encode(shared)},
	).Build()
	cache := newBundleCache(1<<20, bundle.ConfigMaps(c))
	b, err := cache.get(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(b.zip) + 50_000 + len(`{"formatVersion":1}`) + len(`{}`) + len("sig"); cache.size != want {
		t.Errorf("the cache counts %d bytes for an entry holding %d", cache.size, want)
	}
}

// One client cannot use up the device log: another client's lines are
// still written while the first floods.
func TestDeviceLogIsLimitedPerClient(t *testing.T) {
	var logged atomic.Int32
	s := &Server{
		log:        funcr.New(func(_, args string) { logged.Add(1) }, funcr.Options{}),
		logLimiter: rate.NewLimiter(50, 200),
		logLines:   newLimiters(1, 20, 100, time.Minute),
	}
	send := func(remote string) {
		lines := make([]string, 20)
		for i := range lines {
			lines[i] = fmt.Sprintf("line %d", i)
		}
		body := `{"logs":["` + strings.Join(lines, `","`) + `"]}`
		r := httptest.NewRequest("POST", "/v1/log", strings.NewReader(body))
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		s.deviceLog(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("log: %d", w.Code)
		}
	}
	for range 100 {
		send("203.0.113.1:1000")
	}
	flooder := logged.Load()
	send("198.51.100.2:1000")
	if flooder > 40 {
		t.Errorf("one client wrote %d log lines", flooder)
	}
	if logged.Load() == flooder {
		t.Error("another client's lines were dropped after one client flooded")
	}
}
