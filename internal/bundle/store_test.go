package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/bundle"
	locals3 "github.com/wallet-operator/wallet-operator/internal/local/s3"
	"github.com/wallet-operator/wallet-operator/internal/testing/storetest"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

var (
	env *testenv.Env
	s3  *locals3.Server
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, func(*testenv.Env) (func(), error) {
		binary, err := locals3.Binary(testenv.RepoRoot())
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "s3test-")
		if err != nil {
			return nil, err
		}
		if s3, err = locals3.Start(binary, dir, "wallet"); err != nil {
			return nil, err
		}
		s3.SetCredentialsEnv()
		return func() { s3.Stop(); os.RemoveAll(dir) }, nil
	}))
}

func TestConfigMapStoreConformance(t *testing.T) {
	ns := env.Namespace(t)
	store := &bundle.ConfigMapStore{Client: env.Client, API: env.Client}
	storetest.Run(t, storetest.Backend{Store: store, Namespace: ns, Corrupt: func(t *testing.T, key string) {
		var cm corev1.ConfigMap
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: key}, &cm); err != nil {
			t.Fatal(err)
		}
		cm.BinaryData["pass.json"] = []byte(`{"tampered":true}`)
		if err := env.Client.Update(context.Background(), &cm); err != nil {
			t.Fatal(err)
		}
	}})
}

func TestS3StoreConformance(t *testing.T) {
	store, err := bundle.NewS3Store(context.Background(), bundle.S3Options{
		Endpoint: s3.Endpoint, Bucket: s3.Bucket, Prefix: "conformance/", PathStyle: true, Grace: time.Nanosecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, storetest.Backend{Store: store, Namespace: "team-a", Immutable: true, Corrupt: func(t *testing.T, key string) {
		file := filepath.Join(s3.Dir, s3.Bucket, key)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}})
}

// The store says what is wrong when the bucket is missing or the
// credentials are refused.
func TestS3StoreRefusals(t *testing.T) {
	ctx := context.Background()
	_, err := bundle.NewS3Store(ctx, bundle.S3Options{Endpoint: s3.Endpoint, Bucket: "no-such-bucket", PathStyle: true})
	if err == nil || !strings.Contains(err.Error(), "S3 bucket no-such-bucket does not exist") {
		t.Errorf("a missing bucket: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	_, err = bundle.NewS3Store(ctx, bundle.S3Options{Endpoint: s3.Endpoint, Bucket: s3.Bucket, PathStyle: true})
	if err == nil || !strings.Contains(err.Error(), "refused these credentials") {
		t.Errorf("wrong credentials: %v", err)
	}
}
