// Package googlewallet_test runs the manager against the API server and a
// stand-in for the Google Wallet API and Google's token endpoint: templates
// become classes, passes objects, a change one patch.
package googlewallet_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	gwcontroller "github.com/wallet-operator/wallet-operator/controllers/googlewallet"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/internal/app"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/testing/gwtest"
	"github.com/wallet-operator/wallet-operator/internal/testing/stack"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
	"github.com/wallet-operator/wallet-operator/webservice/webhooks"
)

var (
	env    *testenv.Env
	google *gwtest.Server
	// mgr and rootKeys: the test manager, and the file of the root keys
	// the web service trusts (callbacks' signer).
	mgr      ctrl.Manager
	rootKeys string
	// callbacks signs callbacks as Google does; the web service trusts its root.
	callbacks = gwtest.NewCallbackSigner()
	// local is the web service's address here; it answers under webServiceURL's path.
	local    string
	tokenKey = tokens.Key("0123456789abcdef0123456789abcdef")
)

const (
	webServiceURL = "https://wallet.example.com/passes"
	issuer        = "3388000000022222222"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, func(e *testenv.Env) (func(), error) {
		ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
		google = gwtest.Start()
		rootKeys = filepath.Join(os.TempDir(), fmt.Sprintf("google-root-keys-%d.json", os.Getpid()))
		if err := os.WriteFile(rootKeys, callbacks.RootKeysJSON(), 0o600); err != nil {
			return nil, err
		}
		st, err := stack.Start(e.Config, stack.Options{
			Controllers: &controllers.Options{
				Pass: pass.Options{WebServiceURL: webServiceURL, Development: true, Tokens: tokenKey}, PassWorkers: 4,
				GoogleWallet: gwcontroller.Options{APIEndpoint: google.Endpoint(), TokenURL: google.TokenURL(), HTTPClient: google.Client(), RequestsPerSecond: 1000, ReconcileTimeout: 3 * time.Second},
			},
			WebService: &webservice.Options{Tokens: tokenKey, WebService: app.WebService{
				WebServiceURL: webServiceURL, Development: true, RequestsPerSecond: 1e6, Burst: 1e6, GoogleRootKeys: rootKeys, OutboxPoll: 50 * time.Millisecond,
				Webhooks: webhooks.Options{Timeout: 2 * time.Second, BaseDelay: 50 * time.Millisecond, Factor: 1.5, MaxAttempts: 4,
					AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}},
		})
		if err != nil {
			os.Remove(rootKeys)
			return nil, err
		}
		mgr, local = st.Manager, st.Addr
		return func() { st.Stop(); google.Close(); os.Remove(rootKeys) }, nil
	}))
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testenv.Eventually(t, time.Minute, what, cond)
}

// googleSamples applies the samples and makes the coupon template a Google
// Wallet class with a service account of its own.
func googleSamples(t *testing.T) (ns string, key *rsa.PublicKey) {
	t.Helper()
	ns, _, _ = env.ApplySamples(t)
	ctx := context.Background()
	data, key := google.ServiceAccountKey("wallet@"+ns+".iam.gserviceaccount.com", issuer)
	if err := env.Client.Create(ctx, googleKeySecret(ns, data)); err != nil {
		t.Fatal(err)
	}
	updateTemplate(t, ns, "coffee-coupon", func(tpl *walletv1.PassTemplate) {
		tpl.Spec.GoogleWallet = &walletv1.GoogleWallet{IssuerID: issuer, ClassSuffix: ns + "-coupon",
			ServiceAccountKeySecretRef: &walletv1.KeyReference{Name: "google-wallet", Key: "key.json"}}
	})
	return ns, key
}

// googleKeySecret holds a service account key, labelled so that templates
// may use it.
func googleKeySecret(ns string, key []byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "google-wallet", Labels: map[string]string{walletv1.LabelGoogleWalletKey: "true"}},
		Data: map[string][]byte{"key.json": key}}
}

func updateTemplate(t *testing.T, ns, name string, change func(*walletv1.PassTemplate)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		tpl := &walletv1.PassTemplate{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, tpl); err != nil {
			return err
		}
		change(tpl)
		return env.Client.Update(context.Background(), tpl)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func googleReadyOf(conds []metav1.Condition) *metav1.Condition {
	return apimeta.FindStatusCondition(conds, walletv1.ConditionGoogleWalletReady)
}

func googleReady(g *walletv1.GoogleWalletObjectStatus) *metav1.Condition {
	if g == nil {
		return nil
	}
	return apimeta.FindStatusCondition(g.Conditions, walletv1.ConditionGoogleWalletReady)
}

// synced waits until the pass's object is in sync with (the stand-in's)
// Google Wallet for its current bundle.
func synced(t *testing.T, ns, name string) *walletv1.Pass {
	t.Helper()
	var p *walletv1.Pass
	eventually(t, name+" synced with Google Wallet", func() (bool, string) {
		p = env.Pass(t, ns, name)
		c := googleReady(p.Status.GoogleWallet)
		return c != nil && c.Reason == walletv1.ReasonGoogleWalletSynced && c.ObservedGeneration == p.Generation, fmt.Sprintf("%+v", p.Status.GoogleWallet)
	})
	return p
}

// objectIDOf is the Google object ID of a pass of this installation.
func objectIDOf(t *testing.T, ns, template, serial string) string {
	t.Helper()
	id := googlewallet.ObjectID(tokenKey.Installation(),
		&walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Name: template}, Spec: walletv1.PassTemplateSpec{GoogleWallet: &walletv1.GoogleWallet{IssuerID: issuer}}},
		&walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, Spec: walletv1.PassSpec{SerialNumber: serial}})
	if _, gotNS, gotTemplate, gotSerial, err := googlewallet.ObjectIDParts(id); err != nil || gotNS != ns || gotTemplate != template || gotSerial != serial {
		t.Fatalf("object ID %s reads back as %s %s %s (%v)", id, gotNS, gotTemplate, gotSerial, err)
	}
	return id
}

func requestsFor(collection, id string) []gwtest.Request {
	var out []gwtest.Request
	for _, r := range google.Requests() {
		if r.Collection == collection && (id == "" || r.ID == id || r.Body["id"] == id) {
			out = append(out, r)
		}
	}
	return out
}

// The template becomes a class, each pass an object with a save link
// signed by the service account; a data change is one object patch; the
// class is not sent again.
func TestTemplateIsAClassAndPassesObjects(t *testing.T) {
	ns, key := googleSamples(t)
	classID := issuer + "." + ns + "-coupon"
	p := synced(t, ns, "coffee-coupon-0001")
	objectID := objectIDOf(t, ns, "coffee-coupon", "cc-0001")
	if p.Status.GoogleWallet.ObjectID != objectID {
		t.Fatalf("objectID %q; want %q", p.Status.GoogleWallet.ObjectID, objectID)
	}
	class := google.Resource("offerClass", classID)
	object := google.Resource("offerObject", objectID)
	if class == nil || object == nil || object["classId"] != classID || class["issuerName"] != "Corner Coffee" {
		t.Fatalf("at Google: class %v object %v", class, object)
	}
	if barcode := object["barcode"].(map[string]any); barcode["type"] != "EAN_13" || barcode["value"] != p.Status.Barcode.Message {
		t.Errorf("object barcode %v; the pass's %+v", barcode, p.Status.Barcode)
	}
	if n := len(requestsFor("offerClass", classID)); n != 1 {
		t.Errorf("the class was sent %d times; want once (%v)", n, requestsFor("offerClass", classID))
	}
	// The save link: the service account's signature, the object by reference.
	raw := strings.TrimPrefix(p.Status.GoogleWallet.SaveURL, googlewallet.SaveURLPrefix)
	var claims jwt.MapClaims
	if _, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return key, nil }, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("google")); err != nil {
		t.Fatalf("the save link does not verify with the service account's key: %v", err)
	}
	ref := claims["payload"].(map[string]any)["offerObjects"].([]any)[0].(map[string]any)
	if claims["iss"] != "wallet@"+ns+".iam.gserviceaccount.com" || ref["id"] != objectID || ref["classId"] != classID || len(ref) != 2 {
		t.Errorf("save link claims %v", claims)
	}
	tpl := &walletv1.PassTemplate{}
	_ = env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, tpl)
	if s := tpl.Status.GoogleWallet; s == nil || s.ClassID != classID || s.Vertical != walletv1.VerticalOffer {
		t.Errorf("template status.googleWallet %+v", s)
	}

	// A data change: one patch of that object, nothing else.
	synced(t, ns, "coffee-coupon-0002") // the other pass of the class is in too
	before := len(google.Requests())
	env.SetPassData(t, ns, "coffee-coupon-0001", `{"product": "Cortado", "discount": 0.3, "ean": "4006381333931"}`)
	eventually(t, "the change patched at Google", func() (bool, string) {
		o := google.Resource("offerObject", objectID)
		return o["barcode"].(map[string]any)["value"] == "4006381333931", fmt.Sprint(o["barcode"])
	})
	time.Sleep(2 * time.Second) // anything else the change might (wrongly) send
	after := google.Requests()[before:]
	if len(after) != 1 || after[0].Method != http.MethodPatch || after[0].Collection != "offerObject" || after[0].ID != objectID {
		t.Errorf("requests after the change: %+v; want one PATCH of offerObject %s", after, objectID)
	}

	// Deleted: the object is voided at Google before the pass goes.
	if !slices.Contains(env.Pass(t, ns, "coffee-coupon-0001").Finalizers, gwcontroller.Finalizer) {
		t.Errorf("a pass Google holds has no %s finalizer", gwcontroller.Finalizer)
	}
	if err := env.Client.Delete(context.Background(), env.Pass(t, ns, "coffee-coupon-0001")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pass gone and its object voided at Google", func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "coffee-coupon-0001"}, &walletv1.Pass{})
		o := google.Resource("offerObject", objectID)
		return apierrors.IsNotFound(err) && o["state"] == "INACTIVE", fmt.Sprintf("get: %v, state %v", err, o["state"])
	})
	if o := google.Resource("offerObject", objectID); o["barcode"] == nil {
		t.Errorf("voiding replaced the object instead of patching its state: %v", o)
	}
}

// 429 and 500 are retried with backoff until the object is in; a 400 is
// recorded with the API's message and not retried.
func TestAPIFailures(t *testing.T) {
	ns, _ := googleSamples(t)
	synced(t, ns, "coffee-coupon-0002")
	objectID := objectIDOf(t, ns, "coffee-coupon", "cc-0002")
	google.FailNext("offerObject", objectID, http.StatusTooManyRequests, http.StatusInternalServerError)
	env.SetPassData(t, ns, "coffee-coupon-0002", `{"product": "Mocha", "discount": 0.2, "ean": "4006381333948"}`)
	p := synced(t, ns, "coffee-coupon-0002")
	if o := google.Resource("offerObject", objectID); p.Status.GoogleWallet.ContentDigest == "" || o == nil {
		t.Fatalf("not synced after the retries: %+v", p.Status.GoogleWallet)
	}
	var codes []int
	for _, r := range requestsFor("offerObject", objectID) {
		codes = append(codes, r.Status)
	}
	if len(codes) < 3 || codes[len(codes)-3] != 429 || codes[len(codes)-2] != 500 || codes[len(codes)-1] != 200 {
		t.Errorf("the object's requests answered %v; want 429, 500, then 200", codes)
	}

	google.FailNext("offerObject", objectID, http.StatusBadRequest)
	env.SetPassData(t, ns, "coffee-coupon-0002", `{"product": "Latte", "discount": 0.2, "ean": "4006381333948"}`)
	eventually(t, "the refusal recorded", func() (bool, string) {
		c := googleReady(env.Pass(t, ns, "coffee-coupon-0002").Status.GoogleWallet)
		return c != nil && c.Reason == walletv1.ReasonObjectInvalid && strings.Contains(c.Message, "400 scripted 400"), fmt.Sprintf("%+v", c)
	})
	if r := apimeta.FindStatusCondition(env.Pass(t, ns, "coffee-coupon-0002").Status.Conditions, walletv1.ConditionReady); r == nil || r.Status != metav1.ConditionTrue {
		t.Errorf("Apple's Ready after Google refused: %+v", r)
	}
	// Not retried: past the controller's backoff, still the one refused
	// request after the 200s.
	refused := len(requestsFor("offerObject", objectID))
	testenv.Consistently(t, 3*time.Second, "a 400 not retried", func() (bool, string) {
		n := len(requestsFor("offerObject", objectID))
		return n == refused, fmt.Sprintf("%d requests for the object, %d when the refusal was recorded", n, refused)
	})
	if rs := requestsFor("offerObject", objectID); rs[len(rs)-1].Status != http.StatusBadRequest {
		t.Errorf("the object's last request answered %d; want the scripted 400", rs[len(rs)-1].Status)
	}
}

// localURL is a web service URL as this test reaches the web service.
func localURL(u string) string { return local + strings.TrimPrefix(u, "https://wallet.example.com") }

// postCallback posts a callback where Google would: to the callback URL
// the class sent to Google names (reached here at the local web service).
func postCallback(t *testing.T, class string, body []byte) (int, string) {
	t.Helper()
	options, _ := google.Resource("offerClass", class)["callbackOptions"].(map[string]any)
	url, _ := options["url"].(string)
	if !strings.HasPrefix(url, "https://wallet.example.com/") {
		t.Fatalf("class %s at Google has the callback URL %q; want the web service's", class, url)
	}
	resp, err := http.Post(localURL(url), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// Google's callbacks: a save counts a user and becomes the template's
// userAdd webhook with userCount, a delete userDelete; a bad signature, an
// expired message, a replayed nonce and an unknown object are refused with
// 4xx and count nothing.
func TestCallbacksBecomeWebhooks(t *testing.T) {
	received := make(chan map[string]any, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		_ = json.NewDecoder(r.Body).Decode(&ev)
		received <- ev
	}))
	defer receiver.Close()
	ns, _ := googleSamples(t)
	updateTemplate(t, ns, "coffee-coupon", func(tpl *walletv1.PassTemplate) {
		// Every kind of event may be chosen (the schema allowed two).
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: receiver.URL, Events: []walletv1.WebhookEvent{
			walletv1.WebhookEventRegister, walletv1.WebhookEventUnregister, walletv1.WebhookEventUserAdd, walletv1.WebhookEventUserDelete}}}
	})
	p := synced(t, ns, "coffee-coupon-0001")
	objectID, classID := p.Status.GoogleWallet.ObjectID, issuer+"."+ns+"-coupon"
	msg := func(event, nonce string) googlewallet.CallbackMessage {
		return googlewallet.CallbackMessage{ClassID: classID, ObjectID: objectID, EventType: event, Nonce: nonce, ExpTimeMillis: time.Now().Add(time.Hour).UnixMilli()}
	}
	users := func() int64 { return env.Pass(t, ns, "coffee-coupon-0001").Status.GoogleWallet.Users }

	save := callbacks.Sign(msg("save", "nonce-"+ns+"-1"))
	if code, body := postCallback(t, classID, save); code != http.StatusOK {
		t.Fatalf("a save callback: %d %s", code, body)
	}
	select {
	case ev := <-received:
		if ev["event"] != "userAdd" || ev["userCount"] != 1.0 || ev["passId"] != string(p.UID) || ev["wallet"] != "google_wallet" || ev["deviceCount"] != nil {
			t.Errorf("userAdd webhook: %v", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no userAdd webhook")
	}
	eventually(t, "one user counted", func() (bool, string) { return users() == 1, fmt.Sprint(users()) })
	// The nonce is kept with the count, so every replica refuses a replay.
	if n := env.Pass(t, ns, "coffee-coupon-0001").Status.GoogleWallet.RecentNonces; !slices.Contains(n, "nonce-"+ns+"-1") {
		t.Errorf("recentNonces %v; want the save's nonce", n)
	}

	expired := msg("save", "nonce-"+ns+"-2")
	expired.ExpTimeMillis = time.Now().Add(-time.Minute).UnixMilli()
	unknown := msg("save", "nonce-"+ns+"-3")
	unknown.ObjectID = issuer + ".nobody.nothing"
	for name, body := range map[string][]byte{
		"replayed nonce":   save,
		"another root key": gwtest.NewCallbackSigner().Sign(msg("save", "nonce-"+ns+"-4")),
		"expired message":  callbacks.Sign(expired),
		"unknown object":   callbacks.Sign(unknown),
	} {
		if code, out := postCallback(t, classID, body); code < 400 || code >= 500 {
			t.Errorf("%s: %d %s; want a 4xx", name, code, out)
		}
	}
	time.Sleep(time.Second)
	if n := users(); n != 1 || len(received) != 0 {
		t.Errorf("after the refused callbacks: %d users, %d more webhooks; want 1 and none", n, len(received))
	}

	if code, body := postCallback(t, classID, callbacks.Sign(msg("del", "nonce-"+ns+"-5"))); code != http.StatusOK {
		t.Fatalf("a delete callback: %d %s", code, body)
	}
	select {
	case ev := <-received:
		if ev["event"] != "userDelete" || ev["userCount"] != 0.0 {
			t.Errorf("userDelete webhook: %v", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no userDelete webhook")
	}
	eventually(t, "no user counted", func() (bool, string) { return users() == 0, fmt.Sprint(users()) })
}

// Android browsers are sent to the save link; other browsers' preview has
// the Google button beside Apple's; the class's images are served at their
// content-addressed URLs for Google to fetch.
func TestDownloadLinkAndImages(t *testing.T) {
	ns, _ := googleSamples(t)
	p := synced(t, ns, "coffee-coupon-0001")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url, userAgent string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("User-Agent", userAgent)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	// The web service reads passes from its cache, a moment behind.
	eventually(t, "Android sent to the save link", func() (bool, string) {
		code, location := androidVisit(t, p)
		return code == http.StatusFound && location == p.Status.GoogleWallet.SaveURL, fmt.Sprintf("%d to %.60q", code, location)
	})
	resp, page := get(localURL(p.Status.DownloadURL), "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="add-google" href="`+p.Status.GoogleWallet.SaveURL+`"`) || !strings.Contains(page, "Add to Apple Wallet") {
		t.Errorf("desktop preview %d without both buttons:\n%s", resp.StatusCode, page)
	}
	class := google.Resource("offerClass", issuer+"."+ns+"-coupon")
	logo := class["titleImage"].(map[string]any)["sourceUri"].(map[string]any)["uri"].(string)
	resp, body := get(localURL(logo), "Google-Valuables")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("the class's logo at %s: %d %v", logo, resp.StatusCode, resp.Header)
	}
	if resp, _ := get(localURL(strings.Replace(logo, "/logo.png", "/icon.png", 1)), "Google-Valuables"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an image under another image's version: %d; want 404", resp.StatusCode)
	}
}

// A template that was a class with development links only, then given its
// service account, has its class and objects inserted at Google (its
// earlier links were never sent) and links by reference.
func TestCredentialsAddedLater(t *testing.T) {
	ns, _, _ := env.ApplySamples(t)
	updateTemplate(t, ns, "bakery-loyalty", func(tpl *walletv1.PassTemplate) {
		tpl.Spec.GoogleWallet = &walletv1.GoogleWallet{IssuerID: issuer}
	})
	eventually(t, "a development link", func() (bool, string) {
		g := env.Pass(t, ns, "bakery-jana").Status.GoogleWallet
		return g != nil && g.SignedBy == googlewallet.DevelopmentSigner, fmt.Sprintf("%+v", g)
	})
	// Google refuses a development link: Android is shown the preview, not
	// sent to Google's error page (issue 26, item 15).
	eventually(t, "an Android visit to a pass with a development link shown the preview", func() (bool, string) {
		code, location := androidVisit(t, env.Pass(t, ns, "bakery-jana"))
		return code == http.StatusOK, fmt.Sprintf("%d to %.60q", code, location)
	})
	// A key in a Secret not labelled for Google Wallet is not used (issue
	// 26, item 15): the template's author may not be able to read it.
	data, _ := google.ServiceAccountKey("wallet@"+ns+".iam.gserviceaccount.com", issuer)
	secret := googleKeySecret(ns, data)
	secret.Labels = nil
	if err := env.Client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	updateTemplate(t, ns, "bakery-loyalty", func(tpl *walletv1.PassTemplate) {
		tpl.Spec.GoogleWallet.ServiceAccountKeySecretRef = &walletv1.KeyReference{Name: "google-wallet", Key: "key.json"}
	})
	eventually(t, "the unlabelled key refused", func() (bool, string) {
		c := googleReady(env.Pass(t, ns, "bakery-jana").Status.GoogleWallet)
		return c != nil && c.Reason == walletv1.ReasonCredentialsUnreadable && strings.Contains(c.Message, walletv1.LabelGoogleWalletKey+"=true"), fmt.Sprintf("%+v", c)
	})
	if google.Resource("loyaltyClass", issuer+"."+ns+".bakery-loyalty") != nil {
		t.Fatal("the class was inserted with a key from an unlabelled Secret")
	}
	secret.Labels = map[string]string{walletv1.LabelGoogleWalletKey: "true"}
	if err := env.Client.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	p := synced(t, ns, "bakery-jana")
	classID := issuer + "." + ns + ".bakery-loyalty"
	// The template says so too: its class is at Google now, not a
	// development mapping.
	tpl := &walletv1.PassTemplate{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "bakery-loyalty"}, tpl); err != nil {
		t.Fatal(err)
	}
	if s := tpl.Status.GoogleWallet; s == nil || s.ClassID != classID || googleReadyOf(s.Conditions) == nil ||
		googleReadyOf(s.Conditions).Reason != walletv1.ReasonGoogleWalletSynced || googleReadyOf(s.Conditions).ObservedGeneration != tpl.Generation {
		t.Errorf("template status.googleWallet %+v; want class %s Synced at generation %d", s, classID, tpl.Generation)
	}
	if google.Resource("loyaltyClass", classID) == nil || google.Resource("loyaltyObject", p.Status.GoogleWallet.ObjectID) == nil {
		t.Fatalf("at Google: class %v, object %v", google.Resource("loyaltyClass", classID), google.Resource("loyaltyObject", p.Status.GoogleWallet.ObjectID))
	}
	if p.Status.GoogleWallet.SignedBy != "wallet@"+ns+".iam.gserviceaccount.com" || len(p.Status.GoogleWallet.SaveURL) > 2000 {
		t.Errorf("after the key: signed by %q, a link of %d characters; want the service account's, by reference", p.Status.GoogleWallet.SignedBy, len(p.Status.GoogleWallet.SaveURL))
	}
	eventually(t, "an Android visit, once synced, sent to the save link", func() (bool, string) {
		code, location := androidVisit(t, p)
		return code == http.StatusFound && location == p.Status.GoogleWallet.SaveURL, fmt.Sprintf("%d to %.60q", code, location)
	})
}

// androidVisit opens a pass's download link as Chrome on Android does.
func androidVisit(t *testing.T, p *walletv1.Pass) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, localURL(p.Status.DownloadURL), nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/140.0 Mobile Safari/537.36")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// A Google that never answers one class stalls nothing else (issue 26,
// item 1): the passes waiting for that class give up with their reconcile,
// another namespace's template still syncs, and a pass of the stalled
// template is still voided at Google and deleted.
func TestAStalledClassStallsNoOtherTemplate(t *testing.T) {
	ns, _ := googleSamples(t)
	synced(t, ns, "coffee-coupon-0001")
	synced(t, ns, "coffee-coupon-0002")
	google.Hang("offerClass", issuer+"."+ns+"-coupon")
	updateTemplate(t, ns, "coffee-coupon", func(tpl *walletv1.PassTemplate) { tpl.Spec.OrganizationName = "Corner Coffee & Co" })
	eventually(t, "the stalled class reported", func() (bool, string) {
		c := googleReady(env.Pass(t, ns, "coffee-coupon-0002").Status.GoogleWallet)
		return c != nil && c.Reason == walletv1.ReasonGoogleWalletUnavailable && strings.Contains(c.Message, "no answer in time"), fmt.Sprintf("%+v", c)
	})

	other, _ := googleSamples(t)
	synced(t, other, "coffee-coupon-0002")

	p := env.Pass(t, ns, "coffee-coupon-0001")
	if err := env.Client.Delete(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stalled template's pass deleted", func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), &walletv1.Pass{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	if o := google.Resource("offerObject", objectIDOf(t, ns, "coffee-coupon", "cc-0001")); o == nil || o["state"] != "INACTIVE" {
		t.Errorf("the deleted pass's object at Google: %v; want INACTIVE", o)
	}
}

// Google sends callbacks from a few addresses: those that verify are never
// held to the per-client limit, while a client's refused callbacks are; and
// a callback no webhook wants queues nothing (issue 26, item 12).
func TestVerifiedCallbacksAreNotLimitedPerClient(t *testing.T) {
	ns, _ := googleSamples(t)
	p := synced(t, ns, "coffee-coupon-0001")
	o := webservice.Options{Tokens: tokenKey, WebService: app.WebService{WebServiceURL: webServiceURL, Development: true, RequestsPerSecond: 0.1, Burst: 5, GoogleRootKeys: rootKeys}}
	srv, err := webservice.New(mgr, kubernetes.New(mgr), o)
	if err != nil {
		t.Fatal(err)
	}
	post := func(body []byte) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/passes"+googlewallet.CallbackPath, bytes.NewReader(body))
		req.RemoteAddr = "203.0.113.50:443" // one of Google's addresses, say
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	msg := func(event string, i int) googlewallet.CallbackMessage {
		return googlewallet.CallbackMessage{ClassID: issuer + "." + ns + "-coupon", ObjectID: p.Status.GoogleWallet.ObjectID, EventType: event,
			Nonce: fmt.Sprintf("nonce-%s-flood-%d", ns, i), ExpTimeMillis: time.Now().Add(time.Hour).UnixMilli()}
	}
	for i := range 30 {
		event := "save"
		if i%2 == 1 {
			event = "del"
		}
		if code := post(callbacks.Sign(msg(event, i))); code != http.StatusOK {
			t.Fatalf("verified callback %d from one address: %d", i, code)
		}
	}
	limited := 0
	for i := range 30 {
		if post(gwtest.NewCallbackSigner().Sign(msg("save", 100+i))) == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 20 {
		t.Errorf("30 forged callbacks from one address: %d answered 429, want all past the burst of 5", limited)
	}
	var pending walletv1.PendingWebhookEventList
	if err := env.Client.List(context.Background(), &pending, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	} else if len(pending.Items) != 0 {
		t.Errorf("%d webhook events queued for a template without webhooks", len(pending.Items))
	}
}

// Two templates of one issuer whose passes share a serial number (under
// two pass types) make two objects, and a class suffix another template's
// class has is refused, that class left alone (issue 26, item 6).
func TestObjectsAndClassesStayApart(t *testing.T) {
	ns, _ := googleSamples(t)
	first := synced(t, ns, "coffee-coupon-0001")
	ctx := context.Background()
	cert := &walletv1.PassCertificate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-certificate"}, Spec: walletv1.PassCertificateSpec{
		SecretRef:  walletv1.LocalObjectReference{Name: "other-certificate-tls"},
		SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: "pass.io.wallet-operator." + ns + ".other", TeamIdentifier: "WALLETDEMO"},
	}}
	if err := env.Client.Create(ctx, cert); err != nil {
		t.Fatal(err)
	}
	coupon := &walletv1.PassTemplate{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, coupon); err != nil {
		t.Fatal(err)
	}
	other := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-coupon"}, Spec: *coupon.Spec.DeepCopy()}
	other.Spec.CertificateRef.Name = cert.Name
	other.Spec.GoogleWallet.ClassSuffix = ns + "-other"
	if err := env.Client.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	twin := &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-0001"}, Spec: *first.Spec.DeepCopy()}
	twin.Spec.TemplateRef.Name = other.Name
	if err := env.Client.Create(ctx, twin); err != nil {
		t.Fatal(err)
	}
	second := synced(t, ns, "other-0001")
	a, b := first.Status.GoogleWallet.ObjectID, second.Status.GoogleWallet.ObjectID
	if a == b || google.Resource("offerObject", a) == nil || google.Resource("offerObject", b) == nil {
		t.Fatalf("two passes with serial cc-0001 under two templates: objects %s and %s; want two objects at Google", a, b)
	}
	if got := google.Resource("offerObject", b)["classId"]; got != issuer+"."+ns+"-other" {
		t.Errorf("the second object's class: %v", got)
	}

	// Another namespace names the first template's class: refused.
	thief, _ := googleSamples(t)
	before := google.Resource("offerClass", issuer+"."+ns+"-coupon")
	updateTemplate(t, thief, "coffee-coupon", func(tpl *walletv1.PassTemplate) { tpl.Spec.GoogleWallet.ClassSuffix = ns + "-coupon" })
	eventually(t, "the claimed class refused", func() (bool, string) {
		c := googleReady(env.Pass(t, thief, "coffee-coupon-0001").Status.GoogleWallet)
		return c != nil && c.Reason == walletv1.ReasonClassClaimed && !strings.Contains(c.Message, ns+"/"), fmt.Sprintf("%+v", c)
	})
	if after := google.Resource("offerClass", issuer+"."+ns+"-coupon"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("another namespace changed the class:\nbefore %v\nafter  %v", before, after)
	}
}

// Deleting a campaign at once (template, key Secret and passes, as kubectl
// delete -f does, or a namespace's deletion) still voids every object at
// Google (issue 26, item 7: with the template gone first nothing was
// voided, and revoked passes stayed active on Android).
func TestDeletingACampaignVoidsItsObjects(t *testing.T) {
	ns, _ := googleSamples(t)
	ctx := context.Background()
	var ids []string
	for _, name := range []string{"coffee-coupon-0001", "coffee-coupon-0002"} {
		ids = append(ids, synced(t, ns, name).Status.GoogleWallet.ObjectID)
	}
	for _, obj := range []client.Object{
		&walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "coffee-coupon"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "google-wallet"}},
		&walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "coffee-coupon-0001"}},
		&walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "coffee-coupon-0002"}},
	} {
		if err := env.Client.Delete(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"coffee-coupon-0001", "coffee-coupon-0002"} {
		eventually(t, name+" gone", func() (bool, string) {
			err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &walletv1.Pass{})
			return apierrors.IsNotFound(err), fmt.Sprint(err)
		})
	}
	for _, id := range ids {
		if o := google.Resource("offerObject", id); o == nil || o["state"] != "INACTIVE" {
			t.Errorf("object %s after its campaign was deleted: state %v, want INACTIVE", id, o["state"])
		}
	}
}
