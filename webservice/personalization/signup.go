package personalization

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// Record writes the details into the Pass's data and sets
// spec.personalized, conditioned on the version read: of two sign-ups at
// once, one wins (the other gets a Conflict). It returns the pass as
// written.
func Record(ctx context.Context, c client.Client, p *walletv1.Pass, tpl *walletv1.PassTemplate, details map[string]string) (*walletv1.Pass, error) {
	var data []byte
	if p.Spec.Data != nil {
		data = p.Spec.Data.Raw
	}
	merged, err := Merge(tpl.Spec.Personalization, data, details)
	if err != nil {
		return nil, err
	}
	updated := p.DeepCopy()
	updated.Spec.Data = &apiextensionsv1.JSON{Raw: merged}
	updated.Spec.Personalized = true
	err = c.Patch(ctx, updated, client.MergeFromWithOptions(p, client.MergeFromWithOptimisticLock{}), client.FieldOwner(walletv1.FieldOwner+"-webservice"))
	return updated, err
}

// SigningIdentity is the pass's certificate and key, from the push
// credentials the manager keeps for its template in the web service's
// namespace (the web service reads no team's Secret).
func SigningIdentity(ctx context.Context, c client.Reader, credentialsNamespace string, p *walletv1.Pass, tpl *walletv1.PassTemplate) (*certs.Identity, error) {
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: credentialsNamespace, Name: walletv1.PushCredentialsSecretName(p.Namespace, tpl.Name)}
	if err := c.Get(ctx, key, secret); err != nil {
		return nil, err
	}
	return certs.FromSecretData(secret.Data)
}

// WaitSigned waits, at most wait, until the manager has signed the
// personalized pass p (as Record returned it), so that Wallet's next
// fetch gets it. It says whether it was.
func WaitSigned(ctx context.Context, cache client.Reader, p *walletv1.Pass, wait time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		current := &walletv1.Pass{}
		if err := cache.Get(ctx, client.ObjectKeyFromObject(p), current); err == nil &&
			current.Generation >= p.Generation && current.Spec.Personalized && status.IsReady(current.Status.Conditions, current.Generation) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}
