package webservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// receiver is a stand-in for a customer's webhook endpoint.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	attempts  int
	events    []registry.Event
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
	var ev registry.Event
	_ = json.Unmarshal(body, &ev)
	rc.events = append(rc.events, ev)
	rc.apiKeys = append(rc.apiKeys, r.Header.Get("X-API-Key"))
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) snapshot() (int, []registry.Event, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts, append([]registry.Event(nil), rc.events...), append([]string(nil), rc.apiKeys...)
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
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook-key", Labels: map[string]string{walletv1.LabelWebhookAPIKey: "true"}},
		Data:       map[string][]byte{"apiKey": []byte("k-123")},
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
	seenByWebService(t, tpl)

	serial := "bc-2041"
	registerDevice(t, pt, serial, "hook-phone-1", "hooktok1")
	registerDevice(t, pt, serial, "hook-phone-2", "hooktok2")
	if r := call(t, "DELETE", "/v1/devices/"+apnstest.DeviceID("hook-phone-1")+"/registrations/"+pt+"/"+serial, authToken(pt, serial), nil); r.code != 200 {
		t.Fatalf("unregister: %d", r.code)
	}
	eventually(t, "three events delivered", func() (bool, string) {
		_, evs, _ := ok.snapshot()
		return len(evs) == 3, ""
	})
	attempts, evs, keys := ok.snapshot()
	// The devices here are Go's HTTP client: their wallet is unknown
	// (TestDevicesByWallet sends Wallet's User-Agent).
	want := []struct {
		event string
		count int
	}{{"register", 1}, {"register", 2}, {"unregister", 1}}
	for i, w := range want {
		e := evs[i]
		if e.Event != w.event || e.DeviceCount != w.count || e.SerialNumber != serial || e.PassTypeIdentifier != pt || e.Pass != "member-petra" || keys[i] != "k-123" ||
			e.PassID != string(getPass(t, ns, "member-petra").UID) || e.Wallet != "unknown" || e.Timestamp.IsZero() {
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

// A template may send only Secrets labelled for webhooks: naming any other
// Secret of the namespace (a database password) sends nothing, and the
// template says why; labelling the Secret lets the key through.
func TestWebhookKeysOnlyFromLabelledSecrets(t *testing.T) {
	ns, pt := samples(t)
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "database"}, Data: map[string][]byte{"password": []byte("db-secret-9")}}
	if err := c.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: srv.URL + "/events", APIKeySecretRef: &walletv1.KeyReference{Name: "database", Key: "password"}}}
	})
	webhooksReady := func(want metav1.ConditionStatus) *metav1.Condition {
		var cond *metav1.Condition
		eventually(t, "WebhooksReady "+string(want), func() (bool, string) {
			_ = c.Get(context.Background(), client.ObjectKeyFromObject(tpl), tpl)
			cond = apimeta.FindStatusCondition(tpl.Status.Conditions, walletv1.ConditionWebhooksReady)
			return cond != nil && cond.Status == want, fmt.Sprintf("%+v", cond)
		})
		return cond
	}
	if cond := webhooksReady(metav1.ConditionFalse); cond.Reason != walletv1.ReasonAPIKeySecretNotAllowed || !strings.Contains(cond.Message, walletv1.LabelWebhookAPIKey) {
		t.Errorf("WebhooksReady = %s: %s", cond.Reason, cond.Message)
	}
	if r := status.Ready(tpl.Status.Conditions); r == nil || r.Status != metav1.ConditionTrue {
		t.Errorf("the template's Ready depends on its webhooks: %+v", r)
	}
	registerDevice(t, pt, "bc-2041", "label-phone-1", "labeltok1")
	time.Sleep(2 * time.Second) // several delivery attempts
	if _, evs, keys := rc.snapshot(); len(evs) != 0 || slices.Contains(keys, "db-secret-9") {
		t.Fatalf("an unlabelled Secret's key reached the webhook: %d events, keys %q", len(evs), keys)
	}

	update(t, secret, func(s *corev1.Secret) { s.Labels = map[string]string{walletv1.LabelWebhookAPIKey: "true"} })
	webhooksReady(metav1.ConditionTrue)
	registerDevice(t, pt, "bc-2042", "label-phone-2", "labeltok2")
	eventually(t, "the labelled key is sent", func() (bool, string) {
		_, _, keys := rc.snapshot()
		return slices.Contains(keys, "db-secret-9"), fmt.Sprint(len(keys))
	})
}

// A webhook to an internal address (cloud metadata) is refused, not
// retried, and the template's Events say so.
func TestWebhookToInternalAddressIsReported(t *testing.T) {
	ns, pt := samples(t)
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		// A URL carrying a credential in its query: Events never show it.
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: "http://169.254.169.254/latest/meta-data/?token=s3cret-in-url"}}
	})
	seenByWebService(t, tpl)
	registerDevice(t, pt, "bc-2041", "metadata-phone", "metadatatok")
	eventually(t, "a WebhookRefused Event on the template", func() (bool, string) {
		var events corev1.EventList
		if err := c.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for _, e := range events.Items {
			if e.Reason == "WebhookRefused" && e.InvolvedObject.Kind == "PassTemplate" && strings.Contains(e.Message, "169.254.169.254") {
				if strings.Contains(e.Message, "s3cret-in-url") {
					t.Fatalf("the Event shows the webhook URL's query: %s", e.Message)
				}
				return true, ""
			}
		}
		return false, fmt.Sprint(len(events.Items), " events")
	})
}

// An event waits where a restart cannot lose it, from the registration
// until its webhook took it: in the Pass's status (kubectl shows it), or in
// PostgreSQL's outbox.
func TestWebhookEventsWaitDurably(t *testing.T) {
	ns, pt := samples(t)
	release := make(chan struct{})
	var got sync.WaitGroup
	got.Add(1)
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		once.Do(got.Done)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Webhooks = []walletv1.Webhook{{URL: srv.URL + "/hook"}} })
	seenByWebService(t, tpl)
	registerDevice(t, pt, "bc-2041", "durable-phone", "durabletok")
	eventually(t, "the event kept while the receiver has not answered", func() (bool, string) {
		if db != nil {
			conn := dbConn(t)
			defer conn.Close(context.Background())
			var n int
			_ = conn.QueryRow(context.Background(), `SELECT count(*) FROM webhook_outbox WHERE namespace = $1 AND pass_name = 'member-petra'`, ns).Scan(&n)
			return n == 1, fmt.Sprint(n)
		}
		pending := waitingEvents(t, ns, "member-petra")
		return len(pending) == 1 && pending[0].Spec.Event == walletv1.WebhookEventRegister && pending[0].Spec.DeviceCount == 1, fmt.Sprintf("%+v", pending)
	})
	// An operator sees it waiting too.
	eventually(t, "the outbox's depth reported", func() (bool, string) {
		n := metricValue(t, "wallet_webservice_webhook_events_waiting")
		return n >= 1, fmt.Sprint(n, " waiting")
	})
	close(release)
	got.Wait()
	webhooksSent(t, ns)
}

// blockingReceiver holds every request until the test releases it (or the
// sender gives up on it).
type blockingReceiver struct {
	release          chan struct{}
	holding, settled atomic.Int32
}

func (rc *blockingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body) // then the server sees the sender hang up
	rc.holding.Add(1)
	select {
	case <-rc.release:
	case <-r.Context().Done():
	}
	rc.settled.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

// A namespace whose receivers are slow does not hold back another's
// events (issue 26, item 10): while ten events of one namespace wait on a
// receiver that does not answer, another namespace's event is delivered
// before any of them settles (the sender awaited its whole batch before).
func TestSlowNamespaceDelaysNoOther(t *testing.T) {
	slowNS, slowPT := samples(t)
	fastNS, fastPT := samples(t)
	slow := &blockingReceiver{release: make(chan struct{})}
	slowSrv := httptest.NewServer(slow)
	defer slowSrv.Close()
	defer close(slow.release)
	fast := &receiver{}
	fastSrv := httptest.NewServer(fast)
	defer fastSrv.Close()

	var templates walletv1.PassTemplateList
	if err := c.List(context.Background(), &templates, client.InNamespace(slowNS)); err != nil {
		t.Fatal(err)
	}
	for i := range templates.Items {
		update(t, &templates.Items[i], func(tpl *walletv1.PassTemplate) {
			tpl.Spec.Webhooks = []walletv1.Webhook{{URL: slowSrv.URL + "/events"}}
		})
	}
	fastTpl := &walletv1.PassTemplate{}
	fastTpl.Namespace, fastTpl.Name = fastNS, "climbing-membership"
	update(t, fastTpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: fastSrv.URL + "/events"}}
	})
	seenByWebService(t, fastTpl)
	for i := range templates.Items {
		seenByWebService(t, &templates.Items[i])
	}

	var passes walletv1.PassList
	if err := c.List(context.Background(), &passes, client.InNamespace(slowNS)); err != nil {
		t.Fatal(err)
	}
	for _, p := range passes.Items {
		registerDevice(t, slowPT, p.Spec.SerialNumber, "slow-"+p.Name, "slowtok-"+p.Name)
	}
	eventually(t, "the slow namespace's receiver holding its events", func() (bool, string) {
		return slow.holding.Load() >= 8, fmt.Sprint(slow.holding.Load())
	})
	registerDevice(t, fastPT, "bc-2041", "fast-phone", "fasttok")
	eventually(t, "the other namespace's event delivered", func() (bool, string) {
		_, evs, _ := fast.snapshot()
		return len(evs) == 1, ""
	})
	t.Logf("slow receiver: %d requests held, %d settled", slow.holding.Load(), slow.settled.Load())
	if n := slow.settled.Load(); n != 0 {
		t.Errorf("the other namespace's event waited for %d of the slow namespace's attempts to end", n)
	}
}

// A PassWebhook subscribes once for the passes of every template of its
// namespace (or those its selector picks), with its API key from a Secret
// labelled for it; the templates say when that Secret is not.
func TestNamespaceWideWebhook(t *testing.T) {
	ns, pt := samples(t)
	ctx := context.Background()
	everyTemplate, selected := &receiver{}, &receiver{}
	everySrv, selectedSrv := httptest.NewServer(everyTemplate), httptest.NewServer(selected)
	defer everySrv.Close()
	defer selectedSrv.Close()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crm"}, Data: map[string][]byte{"key": []byte("crm-key-7")}}
	if err := c.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*walletv1.PassWebhook{
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crm"}, Spec: walletv1.PassWebhookSpec{Webhook: walletv1.Webhook{
			URL: everySrv.URL + "/events", Events: []walletv1.WebhookEvent{walletv1.WebhookEventRegister}, APIKeySecretRef: &walletv1.KeyReference{Name: "crm", Key: "key"}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "concerts-only"}, Spec: walletv1.PassWebhookSpec{Webhook: walletv1.Webhook{URL: selectedSrv.URL + "/events"},
			TemplateSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kind": "concert"}}}},
	} {
		if err := c.Create(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	eventually(t, "the template says the PassWebhook's Secret is not labelled", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(tpl), tpl)
		cond := apimeta.FindStatusCondition(tpl.Status.Conditions, walletv1.ConditionWebhooksReady)
		return cond != nil && cond.Status == metav1.ConditionFalse && strings.Contains(cond.Message, "Secret crm"), fmt.Sprintf("%+v", cond)
	})
	update(t, secret, func(s *corev1.Secret) { s.Labels = map[string]string{walletv1.LabelWebhookAPIKey: "true"} })
	eventually(t, "WebhooksReady once labelled", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(tpl), tpl)
		cond := apimeta.FindStatusCondition(tpl.Status.Conditions, walletv1.ConditionWebhooksReady)
		return cond != nil && cond.Status == metav1.ConditionTrue, fmt.Sprintf("%+v", cond)
	})

	// member-petra (climbing-membership) and a concert ticket register a
	// device each; the concert template is labelled for the second hook.
	concert := &walletv1.PassTemplate{}
	concert.Namespace, concert.Name = ns, "harbour-concert"
	update(t, concert, func(tpl *walletv1.PassTemplate) { tpl.Labels = map[string]string{"kind": "concert"} })
	registerDevice(t, pt, "bc-2041", "ns-phone-1", "nstok1")
	eventually(t, "the namespace's webhook got the membership's registration, with its key", func() (bool, string) {
		_, evs, keys := everyTemplate.snapshot()
		return len(evs) == 1 && evs[0].SerialNumber == "bc-2041" && keys[0] == "crm-key-7", fmt.Sprint(len(evs), keys)
	})
	registerDevice(t, pt, "hh-2026-a-12-7", "ns-phone-2", "nstok2")
	eventually(t, "the selector's template reaches the selecting webhook", func() (bool, string) {
		_, evs, _ := selected.snapshot()
		return len(evs) >= 1 && evs[0].SerialNumber == "hh-2026-a-12-7", fmt.Sprint(len(evs))
	})
	time.Sleep(time.Second) // any stray delivery
	if _, evs, _ := selected.snapshot(); slices.ContainsFunc(evs, func(e registry.Event) bool { return e.SerialNumber == "bc-2041" }) {
		t.Error("a webhook whose selector does not pick the membership template got its event")
	}
	if _, evs, _ := everyTemplate.snapshot(); len(evs) != 2 {
		t.Errorf("the namespace's webhook got %d register events, want 2 (one per template's pass)", len(evs))
	}
}

// Devices are counted by the app that registered them, told by its
// User-Agent, and the webhook events say which (Yourpass's wallet values).
func TestDevicesByWallet(t *testing.T) {
	ns, pt := samples(t)
	rc := &rawReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: srv.URL + "/events", Events: []walletv1.WebhookEvent{walletv1.WebhookEventRegister}}}
	})
	eventually(t, "the webhook in the web service's cache", func() (bool, string) {
		cached := &walletv1.PassTemplate{}
		err := mgr.GetCache().Get(context.Background(), client.ObjectKeyFromObject(tpl), cached)
		return err == nil && len(cached.Spec.Webhooks) == 1, fmt.Sprint(err)
	})
	const serial = "bc-2041"
	for device, ua := range map[string]string{
		"wallet-iphone": "PassbookUIService/1.0 CFNetwork/1496.0.7 Darwin/23.5.0",
		"wallet-pass2u": "Pass2U Wallet/4.2.1 (Linux; Android 14; Pixel 8)",
		"wallet-other":  "okhttp/4.12.0",
	} {
		r := call(t, "POST", "/v1/devices/"+apnstest.DeviceID(device)+"/registrations/"+pt+"/"+serial, authToken(pt, serial),
			[]byte(`{"pushToken":"`+apnstest.Token(device)+`"}`), "User-Agent", ua)
		if r.code != http.StatusCreated {
			t.Fatalf("register %s: %d %s", device, r.code, r.body)
		}
	}
	eventually(t, "devices counted by wallet", func() (bool, string) {
		p := getPass(t, ns, "member-petra")
		by := p.Status.DevicesByWallet
		return p.Status.RegisteredDevices == 3 && by["ios_wallet"] == 1 && by["android_pass2u"] == 1 && by["unknown"] == 1, fmt.Sprint(p.Status.RegisteredDevices, by)
	})
	eventually(t, "each event names its wallet", func() (bool, string) {
		var wallets []string
		for _, ev := range rc.snapshot() {
			wallets = append(wallets, fmt.Sprint(ev["wallet"]))
		}
		slices.Sort(wallets)
		return slices.Equal(wallets, []string{"android_pass2u", "ios_wallet", "unknown"}), fmt.Sprint(wallets)
	})
}
