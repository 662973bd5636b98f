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
// devices keep registering does not grow a Pass without end.
func TestWebhookOutboxIsBounded(t *testing.T) {
	p := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(p).WithStatusSubresource(p).Build()
	o := &Outbox{Client: c, Cache: c, API: c}
	for i := range 1000 {
		err := o.AddEvent(context.Background(), registry.Event{Event: "register", Namespace: "ns", Pass: "p", Timestamp: time.Now()})
		if i < maxPendingPerPass && err != nil {
			t.Fatal(err)
		}
		if i >= maxPendingPerPass && !errors.Is(err, registry.ErrEventDropped) {
			t.Fatalf("event %d past the bound: %v, want registry.ErrEventDropped", i, err)
		}
	}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	events := p.Status.PendingWebhookEvents
	if len(events) != maxPendingPerPass {
		t.Fatalf("%d events wait for one pass, want %d", len(events), maxPendingPerPass)
	}
	for i := 1; i < len(events); i++ {
		if events[i].ID <= events[i-1].ID {
			t.Fatalf("events out of order: %d after %d", events[i].ID, events[i-1].ID)
		}
	}
}
