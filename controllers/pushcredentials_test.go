package controllers_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
)

func credentials(ns, template string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	err := c.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: walletv1.PushCredentialsSecretName(ns, template)}, s)
	return s, err
}

// Every template gets a copy of its APNs client certificate and its
// webhooks' API keys in the operator's namespace; the copy follows a key
// rotation, comes back when deleted, and goes with its template.
func TestPushCredentialsFollowTheirTemplate(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	ctx := context.Background()

	var cert walletv1.PassCertificate
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate"}, &cert); err != nil {
		t.Fatal(err)
	}
	var tpls walletv1.PassTemplateList
	if err := c.List(ctx, &tpls, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, tpl := range tpls.Items {
		eventually(t, "push credentials of "+tpl.Name, func() (bool, string) {
			s, err := credentials(ns, tpl.Name)
			if err != nil {
				return false, err.Error()
			}
			id, err := certs.FromSecretData(s.Data)
			if err != nil {
				return false, err.Error()
			}
			ok := certs.Fingerprint(id.Certificate) == cert.Status.Fingerprint && s.Labels[walletv1.LabelTemplate] == tpl.Name &&
				s.Labels[walletv1.LabelTemplateNamespace] == ns
			return ok, fmt.Sprint(s.Labels)
		})
	}

	// A webhook key: copied under a key naming the webhook, and rotated.
	apiKey := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "club-hooks", Labels: map[string]string{walletv1.LabelWebhookAPIKey: "true"}}, Data: map[string][]byte{"api-key": []byte("first")}}
	if err := c.Create(ctx, apiKey); err != nil {
		t.Fatal(err)
	}
	tpl := &walletv1.PassTemplate{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "climbing-membership"}, tpl); err != nil {
		t.Fatal(err)
	}
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Webhooks[0].APIKeySecretRef = &walletv1.KeyReference{Name: "club-hooks", Key: "api-key"}
	})
	hookKey := walletv1.WebhookKey(tpl.Spec.Webhooks[0])
	for _, want := range []string{"first", "second"} {
		if want == "second" {
			apiKey.Data["api-key"] = []byte("second")
			if err := c.Update(ctx, apiKey); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "the webhook key "+want+" copied", func() (bool, string) {
			s, err := credentials(ns, tpl.Name)
			if err != nil {
				return false, err.Error()
			}
			return string(s.Data[hookKey]) == want, string(s.Data[hookKey])
		})
	}

	// Deleted: written again. Template deleted: gone.
	s, _ := credentials(ns, tpl.Name)
	if err := c.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the credentials written again", func() (bool, string) {
		again, err := credentials(ns, tpl.Name)
		return err == nil && again.UID != s.UID, fmt.Sprint(err)
	})
	if err := c.Delete(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the credentials deleted with the template", func() (bool, string) {
		_, err := credentials(ns, tpl.Name)
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}
