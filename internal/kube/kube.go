// Package kube is the controller-runtime wiring every component shares: the
// client options of every manager (the operator's, the web service's, the
// demo's and the tests') and reconcilers that stop quietly on shutdown.
package kube

import (
	"maps"
	"unique"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// CacheOptions are the cache options of every manager: objects are cached
// as StripForCache leaves them.
func CacheOptions(o cache.Options) cache.Options {
	o.DefaultTransform = StripForCache
	return o
}

// StripForCache drops from an object, as it enters a cache, what no code
// of the operator reads and what is a large part of its size:
//   - managedFields: one entry per writer (the user, the manager, the web
//     service), ~400 bytes each;
//   - kubectl's last-applied-configuration annotation (client-side kubectl
//     apply, Argo CD's default): the whole object again, and for a
//     ConfigMap of images held in the metadata cache, every image in
//     base64. Only on kinds the operator never writes whole (an Update of
//     a copy without it would delete it): Passes, PassTemplates and
//     metadata-only objects are patched, never updated.
//
// TestNothingReadsWhatTheCacheDrops keeps "no code reads" true.
func StripForCache(in any) (any, error) {
	obj, err := meta.Accessor(in)
	if err != nil {
		return in, nil // a tombstone: nothing to strip
	}
	// Nil-checked: setting it on an object that has none is a write
	// (kubernetes/kubernetes#124337).
	if obj.GetManagedFields() != nil {
		obj.SetManagedFields(nil)
	}
	obj.SetNamespace(intern(obj.GetNamespace()))
	if p, ok := in.(*walletv1.Pass); ok {
		internPass(p)
	}
	if a := obj.GetAnnotations(); a[corev1.LastAppliedConfigAnnotation] != "" {
		switch in.(type) {
		case *walletv1.Pass, *walletv1.PassTemplate, *metav1.PartialObjectMetadata:
			a = maps.Clone(a)
			delete(a, corev1.LastAppliedConfigAnnotation)
			obj.SetAnnotations(a)
		}
	}
	return in, nil
}

// intern is s as one copy shared by every object holding the same text.
func intern[S ~string](s S) S {
	if s == "" {
		return s
	}
	return S(unique.Make(string(s)).Value())
}

// internPass shares among a template's passes the strings they hold in
// common, which a decoded object holds each a copy of: at 100,000 passes
// a few hundred bytes a pass (the shared bundle's key, the pass type, the
// template's name, the finalizer, the condition's type and reason).
func internPass(p *walletv1.Pass) {
	for i := range p.Finalizers {
		p.Finalizers[i] = intern(p.Finalizers[i])
	}
	p.Spec.TemplateRef.Name = intern(p.Spec.TemplateRef.Name)
	p.Status.PassTypeIdentifier = intern(p.Status.PassTypeIdentifier)
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		c.Type, c.Status, c.Reason = intern(c.Type), intern(c.Status), intern(c.Reason)
	}
	if b := p.Status.Bundle; b != nil {
		b.Store, b.SharedKey, b.SharedConfigMap, b.PassTypeIdentifier = intern(b.Store), intern(b.SharedKey), intern(b.SharedConfigMap), intern(b.PassTypeIdentifier)
	}
	if b := p.Status.Barcode; b != nil {
		b.Format = intern(b.Format)
	}
}

// ManagerClientOptions are the client options of every manager: ConfigMaps
// and Secrets are read from the API server on demand (and watched by their
// metadata where needed), never cached whole: caching the bundles and
// certificates they hold would dominate memory.
func ManagerClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.ConfigMap{}, &corev1.Secret{}}}}
}
