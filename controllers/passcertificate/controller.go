// Package passcertificate reconciles PassCertificates: it reads the signing
// identity from the referenced Secret (generating a development chain when
// asked), reports its facts and readiness, and warns before it expires.
package passcertificate

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// Reconciler reconciles PassCertificates.
type Reconciler struct {
	Client   client.Client
	Sources  *shared.Sources
	Recorder record.EventRecorder
	// Now is the clock; tests move it.
	Now func() time.Time
	// Tenancy says which namespaces may sign for which pass types.
	Tenancy Tenancy
}

// SetupWithManager registers the reconciler; Secrets are watched by their
// metadata only.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&walletv1.PassCertificate{}).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(shared.ByIndex(r.Client, shared.CertificateList, index.CertificateSecret))).
		Watches(&walletv1.PassCertificate{}, handler.EnqueueRequestsFromMapFunc(r.sameClaim), builder.WithPredicates(claimChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("passcertificate").
		Complete(kube.StopQuietly(r))
}

// transitions: an Event when the certificate becomes Ready or stops being,
// and when it enters or leaves its expiry window.
var transitions = []status.Transition{
	{Type: walletv1.ConditionReady, Warn: metav1.ConditionFalse},
	{Type: walletv1.ConditionExpiring, Warn: metav1.ConditionTrue},
}

// scope is what one reconcile works on.
type scope struct {
	cert *walletv1.PassCertificate
	now  time.Time
}

// Reconcile reads the certificate's identity and reports on it.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, reterr error) {
	cert := &walletv1.PassCertificate{}
	if err := r.Client.Get(ctx, req.NamespacedName, cert); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patch := status.NewHelper(r.Client, r.Recorder, status.CertificateController, cert, transitions...)
	defer func() { reterr = patch.Patch(ctx, reterr) }()
	return r.reconcile(ctx, &scope{cert: cert, now: r.Now()})
}

func (r *Reconciler) reconcile(ctx context.Context, s *scope) (ctrl.Result, error) {
	if s.cert.Spec.SelfSigned != nil && !r.Tenancy.developmentAllowed(s.cert.Namespace) {
		setUnusable(s.cert, developmentRefused()) // and no chain is generated
		return ctrl.Result{}, nil
	}
	if err := r.ensureDevelopmentSecret(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	id, err := r.Sources.Identity(ctx, s.cert)
	if err != nil {
		if certs.ReasonOf(err) == walletv1.ReasonSecretInvalid && !isProblem(err) {
			return ctrl.Result{}, err // an API error: retry
		}
		setUnusable(s.cert, err)
		return ctrl.Result{}, nil
	}
	facts, problem := certs.Inspect(id, s.now)
	setFacts(s.cert, facts)
	if problem == nil && facts.Development && !r.Tenancy.developmentAllowed(s.cert.Namespace) {
		problem = developmentRefused()
	}
	if problem == nil {
		if claimed, err := r.claimedElsewhere(ctx, s.cert); err != nil {
			return ctrl.Result{}, err
		} else if claimed != nil {
			problem = claimed
		}
	}
	setReady(s.cert, problem)
	setExpiring(s.cert, facts, warningWindow(s.cert), s.now)
	return ctrl.Result{RequeueAfter: nextCheck(facts, warningWindow(s.cert), s.now)}, nil
}

func isProblem(err error) bool {
	_, ok := err.(*certs.Problem)
	return ok
}

// ensureDevelopmentSecret generates the development chain into the Secret
// when spec.selfSigned asks for one and the Secret does not exist. An
// existing Secret is never touched.
func (r *Reconciler) ensureDevelopmentSecret(ctx context.Context, s *scope) error {
	spec := s.cert.Spec.SelfSigned
	if spec == nil {
		return nil
	}
	key := client.ObjectKey{Namespace: s.cert.Namespace, Name: s.cert.Spec.SecretRef.Name}
	if rv, err := r.Sources.SecretVersion(ctx, key); err != nil || rv != "" {
		return err
	}
	validity := 365 * 24 * time.Hour
	if spec.Validity != nil {
		validity = spec.Validity.Duration
	}
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{
		PassTypeIdentifier: spec.PassTypeIdentifier, TeamIdentifier: spec.TeamIdentifier,
		NotBefore: s.now.Add(-time.Hour), Validity: validity,
	})
	if err != nil {
		return err
	}
	data, err := chain.SecretData()
	if err != nil {
		return err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: key.Namespace, Name: key.Name,
			Labels:      walletv1.ManagedLabels(nil),
			Annotations: map[string]string{walletv1.AnnotationDevelopment: "generated development chain; no real device trusts it"},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	if err := ctrl.SetControllerReference(s.cert, secret, r.Client.Scheme()); err != nil {
		return err
	}
	if err := r.Client.Create(ctx, secret); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	r.Recorder.Eventf(s.cert, corev1.EventTypeNormal, "DevelopmentChainGenerated",
		"generated a development chain for %s into Secret %s; passes it signs are trusted by no real device", spec.PassTypeIdentifier, key.Name)
	return nil
}
