package kubernetes

import (
	"cmp"
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/useragent"
)

// Counter is the one writer of a Pass's registration fields
// (registeredDevices, devicesByWallet, firstRegistered, lastRegistered,
// firstUnregistered, lastUnregistered): it runs on the leader replica and counts the pass's
// DeviceRegistrations. A device that left is seen as a lower count, so
// one leaving and another arriving between two counts go unseen.
type Counter struct {
	Client client.Client
	Now    func() time.Time // time.Now when nil
}

func (c *Counter) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// SetupWithManager registers the counter: registration events wake the
// pass they belong to.
func (c *Counter) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("registration-counter").
		For(&walletv1.Pass{}).
		Watches(&walletv1.DeviceRegistration{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			r := o.(*walletv1.DeviceRegistration)
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: r.Namespace, Name: r.Spec.PassName}}}
		})).
		Complete(kube.StopQuietly(c))
}

// Reconcile recounts one pass's registrations.
func (c *Counter) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p := &walletv1.Pass{}
	if err := c.Client.Get(ctx, req.NamespacedName, p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var regs walletv1.DeviceRegistrationList
	if err := c.Client.List(ctx, &regs, client.InNamespace(p.Namespace), client.MatchingFields{index.RegistrationPass.Name: p.Name}); err != nil {
		return ctrl.Result{}, err
	}
	before := p.DeepCopy()
	if n := int32(len(regs.Items)); n < p.Status.RegisteredDevices {
		// Fewer than last counted: a device left (unregistered, or APNs
		// found its token gone) since.
		now := metav1.NewTime(c.now().Truncate(time.Second))
		if p.Status.FirstUnregistered == nil {
			p.Status.FirstUnregistered = &now
		}
		p.Status.LastUnregistered = &now
	}
	p.Status.RegisteredDevices = int32(len(regs.Items))
	p.Status.DevicesByWallet = nil
	var first, last time.Time
	for _, r := range regs.Items {
		if p.Status.DevicesByWallet == nil {
			p.Status.DevicesByWallet = map[string]int32{}
		}
		p.Status.DevicesByWallet[cmp.Or(r.Spec.Wallet, useragent.WalletUnknown)]++
		t := r.CreationTimestamp.Time
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if !first.IsZero() {
		// First registration ever is kept even when that device leaves.
		if p.Status.FirstRegistered == nil || first.Before(p.Status.FirstRegistered.Time) {
			p.Status.FirstRegistered = &metav1.Time{Time: first}
		}
		if p.Status.LastRegistered == nil || last.After(p.Status.LastRegistered.Time) {
			p.Status.LastRegistered = &metav1.Time{Time: last}
		}
	}
	return ctrl.Result{}, status.Patch(ctx, c.Client, status.RegistrationCounter, before, p)
}
