package webservice_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// receiver is a stand-in for a customer's webhook endpoint.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	attempts  int
	events    []webservice.WebhookEvent
	apiKeys   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if rc.attempts <= rc.failFirst {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var ev webservice.WebhookEvent
	_ = json.Unmarshal(body, &ev)
	rc.events = append(rc.events, ev)
	rc.apiKeys = append(rc.apiKeys, r.Header.Get("X-API-Key"))
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) snapshot() (int, []webservice.WebhookEvent, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts, append([]webservice.WebhookEvent(nil), rc.events...), append([]string(nil), rc.apiKeys...)
}

func TestWebhooksRetryInOrder(t *testing.T) {
	ns, pt := samples(t)
	ok := &receiver{failFirst: 2}
	okSrv := httptest.NewServer(ok)
	defer okSrv.Close()
	down := &receiver{failFirst: 1 << 30}
	downSrv := httptest.NewServer(down)
	defer downSrv.Close()
	if err := c.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook-key"}, Data: map[string][]byte{"apiKey": []byte("k-123")},
	}); err != nil {
		t.Fatal(err)
	}
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Webhooks = []walletv1.Webhook{
			{URL: okSrv.URL + "/events", APIKeySecretRef: &walletv1.KeyReference{Name: "hook-key", Key: "apiKey"}},
			{URL: downSrv.URL + "/events", Events: []walletv1.WebhookEvent{"register"}},
		}
	})
	time.Sleep(500 * time.Millisecond) // the web service's cache sees the webhooks

	serial := "bc-2041"
	registerDevice(t, pt, serial, "hook-phone-1", "hooktok1")
	registerDevice(t, pt, serial, "hook-phone-2", "hooktok2")
	if r := call(t, "DELETE", "/v1/devices/hook-phone-1/registrations/"+pt+"/"+serial, key.Authentication(pt, serial), nil); r.code != 200 {
		t.Fatalf("unregister: %d", r.code)
	}
	eventually(t, "three events delivered", func() (bool, string) {
		_, evs, _ := ok.snapshot()
		return len(evs) == 3, ""
	})
	attempts, evs, keys := ok.snapshot()
	want := []struct {
		event string
		count int
	}{{"register", 1}, {"register", 2}, {"unregister", 1}}
	for i, w := range want {
		e := evs[i]
		if e.Event != w.event || e.DeviceCount != w.count || e.SerialNumber != serial || e.PassTypeIdentifier != pt || e.Pass != "member-petra" || keys[i] != "k-123" {
			t.Errorf("event %d = %+v (X-API-Key %q); want %s with %d devices", i, e, keys[i], w.event, w.count)
		}
	}
	if attempts != 5 {
		t.Errorf("want 2 refused attempts then 3 deliveries, got %d attempts", attempts)
	}
	// The endpoint that never answers 2xx gets each register event
	// MaxAttempts (4) times, then it is abandoned; it never gets unregister.
	eventually(t, "abandoned after 4 attempts each", func() (bool, string) {
		n, _, _ := down.snapshot()
		return n == 8, ""
	})
	time.Sleep(500 * time.Millisecond)
	if n, _, _ := down.snapshot(); n != 8 {
		t.Errorf("abandoned events were retried further: %d attempts", n)
	}
}
