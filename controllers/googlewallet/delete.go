package googlewallet

import (
	"context"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	gw "github.com/wallet-operator/wallet-operator/internal/googlewallet"
)

// Finalizer holds a deleted pass whose object Google holds until the
// object is voided there (INACTIVE): a pass deleted here must not stay
// usable in Google Wallet.
const Finalizer = walletv1.GroupName + "/google-wallet-void"

// VoidTimeout bounds how long a deleted pass waits for Google to take the
// voided object (Google down, credentials gone); then it goes anyway.
const VoidTimeout = 2 * time.Minute

func (r *Reconciler) addFinalizer(ctx context.Context, p *walletv1.Pass) error {
	before := p.DeepCopy()
	if !controllerutil.AddFinalizer(p, Finalizer) {
		return nil
	}
	return r.Client.Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}

// finalize voids a deleted pass's object at Google, then lets the pass go.
func (r *Reconciler) finalize(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(p, Finalizer) {
		return ctrl.Result{}, nil
	}
	if err := r.voidAtGoogle(ctx, p, tpl); err != nil {
		if waited := r.now().Sub(p.DeletionTimestamp.Time); waited < VoidTimeout && gw.Retryable(err) {
			return ctrl.Result{}, err // retried with backoff
		}
		r.event(p, corev1.EventTypeWarning, "GoogleWalletNotVoided", "the Google Wallet object could not be voided ("+gw.Message(err)+"): it stays active in Google Wallet")
	}
	return ctrl.Result{}, r.removeFinalizer(ctx, p)
}

func (r *Reconciler) removeFinalizer(ctx context.Context, p *walletv1.Pass) error {
	before := p.DeepCopy()
	if !controllerutil.RemoveFinalizer(p, Finalizer) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}

// voidAtGoogle patches the object's state to INACTIVE (nothing else: the
// pass's bundle may be gone already). What it needs comes from the
// template, or when the template went first, from what the pass's status
// recorded when the object was sent; nothing to do for an object never
// sent.
func (r *Reconciler) voidAtGoogle(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate) error {
	recorded := p.Status.GoogleWallet
	if !heldByGoogle(recorded) {
		return nil // Google never had it: nothing to void (no skeleton inserted)
	}
	vertical, classID, ref := recorded.Vertical, recorded.ClassID, recorded.Credentials
	if g := tpl.Spec.GoogleWallet; g != nil && g.ServiceAccountKeySecretRef != nil {
		vertical, classID, ref = gw.VerticalOf(tpl), gw.ClassID(tpl), g.ServiceAccountKeySecretRef
	}
	if ref == nil || vertical == "" {
		return nil // sent by a version that did not record them, template gone: nothing to go by
	}
	account, err := r.accountFor(ctx, p.Namespace, *ref, true)
	if err != nil {
		return err
	}
	voided := gw.Voided(vertical, recorded.ObjectID, classID)
	if err := r.send(ctx, account, voided.Object, true); err != nil {
		if gw.Code(err) == http.StatusNotFound {
			return nil // Google has no such object: nothing to void
		}
		return err
	}
	r.event(p, corev1.EventTypeNormal, "GoogleWalletVoided", "object "+recorded.ObjectID+" voided in Google Wallet")
	return nil
}

func (r *Reconciler) event(p *walletv1.Pass, kind, reason, msg string) {
	if r.Recorder != nil {
		r.Recorder.Event(p, kind, reason, msg)
	}
}
