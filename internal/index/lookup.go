package index

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// PassBySerial finds the Pass devices know as passType/serial: the one pass
// whose bundle is signed for that pass type and that does not conflict over
// its serial number. A pass of another namespace that claims the same pass
// type and serial can never answer for it; should two candidates remain,
// that is an error for the operator, never a coin toss. The object is the
// cache's own (no copy, on the hot path): read it, never change it.
func PassBySerial(ctx context.Context, cache client.Reader, passType, serial string) (*walletv1.Pass, error) {
	var list walletv1.PassList
	if err := cache.List(ctx, &list, client.MatchingFields{PassTypeSerial.Name: PassTypeSerialKey(passType, serial)}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	var found *walletv1.Pass
	for i := range list.Items {
		p := &list.Items[i]
		if r := status.Ready(p.Status.Conditions); r != nil && r.Reason == walletv1.ReasonSerialConflict {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("passes %s/%s and %s/%s both answer for one pass type and serial number: %w", found.Namespace, found.Name, p.Namespace, p.Name, ErrAmbiguous)
		}
		found = p
	}
	return found, nil
}

// ErrAmbiguous: more than one pass answers for a pass type and serial.
var ErrAmbiguous = errors.New("ambiguous pass")

// PassesWithSerial are the passes, in any namespace, whose spec names
// serial, signed or not (the PassSerial index). The objects are the
// cache's own: read them, never change them.
func PassesWithSerial(ctx context.Context, cache client.Reader, serial string) ([]walletv1.Pass, error) {
	var list walletv1.PassList
	err := cache.List(ctx, &list, client.MatchingFields{PassSerial.Name: serial}, client.UnsafeDisableDeepCopy)
	return list.Items, err
}
