package pass

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// A pass is reconciled again for every change but its own status write
// (and the web service's counts); a bundle reported damaged is signed again.
func TestPassChanged(t *testing.T) {
	signed := func() *walletv1.Pass {
		return &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Name: "p", Generation: 1, Annotations: map[string]string{"a": "1"}},
			Status: walletv1.PassStatus{Bundle: &walletv1.BundleStatus{ContentDigest: "sha256:1"}}}
	}
	now := metav1.Now()
	for _, tc := range []struct {
		name   string
		change func(*walletv1.Pass)
		want   bool
	}{
		{"its own status write", func(p *walletv1.Pass) {
			p.Status.Bundle.ContentDigest, p.Status.ObservedGeneration, p.ResourceVersion = "sha256:2", 1, "7"
		}, false},
		{"the web service's counts", func(p *walletv1.Pass) { p.Status.RegisteredDevices = 3 }, false},
		{"a new generation", func(p *walletv1.Pass) { p.Generation = 2 }, true},
		{"an annotation (a push request)", func(p *walletv1.Pass) { p.Annotations["a"] = "2" }, true},
		{"a label", func(p *walletv1.Pass) { p.Labels = map[string]string{"group": "g"} }, true},
		{"deleted", func(p *walletv1.Pass) { p.DeletionTimestamp = &now }, true},
		{"its finalizer removed", func(p *walletv1.Pass) { p.Finalizers = []string{"x"} }, true},
		{"a damaged bundle", func(p *walletv1.Pass) { p.Status.Bundle.Damaged = "corrupt" }, true},
		{"a deleted pass's fan-out recorded", func(p *walletv1.Pass) { p.DeletionTimestamp = &now; p.Status.PushedDigest = "sha256:1" }, true},
	} {
		n := signed()
		tc.change(n)
		if got := passChanged().Update(event.UpdateEvent{ObjectOld: signed(), ObjectNew: n}); got != tc.want {
			t.Errorf("%s: reconciled %v, want %v", tc.name, got, tc.want)
		}
	}
}
