package googlewallet

import (
	"context"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	gw "github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// classReconciler keeps a Google Wallet template's class at Google: mapped
// from the pass.json of the template's newest signed pass (the class holds
// what every pass of the template shows alike), sent when that mapping
// changes, and recorded in the template's status.googleWallet, which it
// alone writes. The passes' objects wait for it there.
type classReconciler struct{ *Reconciler }

// Reconcile maps the template's class and sends it when it changed.
func (r classReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	tpl := &walletv1.PassTemplate{}
	if err := r.Client.Get(ctx, req.NamespacedName, tpl); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if tpl.Spec.GoogleWallet == nil || !tpl.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.patchClass(ctx, tpl, nil)
	}
	want := &walletv1.GoogleWalletClassStatus{ClassID: gw.ClassID(tpl)}
	if s := tpl.Status.GoogleWallet; s != nil {
		// A copy: setting a condition in place would change the status
		// the patch is computed against, and it would send nothing.
		want.Conditions = slices.Clone(s.Conditions)
		if s.ClassID == want.ClassID {
			want.Vertical, want.ContentDigest = s.Vertical, s.ContentDigest
		}
	}
	return syncThenRecord(ctx,
		func(ctx context.Context) (ctrl.Result, error) { return r.syncClass(ctx, tpl, want) },
		func(ctx context.Context) error { return r.patchClass(ctx, tpl, want) })
}

// syncClass fills want (the template's status.googleWallet); an error is
// retried.
func (r classReconciler) syncClass(ctx context.Context, tpl *walletv1.PassTemplate, want *walletv1.GoogleWalletClassStatus) (ctrl.Result, error) {
	setCondition := func(s metav1.ConditionStatus, reason, msg string) {
		status.Set(&want.Conditions, tpl.Generation, walletv1.ConditionGoogleWalletReady, s, reason, msg)
	}
	if owner, err := r.classOwner(ctx, tpl); err != nil {
		return ctrl.Result{}, err
	} else if owner != tpl.UID {
		setCondition(metav1.ConditionFalse, walletv1.ReasonClassClaimed, fmt.Sprintf("class %s is another template's: choose another spec.googleWallet.classSuffix", want.ClassID))
		return ctrl.Result{}, nil
	}
	source, err := r.classSource(ctx, tpl)
	if err != nil {
		return ctrl.Result{}, err
	}
	if source == nil {
		// The class is made from a signed pass, whose arrival brings the
		// template back; nothing is written meanwhile.
		return ctrl.Result{}, errNoBundle
	}
	mapped, account, stop, err := r.mapWithAccount(ctx, source, tpl, gw.ObjectID(r.Options.Installation, tpl, source),
		fmt.Sprintf("the bundle of pass %s, which the class is made from,", source.Name), "mapped from pass "+source.Name+": ", setCondition)
	if stop {
		return ctrl.Result{}, err
	}
	digest := mapped.ClassDigest()
	if account == nil {
		want.Vertical, want.ContentDigest = mapped.Vertical, digest
		setCondition(metav1.ConditionTrue, walletv1.ReasonGoogleWalletDevelopment, "not sent to Google: the template has no service account key")
		return ctrl.Result{}, nil
	}
	ready := gwReady(want.Conditions)
	// Google has the class when this template's status says it was sent
	// once (a class only mapped for development links was not).
	known := want.ContentDigest != "" && ready != nil && ready.Reason != walletv1.ReasonGoogleWalletDevelopment
	sent := classSent{want.ClassID, digest}
	if last, _ := r.classesSent.Load(tpl.UID); last == sent {
		// Sent by this process already; the status write recording it is
		// on its way to the cache.
	} else if !known || want.ContentDigest != digest || ready.Reason != walletv1.ReasonGoogleWalletSynced {
		if err := r.send(ctx, account, mapped.Class, known); err != nil {
			r.classesSent.Delete(tpl.UID)
			return r.apiFailed(err, true, setCondition)
		}
		r.classesSent.Store(tpl.UID, sent)
	}
	want.Vertical, want.ContentDigest = mapped.Vertical, digest
	setCondition(metav1.ConditionTrue, walletv1.ReasonGoogleWalletSynced, "class "+want.ClassID+" is in sync with Google Wallet")
	return ctrl.Result{}, nil
}

// classSent is a class as sent: its ID and content digest.
type classSent struct{ id, digest string }

// classSource is the template's pass the class is mapped from: of those
// signed, the one signed last, as it shows the template as it is now.
func (r classReconciler) classSource(ctx context.Context, tpl *walletv1.PassTemplate) (*walletv1.Pass, error) {
	var list walletv1.PassList
	if err := r.Client.List(ctx, &list, client.InNamespace(tpl.Namespace), client.MatchingFields{index.PassTemplate.Name: tpl.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	var newest *walletv1.Pass
	for i := range list.Items {
		p := &list.Items[i]
		if p.Status.Bundle == nil || p.Status.Bundle.ContentDigest == "" || !p.DeletionTimestamp.IsZero() {
			continue
		}
		if newest == nil || p.Status.Bundle.Revision > newest.Status.Bundle.Revision ||
			(p.Status.Bundle.Revision == newest.Status.Bundle.Revision && p.Name < newest.Name) {
			newest = p
		}
	}
	if newest == nil {
		return nil, nil
	}
	return newest.DeepCopy(), nil
}

// patchClass writes the template's status.googleWallet alone (the
// template controller and the pass counter write the rest).
func (r classReconciler) patchClass(ctx context.Context, tpl *walletv1.PassTemplate, want *walletv1.GoogleWalletClassStatus) error {
	if equalClassStatus(tpl.Status.GoogleWallet, want) {
		return nil
	}
	before := tpl.DeepCopy()
	tpl.Status.GoogleWallet = want
	return client.IgnoreNotFound(status.GoogleWallet.Patch(ctx, r.Client, tpl, client.MergeFrom(before)))
}

// templateOfSignedPass: a pass of a Google Wallet template signed anew may
// change its template's class.
func (r classReconciler) templateOfSignedPass(ctx context.Context, obj client.Object) []reconcile.Request {
	p := obj.(*walletv1.Pass)
	key := types.NamespacedName{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}
	tpl := &walletv1.PassTemplate{}
	if err := r.Client.Get(ctx, key, tpl); err != nil || tpl.Spec.GoogleWallet == nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}

// templatesOfClass: a template changed or went, so every template naming
// the same class is looked at again (the class's owner may have changed).
func (r classReconciler) templatesOfClass(ctx context.Context, obj client.Object) []reconcile.Request {
	tpl := obj.(*walletv1.PassTemplate)
	if tpl.Spec.GoogleWallet == nil {
		return nil
	}
	var list walletv1.PassTemplateList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index.TemplateGoogleClass.Name: gw.ClassID(tpl)}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if list.Items[i].UID != tpl.UID {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}

// templatesOfKeySecret: a service account key Secret changed (a key fixed
// or rotated), so its templates are looked at again.
func (r classReconciler) templatesOfKeySecret(ctx context.Context, secret client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, tpl := range r.templatesUsingKey(ctx, secret) {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(tpl)})
	}
	return reqs
}

// signedAnew passes the passes whose signed content changed.
func signedAnew() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return digestOf(e.Object.(*walletv1.Pass)) != "" },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return digestOf(e.ObjectOld.(*walletv1.Pass)) != digestOf(e.ObjectNew.(*walletv1.Pass))
		},
		DeleteFunc: func(event.DeleteEvent) bool { return false },
	}
}

// classChanged passes templates whose spec or class status changed: the
// passes' objects wait for the class.
func classChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld.(*walletv1.PassTemplate), e.ObjectNew.(*walletv1.PassTemplate)
		return o.Generation != n.Generation || !equalClassStatus(o.Status.GoogleWallet, n.Status.GoogleWallet)
	}}
}

// classAtGoogle says whether the template's class is at Google, and if
// not, why (the reason and message its status gives).
func classAtGoogle(tpl *walletv1.PassTemplate) (ok bool, reason, msg string) {
	s := tpl.Status.GoogleWallet
	if s == nil || s.ClassID != gw.ClassID(tpl) {
		return false, walletv1.ReasonClassPending, fmt.Sprintf("waiting for class %s to be sent to Google Wallet", gw.ClassID(tpl))
	}
	c := gwReady(s.Conditions)
	switch {
	case c == nil || c.Status == metav1.ConditionTrue && c.Reason != walletv1.ReasonGoogleWalletSynced:
		return false, walletv1.ReasonClassPending, fmt.Sprintf("waiting for class %s to be sent to Google Wallet", s.ClassID)
	case c.Status != metav1.ConditionTrue:
		return false, c.Reason, "class " + s.ClassID + ": " + c.Message
	}
	return true, "", ""
}
