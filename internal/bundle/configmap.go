package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// ConfigMapStore keeps bundles in ConfigMaps: a template's shared files in
// one ConfigMap per content (named after it, owned by no object, so passes
// outlive their template), each pass's own files in one ConfigMap owned by
// the Pass and replaced in place with each signing. The default store.
type ConfigMapStore struct {
	// Client writes (and reads metadata through the manager's cache when
	// Metadata is nil).
	Client client.Client
	// API reads ConfigMaps uncached (they are not cached: bundles are
	// large and read rarely).
	API client.Reader
	// Metadata reads ConfigMap metadata (the manager's metadata cache);
	// API when nil.
	Metadata client.Reader
}

var _ Store = (*ConfigMapStore)(nil)

// Kind is "configmap".
func (*ConfigMapStore) Kind() string { return KindConfigMap }

func (s *ConfigMapStore) metadata() client.Reader {
	if s.Metadata != nil {
		return s.Metadata
	}
	return s.API
}

// PutShared creates the template's shared ConfigMap named after the files'
// content; an existing one holds them already.
func (s *ConfigMapStore) PutShared(ctx context.Context, namespace, template string, files pkpass.Files) (string, error) {
	if size := TooLarge(files); size != "" {
		return "", &TooLargeError{What: "the files every pass shares (images, localizations)", Size: size}
	}
	name := SharedName(template, pkpass.ContentDigest(files, ""))
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, Name: name,
			Labels: walletv1.ManagedLabels(map[string]string{walletv1.LabelTemplate: walletv1.LabelValue(template), walletv1.LabelPart: walletv1.PartShared}),
		},
		BinaryData: Encode(files),
	}
	err := s.Client.Create(ctx, cm)
	if apierrors.IsAlreadyExists(err) {
		err = s.disown(ctx, cm)
	}
	if err != nil {
		return "", fmt.Errorf("store shared files of template %s in ConfigMap %s: %w", template, name, err)
	}
	return name, nil
}

// disown removes the owner reference earlier versions set on shared
// ConfigMaps, through which deleting the template broke its passes.
func (s *ConfigMapStore) disown(ctx context.Context, cm *corev1.ConfigMap) error {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	if err := s.metadata().Get(ctx, client.ObjectKeyFromObject(cm), m); err != nil || len(m.OwnerReferences) == 0 {
		return client.IgnoreNotFound(err)
	}
	before := m.DeepCopy()
	m.OwnerReferences = nil
	return s.Client.Patch(ctx, m, client.MergeFrom(before))
}

// GetShared reads a shared ConfigMap.
func (s *ConfigMapStore) GetShared(ctx context.Context, namespace, key string) (pkpass.Files, error) {
	var cm corev1.ConfigMap
	if err := s.API.Get(ctx, client.ObjectKey{Namespace: namespace, Name: key}, &cm); err != nil {
		return nil, fmt.Errorf("read shared files from ConfigMap %s: %w", key, err)
	}
	return Decode(&cm)
}

// PutPass writes the pass's own files with one server-side apply: created
// or replaced in a single request, owned by the pass, the record in an
// annotation.
func (s *ConfigMapStore) PutPass(ctx context.Context, p *walletv1.Pass, own pkpass.Files, record *walletv1.BundleStatus) (string, error) {
	if size := TooLarge(own); size != "" {
		return "", &TooLargeError{What: "the pass's own files (pass.json, image overrides, manifest, signature)", Size: size}
	}
	name := PassName(p.Name)
	record.Store, record.Key, record.ConfigMap = KindConfigMap, name, name
	record.SharedConfigMap = record.SharedKey
	data, err := json.Marshal(record)
	if err != nil {
		return "", err
	}
	cm := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: p.Namespace, Name: name,
			Labels: walletv1.ManagedLabels(map[string]string{
				walletv1.LabelPass: walletv1.LabelValue(p.Name), walletv1.LabelTemplate: walletv1.LabelValue(p.Spec.TemplateRef.Name), walletv1.LabelPart: walletv1.PartPass,
			}),
			Annotations: map[string]string{
				walletv1.AnnotationContentDigest: record.ContentDigest, walletv1.AnnotationSharedConfigMap: record.SharedKey,
				walletv1.AnnotationBundle: string(data),
			},
		},
		BinaryData: Encode(own),
	}
	if err := controllerutil.SetControllerReference(p, cm, s.Client.Scheme()); err != nil {
		return "", err
	}
	//nolint:staticcheck // client.Apply with a typed object is the one-request create-or-replace.
	if err := s.Client.Patch(ctx, cm, client.Apply, client.FieldOwner(walletv1.FieldOwner), client.ForceOwnership); err != nil {
		return "", fmt.Errorf("store the bundle of Pass %s in ConfigMap %s: %w", p.Name, cm.Name, err)
	}
	return name, nil
}

// Stored reads the record from the ConfigMap's annotation through the
// metadata cache. When the cache lacks this content it asks the API server,
// unless the cache and the pass's status agree on what is stored (both say
// nothing, or both name the same other content): a new pass, or a pass
// whose content changed, then costs the API server no read. Where they
// disagree one of them lags behind a ConfigMap just written.
func (s *ConfigMapStore) Stored(ctx context.Context, p *walletv1.Pass, contentDigest string) (*walletv1.BundleStatus, error) {
	key := client.ObjectKey{Namespace: p.Namespace, Name: PassName(p.Name)}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	err := s.metadata().Get(ctx, key, m)
	cached := ""
	if err == nil {
		cached = m.Annotations[walletv1.AnnotationContentDigest]
	}
	if (err == nil || apierrors.IsNotFound(err)) && cached != contentDigest && !agrees(p.Status.Bundle, err == nil, cached) {
		err = s.API.Get(ctx, key, m)
	}
	if err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	var b walletv1.BundleStatus
	if json.Unmarshal([]byte(m.Annotations[walletv1.AnnotationBundle]), &b) != nil ||
		b.ContentDigest != m.Annotations[walletv1.AnnotationContentDigest] || b.ContentDigest != contentDigest {
		return nil, nil // no usable record: sign again
	}
	b.Store, b.Key, b.ConfigMap = KindConfigMap, key.Name, key.Name
	if b.SharedKey == "" {
		b.SharedKey = b.SharedConfigMap
	}
	return &b, nil
}

// agrees says whether a pass's status names what the metadata cache holds:
// no ConfigMap of its own and no bundle in this store, or the ConfigMap's
// content. A status naming another store's bundle (the store was switched)
// agrees with no ConfigMap.
func agrees(b *walletv1.BundleStatus, inCache bool, cachedDigest string) bool {
	if b == nil || (b.Store != "" && b.Store != KindConfigMap) {
		return !inCache
	}
	return inCache && b.ContentDigest == cachedDigest
}

// Load reads the pass's own ConfigMap and the shared one it names.
func (s *ConfigMapStore) Load(ctx context.Context, namespace string, b *walletv1.BundleStatus) (pkpass.Files, error) {
	name := b.ConfigMap
	if name == "" {
		name = b.Key
	}
	var own, shared corev1.ConfigMap
	if err := s.API.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &own); apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("ConfigMap %s/%s: %w", namespace, name, ErrMissing)
	} else if err != nil {
		return nil, fmt.Errorf("read the bundle from ConfigMap %s/%s: %w", namespace, name, err)
	}
	// The own ConfigMap names the shared files it was signed with; status
	// may lag behind it by a moment.
	sharedName := b.SharedConfigMap
	if a := own.Annotations[walletv1.AnnotationSharedConfigMap]; a != "" {
		sharedName = a
	}
	if err := s.API.Get(ctx, client.ObjectKey{Namespace: namespace, Name: sharedName}, &shared); err != nil {
		return nil, fmt.Errorf("read the shared files from ConfigMap %s/%s: %w", namespace, sharedName, err)
	}
	files, err := Assemble(&shared, &own)
	if err != nil {
		return nil, err
	}
	// Checked against the record stored with the files (the status may
	// describe the previous signing for a moment).
	var record walletv1.BundleStatus
	if json.Unmarshal([]byte(own.Annotations[walletv1.AnnotationBundle]), &record) == nil && record.SHA256 != "" {
		data, err := pkpass.Zip(files)
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != record.SHA256 {
			return nil, fmt.Errorf("ConfigMaps %s and %s: %w", name, sharedName, ErrCorrupt)
		}
	}
	return files, nil
}

// DeletePass deletes the pass's ConfigMap unless it is kept (it is
// replaced in place, so there is no older one).
func (s *ConfigMapStore) DeletePass(ctx context.Context, p *walletv1.Pass, keep []string, _ bool) error {
	name := PassName(p.Name)
	if slices.Contains(keep, name) {
		return nil
	}
	own := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: name}}
	return client.IgnoreNotFound(s.Client.Delete(ctx, own))
}

// CollectShared deletes the template's shared ConfigMaps not in use.
func (s *ConfigMapStore) CollectShared(ctx context.Context, namespace, template string, inUse map[string]bool) error {
	var cms metav1.PartialObjectMetadataList
	cms.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	if err := s.metadata().List(ctx, &cms, client.InNamespace(namespace), client.MatchingLabels(walletv1.ManagedLabels(map[string]string{
		walletv1.LabelTemplate: walletv1.LabelValue(template), walletv1.LabelPart: walletv1.PartShared,
	}))); err != nil {
		return err
	}
	for i := range cms.Items {
		if cm := &cms.Items[i]; !inUse[cm.Name] {
			if err := s.Client.Delete(ctx, cm); client.IgnoreNotFound(err) != nil {
				return err
			}
		}
	}
	return nil
}

// Sweep deletes the bundle ConfigMaps of passes that are gone (a cluster's
// garbage collector does too: they are owned by their Pass) and shared
// ConfigMaps nothing uses (owned by no one, so that passes outlive their
// template), older than minAge.
func (s *ConfigMapStore) Sweep(ctx context.Context, refs References, minAge time.Duration) (int, error) {
	swept := 0
	for _, part := range []string{walletv1.PartPass, walletv1.PartShared} {
		var cms metav1.PartialObjectMetadataList
		cms.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
		if err := s.metadata().List(ctx, &cms, client.MatchingLabels(walletv1.ManagedLabels(map[string]string{walletv1.LabelPart: part}))); err != nil {
			return swept, err
		}
		for i := range cms.Items {
			cm := &cms.Items[i]
			if time.Since(cm.CreationTimestamp.Time) < minAge {
				continue
			}
			used, err := s.inUse(ctx, refs, part, cm)
			if err != nil {
				return swept, err
			}
			if used {
				continue
			}
			if err := s.Client.Delete(ctx, cm); client.IgnoreNotFound(err) != nil {
				return swept, err
			}
			swept++
		}
	}
	return swept, nil
}

// inUse: a shared ConfigMap some template or bundle uses, a pass's
// ConfigMap whose Pass exists (one owned by no Pass is not ours to judge).
func (s *ConfigMapStore) inUse(ctx context.Context, refs References, part string, cm *metav1.PartialObjectMetadata) (bool, error) {
	if part == walletv1.PartShared {
		return refs.SharedInUse(ctx, cm.Namespace, cm.Name)
	}
	for _, o := range cm.OwnerReferences {
		if o.Kind == "Pass" && o.APIVersion == walletv1.GroupVersion.String() {
			return refs.PassExists(ctx, cm.Namespace, o.Name)
		}
	}
	return true, nil
}

// TooLargeError is files a store cannot hold: a verdict on the pass or
// template, not a retry.
type TooLargeError struct{ What, Size string }

func (e *TooLargeError) Error() string { return e.What + " are " + e.Size }
