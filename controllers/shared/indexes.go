// Package shared holds what the manager's reconcilers share: field indexes
// and the watches built on them, the NotReady verdict, and caches of parsed
// certificates and compiled templates.
package shared

import (
	"context"
	"slices"

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
			for _, req := range Requests(list) {
				if !slices.Contains(reqs, req) {
					reqs = append(reqs, req)
				}
			}
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
		reqs := a(ctx, obj)
		for _, req := range b(ctx, obj) {
			if !slices.Contains(reqs, req) {
				reqs = append(reqs, req)
			}
		}
		return reqs
	}
}
