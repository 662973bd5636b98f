// Package pushcredentials keeps, for every PassTemplate, a Secret in the
// operator's namespace holding what the web service needs to reach devices
// and customers for it: the Pass Type ID certificate and key (the APNs
// client certificate), its webhooks' API keys and the digests of its gate
// scanners' keys. The web service then
// reads Secrets of its own namespace only, never the teams'.
package pushcredentials

import (
	"context"
	"errors"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/subscriptions"
)

// Reconciler keeps the credentials Secrets.
type Reconciler struct {
	Client client.Client // cached templates and certificates; writes
	API    client.Reader // Secrets, read on demand
	// Sources parses certificates' Secrets once per version, shared with
	// the other reconcilers.
	Sources *shared.Sources
	// Namespace is the operator's namespace, where the Secrets live.
	Namespace string
}

// SetupWithManager watches templates, their certificates (a rotation
// changes the certificate's status), the Secrets of their webhooks' API keys
// and the credentials Secrets themselves (metadata only), so a deleted or
// orphaned copy is put right.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("pushcredentials").
		For(&walletv1.PassTemplate{}).
		Watches(&walletv1.PassCertificate{}, handler.EnqueueRequestsFromMapFunc(shared.ByIndex(r.Client, shared.TemplateList, index.TemplateCertificate))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.templatesOfSecret)).
		Watches(&walletv1.PassWebhook{}, handler.EnqueueRequestsFromMapFunc(shared.TemplatesOfPassWebhooks(r.Client))).
		WithOptions(controller.Options{MaxConcurrentReconciles: 2}).
		Complete(kube.StopQuietly(r))
}

// templatesOfSecret maps a credentials Secret to its template, and any
// other Secret to the templates whose webhooks read it.
func (r *Reconciler) templatesOfSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	if l := obj.GetLabels(); obj.GetNamespace() == r.Namespace && l[walletv1.LabelPart] == walletv1.PartPushCredentials {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l[walletv1.LabelTemplateNamespace], Name: obj.GetAnnotations()[walletv1.AnnotationTemplate]}}}
	}
	return shared.Both(shared.ByIndex(r.Client, shared.TemplateList, index.TemplateWebhookSecrets, index.TemplateScannerKeySecrets),
		shared.TemplatesOfPassWebhooks(r.Client))(ctx, obj)
}

// Reconcile writes the template's credentials Secret, or deletes it once
// the template is gone.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	name := walletv1.PushCredentialsSecretName(req.Namespace, req.Name)
	tpl := &walletv1.PassTemplate{}
	err := r.Client.Get(ctx, req.NamespacedName, tpl)
	if apierrors.IsNotFound(err) || (err == nil && !tpl.DeletionTimestamp.IsZero()) {
		stale := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: name}}
		return ctrl.Result{}, client.IgnoreNotFound(r.Client.Delete(ctx, stale))
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	data, err := r.credentials(ctx, tpl)
	if err != nil {
		return ctrl.Result{}, err
	}

	current := &corev1.Secret{}
	err = r.API.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: name}, current)
	if err == nil && maps.EqualFunc(current.Data, data, func(a, b []byte) bool { return string(a) == string(b) }) && current.Annotations[walletv1.AnnotationTemplate] == tpl.Name {
		return ctrl.Result{}, nil // nothing to write
	}
	if client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	}
	desired := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: name, Labels: walletv1.ManagedLabels(map[string]string{
			walletv1.LabelPart: walletv1.PartPushCredentials, walletv1.LabelTemplateNamespace: tpl.Namespace, walletv1.LabelTemplate: walletv1.LabelValue(tpl.Name),
		}), Annotations: map[string]string{walletv1.AnnotationTemplate: tpl.Name}},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	if err := r.Client.Patch(ctx, desired, client.Apply, client.FieldOwner(walletv1.FieldOwner), client.ForceOwnership); err != nil {
		return ctrl.Result{}, fmt.Errorf("write push credentials of template %s/%s into Secret %s/%s: %w", tpl.Namespace, tpl.Name, r.Namespace, name, err)
	}
	return ctrl.Result{}, nil
}

// credentials collects what is available now: a missing or invalid
// certificate or key Secret leaves its part out (the template's and the
// certificate's status say why), and the copy follows once it is fixed.
func (r *Reconciler) credentials(ctx context.Context, tpl *walletv1.PassTemplate) (map[string][]byte, error) {
	data := map[string][]byte{}
	cert := &walletv1.PassCertificate{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: tpl.Namespace, Name: tpl.Spec.CertificateRef.Name}, cert)
	if client.IgnoreNotFound(err) != nil {
		return nil, err
	}
	if err == nil {
		id, err := r.Sources.Identity(ctx, cert)
		var problem *certs.Problem
		switch {
		case errors.As(err, &problem):
			// Missing or invalid: left out until fixed.
		case err != nil:
			return nil, err
		default:
			if data, err = id.SecretData(); err != nil {
				return nil, fmt.Errorf("certificate %s/%s: %w", cert.Namespace, cert.Name, err)
			}
		}
	}
	hooks, err := subscriptions.Of(ctx, r.Client, tpl)
	if err != nil {
		return nil, err
	}
	for _, h := range hooks {
		if h.APIKeySecretRef == nil {
			continue
		}
		secret, err := r.secret(ctx, tpl.Namespace, h.APIKeySecretRef.Name)
		if err != nil {
			return nil, err
		}
		// Only Secrets labelled for it: a template author may not send any
		// Secret of the namespace to a URL of their choosing.
		if v, ok := secret.Data[h.APIKeySecretRef.Key]; ok && secret.Labels[walletv1.LabelWebhookAPIKey] == "true" {
			data[walletv1.WebhookKey(h)] = v
		}
	}
	if tpl.Spec.CheckIn != nil {
		for _, ref := range tpl.Spec.CheckIn.ScannerKeySecretRefs {
			secret, err := r.secret(ctx, tpl.Namespace, ref.Name)
			if err != nil {
				return nil, err
			}
			// Only Secrets labelled for it, and only the digest: a scanner
			// key is compared, never sent.
			if shared.ScannerKeyProblem(secret, ref) == "" {
				data[walletv1.ScannerKeyPrefix+ref.Name] = walletv1.ScannerKeyDigest(secret.Data[ref.Key])
			}
		}
	}
	return data, nil
}

// secret reads a Secret; a missing one is empty.
func (r *Reconciler) secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	if err := r.API.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return &corev1.Secret{}, nil
		}
		return nil, err
	}
	return s, nil
}
