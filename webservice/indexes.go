package webservice

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/webservice/push"
)

// Indexes of the web service's cache, so no request lists everything.
const (
	indexPassTypeSerial = "pass.passtype-serial"
	// indexGoogleObject finds a pass by its Google Wallet object ID.
	indexGoogleObject = "status.googleWallet.objectID"
)

func passTypeSerialKey(passType, serial string) string { return passType + "\x00" + serial }

// SetupIndexes registers the web service's field indexes; those of
// DeviceRegistrations only when they hold the registrations (indexing them
// would cache them all).
func SetupIndexes(ctx context.Context, mgr manager.Manager, registrations bool) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &walletv1.Pass{}, indexPassTypeSerial, passTypeSerialOf); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &walletv1.Pass{}, indexGoogleObject, func(o client.Object) []string {
		if g := o.(*walletv1.Pass).Status.GoogleWallet; g != nil && g.ObjectID != "" {
			return []string{g.ObjectID}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &walletv1.Pass{}, push.IndexPassesOfTemplate, func(o client.Object) []string {
		return []string{o.(*walletv1.Pass).Spec.TemplateRef.Name}
	}); err != nil {
		return err
	}
	if !registrations {
		return nil
	}
	if err := idx.IndexField(ctx, &walletv1.Pass{}, indexPendingWebhooks, pendingWebhooksOf); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &walletv1.DeviceRegistration{}, indexDevicePassType, func(o client.Object) []string {
		r := o.(*walletv1.DeviceRegistration)
		return []string{devicePassTypeKey(r.Spec.DeviceLibraryIdentifier, r.Spec.PassTypeIdentifier)}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &walletv1.DeviceRegistration{}, push.IndexRegistrationsOfPass, func(o client.Object) []string {
		return []string{o.(*walletv1.DeviceRegistration).Spec.PassName}
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
