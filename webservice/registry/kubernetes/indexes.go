package kubernetes

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// The backend's cache indexes, so no request lists every registration.
const (
	// IndexRegistrationsOfPass: DeviceRegistrations by the Pass they
	// belong to (spec.passName).
	IndexRegistrationsOfPass = "deviceregistration.pass"
	// IndexDevicePassType: DeviceRegistrations by device and pass type.
	IndexDevicePassType = "deviceregistration.device-passtype"
	// IndexPendingWebhooks: Passes with webhook events waiting.
	IndexPendingWebhooks = "pass.pending-webhooks"
)

func devicePassTypeKey(device, passType string) string { return device + "\x00" + passType }

// SetupIndexes registers the backend's indexes with mgr's cache.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &walletv1.Pass{}, IndexPendingWebhooks, func(o client.Object) []string {
		if len(o.(*walletv1.Pass).Status.PendingWebhookEvents) > 0 {
			return []string{"true"}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &walletv1.DeviceRegistration{}, IndexDevicePassType, func(o client.Object) []string {
		r := o.(*walletv1.DeviceRegistration)
		return []string{devicePassTypeKey(r.Spec.DeviceLibraryIdentifier, r.Spec.PassTypeIdentifier)}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &walletv1.DeviceRegistration{}, IndexRegistrationsOfPass, func(o client.Object) []string {
		return []string{o.(*walletv1.DeviceRegistration).Spec.PassName}
	})
}
