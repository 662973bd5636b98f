// Package stack starts what the binary's manager and webservice commands
// start, in one process against a test API server: the manager with its
// controllers, the web service with its parts, or both sharing one
// manager. Tests that need the operator running use it instead of wiring
// a manager by hand.
package stack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// Options say what runs.
type Options struct {
	// QPS and Burst of the manager's client; the config's when zero.
	QPS   float32
	Burst int
	// OperatorNamespace is created before anything starts, when set.
	OperatorNamespace string
	// Controllers run the manager's reconcilers; none when nil.
	Controllers *controllers.Options
	// WebService runs the web service; none when nil.
	WebService *webservice.Options
	// Listener serves the web service (a new 127.0.0.1 port when nil): a
	// test that writes the web service URL into passes listens first.
	Listener net.Listener
}

// Stack is a running manager and, when asked for, web service.
type Stack struct {
	Manager ctrl.Manager
	// Server and Addr ("http://127.0.0.1:PORT") are the web service's.
	Server *webservice.Server
	Addr   string

	http   *http.Server
	cancel context.CancelFunc
	wait   func() // until the manager stopped
}

// ManagerOptions are the test manager's: the operator's scheme and client
// options, no metrics or health servers.
func ManagerOptions() ctrl.Options {
	return ctrl.Options{
		Scheme: scheme.New(), Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Client: kube.ManagerClientOptions(),
	}
}

// Start starts the stack and waits until its caches have synced.
func Start(config *rest.Config, o Options) (*Stack, error) {
	cfg := *config
	if o.QPS != 0 {
		cfg.QPS, cfg.Burst = o.QPS, o.Burst
	}
	mgr, err := ctrl.NewManager(&cfg, ManagerOptions())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stack{Manager: mgr, cancel: cancel}
	fail := func(err error) (*Stack, error) {
		s.Stop()
		return nil, err
	}
	if o.OperatorNamespace != "" {
		c, err := client.New(&cfg, client.Options{Scheme: scheme.New()})
		if err != nil {
			return fail(err)
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.OperatorNamespace}}
		if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fail(err)
		}
	}
	if o.Controllers != nil {
		if err := controllers.SetupWithManager(ctx, mgr, *o.Controllers); err != nil {
			return fail(fmt.Errorf("controllers: %w", err))
		}
	}
	if o.WebService != nil {
		if s.Server, err = webservice.SetupWithManager(ctx, mgr, *o.WebService); err != nil {
			return fail(fmt.Errorf("web service: %w", err))
		}
		l := o.Listener
		if l == nil {
			if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				return fail(err)
			}
		}
		s.Addr = "http://" + l.Addr().String()
		s.http = &http.Server{Handler: s.Server.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = s.http.Serve(l) }()
	}
	s.wait = testenv.RunManager(ctx, mgr)
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return fail(fmt.Errorf("the manager's caches did not sync"))
	}
	return s, nil
}

// Stop closes the web service and stops the manager, waiting for it.
func (s *Stack) Stop() {
	if s.http != nil {
		_ = s.http.Close()
	}
	s.cancel()
	if s.wait != nil {
		s.wait()
	}
}
