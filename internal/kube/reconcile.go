package kube

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// StopQuietly wraps r so that a reconcile cut short by shutdown (its
// context cancelled) is not logged as a failure: the work is idempotent and
// the next process does it again.
func StopQuietly(r reconcile.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		res, err := r.Reconcile(ctx, req)
		if err != nil && ctx.Err() != nil {
			return reconcile.Result{}, nil
		}
		return res, err
	})
}
