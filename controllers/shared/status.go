package shared

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SetCondition sets a condition stamped with the object's generation;
// lastTransitionTime moves only when the status does.
func SetCondition(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message, ObservedGeneration: generation,
	})
}

// PatchStatus writes obj's status through the status subresource when it
// differs from before's, so an unchanged reconcile writes nothing. It
// never touches spec or metadata.
func PatchStatus(ctx context.Context, c client.Client, obj, before client.Object, status, beforeStatus any) error {
	if equality.Semantic.DeepEqual(status, beforeStatus) {
		return nil
	}
	return c.Status().Patch(ctx, obj, client.MergeFrom(before))
}

// ReadyCondition returns an object's Ready condition, or nil.
func ReadyCondition(conds []metav1.Condition) *metav1.Condition {
	return meta.FindStatusCondition(conds, "Ready")
}

// IsReady says whether the Ready condition is True for the current
// generation.
func IsReady(conds []metav1.Condition, generation int64) bool {
	c := ReadyCondition(conds)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}
