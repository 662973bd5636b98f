package shared

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// CollectSharedFiles deletes a template's shared ConfigMaps that neither
// the template (when it exists; keep names what it uses now, which the
// cache may not show yet) nor any of its passes' bundles use, the pass
// leaving (leaving) not counted. Shared files belong to no object: a
// deleted template's passes keep serving their last good bundle, and the
// last of them to go takes the files with it.
func CollectSharedFiles(ctx context.Context, c client.Client, namespace, template, keep string, leaving types.UID) error {
	var cms metav1.PartialObjectMetadataList
	cms.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	if err := c.List(ctx, &cms, client.InNamespace(namespace), client.MatchingLabels(walletv1.ManagedLabels(map[string]string{
		walletv1.LabelTemplate: walletv1.LabelValue(template), walletv1.LabelPart: walletv1.PartShared,
	}))); err != nil {
		return err
	}
	if len(cms.Items) == 0 {
		return nil
	}
	inUse := map[string]bool{keep: true}
	tpl := &walletv1.PassTemplate{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: template}, tpl); err == nil {
		inUse[tpl.Status.SharedBundle] = true
	} else if client.IgnoreNotFound(err) != nil {
		return err
	}
	var passes walletv1.PassList
	if err := c.List(ctx, &passes, client.InNamespace(namespace), client.MatchingFields{IndexPassTemplate: template}, client.UnsafeDisableDeepCopy); err != nil {
		return err
	}
	for i := range passes.Items {
		if p := &passes.Items[i]; p.UID != leaving && p.Status.Bundle != nil {
			inUse[p.Status.Bundle.SharedConfigMap] = true
		}
	}
	for i := range cms.Items {
		cm := &cms.Items[i]
		if inUse[cm.Name] {
			continue
		}
		if err := c.Delete(ctx, cm); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}
