package webservice_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// scanAnswer is what a scanner app reads from an answer, by the names the
// endpoint documents.
type scanAnswer struct {
	code         int
	Result       string `json:"result"`
	DryRun       bool   `json:"dryRun"`
	SerialNumber string `json:"serialNumber"`
	Gate         string `json:"gate"`
	RedeemedAt   string `json:"redeemedAt"`
	OpensAt      string `json:"opensAt"`
	Template     string `json:"template"`
	Error        string `json:"error"`
	Fields       []struct {
		Key, Label, Value string
	} `json:"fields"`
	raw string
}

func scan(t *testing.T, base, ns, template, key, message, query string) scanAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"message": message})
	req, _ := http.NewRequest("POST", base+"/scan/"+ns+"/"+template+query, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return scanAnswer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := scanAnswer{code: resp.StatusCode, raw: string(b)}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Errorf("scan answer is not JSON: %s", b)
	}
	return a
}

// scannerKey makes a Secret holding a scanner key, labelled for it or not.
func scannerKey(t *testing.T, ns, name string, labelled bool) string {
	t.Helper()
	key := rand.Text()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: map[string]string{"key": key}}
	if labelled {
		s.Labels = map[string]string{walletv1.LabelScannerKey: "true"}
	}
	if err := c.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return key
}

// Check-in at the gate: 50 scans of one ticket at two gates over two
// web-service replicas admit it exactly once; every other answer a scanner
// can get; the key is what opens the endpoint, and a refusal does not say
// whether the template exists.
func TestCheckInAtTheGate(t *testing.T) {
	ns, _ := samples(t)
	ctx := context.Background()
	north, south := scannerKey(t, ns, "gate-north", true), scannerKey(t, ns, "gate-south", true)
	rogue := scannerKey(t, ns, "database", false)
	hooks := &rawReceiver{}
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "harbour-concert"}}
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.CheckIn = &walletv1.CheckIn{
			ScannerKeySecretRefs: []walletv1.KeyReference{{Name: "gate-north", Key: "key"}, {Name: "gate-south", Key: "key"}, {Name: "database", Key: "key"}},
			DisplayFields:        []string{"seat", "row", "event"},
		}
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: hookSrv.URL + "/events", Events: []walletv1.WebhookEvent{walletv1.WebhookEventCheckIn}}}
	})
	eventually(t, "the template says which scanner keys are refused", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(tpl), tpl)
		cond := meta.FindStatusCondition(tpl.Status.Conditions, walletv1.ConditionCheckInReady)
		return cond != nil && cond.ObservedGeneration == tpl.Generation && cond.Status == metav1.ConditionFalse &&
			strings.Contains(cond.Message, "Secret database is not labelled"), fmt.Sprint(cond)
	})
	creds := &corev1.Secret{}
	eventually(t, "the scanner keys' digests reach the web service's namespace", func() (bool, string) {
		err := c.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: walletv1.PushCredentialsSecretName(ns, tpl.Name)}, creds)
		return err == nil && len(creds.Data["scanner.gate-south"]) > 0, fmt.Sprint(err)
	})
	for k, v := range creds.Data {
		if strings.Contains(string(v), north) || strings.Contains(string(v), south) || strings.Contains(string(v), rogue) {
			t.Errorf("the push credentials hold a scanner key itself in %s; only digests belong there", k)
		}
	}
	if _, ok := creds.Data["scanner.database"]; ok {
		t.Error("the key of a Secret not labelled for scanners was copied")
	}

	ticket := getPass(t, ns, "concert-a-12-7")
	code := ticket.Status.Barcode.Message
	signedBefore := ticket.Status.Bundle.ContentDigest
	replicas := []string{replica(t, webservice.Options{}), replica(t, webservice.Options{})}
	keys := []string{north, south}
	answers := make([]scanAnswer, 50)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = scan(t, replicas[i%2], ns, tpl.Name, keys[(i/2)%2], code, "") })
	}
	wg.Wait()
	var admitted []scanAnswer
	for _, a := range answers {
		switch a.Result {
		case "admitted":
			admitted = append(admitted, a)
		case "alreadyRedeemed":
			if a.Gate != "gate-north" && a.Gate != "gate-south" || a.RedeemedAt == "" {
				t.Errorf("alreadyRedeemed without when and which gate: %s", a.raw)
			}
		default:
			t.Errorf("a scan of a valid ticket answered %d %s", a.code, a.raw)
		}
	}
	if len(admitted) != 1 {
		t.Fatalf("50 scans of one ticket at two gates over two replicas admitted %d times", len(admitted))
	}
	var shown []string
	for _, f := range admitted[0].Fields {
		shown = append(shown, f.Key+"="+f.Label+":"+f.Value)
	}
	if got := strings.Join(shown, " "); got != "seat=SEAT:7 row=ROW:12 event=EVENT:Winter Concert" || admitted[0].SerialNumber != "hh-2026-a-12-7" {
		t.Errorf("the admission shows %q for serial %q, want the template's display fields in order", got, admitted[0].SerialNumber)
	}
	ticket = getPass(t, ns, "concert-a-12-7")
	gate := ticket.Annotations[walletv1.AnnotationCheckedInBy]
	if !ticket.Spec.Redeemed || (gate != "gate-north" && gate != "gate-south") {
		t.Errorf("after the admission: redeemed %v, checked in by %q", ticket.Spec.Redeemed, gate)
	}
	eventually(t, "the redeemed ticket re-signed", func() (bool, string) {
		p := getPass(t, ns, "concert-a-12-7")
		return p.Status.RedeemedAt != nil && p.Status.Bundle.ContentDigest != signedBefore && status.IsReady(p.Status.Conditions, p.Generation), ""
	})
	eventually(t, "one checkIn webhook event with the gate", func() (bool, string) {
		evs := hooks.snapshot()
		return len(evs) == 1 && evs[0]["event"] == "checkIn" && evs[0]["gate"] == gate && evs[0]["serialNumber"] == "hh-2026-a-12-7", fmt.Sprint(evs)
	})

	// Every other answer (dry runs while a change reaches the web service:
	// a scan that came too early would admit the ticket).
	base := replicas[0]
	if a := scan(t, base, ns, tpl.Name, north, "no such ticket", ""); a.code != 200 || a.Result != "unknown" {
		t.Errorf("an unknown code: %d %s", a.code, a.raw)
	}
	coupon := getPass(t, ns, "coffee-coupon-0001").Status.Barcode.Message
	if a := scan(t, base, ns, tpl.Name, north, coupon, ""); a.Result != "wrongTemplate" || a.Template != "coffee-coupon" {
		t.Errorf("a coupon at the concert gate: %s", a.raw)
	}
	other := getPass(t, ns, "concert-a-12-8")
	code8 := other.Status.Barcode.Message
	if a := scan(t, base, ns, tpl.Name, south, code8, "?dryRun=true"); a.Result != "admitted" || !a.DryRun {
		t.Errorf("a dry run: %s", a.raw)
	}
	if getPass(t, ns, other.Name).Spec.Redeemed {
		t.Error("a dry run redeemed the pass")
	}
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.CheckIn.OpensBefore = &metav1.Duration{Duration: time.Hour} })
	eventually(t, "the gate not open yet (an hour before the concert's relevant date)", func() (bool, string) {
		a := scan(t, base, ns, tpl.Name, south, code8, "?dryRun=true")
		return a.Result == "notYetValid" && a.OpensAt == "2027-12-19T17:30:00Z", a.raw
	})
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.CheckIn.OpensBefore = nil })
	update(t, other, func(p *walletv1.Pass) { p.Spec.ExpirationDate = &metav1.Time{Time: time.Now().Add(-time.Hour)} })
	eventually(t, "an expired ticket", func() (bool, string) {
		a := scan(t, base, ns, tpl.Name, south, code8, "?dryRun=true")
		return a.Result == "expired", a.raw
	})
	update(t, other, func(p *walletv1.Pass) { p.Spec.Voided = true })
	eventually(t, "a voided ticket", func() (bool, string) {
		a := scan(t, base, ns, tpl.Name, south, code8, "")
		return a.Result == "voided", a.raw
	})
	if p := getPass(t, ns, other.Name); p.Spec.Redeemed {
		t.Error("a ticket that was never admitted is redeemed")
	}

	// Refusals: a wrong key, a key not labelled for scanners, a template
	// without check-in and one that does not exist answer alike.
	refusals := map[string]scanAnswer{
		"wrong key":           scan(t, base, ns, tpl.Name, rand.Text(), code8, ""),
		"unlabelled Secret":   scan(t, base, ns, tpl.Name, rogue, code8, ""),
		"no key":              scan(t, base, ns, tpl.Name, "", code8, ""),
		"template without it": scan(t, base, ns, "coffee-coupon", north, coupon, ""),
		"no such template":    scan(t, base, ns, "no-such-event", north, code8, ""),
		"another namespace":   scan(t, base, "default", tpl.Name, north, code8, ""),
	}
	want := refusals["no such template"]
	for what, a := range refusals {
		if a.code != http.StatusUnauthorized || a.raw != want.raw {
			t.Errorf("%s: %d %s, want 401 like a template that does not exist (%s)", what, a.code, a.raw, want.raw)
		}
	}

	// A gate's scans are limited per key.
	slow := replica(t, webservice.Options{WebService: app.WebService{ScansPerSecond: 1}})
	limited := 0
	for range 5 {
		if a := scan(t, slow, ns, tpl.Name, north, "no such ticket", ""); a.code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("5 scans at once with --scans-per-second 1 were all answered")
	}
}

// rawReceiver keeps the webhook events it receives as the JSON objects they
// are.
type rawReceiver struct {
	mu     sync.Mutex
	events []map[string]any
}

func (rc *rawReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev map[string]any
	_ = json.NewDecoder(r.Body).Decode(&ev)
	rc.mu.Lock()
	rc.events = append(rc.events, ev)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *rawReceiver) snapshot() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.events...)
}
