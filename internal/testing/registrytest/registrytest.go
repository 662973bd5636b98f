// Package registrytest is the conformance suite every registry.Backend
// passes: what the protocol's requests, the webhook sender and the pusher
// rely on, whichever backend keeps the registrations. Reads may lag a write
// (a backend may read through an informer cache), so the suite waits for
// what it reads, as a device would retry.
package registrytest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// Subject is a backend under test.
type Subject struct {
	Backend registry.Backend
	// NewPass returns a pass of its own for one test, as it exists in the
	// cluster (a backend may keep webhook events in the Pass's status).
	NewPass func(t *testing.T) (registry.PassRef, types.UID)
}

const passType = "pass.io.wallet-operator.conformance"

// Run runs the suite against s.
func Run(t *testing.T, s Subject) {
	t.Run("RegisterRenewUnregister", func(t *testing.T) { registerRenewUnregister(t, s) })
	t.Run("EventsWaitInTheOutbox", func(t *testing.T) { eventsWait(t, s) })
	t.Run("FanOut", func(t *testing.T) { fanOut(t, s) })
	t.Run("PushNow", func(t *testing.T) { pushNow(t, s) })
	t.Run("Forget", func(t *testing.T) { forget(t, s) })
	t.Run("GoneOnlyForTheTokenThatFailed", func(t *testing.T) { goneOnlyForTheFailedToken(t, s) })
	t.Run("LateOutcomesKeepAnotherReplicasClaim", func(t *testing.T) { lateOutcomes(t, s) })
	t.Run("LateSenderKeepsAnotherSendersClaim", func(t *testing.T) { lateSender(t, s) })
	t.Run("BusyNamespacesSkipped", func(t *testing.T) { busyNamespaces(t, s) })
	t.Run("EventsPerPassAreBounded", func(t *testing.T) { eventsBounded(t, s) })
	t.Run("EventsOfAPassInOrder", func(t *testing.T) { eventsInOrder(t, s) })
	t.Run("ADevicesOwnWritesAreReadBack", func(t *testing.T) { ownWrites(t, s) })
}

// device and token are identifiers of Wallet's shapes, distinct per test
// and n.
func device(t *testing.T, n int) string { return hexOf(t.Name(), "device", n)[:32] }
func token(t *testing.T, n int) string  { return hexOf(t.Name(), "token", n) }

func hexOf(parts ...any) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(sum[:])
}

func registration(t *testing.T, pass registry.PassRef, uid types.UID, n int, digest string) registry.Registration {
	return registry.Registration{
		Device: device(t, n), PushToken: token(t, n), PassTypeIdentifier: passType, Serial: "serial-" + pass.Name,
		Namespace: pass.Namespace, PassName: pass.Name, PassUID: uid, Digest: digest,
	}
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after 20s", what, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// must returns a function that fails the test on an error and returns the
// value otherwise: must[T](t)(call()).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func registerRenewUnregister(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	r := registration(t, pass, uid, 1, "d0")
	ch := must[registry.Change](t)(s.Backend.Register(ctx, r, nil))
	if !ch.Changed || ch.Devices != 1 {
		t.Fatalf("first registration: %+v, want a change to 1 device", ch)
	}
	r.PushToken = token(t, 2) // a new push token for the same device
	ch = must[registry.Change](t)(s.Backend.Register(ctx, r, nil))
	if ch.Changed || ch.Devices != 1 {
		t.Fatalf("the same device again: %+v, want no change, 1 device", ch)
	}
	eventually(t, "the device registered", func() (bool, string) {
		registered, n, err := s.Backend.Devices(ctx, pass, r.Device)
		return err == nil && registered && n == 1, fmt.Sprint(registered, n, err)
	})
	eventually(t, "the device's passes", func() (bool, string) {
		refs, err := s.Backend.PassesOf(ctx, r.Device, passType)
		return err == nil && slices.Equal(refs, []registry.PassRef{pass}), fmt.Sprint(refs, err)
	})
	if refs := must[[]registry.PassRef](t)(s.Backend.PassesOf(ctx, r.Device, "pass.io.wallet-operator.other")); len(refs) != 0 {
		t.Errorf("passes of another pass type: %v", refs)
	}
	if registered, _, _ := s.Backend.Devices(ctx, pass, device(t, 9)); registered {
		t.Error("a device that never registered is registered")
	}

	ch = must[registry.Change](t)(s.Backend.Unregister(ctx, pass, r.Device, passType, r.Serial, nil))
	if !ch.Changed || ch.Devices != 0 {
		t.Fatalf("unregister: %+v, want a change to 0 devices", ch)
	}
	ch = must[registry.Change](t)(s.Backend.Unregister(ctx, pass, r.Device, passType, r.Serial, nil))
	if ch.Changed {
		t.Fatalf("unregister again: %+v, want no change", ch)
	}
	eventually(t, "the device's passes after it left", func() (bool, string) {
		refs, err := s.Backend.PassesOf(ctx, r.Device, passType)
		return err == nil && len(refs) == 0, fmt.Sprint(refs, err)
	})
}

// claimOf claims events until one of pass's is among them.
func claimOf(t *testing.T, s Subject, pass registry.PassRef, what string) registry.OutboxEvent {
	t.Helper()
	return claimFor(t, s, pass, what, time.Minute)
}

// claimFor claims events for lease until one of pass's is among them.
func claimFor(t *testing.T, s Subject, pass registry.PassRef, what string, lease time.Duration) registry.OutboxEvent {
	t.Helper()
	var got registry.OutboxEvent
	eventually(t, what, func() (bool, string) {
		events, err := s.Backend.ClaimEvents(context.Background(), registry.EventClaim{N: 100, Lease: lease})
		for _, e := range events {
			if e.Event.Namespace == pass.Namespace && e.Event.Pass == pass.Name {
				got = e
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d other events, %v", len(events), err)
	})
	return got
}

func eventsWait(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	ev := &registry.Event{Event: "register", PassID: string(uid), Namespace: pass.Namespace, Pass: pass.Name, SerialNumber: "serial-" + pass.Name,
		PassTypeIdentifier: passType, Timestamp: time.Now().UTC().Truncate(time.Microsecond), Wallet: registry.WalletOf("register")}
	ch := must[registry.Change](t)(s.Backend.Register(ctx, registration(t, pass, uid, 1, "d0"), ev))
	if ch.EventDropped != nil {
		t.Fatalf("the event was dropped: %v", ch.EventDropped)
	}
	first := claimOf(t, s, pass, "the registration's event")
	if first.Event.Event != "register" || first.Event.DeviceCount != 1 || first.Event.Wallet != "ios_wallet" || first.Attempts != 0 || first.Event.PassID != string(uid) {
		t.Fatalf("claimed %+v, want the register event with deviceCount 1, no attempt yet", first)
	}
	// A claimed event is one sender's until its lease ends.
	for _, e := range must[[]registry.OutboxEvent](t)(s.Backend.ClaimEvents(ctx, registry.EventClaim{N: 100, Lease: time.Minute})) {
		if e.Event.Pass == pass.Name && e.Event.Namespace == pass.Namespace {
			t.Fatalf("an event claimed twice: %+v", e)
		}
	}
	if err := s.Backend.RetryAt(ctx, first, []string{"https://hooks.example/a"}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	again := claimOf(t, s, pass, "the event after a failed attempt")
	if again.Attempts != 1 || !slices.Equal(again.DeliveredTo, []string{"https://hooks.example/a"}) || again.Event.Event != "register" {
		t.Fatalf("after a failed attempt: %+v, want attempts 1 and the webhook that took it", again)
	}
	if err := s.Backend.Delivered(ctx, again); err != nil {
		t.Fatal(err)
	}
	// An event with no registration change (Google Wallet's) waits too, and
	// after the one delivered.
	user := registry.Event{Event: registry.EventUserAdd, PassID: string(uid), Namespace: pass.Namespace, Pass: pass.Name, SerialNumber: "serial-" + pass.Name,
		PassTypeIdentifier: passType, Timestamp: time.Now().UTC(), UserCount: 3, Wallet: registry.WalletOf(registry.EventUserAdd)}
	if err := s.Backend.AddEvent(ctx, user); err != nil {
		t.Fatal(err)
	}
	got := claimOf(t, s, pass, "the user event")
	if got.Event.Event != registry.EventUserAdd || got.Event.UserCount != 3 || got.Event.Wallet != "google_wallet" || got.Attempts != 0 {
		t.Fatalf("claimed %+v, want the userAdd event with userCount 3", got)
	}
	if err := s.Backend.Delivered(ctx, got); err != nil {
		t.Fatal(err)
	}
}

// hand out takes every due registration of one fan-out, in batches of n.
func handOut(t *testing.T, f registry.FanOut, n int) []registry.Due {
	t.Helper()
	var all []registry.Due
	for {
		batch := must[[]registry.Due](t)(f.Next(context.Background(), n))
		if len(batch) > n {
			t.Fatalf("a batch of %d, asked for %d", len(batch), n)
		}
		if len(batch) == 0 {
			return all
		}
		all = append(all, batch...)
	}
}

func tokens(dues []registry.Due) []string {
	out := make([]string, len(dues))
	for i, d := range dues {
		out[i] = d.PushToken
	}
	slices.Sort(out)
	return out
}

func fanOut(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	for n := range 3 {
		must[registry.Change](t)(s.Backend.Register(ctx, registration(t, pass, uid, n, "d0"), nil))
	}
	// Devices registered with d0 are not due for d0.
	eventually(t, "nothing due for the content the devices have", func() (bool, string) {
		dues := handOut(t, s.Backend.FanOut(pass, "d0", time.Time{}, time.Minute), 10)
		return len(dues) == 0, fmt.Sprintf("%d due", len(dues))
	})
	var dues []registry.Due
	var f registry.FanOut
	eventually(t, "every device due for a new content", func() (bool, string) {
		f = s.Backend.FanOut(pass, "d1", time.Time{}, time.Minute)
		dues = handOut(t, f, 2)
		return len(dues) == 3, fmt.Sprintf("%d due", len(dues))
	})
	if want := []string{token(t, 0), token(t, 1), token(t, 2)}; !slices.Equal(tokens(dues), want) {
		t.Fatalf("handed out %v, want the three push tokens", tokens(dues))
	}
	byToken := map[string]registry.Due{}
	for _, d := range dues {
		byToken[d.PushToken] = d
	}
	told, gone, released := byToken[token(t, 0)], byToken[token(t, 1)], byToken[token(t, 2)]
	if err := f.Record(ctx, []registry.Due{told}, []registry.Due{gone}, []registry.Due{released}); err != nil {
		t.Fatal(err)
	}
	due, registered := must2(t)(f.Pending(ctx))
	if due != 1 || registered != 2 {
		t.Fatalf("pending after the fan-out: %d due of %d registered, want the released one of 2", due, registered)
	}
	// The next fan-out of the same content hands out only the released one.
	next := s.Backend.FanOut(pass, "d1", time.Time{}, time.Minute)
	again := handOut(t, next, 10)
	if !slices.Equal(tokens(again), []string{token(t, 2)}) {
		t.Fatalf("a second fan-out handed out %v, want only the released registration", tokens(again))
	}
	if err := next.Record(ctx, again, nil, nil); err != nil {
		t.Fatal(err)
	}
	if left := handOut(t, s.Backend.FanOut(pass, "d1", time.Time{}, time.Minute), 10); len(left) != 0 {
		t.Fatalf("%d still due after every device was told", len(left))
	}
	// The gone registration is deleted.
	eventually(t, "the gone device's registration deleted", func() (bool, string) {
		registered, n, err := s.Backend.Devices(ctx, pass, device(t, 1))
		return err == nil && !registered && n == 2, fmt.Sprint(registered, n, err)
	})
}

func must2(t *testing.T) func(a, b int, err error) (int, int) {
	return func(a, b int, err error) (int, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func pushNow(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	for n := range 2 {
		must[registry.Change](t)(s.Backend.Register(ctx, registration(t, pass, uid, n, "d1"), nil))
	}
	if _, n, err := s.Backend.Devices(ctx, pass, device(t, 0)); err != nil || n != 2 {
		t.Fatalf("both registered: %d devices, %v", n, err)
	}
	// As in fanOut: the fan-out reads what it reads (the DeviceRegistration
	// backend, its cache: each attempt a fan-out of its own, claiming
	// nothing from the next).
	requested := time.Now().Add(time.Second)
	eventually(t, "a push-now request after both registered: both due", func() (bool, string) {
		dues := handOut(t, s.Backend.FanOut(pass, "d1", requested, time.Minute), 10)
		return len(dues) == 2, fmt.Sprintf("%d due", len(dues))
	})
	before := time.Now().Add(-time.Hour)
	if late := handOut(t, s.Backend.FanOut(pass, "d1", before, time.Minute), 10); len(late) != 0 {
		t.Fatalf("a push-now request older than the registrations: %d due, want none", len(late))
	}
}

func forget(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	for n := range 2 {
		must[registry.Change](t)(s.Backend.Register(ctx, registration(t, pass, uid, n, "d0"), nil))
	}
	if err := s.Backend.Forget(ctx, pass); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no registration left", func() (bool, string) {
		_, n, err := s.Backend.Devices(ctx, pass, device(t, 0))
		refs, err2 := s.Backend.PassesOf(ctx, device(t, 0), passType)
		return err == nil && err2 == nil && n == 0 && len(refs) == 0, fmt.Sprint(n, refs, err, err2)
	})
}

// A push token APNs refused (410) deletes the registration only while it
// still has that token: a device that registered again with a new token
// while the push was under way keeps its registration (issue 26, item 11).
func goneOnlyForTheFailedToken(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	reg := registration(t, pass, uid, 0, "d0")
	must[registry.Change](t)(s.Backend.Register(ctx, reg, nil))
	var f registry.FanOut
	var dues []registry.Due
	eventually(t, "the device due for new content", func() (bool, string) {
		f = s.Backend.FanOut(pass, "d1", time.Time{}, time.Minute)
		dues = handOut(t, f, 10)
		return len(dues) == 1, fmt.Sprintf("%d due", len(dues))
	})
	reg.PushToken = token(t, 99)
	must[registry.Change](t)(s.Backend.Register(ctx, reg, nil))
	if err := f.Record(ctx, nil, dues, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a deletion would be seen by now
	if registered, n, err := s.Backend.Devices(ctx, pass, device(t, 0)); err != nil || !registered || n != 1 {
		t.Errorf("the device that registered a new token after its old one failed: registered %v, %d devices, %v; want kept", registered, n, err)
	}
}

// A batch that outlived its lease, recorded late, leaves alone the claim
// of the replica that took the batch over: nothing is handed out a third
// time (issue 26, item 11). Only for backends whose claims replicas share.
func lateOutcomes(t *testing.T, s Subject) {
	if !s.Backend.Shared() {
		t.Skip("one elected replica pushes: no claims to take over")
	}
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	for n := range 3 {
		must[registry.Change](t)(s.Backend.Register(ctx, registration(t, pass, uid, n, "d0"), nil))
	}
	late := s.Backend.FanOut(pass, "d1", time.Time{}, 100*time.Millisecond)
	first := handOut(t, late, 10)
	if len(first) != 3 {
		t.Fatalf("%d due, want 3", len(first))
	}
	time.Sleep(300 * time.Millisecond)
	takeover := s.Backend.FanOut(pass, "d1", time.Time{}, time.Minute)
	if second := handOut(t, takeover, 10); len(second) != 3 {
		t.Fatalf("after the lease, another replica claimed %d, want 3", len(second))
	}
	// The late replica releases (or records) what it no longer holds.
	if err := late.Record(ctx, first[:1], nil, first[1:]); err != nil {
		t.Fatal(err)
	}
	if third := handOut(t, s.Backend.FanOut(pass, "d1", time.Time{}, time.Minute), 10); len(third) != 0 {
		t.Errorf("a third replica was handed %d registrations another replica holds", len(third))
	}
}

func userEvent(pass registry.PassRef, uid types.UID, users int) registry.Event {
	return registry.Event{Event: registry.EventUserAdd, PassID: string(uid), Namespace: pass.Namespace, Pass: pass.Name, SerialNumber: "serial-" + pass.Name,
		PassTypeIdentifier: passType, Timestamp: time.Now().UTC(), UserCount: users, Wallet: registry.WalletOf(registry.EventUserAdd)}
}

// A sender whose attempt outlived its claim's lease records nothing: the
// sender that claimed the event after it keeps it, and no third one is
// given it (issue 26, item 10).
func lateSender(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	if err := s.Backend.AddEvent(ctx, userEvent(pass, uid, 1)); err != nil {
		t.Fatal(err)
	}
	late := claimFor(t, s, pass, "the event", 100*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	takeover := claimOf(t, s, pass, "the event after the first claim's lease")
	if err := s.Backend.RetryAt(ctx, late, []string{"https://hooks.example/late"}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, e := range must[[]registry.OutboxEvent](t)(s.Backend.ClaimEvents(ctx, registry.EventClaim{N: 100, Lease: time.Minute})) {
		if e.Event.Pass == pass.Name && e.Event.Namespace == pass.Namespace {
			t.Fatalf("a late sender's outcome freed another sender's claim: the event was claimed a third time (%+v)", e)
		}
	}
	if err := s.Backend.Delivered(ctx, late); err != nil {
		t.Fatal(err)
	}
	if err := s.Backend.Delivered(ctx, takeover); err != nil {
		t.Fatal(err)
	}
	if err := s.Backend.AddEvent(ctx, userEvent(pass, uid, 2)); err != nil {
		t.Fatal(err)
	}
	if next := claimOf(t, s, pass, "the next event"); next.Event.UserCount != 2 {
		t.Errorf("after the delivered event, %+v; want the next one", next.Event)
	}
}

// A sender busy with a namespace's events is not given more of them.
func busyNamespaces(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	if err := s.Backend.AddEvent(ctx, userEvent(pass, uid, 1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // seen by a cache, if the backend reads one
	for _, e := range must[[]registry.OutboxEvent](t)(s.Backend.ClaimEvents(ctx, registry.EventClaim{N: 100, Lease: time.Minute, SkipNamespaces: []string{pass.Namespace}})) {
		if e.Event.Namespace == pass.Namespace {
			t.Fatalf("an event of a skipped namespace claimed: %+v", e)
		}
	}
	got := claimOf(t, s, pass, "the event once its namespace is not skipped")
	if err := s.Backend.Delivered(ctx, got); err != nil {
		t.Fatal(err)
	}
}

// However long the receivers are away, a pass's waiting events are
// bounded: beyond registry.MaxPendingEventsPerPass, ErrEventDropped.
func eventsBounded(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	for i := range registry.MaxPendingEventsPerPass {
		if err := s.Backend.AddEvent(ctx, userEvent(pass, uid, i)); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := s.Backend.AddEvent(ctx, userEvent(pass, uid, 1000)); !errors.Is(err, registry.ErrEventDropped) {
		t.Errorf("an event beyond %d waiting: %v, want ErrEventDropped", registry.MaxPendingEventsPerPass, err)
	}
}

// A pass's events are handed out one at a time, in the order they were
// added, even when they were added within one clock tick.
func eventsInOrder(t *testing.T, s Subject) {
	ctx := context.Background()
	pass, uid := s.NewPass(t)
	before := must[int](t)(s.Backend.Waiting(ctx))
	tick := time.Now().UTC()
	for i := range 8 {
		ev := userEvent(pass, uid, i)
		ev.Timestamp = tick
		if err := s.Backend.AddEvent(ctx, ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	eventually(t, "the outbox's depth counting the events added", func() (bool, string) {
		n, err := s.Backend.Waiting(ctx)
		return err == nil && n == before+8, fmt.Sprintf("%d waiting (%v), %d before", n, err, before)
	})
	for i := range 8 {
		e := claimOf(t, s, pass, fmt.Sprint("event ", i))
		if e.Event.UserCount != i {
			t.Fatalf("event %d handed out with userCount %d: the events of a pass out of order", i, e.Event.UserCount)
		}
		if err := s.Backend.Delivered(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the outbox's depth back once they were delivered", func() (bool, string) {
		n, err := s.Backend.Waiting(ctx)
		return err == nil && n == before, fmt.Sprintf("%d waiting (%v), %d before", n, err, before)
	})
}

// A device that registers, or unregisters, and at once lists its passes
// sees its own change (issue 26, item 15: a backend reading a cache gave
// an unregistered device its pass again).
func ownWrites(t *testing.T, s Subject) {
	ctx := context.Background()
	for i := range 5 {
		pass, uid := s.NewPass(t)
		reg := registration(t, pass, uid, i, "d0")
		must[registry.Change](t)(s.Backend.Register(ctx, reg, nil))
		if refs := must[[]registry.PassRef](t)(s.Backend.PassesOf(ctx, reg.Device, passType)); !slices.Contains(refs, pass) {
			t.Fatalf("right after registering, the device's passes are %v, without %v", refs, pass)
		}
		// The pass's devices count it at once too: the web service admits
		// a pass's new devices by this count, one after another.
		if registered, n, err := s.Backend.Devices(ctx, pass, reg.Device); err != nil || !registered || n != 1 {
			t.Fatalf("right after registering, the pass's devices: registered %v, %d, %v; want it, 1", registered, n, err)
		}
		must[registry.Change](t)(s.Backend.Unregister(ctx, pass, reg.Device, passType, reg.Serial, nil))
		if refs := must[[]registry.PassRef](t)(s.Backend.PassesOf(ctx, reg.Device, passType)); slices.Contains(refs, pass) {
			t.Fatalf("right after unregistering, the device's passes still hold %v", pass)
		}
		if registered, n, err := s.Backend.Devices(ctx, pass, reg.Device); err != nil || registered || n != 0 {
			t.Fatalf("right after unregistering, the pass's devices: registered %v, %d, %v; want none", registered, n, err)
		}
	}
}
