package kubernetes

import (
	"context"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// maxPendingPerPass bounds the events waiting in one Pass's status (the
// CRD says so too): beyond it, registry.ErrEventDropped.
const maxPendingPerPass = registry.MaxPendingEventsPerPass

func pendingWebhooksOf(o client.Object) []string {
	if len(o.(*walletv1.Pass).Status.PendingWebhookEvents) > 0 {
		return []string{"true"}
	}
	return nil
}

// Outbox is the outbox of the DeviceRegistration backend: a pass's
// webhook events wait in its status (status.pendingWebhookEvents), written
// by whichever replica served the registration and sent, in order, by the
// elected one (its claims are in memory), so a restart loses none.
type Outbox struct {
	Client client.Client // status writes
	Cache  client.Reader // passes, with indexPendingWebhooks
	API    client.Reader // a fresh read after a conflict

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
	event int64 // PendingWebhookEvent.ID
}

var _ registry.Outbox = (*Outbox)(nil)

// AddEvent appends an event to its pass's pending events; beyond the bound
// it is dropped (registry.ErrEventDropped).
func (o *Outbox) AddEvent(ctx context.Context, ev registry.Event) error {
	dropped := false
	err := o.update(ctx, types.NamespacedName{Namespace: ev.Namespace, Name: ev.Pass}, func(p *walletv1.Pass) bool {
		pending := p.Status.PendingWebhookEvents
		if dropped = len(pending) >= maxPendingPerPass; dropped {
			return false
		}
		id := ev.Timestamp.UnixNano()
		if n := len(pending); n > 0 && id <= pending[n-1].ID {
			id = pending[n-1].ID + 1
		}
		p.Status.PendingWebhookEvents = append(pending, walletv1.PendingWebhookEvent{
			ID: id, Event: walletv1.WebhookEvent(ev.Event), Time: metav1.NewMicroTime(ev.Timestamp), DeviceCount: int32(ev.DeviceCount), UserCount: int32(ev.UserCount),
		})
		return true
	})
	if err == nil && dropped {
		return registry.ErrEventDropped
	}
	return err
}

// update changes a pass's status with optimistic locking, reading it
// afresh from the API server after a conflict.
func (o *Outbox) update(ctx context.Context, key types.NamespacedName, change func(*walletv1.Pass) bool) error {
	return status.UpdatePass(ctx, o.Client, o.Cache, o.API, status.Outbox, key, change)
}

// ClaimEvents claims the oldest pending event of passes whose next attempt
// is due. The cache finds the passes with events; each is then read from
// the API server, as the cache may not show the last attempt recorded yet
// (which would send an event again).
func (o *Outbox) ClaimEvents(ctx context.Context, c registry.EventClaim) ([]registry.OutboxEvent, error) {
	var passes walletv1.PassList
	if err := o.Cache.List(ctx, &passes, client.MatchingFields{index.PassPendingWebhooks.Name: "true"}); err != nil {
		return nil, err
	}
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.claims == nil {
		o.claims, o.holds = map[int64]outboxClaim{}, map[types.NamespacedName]heldPass{}
	}
	var out []registry.OutboxEvent
	for i := range passes.Items {
		key := client.ObjectKeyFromObject(&passes.Items[i])
		if len(out) == c.N || o.holds[key].until.After(now) || slices.Contains(c.SkipNamespaces, key.Namespace) {
			continue
		}
		p := &walletv1.Pass{}
		if err := o.API.Get(ctx, key, p); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return out, err
		}
		if len(p.Status.PendingWebhookEvents) == 0 {
			continue
		}
		head := p.Status.PendingWebhookEvents[0]
		if head.NextAttempt != nil && head.NextAttempt.After(now) {
			continue
		}
		o.nextID++
		o.claims[o.nextID] = outboxClaim{pass: key, event: head.ID}
		o.holds[key] = heldPass{until: now.Add(c.Lease), claim: o.nextID}
		out = append(out, registry.OutboxEvent{ID: o.nextID, Attempts: int(head.Attempts), DeliveredTo: head.DeliveredTo, Event: registry.Event{
			Event: string(head.Event), PassID: string(p.UID), Namespace: p.Namespace, Pass: p.Name, SerialNumber: p.Spec.SerialNumber,
			PassTypeIdentifier: p.Status.PassTypeIdentifier, Timestamp: head.Time.UTC(), DeviceCount: int(head.DeviceCount), UserCount: int(head.UserCount), Wallet: registry.WalletOf(string(head.Event)),
		}})
	}
	return out, nil
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

// Delivered removes the event from its pass's status.
func (o *Outbox) Delivered(ctx context.Context, e registry.OutboxEvent) error {
	c, ok := o.held(e.ID)
	if !ok {
		return nil
	}
	defer o.release(e.ID)
	return o.update(ctx, c.pass, func(p *walletv1.Pass) bool {
		before := len(p.Status.PendingWebhookEvents)
		p.Status.PendingWebhookEvents = slices.DeleteFunc(p.Status.PendingWebhookEvents, func(e walletv1.PendingWebhookEvent) bool { return e.ID == c.event })
		return len(p.Status.PendingWebhookEvents) != before
	})
}

// RetryAt records a failed attempt on the event.
func (o *Outbox) RetryAt(ctx context.Context, e registry.OutboxEvent, deliveredTo []string, next time.Time) error {
	c, ok := o.held(e.ID)
	if !ok {
		return nil
	}
	defer o.release(e.ID)
	return o.update(ctx, c.pass, func(p *walletv1.Pass) bool {
		for i := range p.Status.PendingWebhookEvents {
			if e := &p.Status.PendingWebhookEvents[i]; e.ID == c.event {
				e.Attempts++
				e.DeliveredTo = deliveredTo
				e.NextAttempt = &metav1.Time{Time: next}
				return true
			}
		}
		return false
	})
}
