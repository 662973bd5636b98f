package stats

import (
	"fmt"
	"testing"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Only the tags a template lists become metric labels and status keys:
// anyone with a link could otherwise create series at will. Every ?tag= of
// a link counts, once each.
func TestTrackedTags(t *testing.T) {
	tpl := &walletv1.PassTemplate{Spec: walletv1.PassTemplateSpec{Distribution: &walletv1.Distribution{Tags: []string{"newsletter", "poster"}}}}
	for _, tc := range []struct {
		tpl    *walletv1.PassTemplate
		values []string
		want   []string
	}{
		{tpl, []string{"newsletter"}, []string{"newsletter"}},
		{tpl, []string{"newsletter", "poster"}, []string{"newsletter", "poster"}},
		{tpl, []string{"random-8f3a", "newsletter", "other-9"}, []string{"other", "newsletter"}},
		{tpl, []string{"poster", "poster"}, []string{"poster"}},
		{tpl, nil, []string{Untagged}},
		{tpl, []string{""}, []string{"other"}},
		{nil, []string{"newsletter"}, []string{"other"}},
		{tpl, []string{"a", "b", "c", "d", "e", "f", "g", "h", "newsletter"}, []string{"other"}}, // past maxTagsCounted
	} {
		if got := TrackedTags(tc.tpl, tc.values); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("tags %q counted as %q, want %q", tc.values, got, tc.want)
		}
	}
}
