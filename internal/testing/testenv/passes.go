package testenv

import (
	"context"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Pass reads a pass from the API server, as a user would.
func (e *Env) Pass(t testing.TB, ns, name string) *walletv1.Pass {
	t.Helper()
	p := &walletv1.Pass{}
	if err := e.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// SetPassData changes a pass's data, retrying when a controller wrote
// first.
func (e *Env) SetPassData(t testing.TB, ns, name, data string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p := e.Pass(t, ns, name)
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(data)}
		return e.Client.Update(context.Background(), p)
	})
	if err != nil {
		t.Fatal(err)
	}
}
