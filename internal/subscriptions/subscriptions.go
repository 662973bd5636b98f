// Package subscriptions says which webhooks take the events of a
// template's passes: the template's own spec.webhooks and the PassWebhooks
// of its namespace that select it. The manager (credentials, the
// template's WebhooksReady) and the web service (queueing and sending
// events) read the same list.
package subscriptions

import (
	"context"
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Of are the webhooks of tpl's passes.
func Of(ctx context.Context, c client.Reader, tpl *walletv1.PassTemplate) ([]walletv1.Webhook, error) {
	var namespaceWide walletv1.PassWebhookList
	if err := c.List(ctx, &namespaceWide, client.InNamespace(tpl.Namespace)); err != nil {
		return nil, fmt.Errorf("list the PassWebhooks of namespace %s: %w", tpl.Namespace, err)
	}
	return tpl.AllWebhooks(namespaceWide.Items), nil
}

// Takes says whether h takes events of kind (every kind when it lists
// none).
func Takes(h walletv1.Webhook, kind walletv1.WebhookEvent) bool {
	return len(h.Events) == 0 || slices.Contains(h.Events, kind)
}
