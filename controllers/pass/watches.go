package pass

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// byIndex maps an object to the passes in its namespace whose index holds
// its name.
func (r *Reconciler) byIndex(i index.Index) handler.MapFunc {
	return shared.ByIndex(r.Client, shared.PassList, i)
}

func (r *Reconciler) passesOfTemplate(ctx context.Context, tpl client.Object) []reconcile.Request {
	return r.byIndex(index.PassTemplate)(ctx, tpl)
}

// passesOfCertificate maps a certificate to the passes of every template
// that signs with it.
func (r *Reconciler) passesOfCertificate(ctx context.Context, cert client.Object) []reconcile.Request {
	var templates walletv1.PassTemplateList
	if err := r.Client.List(ctx, &templates, client.InNamespace(cert.GetNamespace()), client.MatchingFields{index.TemplateCertificate.Name: cert.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list templates of a certificate")
		return nil
	}
	var reqs []reconcile.Request
	for i := range templates.Items {
		reqs = append(reqs, r.passesOfTemplate(ctx, &templates.Items[i])...)
	}
	return reqs
}

// passesWithSameSerial wakes the passes that a deleted pass may have held
// a serial number against.
func (r *Reconciler) passesWithSameSerial(ctx context.Context, obj client.Object) []reconcile.Request {
	var list walletv1.PassList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index.PassSerial.Name: obj.(*walletv1.Pass).Spec.SerialNumber}, client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "list passes by serial number")
		return nil
	}
	return shared.Requests(&list)
}

// passChanged passes every pass event but an update of its status alone:
// the pass controller's own status write, or the web service's counts and
// push records, which render nothing differently. Without it every signing
// woke the pass once more, only to render it again and find its bundle
// stored (a render and a store lookup per pass for nothing). A bundle the
// web service reports damaged needs a signing, and a deleted pass waits
// for its voided version's fan-out, which the web service records in its
// status: those status changes pass.
func passChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld.(*walletv1.Pass), e.ObjectNew.(*walletv1.Pass)
		return o.Generation != n.Generation || damaged(n) && !damaged(o) || n.DeletionTimestamp != nil ||
			!equality.Semantic.DeepEqual(o.Labels, n.Labels) || !equality.Semantic.DeepEqual(o.Annotations, n.Annotations) ||
			!equality.Semantic.DeepEqual(o.Finalizers, n.Finalizers) || !equality.Semantic.DeepEqual(o.OwnerReferences, n.OwnerReferences) ||
			!o.DeletionTimestamp.Equal(n.DeletionTimestamp)
	}}
}

func damaged(p *walletv1.Pass) bool { return p.Status.Bundle != nil && p.Status.Bundle.Damaged != "" }

// templateChanged passes template updates that matter to its passes: a new
// generation once checked, readiness and why it is not Ready, its shared
// files, its pass type. Counts and the message of a Ready template do not
// wake thousands of passes.
func templateChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld.(*walletv1.PassTemplate), e.ObjectNew.(*walletv1.PassTemplate)
		return readyKey(o.Status.Conditions) != readyKey(n.Status.Conditions) ||
			o.Status.SharedBundle != n.Status.SharedBundle ||
			o.Status.NFCEncryptionPublicKey != n.Status.NFCEncryptionPublicKey ||
			o.Status.PassTypeIdentifier != n.Status.PassTypeIdentifier
	}}
}

// certificateChanged passes certificate updates that change what signs, or
// what its passes say about it.
func certificateChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld.(*walletv1.PassCertificate), e.ObjectNew.(*walletv1.PassCertificate)
		return readyKey(o.Status.Conditions) != readyKey(n.Status.Conditions) || o.Status.Fingerprint != n.Status.Fingerprint
	}}
}

// readyState is what a pass repeats of a dependency's Ready condition: its
// status and generation, and, when it is not Ready, its reason and message
// (the pass's own condition quotes them, so they must not go stale).
type readyState struct {
	status, reason, message string
	generation              int64
}

func readyKey(conds []metav1.Condition) readyState {
	c := status.Ready(conds)
	if c == nil {
		return readyState{}
	}
	if c.Status == metav1.ConditionTrue {
		return readyState{status: string(c.Status), generation: c.ObservedGeneration}
	}
	return readyState{string(c.Status), c.Reason, c.Message, c.ObservedGeneration}
}

func deleted() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
	}
}
