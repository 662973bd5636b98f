// Package passtemplate reconciles PassTemplates: it checks what the API
// schema cannot (the certificate, the images, the data schema, field keys),
// stores the files every pass of the template shares. Its passes are
// counted by the passcount controller.
package passtemplate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/phases"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/render"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/subscriptions"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

// Reconciler reconciles PassTemplates.
type Reconciler struct {
	Client   client.Client
	Sources  *shared.Sources
	Recorder record.EventRecorder
	// WebServiceURL and Tokens publish issue links; empty means none.
	WebServiceURL string
	Tokens        tokens.Key
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// SetupWithManager registers the reconciler and what it watches: its
// certificate, the ConfigMaps and Secrets its images come from (metadata
// only), the shared ConfigMaps it owns, and which shared files its passes
// use.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&walletv1.PassTemplate{}).
		Owns(&corev1.ConfigMap{}, builder.OnlyMetadata).
		Watches(&walletv1.PassCertificate{}, handler.EnqueueRequestsFromMapFunc(shared.ByIndex(r.Client, shared.TemplateList, index.TemplateCertificate))).
		WatchesMetadata(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(shared.ByIndex(r.Client, shared.TemplateList, index.TemplateImageConfigMaps))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(shared.Both(
			shared.ByIndex(r.Client, shared.TemplateList, index.TemplateImageSecrets, index.TemplateWebhookSecrets, index.TemplateScannerKeySecrets),
			shared.TemplatesOfPassWebhooks(r.Client)))).
		Watches(&walletv1.PassWebhook{}, handler.EnqueueRequestsFromMapFunc(shared.TemplatesOfPassWebhooks(r.Client))).
		Watches(&walletv1.Pass{}, shared.TemplateOfPass(shared.PassEventDelay), builder.WithPredicates(sharedFilesChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("passtemplate").
		Complete(kube.StopQuietly(r))
}

// sharedFilesChanged passes the pass events that change which shared
// files are in use, not every status write.
func sharedFilesChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*walletv1.Pass), e.ObjectNew.(*walletv1.Pass)
			return o.Spec.TemplateRef != n.Spec.TemplateRef || sharedOf(o) != sharedOf(n)
		},
	}
}

func sharedOf(p *walletv1.Pass) string {
	if p.Status.Bundle == nil {
		return ""
	}
	return shared.SharedKeyOf(p.Status.Bundle)
}

// transitions: an Event whenever the template becomes Ready or stops being.
var transitions = []status.Transition{
	{Type: walletv1.ConditionReady, Warn: metav1.ConditionFalse},
	{Type: walletv1.ConditionWebhooksReady, Warn: metav1.ConditionFalse},
	{Type: walletv1.ConditionCheckInReady, Warn: metav1.ConditionFalse},
}

// scope is what one reconcile works on.
type scope struct {
	template *walletv1.PassTemplate
	passes   []walletv1.Pass
}

// Reconcile checks the template and stores its shared files (and, from
// the list of its passes, collects those no pass uses any more).
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, reterr error) {
	tpl := &walletv1.PassTemplate{}
	if err := r.Client.Get(ctx, req.NamespacedName, tpl); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !tpl.DeletionTimestamp.IsZero() {
		r.Sources.Forget(tpl.UID)
		return ctrl.Result{}, nil
	}
	if _, err := walletv1.PushRequest(tpl.Annotations); err != nil {
		r.Recorder.Event(tpl, corev1.EventTypeWarning, "PushRequestInvalid", err.Error())
	}
	patch := status.NewHelper(r.Client, r.Recorder, status.TemplateController, tpl, transitions...)
	defer func() { reterr = patch.Patch(ctx, reterr) }()
	s := &scope{template: tpl}

	var list walletv1.PassList
	if err := r.Client.List(ctx, &list, client.InNamespace(tpl.Namespace), client.MatchingFields{index.PassTemplate.Name: tpl.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}
	s.passes = list.Items
	if err := r.checkWebhookSecrets(ctx, tpl); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.checkScannerKeys(ctx, tpl); err != nil {
		return ctrl.Result{}, err
	}

	if err := phases.Run(ctx, s, r.checkCertificate, r.storeSharedFiles, r.collectOldSharedFiles); err != nil {
		if verdict, ok := shared.AsNotReady(err); ok {
			setNotReady(tpl, verdict.Reason, verdict.Error())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	setReady(tpl)
	setIssueURL(tpl, r.WebServiceURL, r.Tokens)
	return ctrl.Result{}, nil
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// checkWebhookSecrets reports on WebhooksReady whether every webhook's API
// key comes from a Secret labelled for it; a key from any other Secret is
// never copied for the web service, so never sent. Ready does not depend
// on it: passes sign either way.
func (r *Reconciler) checkWebhookSecrets(ctx context.Context, tpl *walletv1.PassTemplate) error {
	hooks, err := subscriptions.Of(ctx, r.Client, tpl)
	if err != nil {
		return err
	}
	var problems []string
	for _, h := range hooks {
		if h.APIKeySecretRef == nil {
			continue
		}
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		err := r.Sources.Metadata.Get(ctx, client.ObjectKey{Namespace: tpl.Namespace, Name: h.APIKeySecretRef.Name}, m)
		switch {
		case apierrors.IsNotFound(err):
			problems = append(problems, fmt.Sprintf("Secret %s of webhook %s does not exist", h.APIKeySecretRef.Name, h.URL))
		case err != nil:
			return err
		case m.Labels[walletv1.LabelWebhookAPIKey] != "true":
			problems = append(problems, fmt.Sprintf("Secret %s of webhook %s is not labelled %s=true, so its key is not sent "+
				"(kubectl label secret %s %s=true, if it holds nothing but that API key)", h.APIKeySecretRef.Name, h.URL, walletv1.LabelWebhookAPIKey, h.APIKeySecretRef.Name, walletv1.LabelWebhookAPIKey))
		}
	}
	setWebhooksReady(tpl, hooks, problems)
	return nil
}

// checkScannerKeys reports on CheckInReady whether every scanner key comes
// from a Secret labelled for it; only those are accepted at the gate.
func (r *Reconciler) checkScannerKeys(ctx context.Context, tpl *walletv1.PassTemplate) error {
	if tpl.Spec.CheckIn == nil {
		meta.RemoveStatusCondition(&tpl.Status.Conditions, walletv1.ConditionCheckInReady)
		return nil
	}
	var problems []string
	for _, ref := range tpl.Spec.CheckIn.ScannerKeySecretRefs {
		secret := &corev1.Secret{}
		err := r.Sources.API.Get(ctx, client.ObjectKey{Namespace: tpl.Namespace, Name: ref.Name}, secret)
		switch {
		case apierrors.IsNotFound(err):
			problems = append(problems, fmt.Sprintf("scanner key Secret %s does not exist", ref.Name))
		case err != nil:
			return err
		default:
			if problem := shared.ScannerKeyProblem(secret, ref); problem != "" {
				problems = append(problems, problem)
			}
		}
	}
	if len(problems) > 0 {
		status.Set(&tpl.Status.Conditions, tpl.Generation, walletv1.ConditionCheckInReady, metav1.ConditionFalse, walletv1.ReasonScannerKeyNotAllowed, strings.Join(problems, "; "))
	} else {
		status.Set(&tpl.Status.Conditions, tpl.Generation, walletv1.ConditionCheckInReady, metav1.ConditionTrue, walletv1.ReasonScannerKeysValid,
			fmt.Sprintf("%d scanner keys accepted at POST /scan/%s/%s", len(tpl.Spec.CheckIn.ScannerKeySecretRefs), tpl.Namespace, tpl.Name))
	}
	return nil
}

// checkCertificate needs the certificate to exist and be Ready.
func (r *Reconciler) checkCertificate(ctx context.Context, s *scope) error {
	tpl := s.template
	var cert walletv1.PassCertificate
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: tpl.Namespace, Name: tpl.Spec.CertificateRef.Name}, &cert)
	if apierrors.IsNotFound(err) {
		return shared.NotReady(walletv1.ReasonCertificateNotFound, "spec.certificateRef",
			"PassCertificate %s does not exist: create it or fix the reference", tpl.Spec.CertificateRef.Name)
	}
	if err != nil {
		return err
	}
	if !status.IsReady(cert.Status.Conditions, cert.Generation) {
		msg := "it has not been checked yet"
		if c := status.Ready(cert.Status.Conditions); c != nil {
			msg = c.Reason + ": " + c.Message
		}
		return shared.NotReady(walletv1.ReasonCertificateNotReady, "spec.certificateRef", "PassCertificate %s is not Ready (%s)", cert.Name, msg)
	}
	tpl.Status.PassTypeIdentifier = cert.Status.PassTypeIdentifier
	return nil
}

// storeSharedFiles checks the images, localizations, placeholders and data
// schema, and stores the files every pass shares in the bundle store, named after
// their content, so bundles signed with earlier files stay whole.
func (r *Reconciler) storeSharedFiles(ctx context.Context, s *scope) error {
	tpl := s.template
	from, err := r.Sources.ImageVersions(ctx, tpl)
	if err != nil {
		return err
	}
	if key, ok := r.Sources.StoredSharedFiles(tpl.UID, from, r.now()); ok && key == tpl.Status.SharedBundle {
		return nil // nothing they are made from changed: a reconcile that counts
	}
	compiled, err := render.CompileTemplate(tpl, r.Sources.ImageSource(ctx, tpl.Namespace, tpl.Annotations[walletv1.AnnotationRefetchImagesAt]))
	if err != nil {
		return err
	}
	key, err := r.Sources.Store.PutShared(ctx, tpl.Namespace, tpl.Name, compiled.Shared())
	var tooLarge *bundle.TooLargeError
	if errors.As(err, &tooLarge) {
		return shared.NotReady(walletv1.ReasonBundleTooLarge, "spec.images", "%s: use smaller images", tooLarge.Error())
	}
	if err != nil {
		return err
	}
	tpl.Status.SharedBundle = key
	tpl.Status.Images = imagesOf(compiled.Shared())
	tpl.Status.NFCEncryptionPublicKey = compiled.NFCEncryptionPublicKey()
	r.Sources.RememberSharedFiles(tpl.UID, from, key, r.now())
	return nil
}

// collectOldSharedFiles deletes shared ConfigMaps of earlier template
// contents that no pass's bundle uses any more.
func (r *Reconciler) collectOldSharedFiles(ctx context.Context, s *scope) error {
	return shared.CollectSharedFiles(ctx, r.Client, r.Sources.Store, s.template.Namespace, s.template.Name, s.template.Status.SharedBundle, "")
}
