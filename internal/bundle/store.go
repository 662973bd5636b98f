package bundle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// The stores, as status.bundle.store names them.
const (
	KindConfigMap = "configmap"
	KindS3        = "s3"
)

// Store keeps the files of signed bundles: the files every pass of a
// template shares, once per content, and each pass's own files (pass.json,
// manifest, signature, image overrides). The manager writes, the web
// service and `fetch` read. Objects are written before a status points at
// them, and the one a status points at is never deleted.
type Store interface {
	// Kind is the store's name in status.bundle.store.
	Kind() string
	// PutShared stores a template's shared files and returns their key:
	// the same files give the same key, and storing them again is cheap.
	PutShared(ctx context.Context, namespace, template string, files pkpass.Files) (key string, err error)
	// GetShared reads shared files by key.
	GetShared(ctx context.Context, namespace, key string) (pkpass.Files, error)
	// PutPass stores a pass's own files of one signed bundle, with its
	// record (what status.bundle will say), and returns their key.
	PutPass(ctx context.Context, p *walletv1.Pass, files pkpass.Files, record *walletv1.BundleStatus) (key string, err error)
	// Stored returns the record of the pass's stored bundle with this
	// content digest, or nil: a status that lags behind the store (a stale
	// cache, a lost status write) is restored from it without signing again.
	Stored(ctx context.Context, p *walletv1.Pass, contentDigest string) (*walletv1.BundleStatus, error)
	// Load assembles the complete files of the bundle b records.
	Load(ctx context.Context, namespace string, b *walletv1.BundleStatus) (pkpass.Files, error)
	// DeletePass deletes the pass's own objects but those keep names:
	// gracefully only those older than the store's grace period (a reader
	// may still be loading them), else all at once (personal data that must
	// go, a deleted pass).
	DeletePass(ctx context.Context, p *walletv1.Pass, keep []string, graceful bool) error
	// CollectShared deletes a template's shared objects whose keys are not
	// in use.
	CollectShared(ctx context.Context, namespace, template string, inUse map[string]bool) error
	// Sweep deletes what deletions left behind, once older than minAge
	// (younger ones may belong to what the caller's cache does not show
	// yet): the objects of passes that no longer exist (a
	// finalizer removed by hand, a pass deleted while no manager ran) and
	// shared files nothing uses. Objects it does not recognise as its own
	// are left alone. It returns how many it deleted.
	Sweep(ctx context.Context, refs References, minAge time.Duration) (int, error)
}

// References is what a sweep asks about the cluster.
type References interface {
	// PassExists: the namespace has a Pass of this name.
	PassExists(ctx context.Context, namespace, name string) (bool, error)
	// SharedInUse: a template of the namespace stores its shared files
	// under key, or a pass's bundle was signed with them.
	SharedInUse(ctx context.Context, namespace, key string) (bool, error)
}

// ErrCorrupt is a stored bundle whose content does not match its record:
// it is never served.
var ErrCorrupt = errors.New("the stored bundle does not match its recorded SHA-256")

// ErrMissing is a stored bundle that is gone (deleted behind the
// operator's back).
var ErrMissing = errors.New("the stored bundle is missing")

// Damage says how a load failed when the stored bundle itself is at fault
// (missing, corrupt), "" when it is not (a store that is down).
func Damage(err error) string {
	switch {
	case errors.Is(err, ErrCorrupt):
		return "corrupt"
	case errors.Is(err, ErrMissing):
		return "missing"
	}
	return ""
}

// Stores reads bundles from whichever store wrote them, so a change of
// store keeps every pass served until it is signed again.
type Stores map[string]Store

// ConfigMaps are the stores of a reader that knows only the ConfigMap
// store, reading through c.
func ConfigMaps(c client.Reader) Stores {
	return Stores{KindConfigMap: &ConfigMapStore{API: c}}
}

// Load assembles the pass's stored bundle.
func (s Stores) Load(ctx context.Context, p *walletv1.Pass) (pkpass.Files, error) {
	b := p.Status.Bundle
	if b == nil || (b.ConfigMap == "" && b.Key == "") {
		return nil, fmt.Errorf("Pass %s/%s has no signed bundle yet: see its Ready condition (kubectl get pass %s -n %s)", p.Namespace, p.Name, p.Name, p.Namespace)
	}
	kind := b.Store
	if kind == "" {
		kind = KindConfigMap // recorded before bundles named their store
	}
	store, ok := s[kind]
	if !ok {
		return nil, fmt.Errorf("Pass %s/%s is stored in %s, which this process is not configured for (--bundle-store=%s and its flags)", p.Namespace, p.Name, kind, kind)
	}
	return store.Load(ctx, p.Namespace, b)
}

// Fetch reads the stored bundle of Pass namespace/name and returns it as a
// .pkpass (zipped, signed as stored).
func (s Stores) Fetch(ctx context.Context, c client.Reader, namespace, name string) ([]byte, error) {
	var p walletv1.Pass
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &p); err != nil {
		return nil, fmt.Errorf("get Pass %s/%s: %w", namespace, name, err)
	}
	files, err := s.Load(ctx, &p)
	if err != nil {
		return nil, err
	}
	return pkpass.Zip(files)
}
