package issuance

import (
	"os"
	"strings"
	"testing"

	v1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

func issued(template string, slot int) *walletv1.Pass {
	p := &walletv1.Pass{ObjectMeta: v1.ObjectMeta{Namespace: "ns", Name: PassName(template, slot), Labels: map[string]string{walletv1.LabelIssuedBy: walletv1.LabelValue(template)}}}
	p.Spec.TemplateRef.Name = template
	return p
}

func TestSlots(t *testing.T) {
	s := NewSlots()
	h := s.EventHandler()
	for slot := 1; slot <= 130; slot++ {
		h.OnAdd(issued("coupon", slot), true)
	}
	other := issued("coupon", 1)
	other.Name = "handmade"
	h.OnAdd(other, true)
	h.OnAdd(issued("another", 1), true)
	if n := s.Issued("ns", "coupon"); n != 131 {
		t.Fatalf("Issued: %d, want 131", n)
	}
	h.OnDelete(issued("coupon", 65))
	h.OnDelete(toolscache.DeletedFinalStateUnknown{Obj: issued("coupon", 3)})
	// An update that moves nothing frees nothing, not even for an instant.
	h.OnUpdate(issued("coupon", 7), issued("coupon", 7))
	for _, want := range []int{3, 65, 131, 0} {
		if got := s.Reserve("ns", "coupon", 131); got != want {
			t.Fatalf("Reserve: slot %d, want %d", got, want)
		}
	}
	s.Release("ns", "coupon", 65)
	if got := s.Reserve("ns", "coupon", 1000); got != 65 {
		t.Errorf("a released slot is not offered again: %d", got)
	}
	if n := s.Issued("ns", "coupon"); n != 132 {
		t.Errorf("Issued after reserving: %d, want 132", n)
	}
	// A label taken off a pass gives its slot back.
	unlabelled := issued("coupon", 10)
	unlabelled.Labels = nil
	h.OnUpdate(issued("coupon", 10), unlabelled)
	if got := s.Reserve("ns", "coupon", 1000); got != 10 {
		t.Errorf("an unlabelled pass's slot: %d, want 10", got)
	}
}

func TestSlotOf(t *testing.T) {
	long := strings.Repeat("a", 199) + "-b"
	for _, tc := range []struct {
		name, template string
		want           int
	}{
		{"coupon-issued-12", "coupon", 12},
		{"coupon-issued-012", "coupon", 0},
		{"coupon-issued-0", "coupon", 0},
		{"coupon-issued-100001", "coupon", 0},
		{"coupon-issued-1x", "coupon", 0},
		{"coupons-issued-1", "coupon", 0},
		{PassName(long, 7), long, 7},
	} {
		if got := slotOf(tc.name, tc.template); got != tc.want {
			t.Errorf("slotOf(%q, %q) = %d, want %d", tc.name, tc.template, got, tc.want)
		}
	}
}

// The schema's maximum of spec.distribution.limit is MaxLimit.
func TestSchemaLimit(t *testing.T) {
	crd, err := os.ReadFile("../../config/crd/bases/passes.wallet-operator.io_passtemplates.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(crd), "most passes issue links may create")
	if !strings.Contains(after[:min(len(after), 400)], "maximum: 100000") || MaxLimit != 100_000 {
		t.Errorf("spec.distribution.limit's schema maximum is not MaxLimit (%d)", MaxLimit)
	}
}
