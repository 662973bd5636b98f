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
)

// Field indexes, so dependents are found without listing everything.
const (
	// IndexPassTemplate indexes Passes by spec.templateRef.name.
	IndexPassTemplate = "spec.templateRef.name"
	// IndexPassSerial indexes Passes by spec.serialNumber.
	IndexPassSerial = "spec.serialNumber"
	// IndexTemplateCertificate indexes PassTemplates by spec.certificateRef.name.
	IndexTemplateCertificate = "spec.certificateRef.name"
	// IndexTemplateConfigMaps indexes PassTemplates by the ConfigMaps their images read.
	IndexTemplateConfigMaps = "spec.images.configMapKeyRef.name"
	// IndexTemplateSecrets indexes PassTemplates by the Secrets their images read.
	IndexTemplateSecrets = "spec.images.secretKeyRef.name"
	// IndexTemplateWebhookSecrets indexes PassTemplates by the Secrets
	// holding their webhooks' API keys.
	IndexTemplateWebhookSecrets = "spec.webhooks.apiKeySecretRef.name"
	// IndexCertificatePassType indexes PassCertificates by the pass type
	// identifier read from their certificate, across namespaces.
	IndexCertificatePassType = "status.passTypeIdentifier"
	// IndexCertificateSecret indexes PassCertificates by spec.secretRef.name.
	IndexCertificateSecret = "spec.secretRef.name"
	// IndexPassConfigMaps and IndexPassSecrets index Passes by their image overrides.
	IndexPassConfigMaps = "pass.spec.images.configMapKeyRef.name"
	IndexPassSecrets    = "pass.spec.images.secretKeyRef.name"
)

// SetupIndexes registers every field index with the manager's cache.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	idx := mgr.GetFieldIndexer()
	for _, i := range []struct {
		obj   client.Object
		field string
		fn    client.IndexerFunc
	}{
		{&walletv1.Pass{}, IndexPassTemplate, func(o client.Object) []string { return []string{o.(*walletv1.Pass).Spec.TemplateRef.Name} }},
		{&walletv1.Pass{}, IndexPassSerial, func(o client.Object) []string { return []string{o.(*walletv1.Pass).Spec.SerialNumber} }},
		{&walletv1.Pass{}, IndexPassConfigMaps, func(o client.Object) []string { return imageSources(o.(*walletv1.Pass).Spec.Images, false) }},
		{&walletv1.Pass{}, IndexPassSecrets, func(o client.Object) []string { return imageSources(o.(*walletv1.Pass).Spec.Images, true) }},
		{&walletv1.PassTemplate{}, IndexTemplateCertificate, func(o client.Object) []string {
			return []string{o.(*walletv1.PassTemplate).Spec.CertificateRef.Name}
		}},
		{&walletv1.PassTemplate{}, IndexTemplateConfigMaps, func(o client.Object) []string { return imageSources(o.(*walletv1.PassTemplate).Spec.Images, false) }},
		{&walletv1.PassTemplate{}, IndexTemplateSecrets, func(o client.Object) []string { return imageSources(o.(*walletv1.PassTemplate).Spec.Images, true) }},
		{&walletv1.PassTemplate{}, IndexTemplateWebhookSecrets, func(o client.Object) []string { return webhookSecrets(o.(*walletv1.PassTemplate).Spec.Webhooks) }},
		{&walletv1.PassCertificate{}, IndexCertificatePassType, func(o client.Object) []string {
			if pt := o.(*walletv1.PassCertificate).Status.PassTypeIdentifier; pt != "" {
				return []string{pt}
			}
			return nil
		}},
		{&walletv1.PassCertificate{}, IndexCertificateSecret, func(o client.Object) []string {
			return []string{o.(*walletv1.PassCertificate).Spec.SecretRef.Name}
		}},
	} {
		if err := idx.IndexField(ctx, i.obj, i.field, i.fn); err != nil {
			return err
		}
	}
	return nil
}

func imageSources(images []walletv1.Image, secrets bool) []string {
	var names []string
	for _, img := range images {
		switch {
		case secrets && img.SecretKeyRef != nil:
			names = append(names, img.SecretKeyRef.Name)
		case !secrets && img.ConfigMapKeyRef != nil:
			names = append(names, img.ConfigMapKeyRef.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func webhookSecrets(hooks []walletv1.Webhook) []string {
	var names []string
	for _, h := range hooks {
		if h.APIKeySecretRef != nil {
			names = append(names, h.APIKeySecretRef.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// ByIndex maps an object to the objects of newList's kind in its namespace
// whose field indexes hold its name (a template's certificate, a pass's
// image sources, ...); with several indexes, the union.
func ByIndex(c client.Reader, newList func() client.ObjectList, indexes ...string) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		var reqs []reconcile.Request
		for _, index := range indexes {
			list := newList()
			if err := c.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{index: obj.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
				log.FromContext(ctx).Error(err, "list dependents", "index", index)
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
