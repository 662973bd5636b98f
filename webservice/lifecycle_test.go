package webservice_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/webservice"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
)

// voidTimeout is the test manager's --void-timeout.
const voidTimeout = 10 * time.Second

// latestPassJSON fetches the pass as a device does and returns its pass.json.
func latestPassJSON(t *testing.T, pt, serial string) (int, *passjson.Pass) {
	t.Helper()
	r := call(t, "GET", "/v1/passes/"+pt+"/"+serial, authToken(pt, serial), nil)
	if r.code != 200 {
		return r.code, nil
	}
	files, err := pkpass.Unzip(r.body)
	if err != nil {
		t.Fatal(err)
	}
	var pj passjson.Pass
	if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
		t.Fatal(err)
	}
	return 200, &pj
}

func hasEvent(ns, object, reason string) bool {
	var events corev1.EventList
	_ = c.List(context.Background(), &events, client.InNamespace(ns))
	for _, e := range events.Items {
		if e.InvolvedObject.Name == object && e.Reason == reason {
			return true
		}
	}
	return false
}

// Deleting a pass voids it on its devices: they are pushed a final voided
// version without personal data, which they can fetch; then the pass, its
// registrations and its bundle go. A device unregistering afterwards is
// answered 200.
func TestDeleteVoidsThePassOnDevices(t *testing.T) {
	ns, pt := samples(t)
	const serial = "bc-2041" // member-petra: {name: Petra Svoboda, ...}
	registerDevice(t, pt, serial, "void-phone-1", "void1"+ns)
	registerDevice(t, pt, serial, "void-phone-2", "void2"+ns)
	eventually(t, "two devices counted", func() (bool, string) {
		return getPass(t, ns, "member-petra").Status.RegisteredDevices == 2, ""
	})
	p := getPass(t, ns, "member-petra")
	if !strings.Contains(strings.Join(p.Finalizers, ","), walletv1.FinalizerVoidOnDelete) {
		t.Fatalf("finalizers %v: want %s", p.Finalizers, walletv1.FinalizerVoidOnDelete)
	}
	start := time.Now()
	if err := c.Delete(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"void1" + ns, "void2" + ns} {
		eventually(t, "the final version pushed to "+tok, func() (bool, string) { return len(pushesTo(start, tok)) == 1, "" })
	}
	// Pushed, the device fetches the latest version: voided, no personal data.
	code, pj := latestPassJSON(t, pt, serial)
	if code != 200 {
		t.Fatalf("a pushed device fetching the deleted pass: %d", code)
	}
	if !pj.Voided || pj.Barcode != nil || len(pj.Barcodes) != 0 {
		t.Errorf("final version: voided %v, barcodes %v; want voided without a barcode", pj.Voided, pj.Barcodes)
	}
	for _, f := range pj.Generic.PrimaryFields {
		if strings.Contains(fmt.Sprint(f.Value), "Petra") {
			t.Errorf("the final version still shows the holder's name: %v", f.Value)
		}
	}
	eventually(t, "the pass gone", func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKeyFromObject(p), &walletv1.Pass{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	eventually(t, "its registrations gone", func() (bool, string) {
		_, left := storedRegistration(t, ns, "void-phone-1", pt, serial)
		return !left, "still there"
	})
	err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: bundle.PassName("member-petra")}, &corev1.ConfigMap{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("the pass's bundle ConfigMap is left behind: %v", err)
	}
	// It went because the fan-out was over, not because it timed out
	// (Events are written after the fact: wait for it).
	eventually(t, "a Voided Event", func() (bool, string) { return hasEvent(ns, "member-petra", "Voided"), "" })
	if hasEvent(ns, "member-petra", "VoidTimedOut") {
		t.Error("want no VoidTimedOut Event")
	}
	r := call(t, "DELETE", "/v1/devices/"+apnstest.DeviceID("void-phone-1")+"/registrations/"+pt+"/"+serial, authToken(pt, serial), nil)
	if r.code != 200 {
		t.Errorf("a device unregistering the deleted pass: %d, want 200", r.code)
	}

	// No device: deleted at once.
	anon := getPass(t, ns, "bakery-anonymous")
	if err := c.Delete(context.Background(), anon); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a pass without devices deleted", func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKeyFromObject(anon), &walletv1.Pass{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	// Nothing to tell: it did not wait for a fan-out, nor time out.
	if hasEvent(ns, "bakery-anonymous", "Voided") || hasEvent(ns, "bakery-anonymous", "VoidTimedOut") {
		t.Error("a pass without devices went through the void-on-delete wait")
	}
}

// A delete whose pushes cannot get through (APNs keeps failing, as when the
// web service or APNs is down) waits no longer than the void timeout, then
// goes with a VoidTimedOut Event.
func TestDeleteTimesOutWhenDevicesCannotBeTold(t *testing.T) {
	ns, pt := samples(t)
	const serial = "hh-2026-a-12-8"
	registerDevice(t, pt, serial, "unreachable-phone", "unreachable"+ns)
	apns.Script(apnstest.Token("unreachable"+ns), repeat(503, 1000)...)
	eventually(t, "the device counted", func() (bool, string) {
		return getPass(t, ns, "concert-a-12-8").Status.RegisteredDevices == 1, ""
	})
	p := getPass(t, ns, "concert-a-12-8")
	start := time.Now()
	if err := c.Delete(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	time.Sleep(voidTimeout / 2)
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), &walletv1.Pass{}); err != nil {
		t.Fatalf("gone before the void timeout although its device was not told: %v", err)
	}
	eventually(t, "gone after the void timeout", func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKeyFromObject(p), &walletv1.Pass{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	// The timeout counts from metadata.deletionTimestamp, in whole seconds;
	// the wait ends at it, not at the next poll or backoff after it.
	if d := time.Since(start); d < voidTimeout-time.Second || d > voidTimeout+5*time.Second {
		t.Errorf("gone after %s; want the void timeout, %s", d, voidTimeout)
	}
	if !hasEvent(ns, "concert-a-12-8", "VoidTimedOut") {
		t.Error("no VoidTimedOut Event")
	}
	apns.Script(apnstest.Token("unreachable" + ns)) // nothing more to answer
}

func repeat(code, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = code
	}
	return out
}

// A deleted template (an Argo CD prune) does not break its passes: they
// keep serving their last good bundle and say TemplateNotFound; a pass
// deleted then still goes (nothing can be signed, so its devices keep
// their version), and the last one takes the shared files with it.
func TestTemplateDeletionKeepsPassesServed(t *testing.T) {
	ns, pt := samples(t)
	tpl := &walletv1.PassTemplate{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "harbour-concert"}, tpl); err != nil {
		t.Fatal(err)
	}
	sharedName := tpl.Status.SharedBundle
	registerDevice(t, pt, "hh-2026-a-12-7", "orphan-phone", "orphan"+ns)
	// The precondition: the pass says it has a device (with PostgreSQL the
	// count reaches its status a moment after the registration).
	eventually(t, "concert-a-12-7 counts its device", func() (bool, string) {
		n := getPass(t, ns, "concert-a-12-7").Status.RegisteredDevices
		return n == 1, fmt.Sprint(n)
	})
	if err := c.Delete(context.Background(), tpl); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"concert-a-12-7", "concert-a-12-8"} {
		eventually(t, name+" says TemplateNotFound", func() (bool, string) {
			r := status.Ready(getPass(t, ns, name).Status.Conditions)
			return r != nil && r.Reason == walletv1.ReasonTemplateNotFound, fmt.Sprint(r)
		})
		p := getPass(t, ns, name)
		if r := call(t, "GET", strings.TrimPrefix(p.Status.DownloadURL, baseURL)+"?format=pkpass", "", nil); r.code != 200 {
			t.Errorf("%s's download link after its template was deleted: %d", name, r.code)
		}
	}
	if code, _ := latestPassJSON(t, pt, "hh-2026-a-12-7"); code != 200 {
		t.Errorf("a device fetching a pass of a deleted template: %d", code)
	}

	for _, name := range []string{"concert-a-12-7", "concert-a-12-8"} {
		if err := c.Delete(context.Background(), getPass(t, ns, name)); err != nil {
			t.Fatal(err)
		}
		eventually(t, name+" deleted without its template", func() (bool, string) {
			err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &walletv1.Pass{})
			return apierrors.IsNotFound(err), fmt.Sprint(err)
		})
	}
	// Events are recorded asynchronously: the pass may be gone first.
	eventually(t, "a NotVoided Event for a pass whose devices could not be told", func() (bool, string) {
		return hasEvent(ns, "concert-a-12-7", "NotVoided"), "none"
	})
	eventually(t, "the shared files collected with the last pass", func() (bool, string) {
		err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: sharedName}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

// Anonymizing removes the holder's data for good: the pass is signed again
// without it (a template without defaults renders empty values, not an
// error), its devices are pushed, the stored bundle no longer holds it, and
// it cannot be undone.
func TestAnonymize(t *testing.T) {
	ns, pt := samples(t)
	const serial = "bc-2042" // member-tom: {name: Tom Berg, ...}; no defaults
	registerDevice(t, pt, serial, "anon-phone", "anon"+ns)
	start := time.Now()
	update(t, getPass(t, ns, "member-tom"), func(p *walletv1.Pass) { p.Spec.Anonymized = true })
	eventually(t, "the device pushed", func() (bool, string) { return len(pushesTo(start, "anon"+ns)) == 1, "" })
	eventually(t, "Ready again, anonymized", func() (bool, string) {
		p := getPass(t, ns, "member-tom")
		return status.IsReady(p.Status.Conditions, p.Generation) && p.Status.Bundle.Anonymized, fmt.Sprint(p.Status.Conditions)
	})
	p := getPass(t, ns, "member-tom")
	var own corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: p.Status.Bundle.ConfigMap}, &own); err != nil {
		t.Fatal(err)
	}
	for k, v := range own.BinaryData {
		if strings.Contains(string(v), "Tom Berg") || strings.Contains(string(v), "monthly") {
			t.Errorf("the stored bundle's %s still holds the holder's data", k)
		}
	}
	if p.Status.Barcode != nil {
		t.Errorf("status.barcode = %+v; the template does not keep barcodes of anonymized passes", p.Status.Barcode)
	}
	code, pj := latestPassJSON(t, pt, serial)
	if code != 200 || len(pj.Barcodes) != 0 || strings.Contains(fmt.Sprint(pj.Generic), "Tom") {
		t.Errorf("the device fetched %d, barcodes %v, fields %+v", code, pj.Barcodes, pj.Generic)
	}

	// A controller's status write may get there first: only the refusal
	// counts, not a conflict.
	var err error
	for range 10 {
		if err = c.Update(context.Background(), func() *walletv1.Pass { p := getPass(t, ns, "member-tom"); p.Spec.Anonymized = false; return p }()); !apierrors.IsConflict(err) {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "anonymized cannot be set back") {
		t.Errorf("setting anonymized back: %v", err)
	}
}

// Passes are found by what a scanner reads and by their state, with field
// selectors the API server evaluates (as kubectl get --field-selector).
func TestFindPassesBySelectableFields(t *testing.T) {
	ns, _ := samples(t)
	for _, tc := range []struct {
		field, value string
		want         []string
	}{
		{"status.barcode.message", "PD123-serial-1350551026", []string{"james-smith-pd123"}},
		{"status.barcode.message", "4006381333948", []string{"coffee-coupon-0002"}},
		{"spec.redeemed", "true", []string{"coffee-coupon-0002"}},
		{"spec.voided", "true", nil},
		{"status.expired", "true", []string{"member-tom"}}, // expired on 2026-10-15
		{"spec.templateRef.name", "climbing-membership", []string{"member-petra", "member-tom"}},
	} {
		eventually(t, tc.field+"="+tc.value, func() (bool, string) {
			var list walletv1.PassList
			if err := c.List(context.Background(), &list, client.InNamespace(ns), client.MatchingFields{tc.field: tc.value}); err != nil {
				return false, err.Error()
			}
			var got []string
			for _, p := range list.Items {
				got = append(got, p.Name)
			}
			return fmt.Sprint(got) == fmt.Sprint(tc.want), fmt.Sprint(got)
		})
	}
}

// Push now: the annotation on a pass pushes its devices once per distinct
// value; on a template, every device of its passes; a value that is not a
// time is an Event, not a push.
func TestPushNow(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "cc-0001", "now-phone-1", "now1"+ns)
	registerDevice(t, pt, "cc-0002", "now-phone-2", "now2"+ns)
	eventually(t, "devices counted", func() (bool, string) {
		return getPass(t, ns, "coffee-coupon-0001").Status.RegisteredDevices == 1 && getPass(t, ns, "coffee-coupon-0002").Status.RegisteredDevices == 1, ""
	})
	annotate := func(obj client.Object, value string) {
		t.Helper()
		update(t, obj, func(o client.Object) {
			a := o.GetAnnotations()
			if a == nil {
				a = map[string]string{}
			}
			a[walletv1.AnnotationPushRequestedAt] = value
			o.SetAnnotations(a)
		})
	}
	requested := time.Now().UTC().Add(time.Second).Format(time.RFC3339)
	start := time.Now()
	annotate(getPass(t, ns, "coffee-coupon-0001"), requested)
	eventually(t, "the pass's device pushed", func() (bool, string) { return len(pushesTo(start, "now1"+ns)) == 1, "" })
	eventually(t, "the request recorded", func() (bool, string) {
		r := getPass(t, ns, "coffee-coupon-0001").Status.PushRequests
		return r != nil && r.Pass == requested, fmt.Sprint(r)
	})
	// The same value again (Argo CD re-applying) pushes nothing.
	annotate(getPass(t, ns, "coffee-coupon-0001"), requested)
	update(t, getPass(t, ns, "coffee-coupon-0001"), func(p *walletv1.Pass) { p.Labels = map[string]string{"touched": "yes"} })
	time.Sleep(time.Second)
	if n := len(pushesTo(start, "now1"+ns)); n != 1 {
		t.Errorf("the same request pushed %d times", n)
	}
	if n := len(pushesTo(start, "now2"+ns)); n != 0 {
		t.Errorf("a pass's request pushed another pass's device")
	}

	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "coffee-coupon"
	start = time.Now()
	annotate(tpl, time.Now().UTC().Add(time.Second).Format(time.RFC3339))
	for _, tok := range []string{"now1" + ns, "now2" + ns} {
		eventually(t, "the template's request pushed "+tok, func() (bool, string) { return len(pushesTo(start, tok)) == 1, "" })
	}

	annotate(getPass(t, ns, "coffee-coupon-0002"), "tomorrow")
	eventually(t, "a PushRequestInvalid Event", func() (bool, string) { return hasEvent(ns, "coffee-coupon-0002", "PushRequestInvalid"), "" })
	time.Sleep(time.Second)
	if n := len(pushesTo(start, "now2"+ns)); n != 1 {
		t.Errorf("an invalid request pushed: %d pushes", n)
	}
}

// The registration a device makes belongs to its pass.
func TestRegistrationsBelongToTheirPass(t *testing.T) {
	onPostgres(t, "rows name their pass; there are no owner references")
	ns, pt := samples(t)
	registerDevice(t, pt, "bk-000101", "owned-phone", "owned"+ns)
	var reg walletv1.DeviceRegistration
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: kubernetes.RegistrationName(apnstest.DeviceID("owned-phone"), pt, "bk-000101")}, &reg); err != nil {
		t.Fatal(err)
	}
	p := getPass(t, ns, "bakery-jana")
	if len(reg.OwnerReferences) != 1 || reg.OwnerReferences[0].UID != p.UID || reg.OwnerReferences[0].Kind != "Pass" {
		t.Errorf("owner references %+v: want the Pass %s", reg.OwnerReferences, p.UID)
	}
}

// A template counts its passes by state, their devices, and the downloads
// and previews of their links by every ?tag= (tags it lists; "other";
// "untagged"); kubectl get passtemplates shows passes and devices.
func TestTemplateStatistics(t *testing.T) {
	ns, pt := samples(t)
	registerDevice(t, pt, "cc-0001", "stats-phone-1", "stats1"+ns)
	registerDevice(t, pt, "cc-0001", "stats-phone-2", "stats2"+ns)
	link := strings.TrimPrefix(getPass(t, ns, "coffee-coupon-0001").Status.DownloadURL, baseURL)
	opens := []struct {
		query string
		ua    string
	}{
		{"?tag=newsletter&tag=instagram", "iPhone"},
		{"?tag=newsletter", "iPhone"},
		{"?tag=newsletter&tag=made-up", "Firefox"},
		{"", "Firefox"},
		{"?format=pkpass", "curl"},
	}
	for _, o := range opens {
		if r := call(t, "GET", link+o.query, "", nil, "User-Agent", o.ua); r.code != 200 {
			t.Fatalf("GET %s as %s: %d", o.query, o.ua, r.code)
		}
	}
	want := func(got map[string]int64, w map[string]int64) bool { return fmt.Sprint(got) == fmt.Sprint(w) }
	eventually(t, "the template's counts", func() (bool, string) {
		var tpl walletv1.PassTemplate
		_ = c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, &tpl)
		s := tpl.Status
		ok := s.Passes == 2 && s.ReadyPasses == 2 && s.RedeemedPasses == 1 && s.VoidedPasses == 0 && s.RegisteredDevices == 2 &&
			want(s.Downloads, map[string]int64{"instagram": 1, "newsletter": 2, "untagged": 1}) &&
			want(s.Previews, map[string]int64{"newsletter": 1, "other": 1, "untagged": 1})
		return ok, fmt.Sprintf("%+v", s)
	})
}

// A bundle ConfigMap deleted or edited behind the operator's back is never
// served: the web service marks it damaged and the manager stores it again.
func TestDamagedConfigMapBundleIsRewritten(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	for name, damage := range map[string]func(cm *corev1.ConfigMap) error{
		"concert-a-12-7": func(cm *corev1.ConfigMap) error { return c.Delete(context.Background(), cm) },
		"concert-a-12-8": func(cm *corev1.ConfigMap) error {
			cm.BinaryData["pass.json"] = []byte(`{"tampered":true}`)
			return c.Update(context.Background(), cm)
		},
	} {
		p := getPass(t, ns, name)
		var cm corev1.ConfigMap
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: p.Status.Bundle.ConfigMap}, &cm); err != nil {
			t.Fatal(err)
		}
		if err := damage(&cm); err != nil {
			t.Fatal(err)
		}
		link := strings.TrimPrefix(p.Status.DownloadURL, baseURL) + "?format=pkpass"
		r := call(t, "GET", link, "", nil)
		// A deleted ConfigMap is also seen by the manager, which owns it and
		// may store the bundle again before the download: then the download
		// serves the new bundle, whole, and the web service saw nothing
		// damaged. A damaged bundle is never served.
		repairedFirst := name == "concert-a-12-7" && r.code == 200 && pkpass.Verify(r.body, nil).OK()
		if r.code != 503 && !repairedFirst {
			t.Errorf("%s: a download of the damaged bundle: %d, want 503", name, r.code)
		}
		eventually(t, name+" stored again and served", func() (bool, string) {
			r := call(t, "GET", link, "", nil)
			return r.code == 200 && pkpass.Verify(r.body, nil).OK(), fmt.Sprint(r.code)
		})
		if !repairedFirst {
			eventually(t, name+": a BundleDamaged Event", func() (bool, string) { return hasEvent(ns, name, "BundleDamaged"), "" })
		}
	}
}

// statusRefusingManager is the test manager whose client's status writes
// fail, as when the API server is briefly away.
type statusRefusingManager struct{ manager.Manager }

func (m statusRefusingManager) GetClient() client.Client {
	return statusRefusingClient{m.Manager.GetClient()}
}

type statusRefusingClient struct{ client.Client }

func (c statusRefusingClient) Status() client.SubResourceWriter { return refusedStatus{} }

type refusedStatus struct{ client.SubResourceWriter }

func (refusedStatus) Patch(context.Context, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
	return errors.New("status writes refused by the test")
}

// A damaged bundle whose report fails to reach the API server leaves the
// informer cache untouched (issue 26, item 4: the report set Damaged on the
// cache's own object, a data race that also hid the damage from every
// later report), so the next download reports it.
func TestFailedDamageReportLeavesTheCacheAlone(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	o := webservice.Options{}
	o.WebServiceURL, o.Development, o.Tokens = baseURL, true, key
	o.RequestsPerSecond, o.Burst = 1e6, 1e6
	refusing, err := webservice.New(statusRefusingManager{mgr}, testStore(), o)
	if err != nil {
		t.Fatal(err)
	}
	p := getPass(t, ns, "bakery-jana")
	if err := c.Delete(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p.Status.Bundle.ConfigMap}}); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.Status.DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	link := u.Path + "?format=pkpass"
	rec := httptest.NewRecorder()
	refusing.Handler().ServeHTTP(rec, httptest.NewRequest("GET", link, nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("a download of a deleted bundle: %d, want 503", rec.Code)
	}
	var cached walletv1.Pass
	if err := mgr.GetCache().Get(context.Background(), client.ObjectKeyFromObject(p), &cached); err != nil {
		t.Fatal(err)
	}
	if cached.Status.Bundle == nil || cached.Status.Bundle.Damaged != "" {
		t.Fatalf("the informer cache's pass after a failed report: %+v; want it as the API server has it", cached.Status.Bundle)
	}
	eventually(t, "the damage reported by the next download, stored again and served", func() (bool, string) {
		r := call(t, "GET", strings.TrimPrefix(p.Status.DownloadURL, baseURL)+"?format=pkpass", "", nil)
		return r.code == 200 && pkpass.Verify(r.body, nil).OK(), fmt.Sprint(r.code)
	})
}
