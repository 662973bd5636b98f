package passtemplate

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

func setNotReady(t *walletv1.PassTemplate, reason, message string) {
	status.Set(&t.Status.Conditions, t.Generation, walletv1.ConditionReady, metav1.ConditionFalse, reason, message)
}

func setReady(t *walletv1.PassTemplate) {
	status.Set(&t.Status.Conditions, t.Generation, walletv1.ConditionReady, metav1.ConditionTrue, walletv1.ReasonTemplateValid,
		fmt.Sprintf("passes render with the shared files %s", t.Status.SharedBundle))
}

// setIssueURL publishes {webServiceURL}/issue/{namespace}/{template}/{token}
// when the template allows issue links.
func setIssueURL(t *walletv1.PassTemplate, webServiceURL string, key []byte) {
	if webServiceURL == "" || t.Spec.Distribution == nil || !t.Spec.Distribution.IssueLinks {
		t.Status.IssueURL = ""
		return
	}
	t.Status.IssueURL = strings.TrimSuffix(webServiceURL, "/") + "/issue/" + url.PathEscape(t.Namespace) + "/" + url.PathEscape(t.Name) + "/" +
		tokens.Key(key).Issue(t.Namespace, t.Name)
}

// setWebhooksReady reports the webhooks' API key Secrets; no condition when
// no webhook sends a key.
func setWebhooksReady(t *walletv1.PassTemplate, hooks []walletv1.Webhook, problems []string) {
	withKeys := slices.ContainsFunc(hooks, func(h walletv1.Webhook) bool { return h.APIKeySecretRef != nil })
	switch {
	case !withKeys:
		meta.RemoveStatusCondition(&t.Status.Conditions, walletv1.ConditionWebhooksReady)
	case len(problems) > 0:
		status.Set(&t.Status.Conditions, t.Generation, walletv1.ConditionWebhooksReady, metav1.ConditionFalse, walletv1.ReasonAPIKeySecretNotAllowed, strings.Join(problems, "; "))
	default:
		status.Set(&t.Status.Conditions, t.Generation, walletv1.ConditionWebhooksReady, metav1.ConditionTrue, walletv1.ReasonWebhooksValid, "every webhook's API key Secret is labelled for webhooks")
	}
}
