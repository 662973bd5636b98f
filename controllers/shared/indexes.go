// Package shared holds what the manager's reconcilers share: field indexes
// and the watches built on them, the NotReady verdict, and caches of parsed
// certificates and compiled templates.
package shared

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
)

// SetupIndexes registers the manager's field indexes with its cache.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	return index.Register(ctx, mgr, index.PassTemplate, index.PassSerial, index.PassImageConfigMaps, index.PassImageSecrets,
		index.TemplateCertificate, index.TemplateImageConfigMaps, index.TemplateImageSecrets, index.TemplateWebhookSecrets, index.TemplateScannerKeySecrets, index.TemplateGoogleClass,
		index.CertificatePassType, index.CertificateSecret)
}

// ByIndex maps an object to the objects of newList's kind in its namespace
// whose field indexes hold its name (a template's certificate, a pass's
// image sources, ...); with several indexes, the union.
func ByIndex(c client.Reader, newList func() client.ObjectList, indexes ...index.Index) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		var reqs []reconcile.Request
		for _, i := range indexes {
			list := newList()
			if err := c.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{i.Name: obj.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
				log.FromContext(ctx).Error(err, "list dependents", "index", i.Name)
				return nil
			}
			reqs = appendNew(reqs, Requests(list))
		}
		return reqs
	}
}

// Requests turns a list into one reconcile request per item.
func Requests(list client.ObjectList) []reconcile.Request {
	reqs := make([]reconcile.Request, 0, meta.LenList(list))
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o.(client.Object))})
		return nil
	})
	return reqs
}

// TemplateList, PassList and CertificateList make empty lists for ByIndex.
func TemplateList() client.ObjectList    { return &walletv1.PassTemplateList{} }
func PassList() client.ObjectList        { return &walletv1.PassList{} }
func CertificateList() client.ObjectList { return &walletv1.PassCertificateList{} }

// TemplatesOfPassWebhooks maps a PassWebhook, or a Secret one of them reads
// its API key from, to every template of its namespace (a PassWebhook may
// select any of them).
func TemplatesOfPassWebhooks(c client.Reader) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		if _, isSecret := obj.(*metav1.PartialObjectMetadata); isSecret {
			var hooks walletv1.PassWebhookList
			if err := c.List(ctx, &hooks, client.InNamespace(obj.GetNamespace())); err != nil {
				log.FromContext(ctx).Error(err, "list PassWebhooks")
				return nil
			}
			if !slices.ContainsFunc(hooks.Items, func(h walletv1.PassWebhook) bool {
				return h.Spec.APIKeySecretRef != nil && h.Spec.APIKeySecretRef.Name == obj.GetName()
			}) {
				return nil
			}
		}
		list := TemplateList()
		if err := c.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.UnsafeDisableDeepCopy); err != nil {
			log.FromContext(ctx).Error(err, "list templates")
			return nil
		}
		return Requests(list)
	}
}

// Both maps an object to the requests of a and of b, each once.
func Both(a, b handler.MapFunc) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		return appendNew(a(ctx, obj), b(ctx, obj))
	}
}

// appendNew appends the requests of more that reqs does not hold yet.
func appendNew(reqs, more []reconcile.Request) []reconcile.Request {
	for _, req := range more {
		if !slices.Contains(reqs, req) {
			reqs = append(reqs, req)
		}
	}
	return reqs
}

// ScannerKeyProblem says why the scanner key ref names in secret is not
// accepted at the gate ("" when it is): a Secret not labelled for scanner
// keys, or a key shorter than walletv1.MinScannerKeyLength. The template's
// CheckInReady reports it; the push credentials copy only accepted keys.
func ScannerKeyProblem(secret *corev1.Secret, ref walletv1.KeyReference) string {
	switch {
	case secret.Labels[walletv1.LabelScannerKey] != "true":
		return fmt.Sprintf("Secret %s is not labelled %s=true, so its scanners are refused "+
			"(kubectl label secret %s %s=true, if it holds nothing but scanner keys)", ref.Name, walletv1.LabelScannerKey, ref.Name, walletv1.LabelScannerKey)
	case len(secret.Data[ref.Key]) < walletv1.MinScannerKeyLength:
		return fmt.Sprintf("Secret %s has no key %s of at least %d bytes, so its scanners are refused", ref.Name, ref.Key, walletv1.MinScannerKeyLength)
	}
	return ""
}
