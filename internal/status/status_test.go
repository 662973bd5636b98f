package status

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

func newCert(generation int64, conds ...metav1.Condition) *walletv1.PassCertificate {
	return &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cert", Generation: generation},
		Status:     walletv1.PassCertificateStatus{ObservedGeneration: 1, Conditions: conds},
	}
}

var transitions = []Transition{
	{Type: walletv1.ConditionReady, Warn: metav1.ConditionFalse},
	{Type: walletv1.ConditionExpiring, Warn: metav1.ConditionTrue},
}

// The helper patches only a changed status, stamps observedGeneration only
// after a reconcile without error, and returns both errors.
func TestHelperPatch(t *testing.T) {
	reconcileErr := errors.New("the API server is away")
	patchErr := errors.New("patch refused")
	for _, tc := range []struct {
		name           string
		reconcileErr   error
		failPatch      bool
		change         bool
		wantPatches    int
		wantObserved   int64
		wantErrs       []error
		wantEventCount int
	}{
		{name: "verdict", change: true, wantPatches: 1, wantObserved: 2, wantEventCount: 1},
		{name: "nothing changed but the generation", wantPatches: 1, wantObserved: 2},
		{name: "error: the status keeps describing the generation it judged", reconcileErr: reconcileErr, wantPatches: 0, wantObserved: 1, wantErrs: []error{reconcileErr}},
		{name: "error and a change", reconcileErr: reconcileErr, change: true, wantPatches: 1, wantObserved: 1, wantErrs: []error{reconcileErr}, wantEventCount: 1},
		{name: "both errors are returned", reconcileErr: reconcileErr, change: true, failPatch: true, wantPatches: 1, wantObserved: 1, wantErrs: []error{reconcileErr, patchErr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := newCert(2)
			patches := 0
			c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(stored).WithStatusSubresource(stored).
				WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, o ...client.SubResourcePatchOption) error {
					patches++
					if tc.failPatch {
						return patchErr
					}
					return c.SubResource(sub).Patch(ctx, obj, p, o...)
				}}).Build()
			obj := &walletv1.PassCertificate{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(stored), obj); err != nil {
				t.Fatal(err)
			}
			events := record.NewFakeRecorder(10)
			h := NewHelper(c, events, CertificateController, obj, transitions...)
			if tc.change {
				Set(&obj.Status.Conditions, obj.Generation, walletv1.ConditionReady, metav1.ConditionFalse, walletv1.ReasonExpired, "expired")
			}
			err := h.Patch(context.Background(), tc.reconcileErr)
			for _, want := range tc.wantErrs {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not carry %v", err, want)
				}
			}
			if len(tc.wantErrs) == 0 && err != nil {
				t.Errorf("error %v, want none", err)
			}
			if patches != tc.wantPatches {
				t.Errorf("%d status patches, want %d", patches, tc.wantPatches)
			}
			if obj.Status.ObservedGeneration != tc.wantObserved {
				t.Errorf("observedGeneration %d, want %d", obj.Status.ObservedGeneration, tc.wantObserved)
			}
			if got := len(events.Events); got != tc.wantEventCount {
				t.Errorf("%d Events, want %d", got, tc.wantEventCount)
			}
		})
	}
}

// Events follow transitions of status or reason, Warning for the bad
// status; WarningsOnly drops the good ones.
func TestTransitions(t *testing.T) {
	ready := func(s metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: walletv1.ConditionReady, Status: s, Reason: reason, Message: "m"}
	}
	for _, tc := range []struct {
		name          string
		before, after []metav1.Condition
		warningsOnly  bool
		recoveries    bool
		want          string
	}{
		{name: "first verdict, bad", after: []metav1.Condition{ready(metav1.ConditionFalse, "Expired")}, want: "Warning Expired m"},
		{name: "first verdict, good", after: []metav1.Condition{ready(metav1.ConditionTrue, "Valid")}, want: "Normal Valid m"},
		{name: "good, warnings only", after: []metav1.Condition{ready(metav1.ConditionTrue, "Signed")}, warningsOnly: true},
		{name: "recovery, warnings only", before: []metav1.Condition{ready(metav1.ConditionFalse, "Expired")}, after: []metav1.Condition{ready(metav1.ConditionTrue, "Signed")}, warningsOnly: true},
		{name: "recovery, warnings and recoveries", before: []metav1.Condition{ready(metav1.ConditionFalse, "Expired")}, after: []metav1.Condition{ready(metav1.ConditionTrue, "Signed")}, warningsOnly: true, recoveries: true, want: "Normal Signed m"},
		{name: "first verdict good, warnings and recoveries", after: []metav1.Condition{ready(metav1.ConditionTrue, "Signed")}, warningsOnly: true, recoveries: true},
		{name: "good again, warnings and recoveries", before: []metav1.Condition{ready(metav1.ConditionTrue, "Signed")}, after: []metav1.Condition{ready(metav1.ConditionTrue, "Reused")}, warningsOnly: true, recoveries: true},
		{name: "same reason", before: []metav1.Condition{ready(metav1.ConditionFalse, "Expired")}, after: []metav1.Condition{ready(metav1.ConditionFalse, "Expired")}},
		{name: "new reason", before: []metav1.Condition{ready(metav1.ConditionFalse, "Expired")}, after: []metav1.Condition{ready(metav1.ConditionFalse, "KeyMismatch")}, want: "Warning KeyMismatch m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events := record.NewFakeRecorder(10)
			h := &Helper{recorder: events, before: newCert(1, tc.before...), obj: newCert(1, tc.after...),
				transitions: []Transition{{Type: walletv1.ConditionReady, Warn: metav1.ConditionFalse, WarningsOnly: tc.warningsOnly, Recoveries: tc.recoveries}}}
			h.recordTransitions()
			var got []string
			for len(events.Events) > 0 {
				got = append(got, <-events.Events)
			}
			if strings.Join(got, ";") != tc.want {
				t.Errorf("Events %q, want %q", got, tc.want)
			}
		})
	}
}
