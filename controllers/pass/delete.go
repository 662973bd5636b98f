package pass

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/phases"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// DefaultVoidTimeout bounds how long a deleted pass waits for its devices
// to be told it is void.
const DefaultVoidTimeout = 2 * time.Minute

// DefaultVoidFetchGrace is how long a deleted pass stays after its devices
// were pushed, so they can fetch the voided version (a pushed device asks
// within seconds; a pass already gone would answer it 401).
const DefaultVoidFetchGrace = 30 * time.Second

// addFinalizer makes a pass wait, when deleted, until its devices were told
// it is void.
func (r *Reconciler) addFinalizer(ctx context.Context, p *walletv1.Pass) error {
	before := p.DeepCopy()
	if !controllerutil.AddFinalizer(p, walletv1.FinalizerVoidOnDelete) {
		return nil
	}
	return r.Client.Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}

// finalize voids a deleted pass on its devices before it goes: it signs a
// final version, voided and without personal data, which the web service
// pushes to every registered device; once the fan-out is over (or the void
// timeout passed, or nothing can be signed), the pass's bundle goes, then
// the pass (and with it, through the web service, its registrations).
func (r *Reconciler) finalize(ctx context.Context, p *walletv1.Pass) (_ ctrl.Result, reterr error) {
	if !controllerutil.ContainsFinalizer(p, walletv1.FinalizerVoidOnDelete) {
		return ctrl.Result{}, nil
	}
	// The cache may still show a pass whose finalizer was just removed:
	// signing and storing for it again would leave a bundle no one deletes.
	if r.API != nil {
		live := &walletv1.Pass{}
		if err := r.API.Get(ctx, client.ObjectKeyFromObject(p), live); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		if live.UID != p.UID || !controllerutil.ContainsFinalizer(live, walletv1.FinalizerVoidOnDelete) {
			return ctrl.Result{}, nil
		}
	}
	now := r.Now()
	if p.Status.RegisteredDevices > 0 {
		waited, err := r.voidOnDevices(ctx, p, now)
		if err != nil || waited > 0 {
			return ctrl.Result{RequeueAfter: waited}, err
		}
	}
	if err := r.release(ctx, p); err != nil {
		return ctrl.Result{}, err
	}
	before := p.DeepCopy()
	controllerutil.RemoveFinalizer(p, walletv1.FinalizerVoidOnDelete)
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Patch(ctx, p, client.MergeFrom(before)))
}

// voidOnDevices signs the final voided version (once) and says how long to
// wait for the web service's fan-out of it; 0 when it is over, timed out,
// or there is nothing to sign with (then Events say why).
func (r *Reconciler) voidOnDevices(ctx context.Context, p *walletv1.Pass, now time.Time) (time.Duration, error) {
	left := p.DeletionTimestamp.Add(r.voidTimeout()).Sub(now)
	if left <= 0 {
		r.Recorder.Eventf(p, corev1.EventTypeWarning, "VoidTimedOut",
			"%d registered devices were not all told within %s that the pass is void (is the web service running and APNs reachable?); deleted anyway", p.Status.RegisteredDevices, r.voidTimeout())
		return 0, nil
	}
	patch := status.NewHelper(r.Client, r.Recorder, status.PassController, p, transitions...)
	s := &scope{pass: p, now: now, deleting: true}
	_, err := r.reconcileDeleting(ctx, s)
	if err = patch.Patch(ctx, err); err != nil {
		return 0, err
	}
	if s.unsignable != "" {
		r.Recorder.Eventf(p, corev1.EventTypeWarning, "NotVoided", "devices keep the last version of the pass: %s", s.unsignable)
		return 0, nil
	}
	if b := p.Status.Bundle; b != nil && p.Status.PushedDigest == b.ContentDigest {
		if last := p.Status.LastPushed; last != nil {
			if wait := last.Add(r.fetchGrace()).Sub(now); wait > 0 {
				return min(wait, left), nil
			}
		}
		r.Recorder.Eventf(p, corev1.EventTypeNormal, "Voided", "the registered devices were pushed a final voided version")
		return 0, nil
	}
	return min(left, 5*time.Second), nil
}

// reconcileDeleting runs the signing phases for the final version; a
// verdict (the template or certificate is gone or broken) is recorded in
// the scope, as nothing can be signed.
func (r *Reconciler) reconcileDeleting(ctx context.Context, s *scope) (ctrl.Result, error) {
	err := phases.Run(ctx, s, append([]phases.Phase[*scope]{r.resolveTemplate, r.resolveCertificate}, r.signing()...)...)
	if verdict, ok := shared.AsNotReady(err); ok {
		s.unsignable = verdict.Error()
		return ctrl.Result{}, nil
	}
	if errors.Is(err, errWaiting) {
		s.unsignable = "its template is being changed"
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	setBarcode(s.pass, s.passJSON)
	return ctrl.Result{}, nil
}

// release deletes what belongs to the pass explicitly, not relying on a
// garbage collector: its own bundle ConfigMap, and the shared ConfigMap it
// was signed with when no other pass or its template uses it any more. (Its
// registrations are the web service's: its registry backend forgets them
// once the pass is gone.)
func (r *Reconciler) release(ctx context.Context, p *walletv1.Pass) error {
	if err := r.Sources.Store.DeletePass(ctx, p, nil, false); err != nil {
		return err
	}
	if p.Status.Bundle == nil {
		return nil
	}
	return shared.CollectSharedFiles(ctx, r.Client, r.Sources.Store, p.Namespace, p.Spec.TemplateRef.Name, "", p.UID)
}

func (r *Reconciler) fetchGrace() time.Duration {
	if r.Options.VoidFetchGrace > 0 {
		return r.Options.VoidFetchGrace
	}
	return DefaultVoidFetchGrace
}

func (r *Reconciler) voidTimeout() time.Duration {
	if r.Options.VoidTimeout > 0 {
		return r.Options.VoidTimeout
	}
	return DefaultVoidTimeout
}
