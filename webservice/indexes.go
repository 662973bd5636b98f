package webservice

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/wallet-operator/wallet-operator/internal/index"
)

// SetupIndexes registers the server's field indexes: passes by the pass
// type and serial their bundle answers for, and by their Google Wallet
// object.
func SetupIndexes(ctx context.Context, mgr manager.Manager) error {
	return index.Register(ctx, mgr, index.PassTypeSerial, index.PassGoogleObject)
}
