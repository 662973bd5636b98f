package webservice_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice"
)

// One namespace cannot take over another's pass: tenant B signs a pass
// with the victim's serial number, then points its template at a
// certificate for the victim's pass type. B's certificate is refused (the
// pass type belongs to the victim's namespace), B's pass keeps its last
// good bundle (signed for B's own pass type), and the victim's download
// link and device registrations keep reaching the victim's pass, every
// time.
func TestAnotherNamespaceCannotHijackAPass(t *testing.T) {
	victimNS, victimPT := samples(t)
	attackerNS, _ := samples(t) // the same serial numbers, B's own pass type
	ctx := context.Background()
	const name, serial = "james-smith-pd123", "serial-1350551026"

	evil := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: attackerNS, Name: "victims-pass-type"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "victims-pass-type-tls"},
			SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: victimPT, TeamIdentifier: "A1B2C3D4E5"}},
	}
	if err := c.Create(ctx, evil); err != nil {
		t.Fatal(err)
	}
	tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: attackerNS, Name: getPass(t, attackerNS, name).Spec.TemplateRef.Name}}
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.CertificateRef.Name = evil.Name })
	eventually(t, "B's certificate for the victim's pass type is refused", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(evil), evil)
		r := status.Ready(evil.Status.Conditions)
		return r != nil && r.Status == metav1.ConditionFalse && r.Reason == walletv1.ReasonPassTypeClaimed, fmt.Sprintf("%+v", r)
	})
	eventually(t, "B's pass is not Ready and keeps its own bundle", func() (bool, string) {
		p := getPass(t, attackerNS, name)
		r := status.Ready(p.Status.Conditions)
		return r != nil && r.Status == metav1.ConditionFalse && p.Status.Bundle != nil && p.Status.Bundle.PassTypeIdentifier != victimPT, fmt.Sprintf("%+v", r)
	})
	if r := status.Ready(evil.Status.Conditions); strings.Contains(r.Message, victimNS+"/") {
		t.Errorf("the refusal names the victim's namespace to the attacker: %s", r.Message)
	}

	link := strings.TrimPrefix(getPass(t, victimNS, name).Status.DownloadURL, baseURL) + "?format=pkpass"
	for i := range 100 {
		r := call(t, "GET", link, "", nil)
		if r.code != 200 {
			t.Fatalf("download %d: %d %s", i, r.code, r.body)
		}
		files, err := pkpass.Unzip(r.body)
		if err != nil {
			t.Fatal(err)
		}
		var pj struct {
			PassTypeIdentifier string `json:"passTypeIdentifier"`
			TeamIdentifier     string `json:"teamIdentifier"`
		}
		if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
			t.Fatal(err)
		}
		if pj.PassTypeIdentifier != victimPT || pj.TeamIdentifier == "A1B2C3D4E5" {
			t.Fatalf("download %d of the victim's link served another pass: %+v", i, pj)
		}
	}

	token := authToken(victimPT, serial)
	for i := range 100 {
		r := call(t, "POST", fmt.Sprintf("/v1/devices/%s/registrations/%s/%s", apnstest.DeviceID(fmt.Sprint("tenancy-device-", i)), victimPT, serial), token, []byte(`{"pushToken":"`+apnstest.Token(fmt.Sprint("tenancy-", i))+`"}`))
		if r.code != 201 {
			t.Fatalf("registration %d: %d %s", i, r.code, r.body)
		}
	}
	for ns, want := range map[string]int{victimNS: 100, attackerNS: 0} {
		if n := storedRegistrations(t, ns); n != want {
			t.Errorf("namespace %s holds %d registrations made with the victim's token, want %d", ns, n, want)
		}
	}
}

// Tokens cover the pass's namespace: the token a pass of another namespace
// would have for the same pass type and serial is refused, and so is a
// token over pass type and serial alone (the scheme before namespaces).
func TestTokensCoverTheNamespace(t *testing.T) {
	ns, pt := samples(t)
	const serial = "bc-2041"
	get := func(base, path, token string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "ApplePass "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	passPath := "/v1/passes/" + pt + "/" + serial
	downloadPath := func(token string) string { return "/download/" + pt + "/" + serial + "/" + token + "?format=pkpass" }
	for _, tc := range []struct {
		name       string
		base, path string
		token      string
		want       int
	}{
		{"the pass's token", baseURL, passPath, key.Authentication(ns, pt, serial), 200},
		{"another namespace's token", baseURL, passPath, key.Authentication("other", pt, serial), 401},
		{"a token without the namespace", baseURL, passPath, legacyToken(key, "authentication", pt, serial), 401},
		{"the pass's download link", baseURL, downloadPath(key.Download(ns, pt, serial)), "", 200},
		{"another namespace's download link", baseURL, downloadPath(key.Download("other", pt, serial)), "", 404},
		{"a download link without the namespace", baseURL, downloadPath(legacyToken(key, "download", pt, serial)), "", 404},
	} {
		if got := get(tc.base, tc.path, tc.token); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// legacyToken is a token of the scheme before tokens covered the namespace:
// HMAC-SHA256 over purpose, pass type and serial, NUL-separated.
func legacyToken(k tokens.Key, purpose, passType, serial string) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(purpose + "\x00" + passType + "\x00" + serial))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// An issue link's limit is exact across replicas: 50 visitors at once,
// split over two web service replicas, with limit 10 make exactly 10
// passes; a deleted pass frees its place.
func TestIssueLimitIsExactAcrossReplicas(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	replicas := []string{replica(t, webservice.Options{WebService: app.WebService{IssueRatePerMinute: 6000}}), replica(t, webservice.Options{WebService: app.WebService{IssueRatePerMinute: 6000}})}
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "coffee-coupon"
	limit := int32(10)
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Distribution.Limit = &limit })
	eventually(t, "issue URL published", func() (bool, string) {
		_ = c.Get(context.Background(), client.ObjectKeyFromObject(tpl), tpl)
		return tpl.Status.IssueURL != "" && status.IsReady(tpl.Status.Conditions, tpl.Generation), ""
	})
	issue := strings.TrimPrefix(tpl.Status.IssueURL, baseURL)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			resp, err := noRedirect.Get(replicas[i%2] + issue)
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	count := func() int {
		var issued walletv1.PassList
		if err := c.List(context.Background(), &issued, client.InNamespace(ns), client.MatchingLabels{walletv1.LabelIssuedBy: "coffee-coupon"}); err != nil {
			t.Fatal(err)
		}
		return len(issued.Items)
	}
	if n := count(); n != 10 {
		t.Fatalf("50 visitors over two replicas with limit 10 made %d passes", n)
	}
	if err := c.Delete(context.Background(), &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "coffee-coupon-issued-3"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a deleted pass frees its place", func() (bool, string) {
		resp, err := noRedirect.Get(replicas[0] + issue)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusSeeOther, fmt.Sprint(resp.StatusCode)
	})
	if n := count(); n != 10 {
		t.Errorf("%d passes after one was deleted and one issued", n)
	}
}

// Registration floods are bounded: whoever holds a pass (and so its token)
// can register new devices only at the pass's rate and up to its limit;
// a device already registered can always renew.
func TestRegistrationFloodIsBounded(t *testing.T) {
	_, pt := samples(t)
	capped := replica(t, webservice.Options{WebService: app.WebService{MaxRegistrationsPerPass: 5, RegistrationsPerMinute: 1e6, RegistrationBurst: 1000}})
	const serial = "bc-2041"
	register := func(device string) int {
		req, _ := http.NewRequest("POST", capped+"/v1/devices/"+apnstest.DeviceID(device)+"/registrations/"+pt+"/"+serial, strings.NewReader(`{"pushToken":"`+apnstest.Token("flood")+`"}`))
		req.Header.Set("Authorization", "ApplePass "+authToken(pt, serial))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	created := 0
	for i := range 50 {
		if register(fmt.Sprintf("flood%04d", i)) == http.StatusCreated {
			created++
		}
	}
	if created != 5 {
		t.Errorf("50 random devices registered %d times on one pass, want 5", created)
	}
	if code := register("flood0000"); code != http.StatusOK {
		t.Errorf("a registered device renewing: %d", code)
	}

	// At once: 50 new devices in parallel on a pass with no device yet
	// get no more places than one after another.
	const atOnce = "bk-000101"
	var wg sync.WaitGroup
	var parallel atomic.Int32
	for i := range 50 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", capped+"/v1/devices/"+apnstest.DeviceID(fmt.Sprint("parallel-", i))+"/registrations/"+pt+"/"+atOnce,
				strings.NewReader(`{"pushToken":"`+apnstest.Token("parallel")+`"}`))
			req.Header.Set("Authorization", "ApplePass "+authToken(pt, atOnce))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated {
				parallel.Add(1)
			}
		})
	}
	wg.Wait()
	if n := parallel.Load(); n != 5 {
		t.Errorf("50 new devices at once on one pass: %d registered, want 5", n)
	}

	// The rate: bursts of 3 on another pass, far under its limit.
	slow := replica(t, webservice.Options{WebService: app.WebService{MaxRegistrationsPerPass: 1000, RegistrationsPerMinute: 1, RegistrationBurst: 3}})
	const other = "bc-2042"
	created = 0
	for i := range 10 {
		req, _ := http.NewRequest("POST", slow+"/v1/devices/"+apnstest.DeviceID(fmt.Sprint("burst-", i))+"/registrations/"+pt+"/"+other, strings.NewReader(`{"pushToken":"`+apnstest.Token("burst")+`"}`))
		req.Header.Set("Authorization", "ApplePass "+authToken(pt, other))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated {
			created++
		}
	}
	if created != 3 {
		t.Errorf("10 new devices at once on one pass: %d registered, want the burst of 3", created)
	}
}

// A template says how many devices its passes may gain: a shared pass (one
// card for a whole venue) takes more than the web service's defaults, a
// personal one fewer; a refused device is told to try again later, as
// after any server trouble (issue 26, item 15).
func TestTemplateBoundsRegistrations(t *testing.T) {
	ns, pt := samples(t)
	capped := replica(t, webservice.Options{WebService: app.WebService{MaxRegistrationsPerPass: 5, RegistrationsPerMinute: 1, RegistrationBurst: 2}})
	register := func(serial, device string) (int, string) {
		req, _ := http.NewRequest("POST", capped+"/v1/devices/"+apnstest.DeviceID(device)+"/registrations/"+pt+"/"+serial, strings.NewReader(`{"pushToken":"`+apnstest.Token(device)+`"}`))
		req.Header.Set("Authorization", "ApplePass "+authToken(pt, serial))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	shared, personal := int32(15), int32(2)
	perMinute := int32(6000)
	// Templates without webhooks: the test leaves no events to deliver.
	venue := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bakery-loyalty"}}
	update(t, venue, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Registrations = &walletv1.Registrations{MaxDevicesPerPass: &shared, PerMinute: &perMinute}
	})
	coupon := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "coffee-coupon"}}
	update(t, coupon, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Registrations = &walletv1.Registrations{MaxDevicesPerPass: &personal}
	})
	seenByWebService(t, venue, coupon)

	created := 0
	for i := range 12 {
		if code, _ := register("bk-000101", fmt.Sprintf("venue%04d", i)); code == http.StatusCreated {
			created++
		}
	}
	if created != 12 {
		t.Errorf("12 devices on a pass whose template takes 15 (the web service's default: 5): %d registered", created)
	}
	var last int
	var retry string
	for i := range 3 {
		last, retry = register("cc-0001", fmt.Sprintf("own%04d", i))
	}
	if last != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("a third device on a pass whose template takes 2: %d, Retry-After %q; want 503 with Retry-After", last, retry)
	}
}
