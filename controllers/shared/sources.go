package shared

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/imagefetch"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/lru"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/render"
)

// Sources reads Secrets and ConfigMaps. The manager does not cache them
// (their data would dominate its memory at thousands of passes): it watches
// their metadata, reads them from the API server when needed, and keeps
// what it parsed from them keyed by resourceVersion or content digest.
type Sources struct {
	// API reads objects from the API server.
	API client.Reader
	// Metadata reads object metadata from the manager's metadata cache.
	Metadata client.Reader
	// Store keeps the bundles (the template's shared files are read from it).
	Store bundle.Store
	// Images fetches images given by URL.
	Images *imagefetch.Fetcher

	mu         sync.Mutex
	identities map[types.NamespacedName]identityEntry
	templates  *lru.Cache[types.UID, templateEntry] // compiled templates with their shared files, bounded in bytes
	stored     map[types.UID]storedEntry
}

// TemplateCacheBytes bounds the compiled templates kept with their shared
// files: the images of many templates could otherwise dominate memory.
const TemplateCacheBytes = 128 << 20

// storedEntry is what a template's last successful store of its shared
// files was made from (generation and image source versions) and when.
type storedEntry struct {
	from string
	key  string
	at   time.Time
}

// SharedFilesRecheck is how long a template's stored shared files are
// trusted without reading its images again: a template reconcile that only
// counts passes reads nothing and writes nothing, and an object deleted
// behind the operator's back is restored within this time.
const SharedFilesRecheck = 10 * time.Minute

type identityEntry struct {
	resourceVersion string
	id              *certs.Identity
	err             error
}

type templateEntry struct {
	key    string
	tpl    *render.Template
	shared pkpass.Files
	err    error
}

// NewSources returns Sources reading through api and metadata.
func NewSources(api, metadata client.Reader, store bundle.Store) *Sources {
	return &Sources{API: api, Metadata: metadata, Store: store, identities: map[types.NamespacedName]identityEntry{},
		templates: lru.New[types.UID](TemplateCacheBytes, func(e templateEntry) int { return bundle.FilesBytes(e.shared) }),
		stored:    map[types.UID]storedEntry{}}
}

// SecretVersion returns the resourceVersion of a Secret from the metadata
// cache, or "" when it does not exist.
func (s *Sources) SecretVersion(ctx context.Context, key types.NamespacedName) (string, error) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := s.Metadata.Get(ctx, key, m); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", err
	}
	return m.ResourceVersion, nil
}

// Identity loads the signing identity of a certificate from its Secret,
// parsing it again only when the Secret changes.
func (s *Sources) Identity(ctx context.Context, cert *walletv1.PassCertificate) (*certs.Identity, error) {
	key := types.NamespacedName{Namespace: cert.Namespace, Name: cert.Spec.SecretRef.Name}
	rv, err := s.SecretVersion(ctx, key)
	if err != nil {
		return nil, err
	}
	if rv == "" {
		return nil, &certs.Problem{Reason: walletv1.ReasonSecretNotFound, Message: fmt.Sprintf("Secret %s does not exist: create it with tls.crt, tls.key and ca.crt, or set spec.selfSigned", key.Name)}
	}
	s.mu.Lock()
	e, ok := s.identities[key]
	s.mu.Unlock()
	if ok && e.resourceVersion == rv {
		return e.id, e.err
	}
	var secret corev1.Secret
	if err := s.API.Get(ctx, key, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &certs.Problem{Reason: walletv1.ReasonSecretNotFound, Message: fmt.Sprintf("Secret %s does not exist", key.Name)}
		}
		return nil, err
	}
	id, err := certs.FromSecretData(secret.Data)
	s.mu.Lock()
	s.identities[key] = identityEntry{resourceVersion: secret.ResourceVersion, id: id, err: err}
	s.mu.Unlock()
	return id, err
}

// ImageSource reads images from ConfigMaps and Secrets of a namespace; the
// source it returns reads each ConfigMap or Secret once (a template's
// images usually share one).
// Images given by url are fetched once per URL and refetch (the
// refetch-images-at annotation's value of the template or pass).
func (s *Sources) ImageSource(ctx context.Context, namespace, refetch string) render.ImageSource {
	configMaps, secrets := map[string]*corev1.ConfigMap{}, map[string]*corev1.Secret{}
	return func(img walletv1.Image) ([]byte, error) {
		switch {
		case img.URL != "":
			if s.Images == nil {
				return nil, fmt.Errorf("images are not fetched by URL here")
			}
			return s.Images.Fetch(ctx, img.URL, refetch)
		case img.ConfigMapKeyRef != nil:
			ref := img.ConfigMapKeyRef
			cm, ok := configMaps[ref.Name]
			if !ok {
				cm = &corev1.ConfigMap{}
				if err := s.API.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, cm); err != nil {
					return nil, fmt.Errorf("ConfigMap %s: %w", ref.Name, err)
				}
				configMaps[ref.Name] = cm
			}
			if b, ok := cm.BinaryData[ref.Key]; ok {
				return b, nil
			}
			if v, ok := cm.Data[ref.Key]; ok {
				return []byte(v), nil
			}
			return nil, fmt.Errorf("ConfigMap %s has no key %q", ref.Name, ref.Key)
		case img.SecretKeyRef != nil:
			ref := img.SecretKeyRef
			sec, ok := secrets[ref.Name]
			if !ok {
				sec = &corev1.Secret{}
				if err := s.API.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, sec); err != nil {
					return nil, fmt.Errorf("Secret %s: %w", ref.Name, err)
				}
				secrets[ref.Name] = sec
			}
			if b, ok := sec.Data[ref.Key]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("Secret %s has no key %q", ref.Name, ref.Key)
		}
		return nil, fmt.Errorf("the image names neither a ConfigMap nor a Secret key")
	}
}

// CompiledTemplate returns a template compiled against its stored shared
// files (status.sharedBundle), which the template controller wrote after
// checking them; compiled once per template generation and shared content.
func (s *Sources) CompiledTemplate(ctx context.Context, tpl *walletv1.PassTemplate) (*render.Template, pkpass.Files, error) {
	key := fmt.Sprintf("%d/%s/%s", tpl.Generation, tpl.Status.SharedBundle, tpl.Status.NFCEncryptionPublicKey)
	if e, ok := s.templates.Get(tpl.UID); ok && e.key == key {
		return e.tpl, e.shared, e.err
	}
	shared, err := s.Store.GetShared(ctx, tpl.Namespace, tpl.Status.SharedBundle)
	if err != nil {
		return nil, nil, fmt.Errorf("read shared files of template %s: %w", tpl.Name, err)
	}
	fromShared := func(img walletv1.Image) ([]byte, error) {
		if img.Type == "" && tpl.Spec.NFC != nil {
			// The NFC terminal key, as the template controller read it.
			if tpl.Status.NFCEncryptionPublicKey == "" {
				return nil, fmt.Errorf("the template's NFC terminal key has not been read yet")
			}
			return []byte(tpl.Status.NFCEncryptionPublicKey), nil
		}
		if b, ok := shared[render.ImageName(img)]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s is not among the template's stored files", render.ImageName(img))
	}
	compiled, err := render.CompileTemplate(tpl, fromShared)
	s.templates.Put(tpl.UID, templateEntry{key: key, tpl: compiled, shared: shared, err: err})
	return compiled, shared, err
}

// ImageVersions names what a template's shared files are made from: its
// generation and the resourceVersion of every ConfigMap and Secret its
// images read (from the metadata cache; "" for one that does not exist).
func (s *Sources) ImageVersions(ctx context.Context, tpl *walletv1.PassTemplate) (string, error) {
	from := strconv.FormatInt(tpl.Generation, 10) + " refetch@" + tpl.Annotations[walletv1.AnnotationRefetchImagesAt]
	for _, source := range []struct {
		kind  string
		names index.Index
	}{{"ConfigMap", index.TemplateImageConfigMaps}, {"Secret", index.TemplateImageSecrets}} {
		kind := source.kind
		for _, name := range source.names.Values(tpl) {
			m := &metav1.PartialObjectMetadata{}
			m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind))
			err := s.Metadata.Get(ctx, client.ObjectKey{Namespace: tpl.Namespace, Name: name}, m)
			if client.IgnoreNotFound(err) != nil {
				return "", err
			}
			from += fmt.Sprintf(" %s/%s@%s", kind, name, m.ResourceVersion)
		}
	}
	return from, nil
}

// StoredSharedFiles returns the key a template's shared files were stored
// under when they were made from the same versions (ImageVersions) less
// than SharedFilesRecheck ago.
func (s *Sources) StoredSharedFiles(uid types.UID, from string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.stored[uid]
	if !ok || e.from != from || now.Sub(e.at) > SharedFilesRecheck {
		return "", false
	}
	return e.key, true
}

// RememberSharedFiles records that a template's shared files made from
// these versions are stored under key.
func (s *Sources) RememberSharedFiles(uid types.UID, from, key string, now time.Time) {
	s.mu.Lock()
	s.stored[uid] = storedEntry{from: from, key: key, at: now}
	s.mu.Unlock()
}

// Forget drops what is kept for a deleted template.
func (s *Sources) Forget(uid types.UID) {
	s.templates.Remove(uid)
	s.mu.Lock()
	delete(s.stored, uid)
	s.mu.Unlock()
}
