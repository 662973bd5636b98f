package postgres

import (
	"cmp"
	"context"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// CountsSync is the writer of Passes' registration fields when PostgreSQL
// holds the registrations: on the elected
// replica it reads the passes whose figures changed since its last look and
// patches their status, at most WritesPerSecond a second, so a burst of
// registrations is a bounded stream of writes.
type CountsSync struct {
	Client client.Client
	Store  *Store
	// Interval between looks; 2 s when zero.
	Interval time.Duration
	// WritesPerSecond bounds status writes; 100 when zero.
	WritesPerSecond float64
}

// forgetAfter: a pass missing from the cache this long after its figures
// last changed is gone, not merely not seen yet by this replica.
const forgetAfter = time.Minute

// overlap re-reads changes this long before the newest seen: a transaction
// that began earlier may commit after a later one was read.
const overlap = 5 * time.Second

// Start runs until ctx ends.
func (c *CountsSync) Start(ctx context.Context) error {
	interval := cmp.Or(c.Interval, 2*time.Second)
	limiter := rate.NewLimiter(rate.Limit(cmp.Or(c.WritesPerSecond, 100)), 1)
	log := ctrl.LoggerFrom(ctx).WithName("registration-counts")
	var cursor time.Time
	for {
		next, err := c.sync(ctx, cursor, limiter)
		if err != nil && ctx.Err() == nil {
			log.Error(err, "read registration counts; trying again")
		} else {
			cursor = next
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// NeedLeaderElection: one writer.
func (c *CountsSync) NeedLeaderElection() bool { return true }

func (c *CountsSync) sync(ctx context.Context, cursor time.Time, limiter *rate.Limiter) (time.Time, error) {
	const page = 500
	since := cursor.Add(-overlap)
	for {
		counts, err := c.Store.CountsChangedSince(ctx, since, page)
		if err != nil {
			return cursor, err
		}
		for _, n := range counts {
			if err := c.write(ctx, n, limiter); err != nil {
				return cursor, err
			}
			cursor = maxTime(cursor, n.Changed)
		}
		if len(counts) < page {
			return cursor, nil
		}
		since = maxTime(counts[page-1].Changed, since.Add(time.Microsecond))
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// write patches one pass's figures when they differ from its status.
func (c *CountsSync) write(ctx context.Context, n registry.Counts, limiter *rate.Limiter) error {
	p := &walletv1.Pass{}
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: n.Pass.Namespace, Name: n.Pass.Name}, p); err != nil {
		if apierrors.IsNotFound(err) && time.Since(n.Changed) > forgetAfter {
			// Deleted while no replica was running to see it go.
			return c.Store.Forget(ctx, n.Pass)
		}
		return client.IgnoreNotFound(err)
	}
	before := p.DeepCopy()
	p.Status.RegisteredDevices = int32(n.Devices)
	p.Status.DevicesByWallet = nil
	if len(n.ByWallet) > 0 {
		p.Status.DevicesByWallet = n.ByWallet
	}
	if !n.First.IsZero() && n.First.Unix() > 0 {
		p.Status.FirstRegistered = &metav1.Time{Time: n.First}
	}
	if !n.Last.IsZero() && n.Last.Unix() > 0 {
		p.Status.LastRegistered = &metav1.Time{Time: n.Last}
	}
	if !n.FirstUnregistered.IsZero() && n.FirstUnregistered.Unix() > 0 {
		p.Status.FirstUnregistered = &metav1.Time{Time: n.FirstUnregistered}
	}
	if !n.LastUnregistered.IsZero() && n.LastUnregistered.Unix() > 0 {
		p.Status.LastUnregistered = &metav1.Time{Time: n.LastUnregistered}
	}
	if equality.Semantic.DeepEqual(before.Status, p.Status) {
		return nil
	}
	if err := limiter.Wait(ctx); err != nil {
		return err
	}
	return status.Patch(ctx, c.Client, status.RegistrationCounter, before, p)
}
