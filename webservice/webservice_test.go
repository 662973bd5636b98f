package webservice_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/internal/app"
	localpg "github.com/wallet-operator/wallet-operator/internal/local/postgres"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/stack"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice"
	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
	"github.com/wallet-operator/wallet-operator/webservice/registry/postgres"
	"github.com/wallet-operator/wallet-operator/webservice/webhooks"
)

var (
	env     *testenv.Env
	c       client.Client
	baseURL string // the web service URL written into passes
	key     = tokens.Key("fedcba9876543210fedcba9876543210")
	server  *webservice.Server
	apns    *apnstest.Server
	mgr     ctrl.Manager
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env, start)) }

// registrationStore is the store the package's tests run against:
// WALLET_REGISTRATION_STORE=postgres runs them all against a PostgreSQL
// started for the package (make test runs the package with each store).
var registrationStore = os.Getenv("WALLET_REGISTRATION_STORE")

// db is the PostgreSQL store when registrationStore is postgres, at dbURL.
var (
	db    *postgres.Store
	dbURL string
)

// onPostgres skips a test that looks at DeviceRegistration resources.
func onPostgres(t *testing.T, why string) {
	t.Helper()
	if db != nil {
		t.Skip("registrations are in PostgreSQL: " + why)
	}
}

// storeIndependent skips, in the package's PostgreSQL pass, a test of what
// no registration store takes part in: it ran in the first pass.
func storeIndependent(t *testing.T) {
	t.Helper()
	if db != nil {
		t.Skip("no registration store takes part: run with the DeviceRegistration store")
	}
}

// testStore is the registration backend of servers a test makes itself.
func testStore() registry.Backend {
	if db != nil {
		return db
	}
	return kubernetes.New(mgr)
}

// openRegistry starts PostgreSQL when the tests run against it.
func openRegistry() (registry.Backend, func(), error) {
	if registrationStore != "postgres" {
		return nil, func() {}, nil
	}
	if why := localpg.Missing(); why != "" {
		return nil, nil, errors.New(why)
	}
	pg, err := localpg.Start()
	if err != nil {
		return nil, nil, err
	}
	dbURL, err = pg.CreateDatabase(context.Background(), "wallet")
	if err == nil {
		db, err = postgres.Open(context.Background(), dbURL)
	}
	if err != nil {
		pg.Close()
		return nil, nil, err
	}
	db.CountsInterval = 200 * time.Millisecond
	return db, func() { db.Close(); pg.Close() }, nil
}

// operatorNamespace receives the push credentials the controllers keep.
const operatorNamespace = "wallet-operator-system"

// start runs the controllers and the web service (as in a cluster, but in
// one process) and serves HTTP on a loopback port.
func start(e *testenv.Env) (func(), error) {
	// Every log line, at debug level, goes to a buffer: TestNothingSecretIsLogged
	// reads it; errors also reach stderr.
	ctrl.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(&logs, errorsOnly{os.Stderr})), zap.Level(zapcore.DebugLevel)))
	c = e.Client
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	baseURL = "http://" + l.Addr().String() + "/passes"
	apns = apnstest.Start()
	backend, closeRegistry, err := openRegistry()
	if err != nil {
		return nil, err
	}
	st, err := stack.Start(e.Config, stack.Options{QPS: 500, Burst: 1000, OperatorNamespace: operatorNamespace, Listener: l,
		Controllers: &controllers.Options{
			Pass:        pass.Options{WebServiceURL: baseURL, Development: true, Tokens: key, VoidTimeout: voidTimeout, VoidFetchGrace: 2 * time.Second},
			PassWorkers: 4, OperatorNamespace: operatorNamespace,
		},
		WebService: &webservice.Options{Tokens: key, Backend: backend, WebService: app.WebService{
			WebServiceURL: baseURL, Development: true, RequestsPerSecond: 1e6, Burst: 1e6, OutboxPoll: 50 * time.Millisecond,
			MaxRegistrationsPerPass: 1000, RegistrationsPerMinute: 1e6, RegistrationBurst: 1000, StatsInterval: time.Second,
			Webhooks: webhooks.Options{Timeout: 2 * time.Second, BaseDelay: 50 * time.Millisecond, Factor: 1.5, MaxAttempts: 4,
				AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, CredentialsNamespace: operatorNamespace,
			Push: push.Options{APNsURL: apns.URL(), RootCAs: apns.RootCAs(), BaseBackoff: 20 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, CredentialsRetry: 2 * time.Second}}},
	})
	if err != nil {
		closeRegistry()
		return nil, err
	}
	mgr, server = st.Manager, st.Server
	return func() { st.Stop(); apns.Close(); closeRegistry() }, nil
}

// samples applies config/samples in a new namespace with its own pass type
// and waits until every pass is Ready.
func samples(t testing.TB) (ns, passType string) {
	t.Helper()
	ns, passType, _ = env.ApplySamples(t)
	eventually(t, "samples Ready", func() (bool, string) {
		var list walletv1.PassList
		if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for _, p := range list.Items {
			if !status.IsReady(p.Status.Conditions, p.Generation) {
				return false, p.Name
			}
		}
		return len(list.Items) == 10, fmt.Sprintf("%d passes", len(list.Items))
	})
	return ns, passType
}

func eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, what, cond)
}

type response struct {
	code   int
	header http.Header
	body   []byte
}

// call makes one HTTP request; auth is the ApplePass token ("" for none).
func call(t *testing.T, method, path, auth string, body []byte, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, baseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "ApplePass "+auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func getPass(t *testing.T, ns, name string) *walletv1.Pass {
	t.Helper()
	p := &walletv1.Pass{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProtocolConformance(t *testing.T) {
	ns, pt := samples(t)
	const serial = "serial-1350551026" // james-smith-pd123
	token := authToken(pt, serial)
	device := apnstest.DeviceID("device-0001")
	regPath := "/v1/devices/" + device + "/registrations/" + pt + "/" + serial
	push := func(name string) []byte { return []byte(`{"pushToken":"` + apnstest.Token(name) + `"}`) }

	p := getPass(t, ns, "james-smith-pd123")
	lastModified := p.Status.Bundle.LastModified.UTC().Truncate(time.Second)

	steps := []struct {
		name         string
		method, path string
		auth         string
		body         []byte
		header       []string
		want         int
		check        func(t *testing.T, r response)
	}{
		{"register with a wrong token", "POST", regPath, "wrong-token-wrong-token", push("aaaa"), nil, 401, nil},
		{"register without a token", "POST", regPath, "", push("aaaa"), nil, 401, nil},
		{"register an unknown serial (valid-looking token)", "POST", "/v1/devices/" + device + "/registrations/" + pt + "/nope", authToken(pt, "nope"), push("aaaa"), nil, 401, nil},
		{"register with malformed JSON", "POST", regPath, token, []byte(`{"pushToken":`), nil, 400, nil},
		{"register without a push token", "POST", regPath, token, []byte(`{}`), nil, 400, nil},
		{"register with an oversized body", "POST", regPath, token, []byte(`{"pushToken":"` + strings.Repeat("a", 10000) + `"}`), nil, 413, nil},
		{"register with a malformed device id", "POST", "/v1/devices/dev%20ice/registrations/" + pt + "/" + serial, token, push("aaaa"), nil, 400, nil},
		{"register with a device id Wallet never sends", "POST", "/v1/devices/device-0001/registrations/" + pt + "/" + serial, token, push("aaaa"), nil, 400, nil},
		{"register with a push token APNs never issues", "POST", regPath, token, []byte(`{"pushToken":"not-an-apns-token"}`), nil, 400, nil},
		{"register", "POST", regPath, token, push("aaaa1111"), nil, 201, nil},
		{"register again", "POST", regPath, token, push("aaaa1111"), nil, 200, nil},
		{"register again with a new push token", "POST", regPath, token, push("bbbb2222"), nil, 200, func(t *testing.T, _ response) {
			if reg, _ := storedRegistration(t, ns, "device-0001", pt, serial); reg.PushToken != apnstest.Token("bbbb2222") {
				t.Errorf("push token not updated: %q", reg.PushToken)
			}
		}},
		{"latest pass with a wrong token", "GET", "/v1/passes/" + pt + "/" + serial, "wrong-token-wrong-token", nil, nil, 401, nil},
		{"latest pass", "GET", "/v1/passes/" + pt + "/" + serial, token, nil, nil, 200, func(t *testing.T, r response) {
			if r.header.Get("Content-Type") != pkpass.MediaType || r.header.Get("Last-Modified") != lastModified.Format(http.TimeFormat) {
				t.Errorf("headers %v", r.header)
			}
			if rep := pkpass.Verify(r.body, nil); !rep.OK() {
				t.Errorf("served bundle does not verify: %v", rep.Failures)
			}
		}},
		{"latest pass, If-Modified-Since equal", "GET", "/v1/passes/" + pt + "/" + serial, token, nil, []string{"If-Modified-Since", lastModified.Format(http.TimeFormat)}, 304, nil},
		{"latest pass, If-Modified-Since newer", "GET", "/v1/passes/" + pt + "/" + serial, token, nil, []string{"If-Modified-Since", lastModified.Add(time.Hour).Format(http.TimeFormat)}, 304, nil},
		{"latest pass, If-Modified-Since older", "GET", "/v1/passes/" + pt + "/" + serial, token, nil, []string{"If-Modified-Since", lastModified.Add(-time.Second).Format(http.TimeFormat)}, 200, nil},
		{"latest pass, HEAD", "HEAD", "/v1/passes/" + pt + "/" + serial, token, nil, nil, 200, func(t *testing.T, r response) {
			if len(r.body) != 0 || r.header.Get("Content-Length") == "0" {
				t.Errorf("HEAD: body %d bytes, Content-Length %s", len(r.body), r.header.Get("Content-Length"))
			}
		}},
		{"log", "POST", "/v1/log", "", []byte(`{"logs":["Web service error for pass: 500"]}`), nil, 200, nil},
		{"log with malformed JSON", "POST", "/v1/log", "", []byte(`logs`), nil, 400, nil},
		{"unregister with a wrong token", "DELETE", regPath, "wrong-token-wrong-token", nil, nil, 401, nil},
		{"unregister", "DELETE", regPath, token, nil, nil, 200, nil},
		{"unknown endpoint", "GET", "/v2/nothing", "", nil, nil, 404, nil},
	}
	for _, s := range steps {
		r := call(t, s.method, s.path, s.auth, s.body, s.header...)
		if r.code != s.want {
			t.Errorf("%s: %d %s, want %d", s.name, r.code, r.body, s.want)
			continue
		}
		if r.code >= 400 && !json.Valid(r.body) {
			t.Errorf("%s: error body is not JSON: %s", s.name, r.body)
		}
		if s.check != nil {
			s.check(t, r)
		}
	}
}

// Update tags never miss a change, however close together the changes are.
func TestUpdateTags(t *testing.T) {
	ns, pt := samples(t)
	device := apnstest.DeviceID("device-tags")
	serials := map[string]string{"bakery-jana": "bk-000101", "bakery-anonymous": "bk-000102"}
	for _, serial := range serials {
		r := call(t, "POST", "/v1/devices/"+device+"/registrations/"+pt+"/"+serial, authToken(pt, serial), []byte(`{"pushToken":"`+apnstest.Token("tok")+`"}`))
		if r.code != 201 {
			t.Fatalf("register %s: %d %s", serial, r.code, r.body)
		}
	}
	list := func(tag string) (int, []string, string) {
		path := "/v1/devices/" + device + "/registrations/" + pt
		if tag != "" {
			path += "?passesUpdatedSince=" + tag
		}
		r := call(t, "GET", path, "", nil)
		var body struct {
			SerialNumbers []string `json:"serialNumbers"`
			LastUpdated   string   `json:"lastUpdated"`
		}
		_ = json.Unmarshal(r.body, &body)
		return r.code, body.SerialNumbers, body.LastUpdated
	}
	var tag string
	eventually(t, "both serials listed", func() (bool, string) {
		code, got, lu := list("")
		tag = lu
		return code == 200 && len(got) == 2, fmt.Sprint(code, got)
	})
	// Change one pass three times in quick succession; after each change
	// the tag from the previous answer must report it.
	for i := 1; i <= 3; i++ {
		p := getPass(t, ns, "bakery-jana")
		before := p.Status.Bundle.Revision
		update(t, p, func(p *walletv1.Pass) {
			p.Spec.Data = &apiextensionsv1.JSON{Raw: fmt.Appendf(nil, `{"points": %d, "member": "Jana", "level": "gold"}`, 100+i)}
		})
		eventually(t, "re-signed", func() (bool, string) {
			return getPass(t, ns, "bakery-jana").Status.Bundle.Revision != before, ""
		})
		eventually(t, fmt.Sprintf("change %d reported since the last tag", i), func() (bool, string) {
			code, got, lu := list(tag)
			if code == 200 && strings.Contains(strings.Join(got, ","), "bk-000101") {
				tag = lu
				return true, ""
			}
			return false, fmt.Sprint(code, got)
		})
	}
	if code, _, _ := list(fmt.Sprint(time.Now().Add(time.Hour).UnixNano())); code != 204 {
		t.Errorf("no change since a future tag: want 204, got %d", code)
	}
	// Tags this service never gave out (a device migrated from another
	// platform) get every pass, as no tag does.
	for _, foreign := range []string{"not-a-tag", "1700000000", "-5"} {
		if code, got, _ := list(foreign); code != 200 || len(got) != 2 {
			t.Errorf("tag %q: want 200 with both serials, got %d %v", foreign, code, got)
		}
	}
}

// The registration count on the Pass follows registrations; 200 devices
// registering and listing at once all get exactly their registration.
func TestConcurrentDevices(t *testing.T) {
	ns, pt := samples(t)
	const devices = 200
	serial := "bc-2041" // member-petra
	token := authToken(pt, serial)
	var wg sync.WaitGroup
	errs := make(chan string, devices*2)
	for i := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			device := apnstest.DeviceID(fmt.Sprint("device-", i))
			r := call(t, "POST", "/v1/devices/"+device+"/registrations/"+pt+"/"+serial, token, []byte(`{"pushToken":"`+apnstest.Token(fmt.Sprint("push-", i))+`"}`))
			if r.code != 201 {
				errs <- fmt.Sprintf("%s: register %d %s", device, r.code, r.body)
			}
			if r := call(t, "GET", "/v1/devices/"+device+"/registrations/"+pt, "", nil); r.code != 200 && r.code != 204 {
				errs <- fmt.Sprintf("%s: list %d %s", device, r.code, r.body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for i := range devices {
		device := apnstest.DeviceID(fmt.Sprint("device-", i))
		eventually(t, fmt.Sprint("device ", i, " lists its pass"), func() (bool, string) {
			r := call(t, "GET", "/v1/devices/"+device+"/registrations/"+pt, "", nil)
			return r.code == 200 && strings.Contains(string(r.body), `"serialNumbers":["bc-2041"]`), string(r.body)
		})
	}
	eventually(t, "registeredDevices = 200", func() (bool, string) {
		p := getPass(t, ns, "member-petra")
		return p.Status.RegisteredDevices == devices && p.Status.FirstRegistered != nil && p.Status.LastRegistered != nil, fmt.Sprint(p.Status.RegisteredDevices)
	})
	if n := storedRegistrations(t, ns); n != devices {
		t.Fatalf("%d registrations stored, want %d", n, devices)
	}
	if db == nil {
		var regs walletv1.DeviceRegistrationList
		if err := c.List(context.Background(), &regs, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		for _, r := range regs.Items {
			if strings.Contains(r.Name, r.Spec.DeviceLibraryIdentifier) {
				t.Fatalf("registration %s is named after a device identifier", r.Name)
			}
		}
	}
	r := call(t, "DELETE", "/v1/devices/"+apnstest.DeviceID("device-0")+"/registrations/"+pt+"/"+serial, token, nil)
	if r.code != 200 {
		t.Fatalf("unregister: %d", r.code)
	}
	eventually(t, "registeredDevices = 199, with when a device first and last left", func() (bool, string) {
		p := getPass(t, ns, "member-petra")
		return p.Status.RegisteredDevices == devices-1 && p.Status.FirstUnregistered != nil && p.Status.LastUnregistered != nil, fmt.Sprint(p.Status.RegisteredDevices)
	})
	first := getPass(t, ns, "member-petra").Status.FirstUnregistered.Time
	time.Sleep(1100 * time.Millisecond) // the times have seconds: the next leaves a second later
	if r := call(t, "DELETE", "/v1/devices/"+apnstest.DeviceID("device-1")+"/registrations/"+pt+"/"+serial, token, nil); r.code != 200 {
		t.Fatalf("unregister: %d", r.code)
	}
	eventually(t, "lastUnregistered moves, firstUnregistered stays", func() (bool, string) {
		p := getPass(t, ns, "member-petra")
		return p.Status.RegisteredDevices == devices-2 && p.Status.FirstUnregistered.Time.Equal(first) && p.Status.LastUnregistered.Time.After(first),
			fmt.Sprint(p.Status.RegisteredDevices, p.Status.FirstUnregistered, p.Status.LastUnregistered)
	})
}

func TestDownloadLinks(t *testing.T) {
	ns, _ := samples(t)
	p := getPass(t, ns, "concert-a-12-7")
	link := strings.TrimPrefix(p.Status.DownloadURL, baseURL)
	if link == p.Status.DownloadURL {
		t.Fatalf("downloadURL %q is not under %s", p.Status.DownloadURL, baseURL)
	}
	iphone := "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
	cases := []struct {
		name, path, ua string
		want           int
		contentType    string
		inBody         string
	}{
		{"iPhone gets the pass", link, iphone, 200, pkpass.MediaType, ""},
		{"a browser gets the preview", link + "?tag=newsletter", "Mozilla/5.0 (X11; Linux x86_64) Chrome/148", 200, "text/html; charset=utf-8", "Add to Apple Wallet"},
		{"format=pkpass", link + "?format=pkpass", "", 200, pkpass.MediaType, ""},
		{"format=qrcode", link + "?format=qrcode", "", 200, "image/svg+xml", "<svg"},
		{"format=barcode", link + "?format=barcode", "", 200, "image/svg+xml", "<rect"},
		{"unknown format", link + "?format=gif", "", 400, "application/json", "format is one of"},
		{"wrong token", link[:len(link)-4] + "AAAA", "", 404, "application/json", ""},
	}
	for _, tc := range cases {
		r := call(t, "GET", tc.path, "", nil, "User-Agent", tc.ua)
		if r.code != tc.want || r.header.Get("Content-Type") != tc.contentType || !bytes.Contains(r.body, []byte(tc.inBody)) {
			t.Errorf("%s: %d %s, body %.120s", tc.name, r.code, r.header.Get("Content-Type"), r.body)
		}
	}
	preview := call(t, "GET", link, "", nil).body
	if csp := call(t, "GET", link, "", nil).header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the preview may be framed: %s", csp)
	}
	for _, want := range []string{"Winter Concert", "SECTION", ">A<", "rgb(24, 46, 92)", "data:image/png;base64,", `id="barcode"`, `id="qr"`} {
		if !bytes.Contains(preview, []byte(want)) {
			t.Errorf("preview lacks %q", want)
		}
	}
}

func TestIssueLinks(t *testing.T) {
	storeIndependent(t)
	ns, pt := samples(t)
	var tpl walletv1.PassTemplate
	eventually(t, "issue URL published", func() (bool, string) {
		_ = c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, &tpl)
		return tpl.Status.IssueURL != "", ""
	})
	issue := strings.TrimPrefix(tpl.Status.IssueURL, baseURL)
	r := call(t, "GET", issue, "", nil)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), baseURL+"/download/"+pt+"/") {
		t.Fatalf("issue link: %d, Location %q", r.code, r.header.Get("Location"))
	}
	var issued walletv1.PassList
	if err := c.List(context.Background(), &issued, client.InNamespace(ns), client.MatchingLabels{walletv1.LabelIssuedBy: "coffee-coupon"}); err != nil || len(issued.Items) != 1 {
		t.Fatalf("want one issued pass, got %d (%v)", len(issued.Items), err)
	}
	download := strings.TrimPrefix(r.header.Get("Location"), baseURL)
	eventually(t, "the issued pass downloads", func() (bool, string) {
		r := call(t, "GET", download+"?format=pkpass", "", nil)
		return r.code == 200 && pkpass.Verify(r.body, nil).OK(), fmt.Sprint(r.code)
	})
	if r := call(t, "GET", issue+"?format=qrcode", "", nil); r.code != 200 || r.header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("issue QR code: %d", r.code)
	}
	if r := call(t, "GET", issue[:len(issue)-3]+"xyz", "", nil); r.code != 404 {
		t.Errorf("a wrong issue token: %d", r.code)
	}
	// The limit stops further passes.
	limit := int32(1)
	update(t, &tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Distribution.Limit = &limit })
	eventually(t, "limit enforced", func() (bool, string) {
		r := call(t, "GET", issue, "", nil)
		return r.code == http.StatusGone, fmt.Sprint(r.code)
	})
}

// authToken is the authentication token of a sample pass: the samples'
// pass type identifier names their namespace (testenv.ApplySamples).
func authToken(passType, serial string) string {
	return key.Authentication(strings.TrimPrefix(passType, "pass.io.wallet-operator."), passType, serial)
}

// One rule for push tokens: an APNs device token in hex, 32 to 100 bytes
// (32 today; Apple warns they may grow).
func TestPushTokenRule(t *testing.T) {
	_, pt := samples(t)
	const serial = "bc-2042"
	for _, tc := range []struct {
		token string
		want  int
	}{
		{strings.Repeat("ab", 32), 201},  // 32 bytes: today's tokens
		{strings.Repeat("AB", 100), 201}, // 100 bytes
		{strings.Repeat("ab", 101), 400},
		{strings.Repeat("ab", 31), 400},
		{strings.Repeat("a", 65), 400}, // half a byte
		{strings.Repeat("zz", 32), 400},
		{"", 400},
		{"bad token", 400},
	} {
		device := apnstest.DeviceID(tc.token)
		r := call(t, "POST", "/v1/devices/"+device+"/registrations/"+pt+"/"+serial, authToken(pt, serial), []byte(`{"pushToken":"`+tc.token+`"}`))
		if r.code != tc.want {
			t.Errorf("a push token of %d characters: %d, want %d", len(tc.token), r.code, tc.want)
		}
	}
}

// replica starts another web service on the test manager, as a second
// replica with options of its own, and returns the URL it answers under
// (the web service URL's path on its own address).
func replica(t *testing.T, o webservice.Options) string {
	t.Helper()
	o.WebServiceURL, o.Development, o.Tokens, o.CredentialsNamespace = baseURL, true, key, operatorNamespace
	if o.RequestsPerSecond == 0 {
		o.RequestsPerSecond, o.Burst = 1e6, 1e6
	}
	srv, err := webservice.New(mgr, testStore(), o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	u, _ := url.Parse(baseURL)
	return hs.URL + u.Path
}

// A template's distribution switched off: its passes' links and its issue
// link answer 404 (a browser is told the pass is not available), while a
// device holding a pass still gets its updates; switched on, all is back.
func TestDistributionSwitch(t *testing.T) {
	ns, pt := samples(t)
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "coffee-coupon"
	eventually(t, "issue URL published", func() (bool, string) {
		_ = c.Get(context.Background(), client.ObjectKeyFromObject(tpl), tpl)
		return tpl.Status.IssueURL != "", ""
	})
	issue := strings.TrimPrefix(tpl.Status.IssueURL, baseURL)
	p := getPass(t, ns, "coffee-coupon-0001")
	link := strings.TrimPrefix(p.Status.DownloadURL, baseURL)
	device := "/v1/passes/" + pt + "/" + p.Spec.SerialNumber
	browser := "Mozilla/5.0 (X11; Linux x86_64) Chrome/148"
	off := false
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Distribution.Enabled = &off })
	eventually(t, "the download link off", func() (bool, string) {
		r := call(t, "GET", link+"?format=pkpass", "", nil)
		return r.code == http.StatusNotFound, fmt.Sprint(r.code)
	})
	for what, path := range map[string]string{"preview": link, "PDF": link + "?format=pdf", "QR code": link + "?format=qrcode", "barcode": link + "?format=barcode", "issue link": issue} {
		if r := call(t, "GET", path, "", nil, "User-Agent", browser); r.code != http.StatusNotFound {
			t.Errorf("%s with distribution off: %d", what, r.code)
		}
	}
	if r := call(t, "GET", link, "", nil, "User-Agent", browser); !bytes.Contains(r.body, []byte("This pass is not available")) {
		t.Errorf("the preview with distribution off says: %.200s", r.body)
	}
	if r := call(t, "GET", device, authToken(pt, p.Spec.SerialNumber), nil); r.code != http.StatusOK || !pkpass.Verify(r.body, nil).OK() {
		t.Errorf("a device's update with distribution off: %d", r.code)
	}
	on := true
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Distribution.Enabled = &on })
	eventually(t, "the download link back", func() (bool, string) {
		r := call(t, "GET", link+"?format=pkpass", "", nil)
		return r.code == http.StatusOK, fmt.Sprint(r.code)
	})
	eventually(t, "the issue link back", func() (bool, string) {
		r := call(t, "GET", issue, "", nil)
		return r.code == http.StatusSeeOther, fmt.Sprint(r.code)
	})
}

// seenByWebService waits until the web service's cache holds each object
// as it is now (its resourceVersion or a later one): what the web service
// acts on next is the object the test just wrote, without guessing how
// long its watch takes.
func seenByWebService(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, obj := range objs {
		want, _ := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
		cached := obj.DeepCopyObject().(client.Object)
		eventually(t, fmt.Sprintf("the web service's cache sees %T %s", obj, obj.GetName()), func() (bool, string) {
			if err := mgr.GetCache().Get(context.Background(), client.ObjectKeyFromObject(obj), cached); err != nil {
				return false, err.Error()
			}
			got, _ := strconv.ParseUint(cached.GetResourceVersion(), 10, 64)
			return got >= want, fmt.Sprintf("resourceVersion %d, want %d", got, want)
		})
	}
}
