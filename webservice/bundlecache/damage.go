package bundlecache

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// ReportDamage marks a pass whose stored bundle is missing or corrupt (err
// is what reading it said), so the manager signs and stores it again: once
// per damaged bundle, in status.bundle.damaged, the web service's one field
// of a pass's bundle status.
func ReportDamage(ctx context.Context, c client.Client, p *walletv1.Pass, err error) error {
	damage := bundle.Damage(err)
	if damage == "" || p.Status.Bundle == nil || p.Status.Bundle.Damaged != "" {
		return nil
	}
	// p may be the informer cache's own object: the report goes on a copy.
	damaged := p.DeepCopy()
	damaged.Status.Bundle.Damaged = damage
	return status.DamageReports.Patch(ctx, c, damaged, client.MergeFrom(p))
}
