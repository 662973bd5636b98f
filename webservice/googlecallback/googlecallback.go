// Package googlecallback receives Google Wallet's save and delete
// callbacks: it finds the pass a callback names, verifies the callback
// against Google's root keys (a few at a time: each is a few P-256
// verifications), and counts the user in or out of the pass's
// status.googleWallet.users exactly once, whichever replica gets it.
package googlecallback

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"runtime"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	gw "github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// MaxRecentNonces callbacks of a pass are remembered (its status holds
// their nonces); an older one replayed is refused by its expiry.
const MaxRecentNonces = 20

var (
	// ErrUnknown: no pass of this installation has the callback's object.
	ErrUnknown = errors.New("no pass has this object")
	// ErrNotOfClass: the object is not of its pass's class.
	ErrNotOfClass = errors.New("the object is not of its pass's class")
	// ErrReplayed: the callback was counted already.
	ErrReplayed = errors.New("this callback was received already")
)

// Receiver checks and counts callbacks.
type Receiver struct {
	api   client.Client
	cache client.Reader
	roots *gw.RootKeySource
	// verifications bounds the callbacks whose signatures are checked at
	// once.
	verifications chan struct{}
}

// New reads passes and templates from cache, writes counts through api,
// and verifies against roots.
func New(api client.Client, cache client.Reader, roots *gw.RootKeySource) *Receiver {
	return &Receiver{api: api, cache: cache, roots: roots, verifications: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
}

// Find is the pass the callback names and its template: ErrUnknown unless
// exactly one pass has the object, ErrNotOfClass unless its template is
// the object's class.
// The pass is the cache's own: read it, never change it.
func (r *Receiver) Find(ctx context.Context, msg *gw.CallbackMessage) (*walletv1.Pass, *walletv1.PassTemplate, error) {
	var list walletv1.PassList
	if err := r.cache.List(ctx, &list, client.MatchingFields{index.PassGoogleObject.Name: msg.ObjectID}); err != nil || len(list.Items) != 1 {
		return nil, nil, ErrUnknown
	}
	p := &list.Items[0]
	var tpl walletv1.PassTemplate
	if err := r.cache.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, &tpl); err != nil ||
		tpl.Spec.GoogleWallet == nil || gw.ClassID(&tpl) != msg.ClassID {
		return nil, nil, ErrNotOfClass
	}
	return p, &tpl, nil
}

// RootKeys are Google's current root signing keys (cached).
func (r *Receiver) RootKeys(ctx context.Context) ([]*ecdsa.PublicKey, error) {
	return r.roots.Keys(ctx)
}

// Verify checks the callback's signatures against roots, waiting for a
// place among the verifications running.
func (r *Receiver) Verify(ctx context.Context, parsed *gw.ParsedCallback, roots []*ecdsa.PublicKey) error {
	select {
	case r.verifications <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.verifications }()
	return parsed.Verify(roots, time.Now())
}

// Count counts a verified callback into the pass's status and returns the
// pass's users after it. The count and the nonce are one optimistic-locked
// write of the pass's status: whichever replica gets a callback again
// refuses it (ErrReplayed). A pass whose Google section went has nowhere
// to keep the nonce: ErrUnknown.
func (r *Receiver) Count(ctx context.Context, p *walletv1.Pass, msg *gw.CallbackMessage) (users int, err error) {
	replayed, notGoogle := false, false
	err = status.UpdatePass(ctx, r.api, r.cache, r.api, status.GoogleCallbacks, client.ObjectKeyFromObject(p), func(p *walletv1.Pass) bool {
		g := p.Status.GoogleWallet
		notGoogle = g == nil || g.ObjectID != msg.ObjectID
		replayed = !notGoogle && slices.Contains(g.RecentNonces, msg.Nonce)
		if notGoogle || replayed {
			return false
		}
		g.RecentNonces = append(g.RecentNonces, msg.Nonce)
		g.RecentNonces = g.RecentNonces[max(0, len(g.RecentNonces)-MaxRecentNonces):]
		if msg.EventType == gw.EventSave {
			g.Users++
		} else {
			g.Users = max(0, g.Users-1)
		}
		users = int(g.Users)
		return true
	})
	switch {
	case err != nil:
		return 0, err
	case notGoogle:
		return 0, ErrUnknown
	case replayed:
		return 0, ErrReplayed
	}
	return users, nil
}

// Observe counts a callback's outcome: save, del, refused, replayed or
// unknown.
func Observe(outcome string) { callbacks.WithLabelValues(outcome).Inc() }

var callbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_google_callbacks_total", Help: "Google Wallet callbacks by outcome (save, del, refused, replayed, unknown).",
}, []string{"outcome"})

func init() { metrics.Registry.MustRegister(callbacks) }
