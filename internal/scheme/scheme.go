// Package scheme builds the runtime.Scheme every component shares: the
// built-in Kubernetes kinds plus passes.wallet-operator.io.
package scheme

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	walletv1alpha1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// New returns a scheme with the built-in kinds and the wallet kinds.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(walletv1alpha1.AddToScheme(s))
	return s
}
