package webservice

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
	"github.com/wallet-operator/wallet-operator/webservice/webhooks"
)

// SetupWithManager adds the web service to mgr, as the binary, the demo and
// the tests wire it: the registration backend (its indexes and workers),
// the server's indexes, the pusher, the webhook sender, and the server. It
// returns the server, not yet listening: add Runnable{Server, Addr} to mgr,
// or serve its Handler.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, o Options) (*Server, error) {
	backend := o.Backend
	if backend == nil {
		backend = kubernetes.New(mgr)
	}
	if err := backend.Setup(ctx, mgr); err != nil {
		return nil, err
	}
	if err := index.Register(ctx, mgr, index.PassTypeSerial, index.PassSerial, index.PassGoogleObject, index.PassBarcode); err != nil {
		return nil, fmt.Errorf("web service indexes: %w", err)
	}
	o.Default()
	pusher := &push.Pusher{Client: mgr.GetClient(), API: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("webservice-pusher"), Options: o.Push, Backend: backend}
	if err := pusher.SetupWithManager(ctx, mgr); err != nil {
		return nil, fmt.Errorf("pusher: %w", err)
	}
	server, err := New(mgr, backend, o)
	if err != nil {
		return nil, err
	}
	hooks := &webhooks.Client{
		Cache: mgr.GetCache(), API: mgr.GetAPIReader(), Options: o.Webhooks, CredentialsNamespace: o.CredentialsNamespace,
		Log: server.log.WithName("webhooks"), HTTP: outbound.NewClient(o.Webhooks.AllowedCIDRs, "--webhook-allow-cidrs", nil), Recorder: mgr.GetEventRecorderFor("webservice-webhooks"),
	}
	webhooks.ReportDepth(backend)
	if err := mgr.Add(&webhooks.Sender{Webhooks: hooks, Outbox: backend, Poll: o.OutboxPoll, Elected: !backend.Shared()}); err != nil {
		return nil, err
	}
	return server, nil
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
