package tokens

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ErrNotFound: the key Secret does not exist.
var ErrNotFound = errors.New("token key Secret not found")

// Load reads the key held in the Secret namespace/name; ErrNotFound when
// there is none.
func Load(ctx context.Context, c client.Reader, namespace, name string) (Key, error) {
	var s corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s/%s: %w", namespace, name, ErrNotFound)
		}
		return nil, fmt.Errorf("read token key Secret %s/%s: %w", namespace, name, err)
	}
	if len(s.Data[SecretKey]) < 32 {
		return nil, fmt.Errorf("Secret %s/%s: key %q holds %d bytes, want at least 32", namespace, name, SecretKey, len(s.Data[SecretKey]))
	}
	return Key(s.Data[SecretKey]), nil
}

// Guard watches the key Secret of a running component. The key every
// token derives from must never change under devices: a deleted Secret is
// restored with the key the component holds (Restore, the manager's), so
// neither a new replica nor a restart makes a new one; a Secret changed to
// another key is reported loudly, and the component keeps using its own.
type Guard struct {
	Client    client.Client // reads the Secret from the API server
	Namespace string
	Name      string
	Key       Key
	// Restore creates the Secret again when it is deleted.
	Restore bool
	// Interval between checks; 10 s when zero.
	Interval time.Duration
	Log      logr.Logger
}

// Start checks the Secret until ctx ends (a manager Runnable).
func (g *Guard) Start(ctx context.Context) error {
	interval := g.Interval
	if interval == 0 {
		interval = 10 * time.Second
	}
	for {
		g.check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// NeedLeaderElection: every replica guards the key it holds.
func (g *Guard) NeedLeaderElection() bool { return false }

func (g *Guard) check(ctx context.Context) {
	key, err := Load(ctx, g.Client, g.Namespace, g.Name)
	switch {
	case errors.Is(err, ErrNotFound) && g.Restore:
		s := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: g.Namespace, Name: g.Name, Labels: map[string]string{"app.kubernetes.io/name": "wallet-operator"}},
			Data:       map[string][]byte{SecretKey: g.Key},
		}
		if err := g.Client.Create(ctx, s); err != nil && !apierrors.IsAlreadyExists(err) {
			g.Log.Error(err, "the token key Secret was deleted and could not be restored", "namespace", g.Namespace, "name", g.Name)
			return
		}
		g.Log.Info("the token key Secret was deleted; restored it with the key every pass was signed with", "namespace", g.Namespace, "name", g.Name)
	case errors.Is(err, ErrNotFound):
		g.Log.Error(err, "the token key Secret was deleted; this replica keeps its key and the manager restores the Secret", "namespace", g.Namespace, "name", g.Name)
	case err != nil:
		if ctx.Err() == nil {
			g.Log.Error(err, "check the token key Secret")
		}
	case !bytes.Equal(key, g.Key):
		g.Log.Error(errors.New("token key changed"), "the token key Secret holds another key than the one every pass was signed with: "+
			"devices' tokens would no longer match. This component keeps its key; put the old key back (or restart every component to adopt the new one and re-add every pass on devices)",
			"namespace", g.Namespace, "name", g.Name)
	}
}
