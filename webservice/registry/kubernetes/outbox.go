package kubernetes

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// maxPendingPerPass bounds the events waiting for one pass: beyond it,
// registry.ErrEventDropped.
const maxPendingPerPass = registry.MaxPendingEventsPerPass

// Outbox is the outbox of the DeviceRegistration backend: each webhook
// event waits as a PendingWebhookEvent in its pass's namespace, created by
// whichever replica saw it happen (one create, which no other write can
// conflict with) and sent, in order per pass, by the elected replica (its
// claims are in memory), so a restart loses none.
type Outbox struct {
	Client client.Client // creates, deletes and status writes
	Cache  client.Reader // which passes have events, and the passes
	API    client.Reader // a pass's events as they are now

	mu     sync.Mutex
	nextID int64
	claims map[int64]outboxClaim
	holds  map[types.NamespacedName]heldPass // claimed passes
}

// heldPass: a pass is claimed until, by claim.
type heldPass struct {
	until time.Time
	claim int64
}

type outboxClaim struct {
	pass  types.NamespacedName
	event *walletv1.PendingWebhookEvent // as claimed
}

var _ registry.Outbox = (*Outbox)(nil)

// AddEvent creates the event after its pass's others; beyond the bound it
// is dropped (registry.ErrEventDropped).
func (o *Outbox) AddEvent(ctx context.Context, ev registry.Event) error {
	pass := types.NamespacedName{Namespace: ev.Namespace, Name: ev.Pass}
	waiting, err := o.eventsOf(ctx, pass)
	if err != nil {
		return fmt.Errorf("read the webhook events waiting for pass %s: %w", pass, err)
	}
	if len(waiting) >= maxPendingPerPass {
		return registry.ErrEventDropped
	}
	seq := ev.Timestamp.UnixNano()
	if n := len(waiting); n > 0 && seq <= waiting[n-1].Spec.Sequence {
		seq = waiting[n-1].Spec.Sequence + 1
	}
	e := &walletv1.PendingWebhookEvent{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ev.Namespace, Name: eventName(ev, seq),
			Labels: walletv1.ManagedLabels(map[string]string{walletv1.LabelPass: walletv1.LabelValue(ev.Pass)}),
		},
		Spec: walletv1.PendingWebhookEventSpec{
			PassName: ev.Pass, Sequence: seq, Event: walletv1.WebhookEvent(ev.Event), Time: metav1.NewMicroTime(ev.Timestamp),
			DeviceCount: int32(ev.DeviceCount), UserCount: int32(ev.UserCount), Wallet: ev.Wallet,
		},
	}
	if ev.PassID != "" {
		// Owned by its pass: a garbage collector deletes what a pass
		// left (Forget does it without one).
		e.OwnerReferences = []metav1.OwnerReference{{APIVersion: walletv1.GroupVersion.String(), Kind: "Pass", Name: ev.Pass, UID: types.UID(ev.PassID)}}
	}
	if err := o.Client.Create(ctx, e); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("keep a webhook event of pass %s: %w", pass, err)
	}
	return nil
}

// eventName names an event from what it is: adding the same event again
// (a create retried) finds it there.
func eventName(ev registry.Event, seq int64) string {
	h := sha256.New()
	for _, s := range []string{ev.Namespace, ev.Pass, ev.PassID, ev.Event, strconv.FormatInt(seq, 10), strconv.Itoa(ev.DeviceCount), strconv.Itoa(ev.UserCount)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "event-" + hex.EncodeToString(h.Sum(nil))[:24]
}

// eventsOf reads the events waiting for a pass from the API server, oldest
// first: the cache may not show the last one added or sent yet.
func (o *Outbox) eventsOf(ctx context.Context, pass types.NamespacedName) ([]walletv1.PendingWebhookEvent, error) {
	var list walletv1.PendingWebhookEventList
	if err := o.API.List(ctx, &list, client.InNamespace(pass.Namespace), client.MatchingLabels{walletv1.LabelPass: walletv1.LabelValue(pass.Name)}); err != nil {
		return nil, err
	}
	events := slices.DeleteFunc(list.Items, func(e walletv1.PendingWebhookEvent) bool { return e.Spec.PassName != pass.Name })
	slices.SortFunc(events, func(a, b walletv1.PendingWebhookEvent) int {
		return cmp.Or(cmp.Compare(a.Spec.Sequence, b.Spec.Sequence), cmp.Compare(a.Name, b.Name))
	})
	return events, nil
}

// ClaimEvents claims the oldest event of passes whose next attempt is due,
// those due longest first. The cache finds the passes with events; each
// pass's events are then read from the API server, as the cache may not
// show the last attempt recorded yet (which would send an event again) or
// an older event another replica added.
func (o *Outbox) ClaimEvents(ctx context.Context, c registry.EventClaim) ([]registry.OutboxEvent, error) {
	var cached walletv1.PendingWebhookEventList
	if err := o.Cache.List(ctx, &cached); err != nil {
		return nil, err
	}
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.claims == nil {
		o.claims, o.holds = map[int64]outboxClaim{}, map[types.NamespacedName]heldPass{}
	}
	var out []registry.OutboxEvent
	for _, key := range passesByDue(cached.Items) {
		if len(out) == c.N {
			break
		}
		if o.holds[key].until.After(now) || slices.Contains(c.SkipNamespaces, key.Namespace) {
			continue
		}
		events, err := o.eventsOf(ctx, key)
		if err != nil {
			return out, err
		}
		if len(events) == 0 {
			continue
		}
		head := &events[0]
		if head.Status.NextAttempt != nil && head.Status.NextAttempt.After(now) {
			continue
		}
		p := &walletv1.Pass{}
		if err := o.Cache.Get(ctx, key, p); err != nil {
			if apierrors.IsNotFound(err) {
				continue // its events go with it (Forget)
			}
			return out, err
		}
		o.nextID++
		o.claims[o.nextID] = outboxClaim{pass: key, event: head}
		o.holds[key] = heldPass{until: now.Add(c.Lease), claim: o.nextID}
		out = append(out, registry.OutboxEvent{ID: o.nextID, Attempts: int(head.Status.Attempts), DeliveredTo: head.Status.DeliveredTo, Event: registry.Event{
			Event: string(head.Spec.Event), PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name, SerialNumber: p.Spec.SerialNumber,
			PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: head.Spec.Time.UTC(), DeviceCount: int(head.Spec.DeviceCount), UserCount: int(head.Spec.UserCount),
			Wallet: cmp.Or(head.Spec.Wallet, registry.WalletOf(string(head.Spec.Event))),
		}})
	}
	return out, nil
}

// passesByDue lists the passes that have events, the one whose oldest
// event is due longest first.
func passesByDue(events []walletv1.PendingWebhookEvent) []types.NamespacedName {
	due := map[types.NamespacedName]time.Time{}
	for i := range events {
		e := &events[i]
		at := e.Spec.Time.Time
		if e.Status.NextAttempt != nil {
			at = e.Status.NextAttempt.Time
		}
		key := types.NamespacedName{Namespace: e.Namespace, Name: e.Spec.PassName}
		if t, ok := due[key]; !ok || at.Before(t) {
			due[key] = at
		}
	}
	keys := make([]types.NamespacedName, 0, len(due))
	for k := range due {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b types.NamespacedName) int {
		return cmp.Or(due[a].Compare(due[b]), cmp.Compare(a.String(), b.String()))
	})
	return keys
}

// held returns what a claim names while it still holds its pass; a claim
// whose pass was claimed again since (its lease ended) names nothing.
func (o *Outbox) held(id int64) (outboxClaim, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.claims[id]
	if !ok || o.holds[c.pass].claim != id {
		delete(o.claims, id)
		return outboxClaim{}, false
	}
	return c, true
}

// release ends a claim once its outcome is written: until then its pass
// stays held, or the next claim would read the event as it was before
// the outcome and send it again.
func (o *Outbox) release(id int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.claims[id]
	delete(o.claims, id)
	if ok && o.holds[c.pass].claim == id {
		delete(o.holds, c.pass)
	}
}

// Delivered deletes the event.
func (o *Outbox) Delivered(ctx context.Context, e registry.OutboxEvent) error {
	c, ok := o.held(e.ID)
	if !ok {
		return nil
	}
	defer o.release(e.ID)
	err := o.Client.Delete(ctx, c.event, client.Preconditions{UID: &c.event.UID})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove a delivered webhook event of pass %s: %w", c.pass, err)
	}
	return nil
}

// RetryAt records a failed attempt on the event.
func (o *Outbox) RetryAt(ctx context.Context, e registry.OutboxEvent, deliveredTo []string, next time.Time) error {
	c, ok := o.held(e.ID)
	if !ok {
		return nil
	}
	defer o.release(e.ID)
	ev := c.event.DeepCopy()
	before := ev.DeepCopy()
	ev.Status.Attempts++
	ev.Status.DeliveredTo = deliveredTo
	ev.Status.NextAttempt = &metav1.Time{Time: next}
	err := status.Outbox.Patch(ctx, o.Client, ev, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("record a webhook attempt for pass %s: %w", c.pass, err)
	}
	return nil
}

// Waiting counts the PendingWebhookEvents the cache holds.
func (o *Outbox) Waiting(ctx context.Context) (int, error) {
	var list walletv1.PendingWebhookEventList
	if err := o.Cache.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return 0, err
	}
	return len(list.Items), nil
}
