// Package passcount keeps each PassTemplate's statistics of its passes
// (status.passes, readyPasses, voidedPasses, redeemedPasses,
// expiredPasses, anonymizedPasses, registeredDevices, countedAt) and the
// per-template gauges: a writer of its own, apart from the passtemplate
// reconciler that checks the template, so a burst of pass changes costs
// one count per interval and never a template check.
package passcount

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// Reconciler counts the passes of each template.
type Reconciler struct {
	Client client.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// SetupWithManager counts a template when it appears and, a second after
// (shared.PassEventDelay), when one of its passes changes in a way that
// changes the counts.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&walletv1.PassTemplate{}, builder.WithPredicates(predicate.Funcs{
			UpdateFunc: func(event.UpdateEvent) bool { return false }, // a template's own changes change no count
		})).
		Watches(&walletv1.Pass{}, shared.TemplateOfPass(shared.PassEventDelay), builder.WithPredicates(countsChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("passcount").
		Complete(kube.StopQuietly(r))
}

// countsChanged passes the pass events that change a template's counts.
func countsChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*walletv1.Pass), e.ObjectNew.(*walletv1.Pass)
			return o.Spec.TemplateRef != n.Spec.TemplateRef || countsOf(o) != countsOf(n)
		},
	}
}

// Reconcile counts the template's passes and writes the counts when they
// changed, at most once per CountInterval.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	tpl := &walletv1.PassTemplate{}
	if err := r.Client.Get(ctx, req.NamespacedName, tpl); err != nil {
		if client.IgnoreNotFound(err) == nil {
			forget(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !tpl.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	var list walletv1.PassList
	if err := r.Client.List(ctx, &list, client.InNamespace(tpl.Namespace), client.MatchingFields{index.PassTemplate.Name: tpl.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}
	before := tpl.DeepCopy()
	recount, changed := setCounts(tpl, list.Items, r.now())
	if changed {
		// The counts alone: a merge patch of the fields this writer owns.
		if err := status.PassCount.Patch(ctx, r.Client, tpl, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return ctrl.Result{RequeueAfter: recount}, nil
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// CountInterval is the least time between two writes of a template's
// counts: a fan-out over its passes writes them once per interval, not
// once per pass.
const CountInterval = 10 * time.Second

// counts are a template's statistics of its passes.
type counts struct {
	passes, ready, voided, redeemed, expired, anonymized int32
	devices                                              int64
}

// countsOf is one pass's share of its template's counts.
func countsOf(p *walletv1.Pass) counts {
	one := func(b bool) int32 {
		if b {
			return 1
		}
		return 0
	}
	return counts{
		passes: 1, ready: one(status.IsReady(p.Status.Conditions, p.Generation)),
		voided: one(p.Spec.Voided), redeemed: one(p.Spec.Redeemed), expired: one(p.Status.Expired), anonymized: one(p.Spec.Anonymized),
		devices: int64(p.Status.RegisteredDevices),
	}
}

// setCounts records the template's pass statistics, at most once per
// CountInterval; it returns when to count again (0: nothing pending) and
// whether it changed the status.
func setCounts(t *walletv1.PassTemplate, passes []walletv1.Pass, now time.Time) (time.Duration, bool) {
	var c counts
	for i := range passes {
		p := countsOf(&passes[i])
		c.passes, c.ready, c.voided, c.redeemed = c.passes+p.passes, c.ready+p.ready, c.voided+p.voided, c.redeemed+p.redeemed
		c.expired, c.anonymized, c.devices = c.expired+p.expired, c.anonymized+p.anonymized, c.devices+p.devices
	}
	s := &t.Status
	if c == (counts{s.Passes, s.ReadyPasses, s.VoidedPasses, s.RedeemedPasses, s.ExpiredPasses, s.AnonymizedPasses, s.RegisteredDevices}) {
		return 0, false
	}
	if s.CountedAt != nil {
		if wait := s.CountedAt.Add(CountInterval).Sub(now); wait > 0 {
			return wait, false
		}
	}
	s.Passes, s.ReadyPasses, s.VoidedPasses, s.RedeemedPasses = c.passes, c.ready, c.voided, c.redeemed
	s.ExpiredPasses, s.AnonymizedPasses, s.RegisteredDevices = c.expired, c.anonymized, c.devices
	s.CountedAt = &metav1.Time{Time: now.Truncate(time.Second)}
	passGauge.WithLabelValues(t.Namespace, t.Name).Set(float64(c.passes))
	devicesGauge.WithLabelValues(t.Namespace, t.Name).Set(float64(c.devices))
	return 0, true
}
