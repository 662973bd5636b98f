package passtemplate

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

// CountInterval is the least time between two writes of a template's
// counts: a fan-out over its passes writes them once per interval, not
// once per pass.
const CountInterval = 10 * time.Second

// counts are a template's statistics of its passes.
type counts struct {
	passes, ready, voided, redeemed, expired, anonymized int32
	devices                                              int64
}

// countsOf is one pass's share of its template's counts.
func countsOf(p *walletv1.Pass) counts {
	one := func(b bool) int32 {
		if b {
			return 1
		}
		return 0
	}
	return counts{
		passes: 1, ready: one(status.IsReady(p.Status.Conditions, p.Generation)),
		voided: one(p.Spec.Voided), redeemed: one(p.Spec.Redeemed), expired: one(p.Status.Expired), anonymized: one(p.Spec.Anonymized),
		devices: int64(p.Status.RegisteredDevices),
	}
}

// setCounts records the template's pass statistics, at most once per
// CountInterval; it returns when to count again (0: nothing pending).
func setCounts(t *walletv1.PassTemplate, passes []walletv1.Pass, now time.Time) time.Duration {
	var c counts
	for i := range passes {
		p := countsOf(&passes[i])
		c.passes, c.ready, c.voided, c.redeemed = c.passes+p.passes, c.ready+p.ready, c.voided+p.voided, c.redeemed+p.redeemed
		c.expired, c.anonymized, c.devices = c.expired+p.expired, c.anonymized+p.anonymized, c.devices+p.devices
	}
	s := &t.Status
	if c == (counts{s.Passes, s.ReadyPasses, s.VoidedPasses, s.RedeemedPasses, s.ExpiredPasses, s.AnonymizedPasses, s.RegisteredDevices}) {
		return 0
	}
	if s.CountedAt != nil {
		if wait := s.CountedAt.Add(CountInterval).Sub(now); wait > 0 {
			return wait
		}
	}
	s.Passes, s.ReadyPasses, s.VoidedPasses, s.RedeemedPasses = c.passes, c.ready, c.voided, c.redeemed
	s.ExpiredPasses, s.AnonymizedPasses, s.RegisteredDevices = c.expired, c.anonymized, c.devices
	s.CountedAt = &metav1.Time{Time: now.Truncate(time.Second)}
	passGauge.WithLabelValues(t.Namespace, t.Name).Set(float64(c.passes))
	devicesGauge.WithLabelValues(t.Namespace, t.Name).Set(float64(c.devices))
	return 0
}

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
func setWebhooksReady(t *walletv1.PassTemplate, problems []string) {
	withKeys := slices.ContainsFunc(t.Spec.Webhooks, func(h walletv1.Webhook) bool { return h.APIKeySecretRef != nil })
	switch {
	case !withKeys:
		meta.RemoveStatusCondition(&t.Status.Conditions, walletv1.ConditionWebhooksReady)
	case len(problems) > 0:
		status.Set(&t.Status.Conditions, t.Generation, walletv1.ConditionWebhooksReady, metav1.ConditionFalse, walletv1.ReasonAPIKeySecretNotAllowed, strings.Join(problems, "; "))
	default:
		status.Set(&t.Status.Conditions, t.Generation, walletv1.ConditionWebhooksReady, metav1.ConditionTrue, walletv1.ReasonWebhooksValid, "every webhook's API key Secret is labelled for webhooks")
	}
}
