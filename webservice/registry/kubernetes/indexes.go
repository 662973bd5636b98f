package kubernetes

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/wallet-operator/wallet-operator/internal/index"
)

// SetupIndexes registers the backend's indexes with mgr's cache, so no
// request lists every registration: registrations by pass and by device and
// pass type.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	return index.Register(ctx, mgr, index.RegistrationPass, index.RegistrationDevicePassType)
}
