// Package controllers wires the manager's reconcilers: PassCertificate,
// PassTemplate and Pass (one package each), and the push credentials the
// manager keeps for the web service.
package controllers

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/netip"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/wallet-operator/wallet-operator/controllers/googlewallet"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/controllers/passcertificate"
	"github.com/wallet-operator/wallet-operator/controllers/passcount"
	"github.com/wallet-operator/wallet-operator/controllers/passtemplate"
	"github.com/wallet-operator/wallet-operator/controllers/pushcredentials"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/controllers/sweep"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/imagefetch"
	"github.com/wallet-operator/wallet-operator/internal/outbound"
)

// The manager's permissions. They are generated into config/rbac/role.yaml
// and cover only what the controllers read and own.
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passcertificates;passtemplates;passes,verbs=get;list;watch
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passwebhooks,verbs=get;list;watch
// Passes carry the void-on-delete finalizer.
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passes,verbs=patch
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passcertificates/status;passtemplates/status;passes/status,verbs=get;update;patch
// Owner references with blockOwnerDeletion need update on finalizers where
// OwnerReferencesPermissionEnforcement is on.
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passcertificates/finalizers;passtemplates/finalizers;passes/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// The teams' Secrets (certificates, image sources, webhook keys; create for
// development chains) are granted by config/rbac/secrets_role.yaml, a
// ClusterRole of its own, so a namespaced install binds it per namespace
// (config/namespaced-example) instead of cluster-wide.
// In the operator's namespace only: the push credentials it keeps there.
// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// Metrics are served to callers the API server authenticates and
// authorizes (kube.MetricsServer).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// Options configure the reconcilers.
type Options struct {
	Pass pass.Options
	// Workers per controller.
	CertificateWorkers, TemplateWorkers, PassWorkers int
	// OperatorNamespace receives each template's push credentials for the
	// web service (pushcredentials); none are kept when empty.
	OperatorNamespace string
	// Tenancy says which namespaces may sign for which pass types; the
	// manager's --development (Pass.Development) also allows development
	// chains everywhere.
	Tenancy passcertificate.Tenancy
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
	// Store keeps the signed bundles; ConfigMaps when nil.
	Store bundle.Store
	// SweepInterval is how often the elected manager deletes the bundle
	// objects no pass or template uses (package sweep); never when zero.
	SweepInterval time.Duration
	// SweepMinAge: sweep.DefaultMinAge when zero.
	SweepMinAge time.Duration
	// ImageAllowCIDRs are internal addresses images given by URL may be
	// fetched from (--image-allow-cidrs).
	ImageAllowCIDRs []netip.Prefix
	// ImageRootCAs replace the system's CAs for image fetches (tests).
	ImageRootCAs *x509.CertPool
	// GoogleWallet configures the Google Wallet sync (its WebServiceURL
	// defaults to Pass.WebServiceURL).
	GoogleWallet googlewallet.Options
}

// SetupWithManager registers the field indexes, the reconcilers and the
// certificate metrics with mgr. An error names the part that failed.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Tenancy.Development = o.Tenancy.Development || o.Pass.Development
	if err := shared.SetupIndexes(ctx, mgr); err != nil {
		return fmt.Errorf("field indexes: %w", err)
	}
	if o.Store == nil {
		o.Store = &bundle.ConfigMapStore{Client: mgr.GetClient(), API: mgr.GetAPIReader(), Metadata: mgr.GetCache()}
	}
	sources := shared.NewSources(mgr.GetAPIReader(), mgr.GetCache(), o.Store)
	sources.Images = imagefetch.New(outbound.NewClient(o.ImageAllowCIDRs, "--image-allow-cidrs", o.ImageRootCAs))
	for _, step := range []struct {
		name  string
		setup func() error
	}{
		{"passcertificate controller", func() error {
			return (&passcertificate.Reconciler{
				Client: mgr.GetClient(), Sources: sources, Recorder: mgr.GetEventRecorderFor("passcertificate-controller"), Now: o.Now, Tenancy: o.Tenancy,
			}).SetupWithManager(mgr, max(o.CertificateWorkers, 1))
		}},
		{"passtemplate controller", func() error {
			return (&passtemplate.Reconciler{
				Client: mgr.GetClient(), Sources: sources, Recorder: mgr.GetEventRecorderFor("passtemplate-controller"),
				WebServiceURL: o.Pass.WebServiceURL, Tokens: o.Pass.Tokens, Now: o.Now,
			}).SetupWithManager(mgr, max(o.TemplateWorkers, 1))
		}},
		{"passcount controller", func() error {
			return (&passcount.Reconciler{Client: mgr.GetClient(), Now: o.Now}).SetupWithManager(mgr, max(o.TemplateWorkers, 1))
		}},
		{"pushcredentials controller", func() error {
			if o.OperatorNamespace == "" {
				return nil
			}
			return (&pushcredentials.Reconciler{Client: mgr.GetClient(), API: mgr.GetAPIReader(), Sources: sources, Namespace: o.OperatorNamespace}).SetupWithManager(mgr)
		}},
		{"pass controller", func() error {
			return (&pass.Reconciler{
				Client: mgr.GetClient(), API: mgr.GetAPIReader(), Sources: sources, Recorder: mgr.GetEventRecorderFor("pass-controller"), Options: o.Pass, Now: o.Now,
			}).SetupWithManager(mgr, max(o.PassWorkers, 1))
		}},
		{"googlewallet controller", func() error {
			gwo := o.GoogleWallet
			if gwo.WebServiceURL == "" {
				gwo.WebServiceURL = o.Pass.WebServiceURL
			}
			if gwo.Installation == "" && o.Pass.Tokens != nil {
				gwo.Installation = o.Pass.Tokens.Installation()
			}
			return (&googlewallet.Reconciler{Client: mgr.GetClient(), Sources: sources, Recorder: mgr.GetEventRecorderFor("googlewallet-controller"), Options: gwo, Now: o.Now}).SetupWithManager(mgr)
		}},
		{"certificate metrics", func() error { return passcertificate.RegisterMetrics(mgr.GetCache()) }},
		{"bundle sweep", func() error {
			if o.SweepInterval <= 0 {
				return nil
			}
			return mgr.Add(&sweep.Sweeper{Store: o.Store, Cache: mgr.GetClient(), Interval: o.SweepInterval, MinAge: o.SweepMinAge})
		}},
	} {
		if err := step.setup(); err != nil {
			return fmt.Errorf("set up the %s: %w", step.name, err)
		}
	}
	return nil
}
