package shared

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/index"
)

// CollectSharedFiles deletes a template's shared files that neither the
// template (when it exists; keep names what it uses now, which the cache
// may not show yet) nor any of its passes' bundles use, the pass leaving
// (leaving) not counted. Shared files belong to no object: a deleted
// template's passes keep serving their last good bundle, and the last of
// them to go takes the files with it.
func CollectSharedFiles(ctx context.Context, c client.Client, store bundle.Store, namespace, template, keep string, leaving types.UID) error {
	inUse := map[string]bool{keep: true}
	tpl := &walletv1.PassTemplate{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: template}, tpl); err == nil {
		inUse[tpl.Status.SharedBundle] = true
	} else if client.IgnoreNotFound(err) != nil {
		return err
	}
	var passes walletv1.PassList
	if err := c.List(ctx, &passes, client.InNamespace(namespace), client.MatchingFields{index.PassTemplate.Name: template}, client.UnsafeDisableDeepCopy); err != nil {
		return err
	}
	for i := range passes.Items {
		if p := &passes.Items[i]; p.UID != leaving && p.Status.Bundle != nil {
			inUse[SharedKeyOf(p.Status.Bundle)] = true
		}
	}
	return store.CollectShared(ctx, namespace, template, inUse)
}

// SharedKeyOf is the key of the shared files a bundle was signed with
// (recorded as sharedConfigMap before bundles named their store).
func SharedKeyOf(b *walletv1.BundleStatus) string {
	if b.SharedKey != "" {
		return b.SharedKey
	}
	return b.SharedConfigMap
}
