// Package sweep deletes the bundle objects that deletions left behind: a
// pass whose finalizer was removed by hand, a pass or template deleted
// while no manager ran. Deletions take their objects with them; the sweep
// is the safety net that keeps a bucket from growing without bound.
package sweep

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
)

// DefaultInterval is how often the elected manager sweeps the store.
const DefaultInterval = time.Hour

// DefaultMinAge is how old an object must be before a sweep deletes it:
// younger ones may belong to a pass or template the cache does not show
// yet, or to a template whose status has not caught up.
const DefaultMinAge = 5 * time.Minute

var swept = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "wallet_manager_bundle_objects_swept_total",
	Help: "Bundle objects (S3 objects, ConfigMaps) deleted by the sweep because no pass or template used them any more.",
})

func init() { metrics.Registry.MustRegister(swept) }

// Sweeper sweeps Store every Interval, answering from the manager's cache;
// only the elected manager runs it.
type Sweeper struct {
	Store    bundle.Store
	Cache    client.Reader
	Interval time.Duration
	// MinAge: DefaultMinAge when zero.
	MinAge time.Duration
}

// NeedLeaderElection: one manager sweeps.
func (*Sweeper) NeedLeaderElection() bool { return true }

// Start sweeps once the cache has synced (the runnables of the elected
// manager start after it), then every Interval, until ctx ends.
func (s *Sweeper) Start(ctx context.Context) error {
	log := ctrl.Log.WithName("sweep")
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.Interval):
		}
		start := time.Now()
		minAge := s.MinAge
		if minAge == 0 {
			minAge = DefaultMinAge
		}
		n, err := s.Store.Sweep(ctx, &References{Cache: s.Cache}, minAge)
		swept.Add(float64(n))
		if err != nil && ctx.Err() == nil {
			log.Error(err, "sweeping the bundle store failed; retried at the next sweep", "store", s.Store.Kind(), "deleted", n)
			continue
		}
		log.V(1).Info("swept the bundle store", "store", s.Store.Kind(), "deleted", n, "took", time.Since(start).Round(time.Millisecond))
	}
}

// References answers a sweep from the manager's cache. It remembers the
// shared keys in use per namespace for one sweep.
type References struct {
	Cache client.Reader
	used  map[string]map[string]bool
}

// PassExists asks the cache for the pass.
func (r *References) PassExists(ctx context.Context, namespace, name string) (bool, error) {
	err := r.Cache.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &walletv1.Pass{})
	if err == nil {
		return true, nil
	}
	return false, client.IgnoreNotFound(err)
}

// SharedInUse: a template's current shared files or those a pass's bundle
// was signed with, in that namespace.
func (r *References) SharedInUse(ctx context.Context, namespace, key string) (bool, error) {
	if r.used == nil {
		r.used = map[string]map[string]bool{}
	}
	used, ok := r.used[namespace]
	if !ok {
		used = map[string]bool{}
		var templates walletv1.PassTemplateList
		if err := r.Cache.List(ctx, &templates, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return false, err
		}
		for i := range templates.Items {
			used[templates.Items[i].Status.SharedBundle] = true
		}
		var passes walletv1.PassList
		if err := r.Cache.List(ctx, &passes, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return false, err
		}
		for i := range passes.Items {
			if b := passes.Items[i].Status.Bundle; b != nil {
				used[shared.SharedKeyOf(b)] = true
			}
		}
		r.used[namespace] = used
	}
	return used[key], nil
}
