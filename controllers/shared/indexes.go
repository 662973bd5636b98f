// Package shared holds what the manager's reconcilers share: field indexes
// and the watches built on them, the NotReady verdict, and caches of parsed
// certificates and compiled templates.
package shared

import (
	"context"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
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
