package webservice

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// SetupWithManager adds the web service to mgr, as the binary, the demo and
// the tests wire it: its cache indexes, the registration counter and the
// pusher (both on the elected replica), and the server. It returns the
// server, not yet listening: add Runnable{Server, Addr} to mgr, or serve its
// Handler.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, o Options) (*Server, error) {
	if err := SetupIndexes(ctx, mgr, o.Registry == nil); err != nil {
		return nil, fmt.Errorf("web service indexes: %w", err)
	}
	pushOptions := o.Push
	if pushOptions.CredentialsNamespace == "" {
		pushOptions.CredentialsNamespace = o.CredentialsNamespace
	}
	pusher := &push.Pusher{Client: mgr.GetClient(), API: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("webservice-pusher"), Options: pushOptions}
	if o.Registry == nil {
		if err := (&push.RegistrationCounter{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
			return nil, fmt.Errorf("registration counter: %w", err)
		}
		if err := pusher.SetupWithManager(mgr); err != nil {
			return nil, fmt.Errorf("pusher: %w", err)
		}
		store := &ResourceStore{Client: mgr.GetClient(), Cache: mgr.GetCache()}
		server, err := New(mgr, store, o)
		if err != nil {
			return nil, err
		}
		// Events wait in their Pass's status; the elected replica sends.
		if err := mgr.Add(&OutboxSender{Webhooks: server.webhooks, Outbox: store.Outbox, Poll: o.OutboxPoll, Elected: true}); err != nil {
			return nil, err
		}
		return server, nil
	}

	// Registrations in a database the replicas share: every replica pushes
	// and sends webhook events; the elected one writes the counts.
	pusher.Queue = o.Registry
	if err := pusher.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("pusher: %w", err)
	}
	if err := mgr.Add(&push.CountsSync{Client: mgr.GetClient(), Counter: o.Registry, Interval: o.CountsInterval, Forget: o.Registry.Forget}); err != nil {
		return nil, err
	}
	server, err := New(mgr, o.Registry, o)
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(&OutboxSender{Webhooks: server.webhooks, Outbox: o.Registry, Poll: o.OutboxPoll}); err != nil {
		return nil, err
	}
	return server, nil
}

// SharedRegistry keeps registrations where every replica reaches them
// (PostgreSQL): the protocol's store, the shared push queue, the counts and
// the webhook outbox.
type SharedRegistry interface {
	registry.Store
	registry.Queue
	registry.Counter
	registry.Outbox
}

// GatewayOptions are the push options of an APNs gateway URL and an
// optional PEM file of the CA to trust for it (instead of the system
// roots): no URL means pushes are logged, not sent.
func GatewayOptions(apnsURL, caFile string) (push.Options, error) {
	o := push.Options{APNsURL: apnsURL, LogOnly: apnsURL == ""}
	if caFile == "" {
		return o, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return o, fmt.Errorf("read the APNs CA file: %w", err)
	}
	o.RootCAs = x509.NewCertPool()
	if !o.RootCAs.AppendCertsFromPEM(pem) {
		return o, fmt.Errorf("the APNs CA file %s holds no PEM certificate", caFile)
	}
	return o, nil
}
