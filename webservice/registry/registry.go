// Package registry names what the web service keeps about registered
// devices, whichever store keeps it: registrations (Store), the fan-out of
// pushes shared by replicas (Queue), registration counts (Counts) and
// webhook events waiting for delivery (Outbox). The DeviceRegistration
// resources implement Store (package webservice); PostgreSQL implements all
// four (package postgres).
package registry

import (
	"context"
	"encoding/json"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Registration is one device registered for one pass.
type Registration struct {
	Device             string
	PushToken          string
	PassTypeIdentifier string
	Serial             string
	Namespace          string
	PassName           string
	// PassUID makes the registration the pass's: it goes with it.
	PassUID types.UID
	// Digest is the content the device registered with; it is not pushed
	// for that content again.
	Digest string
}

// PassRef names a Pass.
type PassRef struct{ Namespace, Name string }

func (p PassRef) String() string { return p.Namespace + "/" + p.Name }

// Event is what a template's webhooks receive (the seeds' Yourpass shape):
// never a device identifier or push token.
type Event struct {
	// Event is register or unregister (a device, Apple Wallet), userAdd or
	// userDelete (a Google account, Google Wallet).
	Event string `json:"event"`
	// PassID is the Pass's UID, as Yourpass's passId names its pass.
	PassID             string    `json:"passId"`
	Namespace          string    `json:"namespace"`
	Pass               string    `json:"pass"`
	SerialNumber       string    `json:"serialNumber"`
	PassTypeIdentifier string    `json:"passTypeIdentifier"`
	Timestamp          time.Time `json:"timestamp"`
	// DeviceCount (device events): the pass's devices after the change.
	DeviceCount int `json:"deviceCount"`
	// UserCount (user events): the Google accounts holding the pass after
	// the change.
	UserCount int `json:"userCount"`
	// Wallet is the kind of wallet: ios_wallet for Apple Wallet,
	// google_wallet for Google Wallet.
	Wallet string `json:"wallet"`
}

// The events of Google Wallet's callbacks.
const (
	EventUserAdd    = "userAdd"
	EventUserDelete = "userDelete"
)

// UserEvent: a Google Wallet event, which counts users, not devices.
func (e Event) UserEvent() bool { return e.Event == EventUserAdd || e.Event == EventUserDelete }

// MarshalJSON writes what the event's webhook receives, as Yourpass does:
// deviceCount for device events, userCount for user events.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	out := map[string]any{}
	data, err := json.Marshal(plain(e))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if e.UserEvent() {
		delete(out, "deviceCount")
	} else {
		delete(out, "userCount")
	}
	return json.Marshal(out)
}

// Change is what a registration or unregistration did.
type Change struct {
	// Changed: a registration was created (Register) or deleted
	// (Unregister).
	Changed bool
	// Devices the pass has after the change.
	Devices int
}

// Store keeps device registrations for the protocol's requests.
type Store interface {
	// Register records r (a known one gets the new push token). When event
	// is not nil and a registration was created, the store sends it to the
	// template's webhooks with the new device count.
	Register(ctx context.Context, r Registration, event *Event) (Change, error)
	// Unregister removes a device's registration for a pass; event as in
	// Register.
	Unregister(ctx context.Context, pass PassRef, device, passType, serial string, event *Event) (Change, error)
	// PassesOf lists the passes of one pass type a device is registered for.
	PassesOf(ctx context.Context, device, passType string) ([]PassRef, error)
	// Devices tells whether device is registered for the pass, and how many
	// devices the pass has.
	Devices(ctx context.Context, pass PassRef, device string) (registered bool, count int, err error)
}

// Due is a registration claimed for a push.
type Due struct {
	ID        int64
	PushToken string
}

// Queue shares the fan-out of a pass's pushes among replicas: each claims
// batches of the registrations that do not know the pass's content yet, for
// a lease; a replica that dies leaves its claims to expire.
type Queue interface {
	// Claim marks up to n due registrations of the pass with an id above
	// after as this caller's until lease has passed. Due: not told of digest
	// yet, or (since not zero) registered at or before since and not pushed
	// after it.
	Claim(ctx context.Context, pass PassRef, digest string, since time.Time, after int64, n int, lease time.Duration) ([]Due, error)
	// Told records that the devices know digest (pushed, or refused for
	// good) and, when not zero, were pushed for the push-now request at
	// requestedAt, in one statement, and ends their claims.
	Told(ctx context.Context, digest string, requestedAt time.Time, ids []int64) error
	// Gone deletes registrations push service no longer knows.
	Gone(ctx context.Context, ids []int64) error
	// Release ends claims without recording anything: pushed again later.
	Release(ctx context.Context, ids []int64) error
	// Pending counts the pass's registrations still due (claimed by others,
	// or released) and all of them.
	Pending(ctx context.Context, pass PassRef, digest string, since time.Time) (due, registered int, err error)
	// Forget deletes the registrations of a pass that is gone.
	Forget(ctx context.Context, pass PassRef) error
}

// Counts are one pass's registration figures.
type Counts struct {
	Pass    PassRef
	Devices int
	// First and Last registration times ever (First stays when that device
	// leaves).
	First, Last time.Time
	// Changed is when the figures last changed.
	Changed time.Time
}

// Counter reports the passes whose registration figures changed.
type Counter interface {
	// CountsChangedSince returns up to n passes whose figures changed at or
	// after since, oldest change first.
	CountsChangedSince(ctx context.Context, since time.Time, n int) ([]Counts, error)
}

// OutboxEvent is a webhook event waiting for delivery.
type OutboxEvent struct {
	ID    int64
	Event Event
	// Attempts made so far.
	Attempts int
	// DeliveredTo are the webhook URLs that already took it.
	DeliveredTo []string
}

// Outbox keeps webhook events until they are delivered, across restarts and
// replicas: in order per pass, each by one sender at a time.
type Outbox interface {
	// AddEvent queues an event that comes with no registration change
	// (Google Wallet's callbacks).
	AddEvent(ctx context.Context, ev Event) error
	// ClaimEvents claims up to n events that are the oldest waiting of their
	// pass and due, for lease.
	ClaimEvents(ctx context.Context, n int, lease time.Duration) ([]OutboxEvent, error)
	// Delivered removes an event (delivered, or given up).
	Delivered(ctx context.Context, id int64) error
	// RetryAt records a failed attempt: the event is due again at next.
	RetryAt(ctx context.Context, id int64, deliveredTo []string, next time.Time) error
}
