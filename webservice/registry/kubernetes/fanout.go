package kubernetes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// fanOut lists the pass's due registrations once, from the cache, and hands
// them out in order; a Due's ID is its place in that list. What a device
// was told is kept in its registration's status.
type fanOut struct {
	backend *Backend
	pass    types.NamespacedName
	digest  string
	since   time.Time

	listed     bool
	due        []*walletv1.DeviceRegistration
	registered int
	next       int // the first not handed out
	// Counted by Record, which runs for several batches at once.
	released, gone atomic.Int64
}

func (f *fanOut) Next(ctx context.Context, n int) ([]registry.Due, error) {
	if !f.listed {
		if err := f.list(ctx); err != nil {
			return nil, err
		}
		f.listed = true
	}
	end := min(f.next+n, len(f.due))
	out := make([]registry.Due, 0, end-f.next)
	for i := f.next; i < end; i++ {
		out = append(out, registry.Due{ID: int64(i), PushToken: f.due[i].Spec.PushToken})
	}
	f.next = end
	return out, nil
}

// list reads the pass's registrations and keeps those due: not told of the
// digest (by their status, or by this process when the cache lags), or
// registered at or before a pending push-now request.
func (f *fanOut) list(ctx context.Context) error {
	var regs walletv1.DeviceRegistrationList
	if err := f.backend.Store.Cache.List(ctx, &regs, client.InNamespace(f.pass.Namespace), client.MatchingFields{index.RegistrationPass.Name: f.pass.Name}); err != nil {
		return err
	}
	b := f.backend
	b.mu.Lock()
	defer b.mu.Unlock()
	told, stillTold := b.told[f.pass], map[types.UID]string{}
	for i := range regs.Items {
		reg := &regs.Items[i]
		known := knownDigest(reg)
		if d, ok := told[reg.UID]; ok && d != known {
			stillTold[reg.UID] = d // the cache has not caught up yet
			known = d
		}
		requested := !f.since.IsZero() && !reg.CreationTimestamp.After(f.since)
		if (known != f.digest || requested) && reg.DeletionTimestamp.IsZero() {
			f.due = append(f.due, reg)
		}
	}
	if len(stillTold) > 0 {
		b.told[f.pass] = stillTold
	} else {
		delete(b.told, f.pass)
	}
	f.registered = len(regs.Items)
	return nil
}

// knownDigest is the version the device is known to have: the last one it
// was pushed for, or the one it registered with.
func knownDigest(r *walletv1.DeviceRegistration) string {
	if r.Status.PushedDigest != "" {
		return r.Status.PushedDigest
	}
	return r.Spec.RegisteredDigest
}

// Record writes each outcome to its registration (the digest a device was
// told of; the end of a registration the push service no longer knows),
// RecordConcurrency at a time.
func (f *fanOut) Record(ctx context.Context, told, gone, released []registry.Due) error {
	f.released.Add(int64(len(released)))
	f.gone.Add(int64(len(gone)))
	now := metav1.Now()
	type write struct {
		reg  *walletv1.DeviceRegistration
		gone bool
	}
	writes := make(chan write)
	go func() {
		defer close(writes)
		for _, d := range told {
			writes <- write{reg: f.due[d.ID]}
		}
		for _, d := range gone {
			writes <- write{reg: f.due[d.ID], gone: true}
		}
	}()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range cmp.Or(f.backend.RecordConcurrency, 4) {
		wg.Go(func() {
			for w := range writes {
				err := f.record(ctx, w.reg, w.gone, now)
				if err == nil {
					f.backend.remember(f.pass, w.reg.UID, f.digest)
					continue
				}
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (f *fanOut) record(ctx context.Context, reg *walletv1.DeviceRegistration, gone bool, now metav1.Time) error {
	c := f.backend.Store.Client
	if gone {
		return f.deleteGone(ctx, reg)
	}
	before := reg.DeepCopy()
	reg.Status.PushedDigest, reg.Status.LastPushed = f.digest, &now
	return client.IgnoreNotFound(status.FanOut.Patch(ctx, c, reg, client.MergeFrom(before)))
}

// deleteGone deletes a registration whose push token APNs refused, only
// while it has that token: a device that registered again with a new one
// meanwhile keeps its registration. The delete's precondition is the
// version the token was read at; a newer version is read and its token
// compared again.
func (f *fanOut) deleteGone(ctx context.Context, reg *walletv1.DeviceRegistration) error {
	c, token := f.backend.Store.Client, reg.Spec.PushToken
	for range 3 {
		err := c.Delete(ctx, reg, client.Preconditions{UID: &reg.UID, ResourceVersion: &reg.ResourceVersion})
		if err == nil {
			// Gone at once for this replica's counts, as an unregistration is.
			f.backend.Store.recent.record(reg.Spec.DeviceLibraryIdentifier, reg.Spec.PassTypeIdentifier, registry.PassRef{Namespace: reg.Namespace, Name: reg.Spec.PassName}, false)
		}
		if !apierrors.IsConflict(err) {
			return client.IgnoreNotFound(err)
		}
		current := &walletv1.DeviceRegistration{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(reg), current); err != nil {
			return client.IgnoreNotFound(err)
		}
		if current.UID != reg.UID || current.Spec.PushToken != token {
			return nil // registered again: not the token that failed
		}
		reg = current
	}
	return fmt.Errorf("delete DeviceRegistration %s/%s: it kept changing", reg.Namespace, reg.Name)
}

// Pending: what this fan-out released or has not handed out is still due;
// the pass's registrations are those it listed less those found gone (a
// registration made since wakes the pusher again).
func (f *fanOut) Pending(context.Context) (due, registered int, err error) {
	return int(f.released.Load()) + len(f.due) - f.next, f.registered - int(f.gone.Load()), nil
}

func (b *Backend) remember(pass types.NamespacedName, reg types.UID, digest string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.told[pass] == nil {
		b.told[pass] = map[types.UID]string{}
	}
	b.told[pass][reg] = digest
}
