package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

// webhookReceiver is a template's webhook: it keeps what it was sent.
type webhookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	events []map[string]any
}

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	h := &webhookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if json.NewDecoder(r.Body).Decode(&ev) == nil {
			h.mu.Lock()
			h.events = append(h.events, ev)
			h.mu.Unlock()
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *webhookReceiver) received(kind string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, ev := range h.events {
		if ev["event"] == kind {
			out = append(out, ev)
		}
	}
	return out
}

// rewardsSignUp is Apple's Rewards Enrollment end to end, as Wallet does it,
// against the manager and the web service under their own RBAC: the sample
// Bean Club card carries the sign-up form; Wallet posts the holder's
// details and a token; the answer is the token signed with the pass's
// certificate (openssl verifies it against the development root, as Wallet
// would against Apple's); the details are in the Pass's data, the webhook
// gets a personalize event with them, and the next fetch is the
// personalized pass without the form. A second sign-up, a wrong token and
// bad details are refused, and no detail reaches the logs.
func rewardsSignUp(t *testing.T, ctx context.Context, url string, key tokens.Key, hook *webhookReceiver, logs *testenv.SyncBuffer) {
	ns := env.Namespace(t)
	dir := filepath.Join(testenv.RepoRoot(), "config", "samples")
	var objs []*unstructured.Unstructured
	for _, d := range []string{dir, filepath.Join(dir, "modern")} {
		read, err := manifests.ReadKustomization(d)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, read...)
	}
	for _, obj := range objs {
		// The certificate, the images and the terminal key, and the Bean
		// Club: nothing else needs signing here.
		if k := obj.GetKind(); (k == "PassTemplate" && obj.GetName() != "bean-club") || (k == "Pass" && !strings.HasPrefix(obj.GetName(), "bean-")) {
			continue
		}
		obj.SetNamespace(ns)
		if obj.GetKind() == "PassCertificate" {
			if err := unstructured.SetNestedField(obj.Object, "pass.io.wallet-operator."+ns, "spec", "selfSigned", "passTypeIdentifier"); err != nil {
				t.Fatal(err)
			}
		}
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var tpl walletv1.PassTemplate
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "bean-club"}, &tpl); err != nil {
			return err
		}
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: hook.URL + "/bean-club", Events: []walletv1.WebhookEvent{walletv1.WebhookEventPersonalize}}}
		return env.Client.Update(ctx, &tpl)
	})
	if err != nil {
		t.Fatal(err)
	}
	var p walletv1.Pass
	testenv.Eventually(t, 2*time.Minute, "the Bean Club card signed", func() (bool, string) {
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "bean-000101"}, &p)
		return err == nil && status.IsReady(p.Status.Conditions, p.Generation), fmt.Sprintf("%v %+v", err, p.Status.Conditions)
	})
	pt, serial := p.Status.PassTypeIdentifier, p.Spec.SerialNumber
	auth := "ApplePass " + key.Authentication(ns, pt, serial)
	fetch := func() pkpass.Files {
		req, _ := http.NewRequest("GET", url+"/v1/passes/"+pt+"/"+serial, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		files, err := pkpass.Unzip(body)
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("fetch the pass: %d %v", resp.StatusCode, err)
		}
		return files
	}
	if files := fetch(); files["personalization.json"] == nil || files["personalizationLogo@2x.png"] == nil {
		t.Fatalf("the card offers no sign-up: %v", files.Names())
	}

	post := func(serial, auth, body string) (int, []byte) {
		req, _ := http.NewRequest("POST", url+"/v1/passes/"+pt+"/"+serial+"/personalize", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	const token = "Zm9yIHRoZSBCZWFuIENsdWIgb25seQ-2026"
	signUp := `{"personalizationToken": "` + token + `", "requiredPersonalizationInfo": {"fullName": "Jana Dvořáková", "emailAddress": "jana.dvorakova@example.com"}}`

	// Refused before anything is recorded.
	for _, tc := range []struct {
		name, auth, body string
		want             int
	}{
		{"a wrong token", "ApplePass " + key.Authentication("other", pt, serial), signUp, 401},
		{"no e-mail address", auth, `{"personalizationToken": "t", "requiredPersonalizationInfo": {"fullName": "Jana Dvořáková"}}`, 400},
		{"a made-up e-mail address", auth, `{"personalizationToken": "t", "requiredPersonalizationInfo": {"fullName": "Jana", "emailAddress": "jana-at-example"}}`, 400},
		{"no token", auth, `{"requiredPersonalizationInfo": {"fullName": "Jana", "emailAddress": "jana@example.com"}}`, 400},
	} {
		code, body := post(serial, tc.auth, tc.body)
		if code != tc.want || bytes.Contains(body, []byte("jana-at-example")) {
			t.Errorf("%s: %d %s; want %d, the value not echoed", tc.name, code, body, tc.want)
		}
	}
	if code, _ := post("bean-000102", "", signUp); code != http.StatusConflict {
		t.Errorf("signing up a card whose member is known: %d, want 409", code)
	}

	code, signature := post(serial, auth, signUp)
	if code != 200 {
		t.Fatalf("sign-up: %d %s", code, signature)
	}
	// Wallet checks the signed token against the pass's certificate chain.
	var secret corev1.Secret
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate-tls"}, &secret); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for name, data := range map[string][]byte{"signature": signature, "token": []byte(token), "root.pem": secret.Data[walletv1.SecretKeyDevelopmentRoot]} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	verify := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(tmp, "signature"),
		"-content", filepath.Join(tmp, "token"), "-CAfile", filepath.Join(tmp, "root.pem"), "-purpose", "any", "-out", os.DevNull)
	if out, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("openssl refuses the signed personalization token: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "token"), []byte(token+"x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(verify.Args[0], verify.Args[1:]...).Run(); err == nil {
		t.Fatal("openssl accepts the signature for another token")
	}

	// The details are the pass's data; the next fetch is the personalized
	// pass, without the form (the answer waited for it to be signed).
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(&p), &p); err != nil {
		t.Fatal(err)
	}
	if !p.Spec.Personalized || !strings.Contains(string(p.Spec.Data.Raw), `"member":"Jana Dvořáková"`) || !strings.Contains(string(p.Spec.Data.Raw), `"email":"jana.dvorakova@example.com"`) {
		t.Errorf("the pass after sign-up: personalized %v, data %s", p.Spec.Personalized, p.Spec.Data.Raw)
	}
	files := fetch()
	if files["personalization.json"] != nil || !bytes.Contains(files[pkpass.PassJSON], []byte("Jana Dvořáková")) {
		t.Errorf("the fetch after sign-up: %v\n%s", files.Names(), files[pkpass.PassJSON])
	}
	testenv.Eventually(t, time.Minute, "the personalize webhook", func() (bool, string) {
		got := hook.received("personalize")
		if len(got) == 0 {
			return false, "none"
		}
		d, _ := got[0]["personalization"].(map[string]any)
		return got[0]["serialNumber"] == serial && d["fullName"] == "Jana Dvořáková" && d["emailAddress"] == "jana.dvorakova@example.com", fmt.Sprint(got[0])
	})
	if code, _ := post(serial, auth, signUp); code != http.StatusConflict {
		t.Errorf("the same sign-up again: %d, want 409", code)
	}
	for _, secret := range []string{"Dvořáková", "jana.dvorakova@example.com", "jana-at-example", token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}
