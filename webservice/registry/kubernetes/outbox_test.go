package kubernetes

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// Webhook events wait in bounded outboxes: a receiver that is down while
// devices keep registering does not grow a namespace without end, and a
// pass's events keep the order they were added in, even within one clock
// tick.
func TestWebhookOutboxIsBounded(t *testing.T) {
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(p).WithStatusSubresource(p, &walletv1.PendingWebhookEvent{}).Build()
	o := &Outbox{Client: c, Cache: c, API: c}
	tick := time.Now()
	for i := range 1000 {
		err := o.AddEvent(context.Background(), registry.Event{Event: "register", Namespace: "ns", Pass: "p", Timestamp: tick})
		if i < maxPendingPerPass && err != nil {
			t.Fatal(err)
		}
		if i >= maxPendingPerPass && !errors.Is(err, registry.ErrEventDropped) {
			t.Fatalf("event %d past the bound: %v, want registry.ErrEventDropped", i, err)
		}
	}
	var list walletv1.PendingWebhookEventList
	if err := c.List(context.Background(), &list, client.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != maxPendingPerPass {
		t.Fatalf("%d events wait for one pass, want %d", len(list.Items), maxPendingPerPass)
	}
	events, err := o.eventsOf(context.Background(), client.ObjectKeyFromObject(p))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Spec.Sequence <= events[i-1].Spec.Sequence {
			t.Fatalf("events out of order: %d after %d", events[i].Spec.Sequence, events[i-1].Spec.Sequence)
		}
	}
}
