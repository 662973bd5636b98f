package kubernetes

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// Backend is the DeviceRegistration backend: registrations are resources in
// their pass's namespace, webhook events wait as PendingWebhookEvents
// there, and the elected replica counts registrations and pushes.
type Backend struct {
	*Store
	*Outbox
	// RecordConcurrency bounds the API writes recording one batch's push
	// outcomes (4 when zero; the pusher records a few batches at once).
	RecordConcurrency int

	mu sync.Mutex
	// told holds, per pass, the registrations this process pushed and
	// recorded whose status the cache may not show yet: without it a
	// reconcile reading a stale cache would push them again.
	told map[types.NamespacedName]map[types.UID]string
}

var _ registry.Backend = (*Backend)(nil)

// New returns the backend of mgr's cluster: writes through its client,
// reads through its cache (with the indexes Setup registers), and reads
// afresh through its API reader where the cache may lag.
func New(mgr manager.Manager) *Backend {
	outbox := &Outbox{Client: mgr.GetClient(), Cache: mgr.GetCache(), API: mgr.GetAPIReader()}
	return &Backend{
		Store:  &Store{Client: mgr.GetClient(), Cache: mgr.GetCache(), Outbox: outbox},
		Outbox: outbox,
		told:   map[types.NamespacedName]map[types.UID]string{},
	}
}

// Setup registers the registration indexes and the counter of each Pass's
// registrations.
func (b *Backend) Setup(ctx context.Context, mgr manager.Manager) error {
	if err := SetupIndexes(ctx, mgr); err != nil {
		return fmt.Errorf("registration indexes: %w", err)
	}
	if err := (&Counter{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("registration counter: %w", err)
	}
	return nil
}

// Shared is false: outbox claims and what was told are in this process's
// memory, so only the elected replica pushes and sends.
func (b *Backend) Shared() bool { return false }

// WakePushes wakes a pass's pusher when a registration is created or its
// spec changes (a new push token or registered version); the pusher's own
// status writes and deletions need no push.
func (b *Backend) WakePushes(bldr *builder.Builder) *builder.Builder {
	return bldr.Watches(&walletv1.DeviceRegistration{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		r := o.(*walletv1.DeviceRegistration)
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: r.Namespace, Name: r.Spec.PassName}}}
	}), builder.WithPredicates(predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool { return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() },
		DeleteFunc: func(event.DeleteEvent) bool { return false },
	}))
}

// Forget deletes the registrations and webhook events of a pass that is
// gone (without waiting for a garbage collector: their owner reference is
// not always set) and what this process remembers of it.
func (b *Backend) Forget(ctx context.Context, pass registry.PassRef) error {
	b.mu.Lock()
	delete(b.told, types.NamespacedName{Namespace: pass.Namespace, Name: pass.Name})
	b.mu.Unlock()
	of := []client.DeleteAllOfOption{client.InNamespace(pass.Namespace), client.MatchingLabels{walletv1.LabelPass: walletv1.LabelValue(pass.Name)}}
	if err := b.Store.Client.DeleteAllOf(ctx, &walletv1.DeviceRegistration{}, of...); err != nil {
		return err
	}
	return b.Store.Client.DeleteAllOf(ctx, &walletv1.PendingWebhookEvent{}, of...)
}

// FanOut hands out the pass's registrations that do not know digest yet,
// neither by their status nor by what this process already told them, and,
// when a push-now request is pending, those registered at or before it.
func (b *Backend) FanOut(pass registry.PassRef, digest string, since time.Time, _ time.Duration) registry.FanOut {
	return &fanOut{backend: b, pass: types.NamespacedName{Namespace: pass.Namespace, Name: pass.Name}, digest: digest, since: since}
}
