// Package kube is the controller-runtime wiring every component shares: the
// client options of every manager (the operator's, the web service's, the
// demo's and the tests') and reconcilers that stop quietly on shutdown.
package kube

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CacheOptions are the cache options of every manager: objects are cached
// without their managedFields, which no reconcile reads and which are a
// large part of a Pass's size (one entry per writer: the user, the manager,
// the web service).
func CacheOptions(o cache.Options) cache.Options {
	o.DefaultTransform = cache.TransformStripManagedFields()
	return o
}

// ManagerClientOptions are the client options of every manager: ConfigMaps
// and Secrets are read from the API server on demand (and watched by their
// metadata where needed), never cached whole: caching the bundles and
// certificates they hold would dominate memory.
func ManagerClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.ConfigMap{}, &corev1.Secret{}}}}
}
