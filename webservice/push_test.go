package webservice_test

import (
	"context"
	"fmt"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// registerDevice registers a device for a pass through the protocol; device
// and pushToken are names apnstest turns into the shapes Wallet sends.
func registerDevice(t *testing.T, pt, serial, device, pushToken string) {
	t.Helper()
	r := call(t, "POST", "/v1/devices/"+apnstest.DeviceID(device)+"/registrations/"+pt+"/"+serial, authToken(pt, serial), []byte(`{"pushToken":"`+apnstest.Token(pushToken)+`"}`))
	if r.code != 201 {
		t.Fatalf("register %s: %d %s", device, r.code, r.body)
	}
}

// update changes an object, retrying when a controller's status write got
// there first.
func update[T client.Object](t *testing.T, obj T, change func(T)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change(obj)
		return c.Update(context.Background(), obj)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func changeData(t *testing.T, ns, name, data string) string {
	t.Helper()
	p := getPass(t, ns, name)
	before := p.Status.Bundle.ContentDigest
	update(t, p, func(p *walletv1.Pass) { p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(data)} })
	var digest string
	eventually(t, name+" re-signed", func() (bool, string) {
		digest = getPass(t, ns, name).Status.Bundle.ContentDigest
		return digest != before, digest
	})
	return digest
}

func pushesTo(since time.Time, token string) []apnstest.Push {
	var out []apnstest.Push
	for _, p := range apns.Since(since) {
		if p.Token == apnstest.Token(token) {
			out = append(out, p)
		}
	}
	return out
}

func TestPushOnDataChange(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "bk-000101", "phone-a", "tokenA"+ns)
	start := time.Now()
	time.Sleep(500 * time.Millisecond)
	if got := pushesTo(start, "tokenA"+ns); len(got) != 0 {
		t.Fatalf("a fresh registration was pushed for content it already has: %v", got)
	}

	// A change of metadata only re-signs nothing and pushes nothing.
	update(t, getPass(t, ns, "bakery-jana"), func(p *walletv1.Pass) { p.Labels = map[string]string{"campaign": "spring"} })
	time.Sleep(time.Second)
	if got := pushesTo(start, "tokenA"+ns); len(got) != 0 {
		t.Fatalf("a label change pushed: %v", got)
	}

	told := metricValue(t, "wallet_webservice_change_to_push_seconds")
	digest := changeData(t, ns, "bakery-jana", `{"points": 77, "member": "Jana", "level": "gold"}`)
	eventually(t, "push received", func() (bool, string) { return len(pushesTo(start, "tokenA"+ns)) == 1, "" })
	push := pushesTo(start, "tokenA"+ns)[0]
	if push.Topic != pt || push.Payload != "{}" || push.ClientCN != "Pass Type ID: "+pt {
		t.Errorf("push = %+v; want topic %s, payload {}, the pass certificate as client certificate", push, pt)
	}
	eventually(t, "registration records the pushed digest", func() (bool, string) {
		reg, _ := storedRegistration(t, ns, "phone-a", pt, "bk-000101")
		return reg.Known == digest && reg.Pushed, reg.Known
	})
	eventually(t, "pass records the push", func() (bool, string) { return getPass(t, ns, "bakery-jana").Status.LastPushed != nil, "" })
	// How long the change took to reach the devices is measured.
	eventually(t, "the change-to-push latency observed", func() (bool, string) {
		n := metricValue(t, "wallet_webservice_change_to_push_seconds")
		return n > told, fmt.Sprintf("%v observations, %v before", n, told)
	})
}

// metricValue is a metric of this process as a scrape shows it: a
// counter's or gauge's value (summed over labels), a histogram's count.
func metricValue(t *testing.T, name string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			switch {
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			}
		}
		return sum
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestTemplateChangePushesEveryPass(t *testing.T) {
	ns, pt := samples(t)
	tokens := map[string]string{"hh-2026-a-12-7": "concert7" + ns, "hh-2026-a-12-8": "concert8" + ns}
	for serial, tok := range tokens {
		registerDevice(t, pt, serial, "phone-"+serial, tok)
	}
	start := time.Now()
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "harbour-concert"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Fields.Primary[0].Value = "Winter Concert (moved to the Grand Hall)"
	})
	for _, tok := range tokens {
		eventually(t, "push to "+tok, func() (bool, string) { return len(pushesTo(start, tok)) == 1, "" })
	}
}

func TestUnregisteredTokenIsDropped(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "bc-2042", "old-phone", "gone"+ns)
	apns.Script(apnstest.Token("gone"+ns), 410)
	changeData(t, ns, "member-tom", `{"name": "Tom Berg", "since": "2025-09-15T00:00:00Z", "plan": "yearly"}`)
	eventually(t, "registration deleted", func() (bool, string) {
		_, ok := storedRegistration(t, ns, "old-phone", pt, "bc-2042")
		return !ok, "still there"
	})
	eventually(t, "registeredDevices back to 0", func() (bool, string) {
		return getPass(t, ns, "member-tom").Status.RegisteredDevices == 0, ""
	})
}

func TestThrottledAndFailingPushesAreRetried(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "cc-0001", "busy-phone", "busy"+ns)
	apns.Script(apnstest.Token("busy"+ns), 429, 500, 503)
	start := time.Now()
	digest := changeData(t, ns, "coffee-coupon-0001", `{"product": "Cappuccino", "discount": 0.3, "ean": "4006381333931"}`)
	eventually(t, "delivered after retries", func() (bool, string) {
		reg, _ := storedRegistration(t, ns, "busy-phone", pt, "cc-0001")
		return reg.Known == digest && reg.Pushed, reg.Known
	})
	if got := pushesTo(start, "busy"+ns); len(got) != 4 {
		t.Errorf("want 3 refused attempts and 1 delivered, got %d attempts", len(got))
	}
	// Events on the pass summarise without device data.
	var events eventList
	if err := c.List(context.Background(), &events.list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.list.Items {
		if strings.Contains(e.Message, apnstest.Token("busy"+ns)) || strings.Contains(e.Message, apnstest.DeviceID("busy-phone")) {
			t.Errorf("an Event names a device or push token: %s", e.Message)
		}
	}
}

type eventList struct{ list corev1.EventList }

// A refusal that retrying cannot fix (400 BadTopic) is recorded as failed,
// not retried, and summarised in an Event on the pass.
func TestRefusedPushIsRecordedNotRetried(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "cc-0001", "refused-phone", "refused"+ns)
	apns.Script(apnstest.Token("refused"+ns), 400)
	start := time.Now()
	digest := changeData(t, ns, "coffee-coupon-0001", `{"product": "Espresso", "discount": 0.25, "ean": "4006381333931"}`)
	eventually(t, "the failure recorded", func() (bool, string) {
		reg, _ := storedRegistration(t, ns, "refused-phone", pt, "cc-0001")
		return reg.Known == digest && reg.Pushed, reg.Known
	})
	eventually(t, "a PushFailed Event naming the reason", func() (bool, string) {
		var events corev1.EventList
		_ = c.List(context.Background(), &events, client.InNamespace(ns))
		for _, e := range events.Items {
			if e.Reason == "PushFailed" && e.InvolvedObject.Name == "coffee-coupon-0001" && strings.Contains(e.Message, "400 BadTopic") {
				return true, ""
			}
		}
		return false, fmt.Sprint(len(events.Items), " events")
	})
	// Past several times the pusher's longest backoff (MaxBackoff 500 ms):
	// still the one attempt.
	testenv.Consistently(t, 2*time.Second, "a 400 not retried", func() (bool, string) {
		got := pushesTo(start, "refused"+ns)
		return len(got) == 1, fmt.Sprintf("%d attempts", len(got))
	})
}

// A certificate APNs refuses (403) does not count as telling the device:
// nothing is recorded, and the push is tried again later (once the
// credentials are fixed), then delivered.
func TestCertificateRefusalIsRetriedLater(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "cc-0002", "forbidden-phone", "forbidden"+ns)
	apns.Script(apnstest.Token("forbidden"+ns), 403)
	start := time.Now()
	digest := changeData(t, ns, "coffee-coupon-0002", `{"product": "Ristretto", "discount": 0.5, "ean": "4006381333948"}`)
	eventually(t, "delivered after the refusal", func() (bool, string) {
		reg, _ := storedRegistration(t, ns, "forbidden-phone", pt, "cc-0002")
		return reg.Known == digest && reg.Pushed, reg.Known
	})
	if got := pushesTo(start, "forbidden"+ns); len(got) != 2 {
		t.Errorf("want the refused push and one delivered later, got %d attempts", len(got))
	}
}
