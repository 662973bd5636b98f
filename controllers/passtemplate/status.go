package passtemplate

import (
	"bytes"
	"fmt"
	"image/png"
	"maps"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
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

// imagesOf lists the PNG images of a template's shared files by name, with
// their pixel size (from the PNG header) and bytes.
func imagesOf(files pkpass.Files) []walletv1.TemplateImageStatus {
	var out []walletv1.TemplateImageStatus
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !strings.HasSuffix(name, ".png") {
			continue
		}
		img := walletv1.TemplateImageStatus{Name: name, Size: int64(len(files[name]))}
		if cfg, err := png.DecodeConfig(bytes.NewReader(files[name])); err == nil {
			img.Width, img.Height = int32(cfg.Width), int32(cfg.Height)
		}
		out = append(out, img)
	}
	return out
}
