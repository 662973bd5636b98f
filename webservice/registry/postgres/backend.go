package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// Setup adds the writer of each Pass's registration figures (on the
// elected replica) to mgr.
func (s *Store) Setup(_ context.Context, mgr manager.Manager) error {
	return mgr.Add(&CountsSync{Client: mgr.GetClient(), Store: s, Interval: s.CountsInterval})
}

// Shared is true: claims are rows every replica sees, so every replica
// pushes and sends webhook events.
func (s *Store) Shared() bool { return true }

// WakePushes adds nothing: registrations are rows, not watched objects; a
// new one's device fetches the pass it registered with.
func (s *Store) WakePushes(b *builder.Builder) *builder.Builder { return b }

// FanOut claims the pass's due registrations batch by batch; rows another
// replica holds are skipped, so replicas share the fan-out.
func (s *Store) FanOut(pass registry.PassRef, digest string, since time.Time, lease time.Duration) registry.FanOut {
	return &fanOut{store: s, pass: pass, digest: digest, since: since, lease: lease, owner: claimOwner()}
}

type fanOut struct {
	store  *Store
	pass   registry.PassRef
	digest string
	since  time.Time
	lease  time.Duration
	after  int64  // the highest id handed out: a released row is not claimed again by this fan-out
	owner  string // this fan-out's claims
}

// claimOwner is a random token naming one holder of claims.
func claimOwner() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (f *fanOut) Next(ctx context.Context, n int) ([]registry.Due, error) {
	batch, err := f.store.claim(ctx, f.pass, f.digest, f.since, f.after, n, f.lease, f.owner)
	for _, d := range batch {
		f.after = max(f.after, d.ID)
	}
	return batch, err
}

// Record writes the batch's outcomes in a statement each.
func (f *fanOut) Record(ctx context.Context, told, gone, released []registry.Due) error {
	if err := f.store.told(ctx, f.digest, f.since, ids(told), f.owner); err != nil {
		return err
	}
	if err := f.store.gone(ctx, gone); err != nil {
		return err
	}
	return f.store.release(ctx, ids(released), f.owner)
}

func (f *fanOut) Pending(ctx context.Context) (due, registered int, err error) {
	return f.store.Pending(ctx, f.pass, f.digest, f.since)
}

func ids(batch []registry.Due) []int64 {
	out := make([]int64, len(batch))
	for i, d := range batch {
		out[i] = d.ID
	}
	return out
}
