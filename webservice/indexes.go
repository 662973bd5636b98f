package webservice

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Indexes of the web service's cache, so no request lists everything.
const (
	indexPassTypeSerial = "pass.passtype-serial"
	// indexGoogleObject finds a pass by its Google Wallet object ID.
	indexGoogleObject = "status.googleWallet.objectID"
)

func passTypeSerialKey(passType, serial string) string { return passType + "\x00" + serial }

// SetupIndexes registers the server's field indexes.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &walletv1.Pass{}, indexPassTypeSerial, passTypeSerialOf); err != nil {
		return err
	}
	return idx.IndexField(ctx, &walletv1.Pass{}, indexGoogleObject, func(o client.Object) []string {
		if g := o.(*walletv1.Pass).Status.GoogleWallet; g != nil && g.ObjectID != "" {
			return []string{g.ObjectID}
		}
		return nil
	})
}

// passTypeSerialOf indexes a pass by the pass type its bundle is signed
// for, not the one its template names now: a pass only ever answers with a
// bundle signed for the pass type asked for.
func passTypeSerialOf(o client.Object) []string {
	p := o.(*walletv1.Pass)
	if p.Status.Bundle == nil || p.Status.Bundle.PassTypeIdentifier == "" {
		return nil
	}
	return []string{passTypeSerialKey(p.Status.Bundle.PassTypeIdentifier, p.Spec.SerialNumber)}
}
