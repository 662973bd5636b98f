package kube

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// StopQuietly wraps r so that a reconcile cut short by shutdown (its
// context cancelled) is not logged as a failure: the work is idempotent and
// the next process does it again. A write that lost a race to another
// writer (a conflict) is not a failure either: it is retried, with the
// queue's backoff, without an error in the log.
func StopQuietly(r reconcile.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		res, err := r.Reconcile(ctx, req)
		if err != nil && ctx.Err() != nil {
			return reconcile.Result{}, nil
		}
		if apierrors.IsConflict(err) {
			return reconcile.Result{Requeue: true}, nil //nolint:staticcheck // Requeue: the queue's backoff, as for an error
		}
		return res, err
	})
}
