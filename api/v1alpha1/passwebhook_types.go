package v1alpha1

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// PassWebhookSpec is a webhook for the passes of many templates of its
// namespace: a team subscribes once, as Yourpass configures webhooks per
// project.
type PassWebhookSpec struct {
	Webhook `json:",inline"`

	// TemplateSelector picks the namespace's templates whose passes' events
	// are sent (by the templates' labels); every template when unset.
	// +optional
	TemplateSelector *metav1.LabelSelector `json:"templateSelector,omitempty"`
}

// PassWebhook sends the events of the passes of every template of its
// namespace (or those its templateSelector picks) to one URL, beside each
// template's own spec.webhooks. Problems with its API key Secret show on
// those templates' WebhooksReady condition.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:categories=wallet
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=".spec.url"
// +kubebuilder:printcolumn:name="Events",type=string,JSONPath=".spec.events"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type PassWebhook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PassWebhookSpec `json:"spec"`
}

// PassWebhookList is a list of PassWebhooks.
//
// +kubebuilder:object:root=true
type PassWebhookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PassWebhook `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PassWebhook{}, &PassWebhookList{})
}

// Selects says whether the webhook takes the events of tpl's passes: a
// template of its namespace its selector matches (an invalid selector
// matches none).
func (w *PassWebhook) Selects(tpl *PassTemplate) bool {
	if w.Namespace != tpl.Namespace {
		return false
	}
	if w.Spec.TemplateSelector == nil {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(w.Spec.TemplateSelector)
	return err == nil && sel.Matches(labels.Set(tpl.Labels))
}

// AllWebhooks are the webhooks tpl's passes' events go to: its own, then
// those of namespaceWide (the PassWebhooks of its namespace) that select
// it, each URL once (the template's own wins).
func (t *PassTemplate) AllWebhooks(namespaceWide []PassWebhook) []Webhook {
	all := append([]Webhook(nil), t.Spec.Webhooks...)
	byName := slices.Clone(namespaceWide)
	slices.SortFunc(byName, func(a, b PassWebhook) int { return strings.Compare(a.Name, b.Name) })
	for i := range byName {
		w := &byName[i]
		if !w.Selects(t) {
			continue
		}
		dup := false
		for _, h := range all {
			dup = dup || h.URL == w.Spec.URL
		}
		if !dup {
			all = append(all, w.Spec.Webhook)
		}
	}
	return all
}
