// Package status is how every component reads and writes the status of the
// operator's kinds: conditions, one patch helper for reconcilers (after
// Cluster API's util/patch), and Events on condition transitions. The manager's
// reconcilers and the web service's status writers share it.
package status

import (
	"context"
	"math/rand/v2"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Set sets a condition stamped with the object's generation;
// lastTransitionTime moves only when the status does.
func Set(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message, ObservedGeneration: generation,
	})
}

// Ready returns an object's Ready condition, or nil.
func Ready(conds []metav1.Condition) *metav1.Condition {
	return meta.FindStatusCondition(conds, walletv1.ConditionReady)
}

// IsReady says whether the Ready condition is True for the current
// generation.
func IsReady(conds []metav1.Condition, generation int64) bool {
	c := Ready(conds)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}

// Patch writes obj's status through the status subresource when it differs
// from before's, as writer w, so an unchanged reconcile writes nothing. It
// never touches spec or metadata.
func Patch(ctx context.Context, c client.Client, w Writer, before, obj client.Object) error {
	if equality.Semantic.DeepEqual(statusOf(before), statusOf(obj)) {
		return nil
	}
	return w.Patch(ctx, c, obj, client.MergeFrom(before))
}

// statusOf is the Status field of one of the API's kinds.
func statusOf(obj client.Object) any {
	return reflect.ValueOf(obj).Elem().FieldByName("Status").Interface()
}

// Object is a kind whose status a reconciler owns: conditions and
// observedGeneration.
type Object interface {
	client.Object
	GetConditions() []metav1.Condition
	SetObservedGeneration(int64)
}

// Transition says which changes of one condition type become Events: a
// change of status or reason. Becoming Warn is a Warning Event, anything
// else a Normal one, unless WarningsOnly (a Ready pass is the norm: a
// hundred thousand Normal Events would drown the Warnings, and each is a
// request the API server pays for). Recoveries keeps, under WarningsOnly,
// the Normal Event of leaving Warn: the one a person who saw the Warning
// looks for.
type Transition struct {
	Type         string
	Warn         metav1.ConditionStatus
	WarningsOnly bool
	Recoveries   bool
}

// Helper holds an object as a reconcile found it and, at the end of the
// reconcile, writes what changed in its status and records the condition
// transitions as Events. Every reconciler of the manager uses it:
//
//	h := status.NewHelper(r.Client, r.Recorder, status.PassController, obj, transitions...)
//	defer func() { reterr = h.Patch(ctx, reterr) }()
type Helper struct {
	client      client.Client
	writer      Writer
	recorder    record.EventRecorder
	transitions []Transition
	before, obj Object
}

// NewHelper takes the "before" copy of obj; w is the reconciler's writer.
func NewHelper(c client.Client, recorder record.EventRecorder, w Writer, obj Object, transitions ...Transition) *Helper {
	return &Helper{client: c, writer: w, recorder: recorder, transitions: transitions, before: obj.DeepCopyObject().(Object), obj: obj}
}

// Patch ends a reconcile that returned reterr. observedGeneration is stamped
// only when the reconcile returned no error: then it reached a verdict on
// this generation (or found it must wait, and its conditions say so). After
// an error (an API call failed and the reconcile is retried) the status still
// describes the generation it last judged, so a reader (kubectl wait, Argo
// CD) never takes an old condition for a verdict on the new spec. The status
// is written when it changed, Events are recorded for the transitions, and
// the reconcile's error and the patch's are both returned, neither dropped.
func (h *Helper) Patch(ctx context.Context, reterr error) error {
	if reterr == nil {
		h.obj.SetObservedGeneration(h.obj.GetGeneration())
	}
	patchErr := Patch(ctx, h.client, h.writer, h.before, h.obj)
	if patchErr == nil {
		h.recordTransitions()
	}
	switch {
	case patchErr == nil:
		return reterr
	case reterr == nil:
		return patchErr
	default:
		return kerrors.NewAggregate([]error{reterr, patchErr})
	}
}

func (h *Helper) recordTransitions() {
	for _, t := range h.transitions {
		old := meta.FindStatusCondition(h.before.GetConditions(), t.Type)
		cur := meta.FindStatusCondition(h.obj.GetConditions(), t.Type)
		if cur == nil || (old != nil && old.Status == cur.Status && old.Reason == cur.Reason) {
			continue
		}
		eventType := corev1.EventTypeNormal
		if cur.Status == t.Warn {
			eventType = corev1.EventTypeWarning
		} else if t.WarningsOnly && !(t.Recoveries && old != nil && old.Status == t.Warn) {
			continue
		}
		h.recorder.Event(h.obj, eventType, cur.Reason, cur.Message)
	}
}

// UpdatePass changes a pass's status with optimistic locking: read from
// cache, after a conflict (or when the cache has not seen the pass yet)
// from the API server, as writer w. change says whether it changed
// anything; a pass that is gone is no error.
func UpdatePass(ctx context.Context, c client.Client, cache, api client.Reader, w Writer, key types.NamespacedName, change func(*walletv1.Pass) bool) error {
	reader := cache
	for attempt := 0; ; attempt++ {
		p := &walletv1.Pass{}
		err := reader.Get(ctx, key, p)
		if apierrors.IsNotFound(err) && reader == cache {
			// Perhaps only too new for the cache: the API server says.
			reader = api
			err = reader.Get(ctx, key, p)
		}
		if err != nil {
			return client.IgnoreNotFound(err)
		}
		before := p.DeepCopy()
		if !change(p) {
			return nil
		}
		err = w.Patch(ctx, c, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		if !apierrors.IsConflict(err) || attempt == 10 {
			return client.IgnoreNotFound(err)
		}
		reader = api
		// Several writers share a pass's status (the outbox, the counter,
		// the pusher, the controllers): writers that lost together do not
		// all come back at the same instant.
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(attempt+1) * int64(10*time.Millisecond)))):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
