package push

import (
	"context"
	"sync"
	"time"

	"github.com/sideshow/apns2"
	ctrl "sigs.k8s.io/controller-runtime"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// reconcileShared pushes a pass's due registrations from the shared queue.
// Every replica runs it for every change: each claims batches the others
// have not, pushes them, and records the batch's outcomes in a statement or
// three. What another replica still holds (or a dead one held until its
// lease ends) is looked at again later; the fan-out is recorded on the pass
// by whichever replica finds nothing left to push.
func (p *Pusher) reconcileShared(ctx context.Context, pass *walletv1.Pass, requests walletv1.PushRequestsStatus, since time.Time) (ctrl.Result, error) {
	ref := registry.PassRef{Namespace: pass.Namespace, Name: pass.Name}
	digest := pass.Status.Bundle.ContentDigest
	t := newTally()
	var apns *apns2.Client
	var after int64
	for first := true; ; first = false {
		batch, err := p.Queue.Claim(ctx, ref, digest, since, after, p.Options.ClaimBatch, p.Options.ClaimLease)
		if err != nil {
			return ctrl.Result{}, err // retried with backoff; claims made end with their lease
		}
		if len(batch) == 0 {
			break
		}
		if first {
			var ok bool
			if apns, ok = p.client(ctx, pass, len(batch)); !ok {
				return ctrl.Result{RequeueAfter: p.Options.MaxBackoff}, p.Queue.Release(ctx, ids(batch))
			}
		}
		for _, d := range batch {
			after = max(after, d.ID)
		}
		if err := p.pushBatch(ctx, apns, pass, digest, since, batch, t); err != nil {
			return ctrl.Result{}, err
		}
	}
	due, registered, err := p.Queue.Pending(ctx, ref, digest, since)
	if err != nil {
		return ctrl.Result{}, err
	}
	if due > 0 {
		// Claimed by another replica, or released for a retry: looked at
		// again by when a claim of a replica that died has expired.
		t.retry = true
	}
	res, err := p.finish(ctx, pass, t, registered, requests)
	if due > 0 && res.RequeueAfter > p.Options.ClaimLease {
		res.RequeueAfter = p.Options.ClaimLease
	}
	return res, err
}

// pushBatch pushes one claimed batch with bounded concurrency and records
// its outcomes: told (delivered, or refused for good), gone (APNs no longer
// knows the token) and released (to retry), one statement each.
func (p *Pusher) pushBatch(ctx context.Context, apns *apns2.Client, pass *walletv1.Pass, digest string, since time.Time, batch []registry.Due, t *tally) error {
	kinds := make([]Outcome, len(batch))
	reasons := make([]string, len(batch))
	var wg sync.WaitGroup
	for i, d := range batch {
		p.sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-p.sem }()
			if p.Options.LogOnly {
				kinds[i] = Logged
				return
			}
			kinds[i], reasons[i] = p.send(ctx, apns, d.PushToken, topic(pass))
		})
	}
	wg.Wait()
	var told, gone, released []int64
	for i, d := range batch {
		switch kinds[i] {
		case Delivered, Failed, Logged:
			told = append(told, d.ID)
		case Unregistered:
			gone = append(gone, d.ID)
		default:
			released = append(released, d.ID)
		}
	}
	err := p.Queue.Told(ctx, digest, since, told)
	if err == nil {
		err = p.Queue.Gone(ctx, gone)
	}
	if err == nil {
		err = p.Queue.Release(ctx, released)
	}
	for i := range batch {
		t.add(kinds[i], reasons[i], err)
	}
	return err
}

func ids(batch []registry.Due) []int64 {
	out := make([]int64, len(batch))
	for i, d := range batch {
		out[i] = d.ID
	}
	return out
}
