package webservice

import (
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// Only the tags a template lists become metric labels: anyone with a link
// could otherwise create series at will.
func TestTrackedTags(t *testing.T) {
	tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "coupon"},
		Spec: walletv1.PassTemplateSpec{Distribution: &walletv1.Distribution{Tags: []string{"newsletter"}}}}
	s := &Server{cache: fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(tpl).Build()}
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "p"}, Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "coupon"}}}
	r := httptest.NewRequest("GET", "/", nil)
	for tag, want := range map[string]string{"newsletter": "newsletter", "random-8f3a": "other", "": "other"} {
		if got := s.trackedTag(r, p, tag); got != want {
			t.Errorf("tag %q counted as %q, want %q", tag, got, want)
		}
	}
}
