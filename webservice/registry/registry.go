// Package registry names what the web service keeps about registered
// devices, whichever backend keeps it: registrations (Store), webhook
// events waiting for delivery (Outbox), the fan-out of pushes (FanOut),
// the registration counts on each Pass, and the cleanup of a pass that is
// gone. A Backend is all of it; DeviceRegistration resources (package
// kubernetes) and PostgreSQL (package postgres) are the two, and one
// conformance suite (registrytest) runs against both.
package registry

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/manager"
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
	// Wallet is the app that registered (useragent.Wallet).
	Wallet string
}

// PassRef names a Pass.
type PassRef struct{ Namespace, Name string }

func (p PassRef) String() string { return p.Namespace + "/" + p.Name }

// Event is what a template's webhooks receive (the seeds' Yourpass shape):
// never a device identifier or push token.
type Event struct {
	// Event is register or unregister (a device, Apple Wallet), userAdd or
	// userDelete (a Google account, Google Wallet), personalize (a rewards
	// sign-up) or checkIn (admitted at a gate).
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
	// Personalization (personalize events): the holder's details by
	// Apple's names, read from the Pass when the event is sent (no outbox
	// keeps them).
	Personalization map[string]string `json:"personalization,omitempty"`
	// Gate (checkIn events): the gate that admitted the pass, read from the
	// Pass when the event is sent.
	Gate string `json:"gate,omitempty"`
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
	// EventDropped: the change stands but its webhook event was not kept
	// (ErrEventDropped, or the outbox could not be written).
	EventDropped error
}

// ErrEventDropped: an outbox refused an event because its pass has too
// many waiting (a receiver that is down while devices keep registering must
// not grow the outbox without end).
var ErrEventDropped = errors.New("webhook event dropped: too many events of this pass are waiting")

// Backend keeps registrations and everything that must live beside them.
// The web service is wired the same way whichever it is.
type Backend interface {
	Store
	Outbox
	// Setup registers the backend's cache indexes and its own workers (the
	// writer of each Pass's registration figures) with mgr, before mgr
	// starts.
	Setup(ctx context.Context, mgr manager.Manager) error
	// Shared: every replica may push and send webhook events, as claims are
	// kept where all of them see them. Otherwise the elected replica does.
	Shared() bool
	// WakePushes adds to the pusher's controller what wakes it besides
	// Pass and template changes (a new registration, when the backend's
	// registrations are watched objects).
	WakePushes(b *builder.Builder) *builder.Builder
	// FanOut begins telling the pass's registered devices of its content
	// digest and, when since is not zero, of the push-now request made then
	// (devices registered at or before since are pushed again). A claim
	// that is never recorded returns to the others after lease.
	FanOut(pass PassRef, digest string, since time.Time, lease time.Duration) FanOut
	// Forget deletes what the backend keeps of a pass that is gone.
	Forget(ctx context.Context, pass PassRef) error
}

// FanOut hands out a pass's registrations that are due a push, in batches,
// and records what each push achieved, so a fan-out that stops midway
// resumes where it stopped: every device is told of the latest content at
// least once.
type FanOut interface {
	// Next claims up to n due registrations this fan-out has not handed
	// out; none when there are no more.
	Next(ctx context.Context, n int) ([]Due, error)
	// Record keeps the outcomes of handed-out registrations: told (the
	// device knows the digest: pushed, or refused for good), gone (the push
	// service no longer knows the token: the registration is deleted) and
	// released (pushed again later). It ends their claims. It may run for
	// several batches at once, beside Next.
	Record(ctx context.Context, told, gone, released []Due) error
	// Pending counts the pass's registrations still due (claimed by others,
	// or released) and all of them.
	Pending(ctx context.Context) (due, registered int, err error)
}

// WalletOf names the wallet of an event, as Yourpass's "wallet" does.
func WalletOf(event string) string {
	if (Event{Event: event}).UserEvent() {
		return "google_wallet"
	}
	return "ios_wallet"
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
	// ID names the registration within its backend.
	ID        int64
	PushToken string
}

// Counts are one pass's registration figures.
type Counts struct {
	Pass    PassRef
	Devices int
	// First and Last registration times ever (First stays when that device
	// leaves).
	First, Last time.Time
	// FirstUnregistered and LastUnregistered: when a device first and last
	// left (unregistered, or found gone by APNs); zero when none has.
	FirstUnregistered, LastUnregistered time.Time
	// ByWallet counts the devices by the app that registered them.
	ByWallet map[string]int32
	// Changed is when the figures last changed.
	Changed time.Time
}

// OutboxEvent is a webhook event waiting for delivery.
type OutboxEvent struct {
	ID    int64
	Event Event
	// Attempts made so far.
	Attempts int
	// DeliveredTo are the webhook URLs that already took it.
	DeliveredTo []string
	// Claim names the claim (the outbox's own token).
	Claim string
}

// Outbox keeps webhook events until they are delivered, across restarts and
// replicas: in order per pass, each by one sender at a time.
type Outbox interface {
	// AddEvent queues an event that comes with no registration change
	// (Google Wallet's callbacks).
	AddEvent(ctx context.Context, ev Event) error
	// ClaimEvents claims events that are the oldest waiting of their pass
	// and due, those due longest first.
	ClaimEvents(ctx context.Context, c EventClaim) ([]OutboxEvent, error)
	// Delivered removes a claimed event (delivered, or given up), unless
	// its claim has passed to another sender.
	Delivered(ctx context.Context, e OutboxEvent) error
	// RetryAt records a failed attempt on a claimed event, due again at
	// next, unless its claim has passed to another sender.
	RetryAt(ctx context.Context, e OutboxEvent, deliveredTo []string, next time.Time) error
	// Waiting counts the events in the outbox, claimed or not: its depth.
	Waiting(ctx context.Context) (int, error)
}

// EventClaim is what a sender asks an outbox for.
type EventClaim struct {
	// N events at most.
	N int
	// Lease: the claim ends then, delivered or not (a sender that died).
	Lease time.Duration
	// SkipNamespaces: events of these namespaces are not wanted now (the
	// sender is busy with as many of theirs as it takes at once).
	SkipNamespaces []string
}

// MaxPendingEventsPerPass bounds the webhook events waiting for one pass,
// in every outbox: beyond it, ErrEventDropped.
const MaxPendingEventsPerPass = 100
