// Package s3 runs the manager and the web service with the S3 bundle store
// against a real S3 server (versitygw, built by hack/setup-s3.sh): passes
// are signed into the bucket, served from it, replaced, deleted, and a
// store that goes down is said so and retried.
package s3

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	locals3 "github.com/wallet-operator/wallet-operator/internal/local/s3"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/stack"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice"
)

var (
	env     *testenv.Env
	server  *locals3.Server
	baseURL string
	s3Store *bundle.S3Store
	key     = tokens.Key("0123456789abcdef0123456789abcdef")
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, func(e *testenv.Env) (func(), error) {
		ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
		binary, err := locals3.Binary(testenv.RepoRoot())
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "s3-e2e-")
		if err != nil {
			return nil, err
		}
		if server, err = locals3.Start(binary, dir, "passes"); err != nil {
			return nil, err
		}
		server.SetCredentialsEnv()
		ctx, cancel := context.WithCancel(context.Background())
		store, err := bundle.NewS3Store(ctx, bundle.S3Options{Endpoint: server.Endpoint, Bucket: server.Bucket, Prefix: "wallet/", PathStyle: true, Grace: time.Second})
		if err != nil {
			cancel()
			return nil, err
		}
		s3Store = store
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			cancel()
			return nil, err
		}
		baseURL = "http://" + l.Addr().String() + "/passes"
		st, err := stack.Start(e.Config, stack.Options{Listener: l,
			Controllers: &controllers.Options{
				Pass: pass.Options{WebServiceURL: baseURL, Development: true, Tokens: key}, PassWorkers: 4, Store: store,
				SweepInterval: 2 * time.Second, SweepMinAge: 3 * time.Second,
			},
			WebService: &webservice.Options{Tokens: key, WebService: app.WebService{WebServiceURL: baseURL, Development: true, RequestsPerSecond: 1e6, Burst: 1e6},
				Stores: bundle.Stores{bundle.KindS3: store, bundle.KindConfigMap: &bundle.ConfigMapStore{API: e.Client}}},
		})
		if err != nil {
			cancel()
			return nil, err
		}
		return func() { st.Stop(); cancel(); server.Stop(); os.RemoveAll(dir) }, nil
	}))
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testenv.Eventually(t, time.Minute, what, cond)
}

func download(t *testing.T, p *walletv1.Pass) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(p.Status.DownloadURL + "?format=pkpass")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// objects lists the keys in the bucket under prefix (the server keeps
// objects as files).
func objects(t *testing.T, prefix string) []string {
	t.Helper()
	var keys []string
	root := filepath.Join(server.Dir, server.Bucket)
	_ = filepath.Walk(filepath.Join(root, prefix), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(root, path)
			keys = append(keys, rel)
		}
		return nil
	})
	return keys
}

// readySamples applies the samples in a namespace of their own and waits
// until every pass is Ready.
func readySamples(t *testing.T) string {
	t.Helper()
	ns, _, _ := env.ApplySamples(t)
	eventually(t, "samples Ready", func() (bool, string) {
		var list walletv1.PassList
		_ = env.Client.List(context.Background(), &list, client.InNamespace(ns))
		for _, p := range list.Items {
			if !status.IsReady(p.Status.Conditions, p.Generation) {
				return false, p.Name
			}
		}
		return len(list.Items) == 10, fmt.Sprint(len(list.Items))
	})
	return ns
}

// The samples signed into the bucket, served from it, replaced and
// deleted: every status names its objects, old objects go after the grace
// period, a deleted pass takes its objects with it.
func TestPassesInS3(t *testing.T) {
	ns := readySamples(t)
	p := env.Pass(t, ns, "member-petra")
	b := p.Status.Bundle
	if b.Store != bundle.KindS3 || !strings.HasPrefix(b.Key, "wallet/"+ns+"/passes/member-petra/") || !strings.HasPrefix(b.SharedKey, "wallet/"+ns+"/templates/climbing-membership/") || b.ConfigMap != "" {
		t.Fatalf("status.bundle = %+v; want the s3 store and its keys", b)
	}
	code, _, body := download(t, p)
	if code != 200 || !pkpass.Verify(body, nil).OK() {
		t.Fatalf("download from S3: %d, %v", code, pkpass.Verify(body, nil).Failures)
	}
	// An edit: a new object, the old one gone after the grace period.
	env.SetPassData(t, ns, "member-petra", `{"name": "Petra Svobodová", "since": "2024-03-01T00:00:00Z", "plan": "monthly"}`)
	eventually(t, "re-signed into a new object", func() (bool, string) {
		nb := env.Pass(t, ns, "member-petra").Status.Bundle
		return nb.Key != b.Key, nb.Key
	})
	time.Sleep(1500 * time.Millisecond) // the grace period
	env.SetPassData(t, ns, "member-petra", `{"name": "Petra Svobodová", "since": "2024-03-01T00:00:00Z", "plan": "yearly"}`)
	eventually(t, "objects nothing refers to collected", func() (bool, string) {
		keys := objects(t, filepath.Join("wallet", ns, "passes", "member-petra"))
		cur := env.Pass(t, ns, "member-petra").Status.Bundle.Key
		for _, k := range keys {
			if k == filepath.FromSlash(b.Key) {
				return false, fmt.Sprint(keys, " current ", cur)
			}
		}
		return len(keys) <= 2, fmt.Sprint(keys)
	})
	if code, _, _ := download(t, env.Pass(t, ns, "member-petra")); code != 200 {
		t.Errorf("download after the edits: %d", code)
	}

	// Deleted: its objects go with it.
	if err := env.Client.Delete(context.Background(), env.Pass(t, ns, "member-tom")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a deleted pass's objects gone", func() (bool, string) {
		keys := objects(t, filepath.Join("wallet", ns, "passes", "member-tom"))
		return len(keys) == 0, fmt.Sprint(keys)
	})
}

// The store goes down: downloads answer 503 with Retry-After (never 500),
// an edit is StoreUnavailable and kept trying; back up, the edit is
// stored and served.
func TestStoreDown(t *testing.T) {
	ns, _, _ := env.ApplySamples(t)
	// Both coupons signed (and so stored) before the store goes: one is
	// edited while it is down, the other downloaded.
	eventually(t, "both coffee coupons Ready", func() (bool, string) {
		for _, name := range []string{"coffee-coupon-0001", "coffee-coupon-0002"} {
			if p := env.Pass(t, ns, name); !status.IsReady(p.Status.Conditions, p.Generation) || p.Status.DownloadURL == "" {
				return false, name
			}
		}
		return true, ""
	})
	if err := server.Kill(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = server.Restart()
		}
	}()
	// Never downloaded, so not in the web service's memory: from the store.
	code, header, _ := download(t, env.Pass(t, ns, "coffee-coupon-0002"))
	if code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" {
		t.Errorf("a download while the store is down: %d, Retry-After %q; want 503 with Retry-After", code, header.Get("Retry-After"))
	}
	env.SetPassData(t, ns, "coffee-coupon-0001", `{"product": "Mocha", "discount": 0.1, "ean": "4006381333931"}`)
	eventually(t, "StoreUnavailable", func() (bool, string) {
		r := status.Ready(env.Pass(t, ns, "coffee-coupon-0001").Status.Conditions)
		return r != nil && r.Reason == walletv1.ReasonStoreUnavailable && strings.Contains(r.Message, "last good bundle is still served"), fmt.Sprint(r)
	})
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	eventually(t, "stored once the store is back", func() (bool, string) {
		p := env.Pass(t, ns, "coffee-coupon-0001")
		return status.IsReady(p.Status.Conditions, p.Generation), fmt.Sprint(status.Ready(p.Status.Conditions))
	})
	code, _, body := download(t, env.Pass(t, ns, "coffee-coupon-0001"))
	files, err := pkpass.Unzip(body)
	if code != 200 || err != nil || !strings.Contains(string(files[pkpass.PassJSON]), "Mocha") {
		t.Errorf("after the store came back: %d, %v", code, err)
	}
}

// A bundle deleted or corrupted behind the operator's back is never
// served: the download is 503, the web service marks it damaged, and the
// manager signs and stores it again.
func TestDamagedBundleIsRewritten(t *testing.T) {
	ns, _, _ := env.ApplySamples(t)
	for _, tc := range []struct {
		pass   string
		damage func(file string) error
	}{
		{"bakery-jana", os.Remove},
		{"bakery-anonymous", func(file string) error {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 0xff
			return os.WriteFile(file, data, 0o644)
		}},
	} {
		eventually(t, tc.pass+" Ready", func() (bool, string) {
			p := env.Pass(t, ns, tc.pass)
			return status.IsReady(p.Status.Conditions, p.Generation), ""
		})
		p := env.Pass(t, ns, tc.pass)
		if err := tc.damage(filepath.Join(server.Dir, server.Bucket, filepath.FromSlash(p.Status.Bundle.Key))); err != nil {
			t.Fatal(err)
		}
		if code, header, _ := download(t, p); code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" {
			t.Errorf("%s: a download of the damaged bundle: %d; want 503 with Retry-After", tc.pass, code)
		}
		eventually(t, tc.pass+" stored again and served", func() (bool, string) {
			p := env.Pass(t, ns, tc.pass)
			code, _, body := download(t, p)
			return code == 200 && pkpass.Verify(body, nil).OK(), fmt.Sprint(code, " ", p.Status.Bundle.Damaged, " ", p.Status.Bundle.Key)
		})
	}
}

// Objects left behind by a pass deleted while no manager ran (or whose
// finalizer was removed by hand) are swept by the manager; the objects of
// every pass and template that exists stay, and every pass still downloads.
func TestLeftoversAreSwept(t *testing.T) {
	ns := readySamples(t)
	ctx := context.Background()
	ghost := env.Pass(t, ns, "member-tom").DeepCopy()
	ghost.Name = "member-gone"
	own := pkpass.Files{"pass.json": []byte(`{"serialNumber":"gone"}`), "manifest.json": []byte("{}"), "signature": []byte("sig")}
	record := &walletv1.BundleStatus{SharedKey: ghost.Status.Bundle.SharedKey, ContentDigest: "sha256:" + strings.Repeat("ab", 32), SHA256: strings.Repeat("0", 64)}
	if _, err := s3Store.PutPass(ctx, ghost, own, record); err != nil {
		t.Fatal(err)
	}
	before := objects(t, filepath.Join("wallet", ns))
	eventually(t, "the gone pass's object swept", func() (bool, string) {
		keys := objects(t, filepath.Join("wallet", ns, "passes", "member-gone"))
		return len(keys) == 0, fmt.Sprint(keys)
	})
	time.Sleep(3 * time.Second) // another sweep
	after := objects(t, filepath.Join("wallet", ns))
	if len(after) != len(before)-1 {
		t.Errorf("the sweep took more than the gone pass's object:\nbefore %v\nafter  %v", before, after)
	}
	var list walletv1.PassList
	if err := env.Client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		if code, _, _ := download(t, &list.Items[i]); code != 200 {
			t.Errorf("%s after the sweep: %d", list.Items[i].Name, code)
		}
	}
}
