package webservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
)

// The ownership table of docs/architecture.md ("Who writes which status
// field"), written out independently of the code: a status field (or, for
// bundle and googleWallet, a field of it) and its one writer.
var (
	passFieldWriters = map[string]status.Writer{
		"observedGeneration": status.PassController, "conditions": status.PassController, "passTypeIdentifier": status.PassController,
		"bundle": status.PassController, "downloadURL": status.PassController, "groupDownloadURL": status.PassController,
		"barcode": status.PassController, "expired": status.PassController, "redeemedAt": status.PassController,
		"bundle.damaged":    status.DamageReports,
		"registeredDevices": status.RegistrationCounter, "firstRegistered": status.RegistrationCounter, "lastRegistered": status.RegistrationCounter,
		"devicesByWallet": status.RegistrationCounter, "firstUnregistered": status.RegistrationCounter, "lastUnregistered": status.RegistrationCounter,
		"pushedDigest": status.Pusher, "pushRequests": status.Pusher, "lastPushed": status.Pusher,
		"googleWallet": status.GoogleWallet, "googleWallet.users": status.GoogleCallbacks, "googleWallet.recentNonces": status.GoogleCallbacks,
	}
	templateFieldWriters = map[string]status.Writer{
		"observedGeneration": status.TemplateController, "conditions": status.TemplateController, "passTypeIdentifier": status.TemplateController,
		"sharedBundle": status.TemplateController, "nfcEncryptionPublicKey": status.TemplateController, "issueURL": status.TemplateController,
		"images": status.TemplateController,
		"passes": status.PassCount, "readyPasses": status.PassCount, "voidedPasses": status.PassCount, "redeemedPasses": status.PassCount,
		"expiredPasses": status.PassCount, "anonymizedPasses": status.PassCount, "registeredDevices": status.PassCount, "countedAt": status.PassCount,
		"downloads": status.DownloadStats, "previews": status.DownloadStats,
		"googleWallet": status.GoogleWallet,
	}
)

// statusFieldOwners reads, from an object's managedFields, which field
// manager set each status field (one level into bundle and googleWallet,
// where the table splits a field between writers).
func statusFieldOwners(t *testing.T, obj client.Object) map[string][]string {
	t.Helper()
	owners := map[string][]string{}
	for _, e := range obj.GetManagedFields() {
		if e.Subresource != "status" || e.FieldsV1 == nil {
			continue
		}
		var fields map[string]map[string]json.RawMessage
		if err := json.Unmarshal(e.FieldsV1.Raw, &fields); err != nil {
			t.Fatalf("managedFields of %s: %v", e.Manager, err)
		}
		for f, sub := range fields["f:status"] {
			name := strings.TrimPrefix(f, "f:")
			if name == "." {
				continue // the status map itself
			}
			if name != "bundle" && name != "googleWallet" {
				owners[name] = append(owners[name], e.Manager)
				continue
			}
			var inner map[string]json.RawMessage
			_ = json.Unmarshal(sub, &inner)
			for g := range inner {
				if g == "." {
					continue
				}
				owners[name+"."+strings.TrimPrefix(g, "f:")] = append(owners[name+"."+strings.TrimPrefix(g, "f:")], e.Manager)
			}
		}
	}
	return owners
}

// checkOwners fails for a status field set by a writer the table does not
// name for it, and for a field two writers set.
func checkOwners(t *testing.T, kind string, obj client.Object, table map[string]status.Writer) map[string][]string {
	t.Helper()
	owners := statusFieldOwners(t, obj)
	for field, managers := range owners {
		want, ok := table[field]
		if !ok {
			want, ok = table[strings.SplitN(field, ".", 2)[0]]
		}
		switch {
		case !ok:
			t.Errorf("%s status.%s is in no row of the ownership table (set by %v)", kind, field, managers)
		case len(managers) != 1:
			t.Errorf("%s status.%s has %d writers: %v", kind, field, len(managers), managers)
		case managers[0] != string(want):
			t.Errorf("%s status.%s was set by %s; the ownership table says %s", kind, field, managers[0], want)
		}
	}
	return owners
}

// Every status field has one writer, the one the ownership table names,
// and the API server's own record (managedFields, a field manager per
// writer) says so: a pass that was signed, registered on a device, pushed,
// queued a webhook event and was downloaded, and its template, counted
// and with its downloads.
func TestStatusFieldsHaveOneWriter(t *testing.T) {
	ns, pt := samples(t)
	ctx := context.Background()
	p := getPass(t, ns, "james-smith-pd123")
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer hook.Close()
	tpl := &walletv1.PassTemplate{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: p.Spec.TemplateRef.Name}, tpl); err != nil {
		t.Fatal(err)
	}
	before := tpl.DeepCopy()
	tpl.Spec.Webhooks = []walletv1.Webhook{{URL: hook.URL, Events: []walletv1.WebhookEvent{walletv1.WebhookEventRegister}}}
	if err := c.Patch(ctx, tpl, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the template's webhook seen by the web service", func() (bool, string) {
		seen := &walletv1.PassTemplate{}
		err := mgr.GetCache().Get(ctx, client.ObjectKeyFromObject(tpl), seen)
		return err == nil && len(seen.Spec.Webhooks) == 1, "not yet"
	})

	serial := p.Spec.SerialNumber
	reg := call(t, "POST", "/v1/devices/"+apnstest.DeviceID("owner-check")+"/registrations/"+pt+"/"+serial, authToken(pt, serial),
		[]byte(`{"pushToken":"`+apnstest.Token("owner-check")+`"}`))
	if reg.code != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.code, reg.body)
	}
	if r := call(t, "GET", strings.TrimPrefix(p.Status.DownloadURL, baseURL), "", nil, "User-Agent", "Mozilla/5.0 (iPhone)"); r.code != http.StatusOK {
		t.Fatalf("download: %d %s", r.code, r.body)
	}
	before2 := getPass(t, ns, p.Name)
	asked := before2.DeepCopy()
	metav1.SetMetaDataAnnotation(&asked.ObjectMeta, walletv1.AnnotationPushRequestedAt, time.Now().UTC().Format(time.RFC3339))
	if err := c.Patch(ctx, asked, client.MergeFrom(before2)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pass counted, pushed and downloaded", func() (bool, string) {
		p := getPass(t, ns, p.Name)
		tpl := &walletv1.PassTemplate{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(before), tpl); err != nil {
			return false, err.Error()
		}
		ok := p.Status.RegisteredDevices == 1 && p.Status.PushedDigest != "" && len(waitingEvents(t, ns, p.Name)) == 0 &&
			tpl.Status.RegisteredDevices >= 1 && len(tpl.Status.Downloads) > 0
		return ok, fmt.Sprintf("registered %d, pushed %q, %d events waiting, template downloads %v", p.Status.RegisteredDevices, p.Status.PushedDigest, len(waitingEvents(t, ns, p.Name)), tpl.Status.Downloads)
	})

	p = getPass(t, ns, p.Name)
	owners := checkOwners(t, "Pass", p, passFieldWriters)
	tpl = &walletv1.PassTemplate{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(before), tpl); err != nil {
		t.Fatal(err)
	}
	tplOwners := checkOwners(t, "PassTemplate", tpl, templateFieldWriters)
	// The check saw every writer this flow exercises.
	for _, want := range []struct {
		owners map[string][]string
		field  string
	}{{owners, "conditions"}, {owners, "registeredDevices"}, {owners, "pushedDigest"}, {tplOwners, "passes"}, {tplOwners, "downloads"}, {tplOwners, "sharedBundle"}} {
		if len(want.owners[want.field]) == 0 {
			t.Errorf("no writer recorded for status.%s", want.field)
		}
	}
	var seen []string
	for f, m := range owners {
		seen = append(seen, f+"="+strings.Join(m, ","))
	}
	sort.Strings(seen)
	t.Logf("Pass status fields and their writers: %s", strings.Join(seen, " "))
	mf, _ := json.Marshal(p.GetManagedFields())
	t.Logf("the pass's managedFields: %d entries, %d bytes of JSON", len(p.GetManagedFields()), len(mf))
}
