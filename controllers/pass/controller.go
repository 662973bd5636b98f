// Package pass reconciles Passes into signed bundles: it validates the
// pass's data, renders and signs it when its content changed, stores its own
// files in a ConfigMap it owns, and reports exactly where the pass stands.
// An invalid change never replaces the last good bundle.
package pass

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/phases"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/render"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

// Options are the operator settings that reach every pass.
type Options struct {
	// VoidTimeout bounds how long a deleted pass waits for its devices to
	// be pushed its final voided version; DefaultVoidTimeout when zero.
	VoidTimeout time.Duration
	// VoidFetchGrace is how long a deleted pass stays after its devices
	// were pushed, for them to fetch the voided version;
	// DefaultVoidFetchGrace when zero.
	VoidFetchGrace time.Duration
	// WebServiceURL is written into passes as webServiceURL; empty means
	// passes carry no web service fields.
	WebServiceURL string
	// Development allows an http WebServiceURL.
	Development bool
	// Tokens derives each pass's authentication and download tokens.
	Tokens tokens.Key
}

// Reconciler reconciles Passes.
type Reconciler struct {
	Client client.Client
	// API reads from the API server, not the cache: whether a deleted pass
	// is still there.
	API      client.Reader
	Sources  *shared.Sources
	Recorder record.EventRecorder
	Options  Options
	Now      func() time.Time
}

// SetupWithManager registers the reconciler and its watches: the bundle
// ConfigMaps it owns (their deletion only: their creation and changes are
// its own writes, already followed by its status write), its template,
// its template's certificate, image override sources, and passes sharing
// its serial number.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&walletv1.Pass{}, builder.WithPredicates(passChanged())).
		Owns(&corev1.ConfigMap{}, builder.OnlyMetadata, builder.WithPredicates(deleted())).
		Watches(&walletv1.PassTemplate{}, handler.EnqueueRequestsFromMapFunc(r.passesOfTemplate), builder.WithPredicates(templateChanged())).
		Watches(&walletv1.PassCertificate{}, handler.EnqueueRequestsFromMapFunc(r.passesOfCertificate), builder.WithPredicates(certificateChanged())).
		WatchesMetadata(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.byIndex(index.PassImageConfigMaps))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.byIndex(index.PassImageSecrets))).
		Watches(&walletv1.Pass{}, handler.EnqueueRequestsFromMapFunc(r.passesWithSameSerial), builder.WithPredicates(deleted())).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("pass").
		Complete(kube.StopQuietly(r))
}

// scope is what one reconcile works on, filled phase by phase.
type scope struct {
	pass     *walletv1.Pass
	template *walletv1.PassTemplate
	compiled *render.Template
	cert     *walletv1.PassCertificate
	identity *certs.Identity
	now      time.Time
	// passJSON is the pass.json rendered this reconcile (status reads the
	// barcode and expiration from it).
	passJSON *passjson.Pass
	// deleting: the final version is signed (voided, without personal
	// data); unsignable says why it cannot be.
	deleting   bool
	unsignable string
	// What render makes and sign and store use: the pass's own files, the
	// whole bundle, its content digest (of the signed bundle once signed),
	// the pass type it is signed for and whether it is anonymized; the
	// signed zip.
	own, full  pkpass.Files
	digest     string
	passType   string
	anonymized bool
	zipped     []byte
}

// errWaiting stops a reconcile without a verdict: an object it depends on
// has not caught up yet, and its update will bring the pass back.
var errWaiting = errors.New("waiting for a dependency to be reconciled")

// transitions: a pass Event only when it stops being Ready, changes why, or
// becomes Ready again. A routine signing (the first, or after a change) is
// the norm: it is counted in wallet_manager_bundles_signed_total and shown
// in status.bundle, not recorded as an Event, which would cost the API
// server a request per pass per change.
var transitions = []status.Transition{{Type: walletv1.ConditionReady, Warn: metav1.ConditionFalse, WarningsOnly: true, Recoveries: true}}

// Reconcile brings a pass's signed bundle up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, reterr error) {
	p := &walletv1.Pass{}
	if err := r.Client.Get(ctx, req.NamespacedName, p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !p.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, p)
	}
	if err := r.addFinalizer(ctx, p); err != nil {
		return ctrl.Result{}, err
	}
	if _, err := walletv1.PushRequest(p.Annotations); err != nil {
		r.Recorder.Event(p, corev1.EventTypeWarning, "PushRequestInvalid", err.Error())
	}
	patch := status.NewHelper(r.Client, r.Recorder, status.PassController, p, transitions...)
	defer func() { reterr = patch.Patch(ctx, reterr) }()
	return r.reconcile(ctx, &scope{pass: p, now: r.Now()})
}

// signing are the phases that sign a pass once its template and
// certificate are resolved: render, reuse a stored bundle of the same
// content (which stops the rest), sign, store.
func (r *Reconciler) signing() []phases.Phase[*scope] {
	return []phases.Phase[*scope]{r.render, r.reuseStored, r.sign, r.store}
}

// reconcile runs the phases in order; the first verdict or error stops it.
func (r *Reconciler) reconcile(ctx context.Context, s *scope) (ctrl.Result, error) {
	setRedeemed(s.pass, s.now)
	err := phases.Run(ctx, s, append([]phases.Phase[*scope]{r.resolveTemplate, r.resolveCertificate, r.checkSerial}, r.signing()...)...)
	if errors.Is(err, errWaiting) {
		return ctrl.Result{}, nil
	}
	if verdict, ok := shared.AsNotReady(err); ok {
		countFailure(verdict.Reason)
		setNotReady(s.pass, verdict.Reason, verdict.Error())
		if verdict.Retry {
			return ctrl.Result{}, verdict
		}
		return ctrl.Result{}, r.forgetPersonalData(ctx, s.pass)
	}
	if err != nil {
		countFailure("Error")
		return ctrl.Result{}, err
	}
	setReady(s.pass, s.compiled.UnmodelledKeys(s.pass))
	setDownloadURL(s.pass, r.Options)
	setBarcode(s.pass, s.passJSON)
	return ctrl.Result{RequeueAfter: setExpired(s.pass, s.passJSON, s.now)}, nil
}

// forgetPersonalData deletes the last good bundle of an anonymized pass
// that could not be signed again: it still holds the personal data, and
// anonymizing must not leave it served.
func (r *Reconciler) forgetPersonalData(ctx context.Context, p *walletv1.Pass) error {
	if !p.Spec.Anonymized || p.Status.Bundle == nil || p.Status.Bundle.Anonymized {
		return nil
	}
	if err := r.Sources.Store.DeletePass(ctx, p, nil, false); err != nil {
		return err
	}
	p.Status.Bundle, p.Status.Barcode = nil, nil
	r.Recorder.Eventf(p, corev1.EventTypeWarning, "BundleDeleted", "the pass is anonymized but cannot be signed again, so its last bundle (with personal data) was deleted; it is served again once it signs")
	return nil
}
