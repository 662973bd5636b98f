package kubernetes_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/registrytest"
	"github.com/wallet-operator/wallet-operator/internal/testing/stack"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
)

var (
	env     *testenv.Env
	backend *kubernetes.Backend
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env, start)) }

// start runs the backend as the web service does: its indexes and counter
// in a manager of its own.
func start(e *testenv.Env) (func(), error) {
	mgr, err := ctrl.NewManager(e.Config, stack.ManagerOptions())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	backend = kubernetes.New(mgr)
	if err := backend.Setup(ctx, mgr); err != nil {
		cancel()
		return nil, err
	}
	wait := testenv.RunManager(ctx, mgr)
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		cancel()
		return nil, fmt.Errorf("caches did not sync")
	}
	return func() { cancel(); wait() }, nil
}

var passes atomic.Int32

// newPass creates a Pass (no controller runs here: only the object the
// backend's outbox writes to).
func newPass(t *testing.T) (registry.PassRef, types.UID) {
	t.Helper()
	ns := env.Namespace(t)
	n := passes.Add(1)
	p := &walletv1.Pass{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("pass-%d", n)},
		Spec:       walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "template"}, SerialNumber: fmt.Sprintf("serial-%d", n)},
	}
	if err := env.Client.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return registry.PassRef{Namespace: ns, Name: p.Name}, p.UID
}

func TestConformance(t *testing.T) {
	registrytest.Run(t, registrytest.Subject{Backend: backend, NewPass: newPass})
}
