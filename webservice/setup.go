package webservice

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/wallet-operator/wallet-operator/webservice/push"
)

// SetupWithManager adds the web service to mgr, as the binary, the demo and
// the tests wire it: its cache indexes, the registration counter and the
// pusher (both on the elected replica), and the server. It returns the
// server, not yet listening: add Runnable{Server, Addr} to mgr, or serve its
// Handler.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, o Options) (*Server, error) {
	if err := SetupIndexes(ctx, mgr); err != nil {
		return nil, fmt.Errorf("web service indexes: %w", err)
	}
	if err := (&push.RegistrationCounter{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("registration counter: %w", err)
	}
	pushOptions := o.Push
	if pushOptions.CredentialsNamespace == "" {
		pushOptions.CredentialsNamespace = o.CredentialsNamespace
	}
	pusher := &push.Pusher{Client: mgr.GetClient(), API: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("webservice-pusher"), Options: pushOptions}
	if err := pusher.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("pusher: %w", err)
	}
	store := &ResourceStore{Client: mgr.GetClient(), Cache: mgr.GetCache()}
	return New(mgr, store, o)
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
