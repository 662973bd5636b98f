package webservice_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// logs holds every log line of the package's manager and web service.
var logs testenv.SyncBuffer

// errorsOnly passes on the lines of level error.
type errorsOnly struct{ w io.Writer }

func (e errorsOnly) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"level":"error"`)) {
		return e.w.Write(p)
	}
	return len(p), nil
}

func secret(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Nothing secret or personal reaches a log line (at debug level), an Event
// or a metric label: a device registers and unregisters, a pass changes and
// is pushed, a webhook is sent with its API key, a pass is downloaded and
// one is issued.
func TestNothingSecretIsLogged(t *testing.T) {
	ns, pt := samples(t)
	ctx := context.Background()
	const serial = "bc-2041" // member-petra
	device, pushToken, apiKey, dataValue := secret("devsecret"), secret("pushsecret"), secret("apikeysecret"), secret("Personal")

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook", Labels: map[string]string{walletv1.LabelWebhookAPIKey: "true"}},
		Data: map[string][]byte{"key": []byte(apiKey)}}); err != nil {
		t.Fatal(err)
	}
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "climbing-membership"
	update(t, tpl, func(tpl *walletv1.PassTemplate) {
		tpl.Spec.Webhooks = []walletv1.Webhook{{URL: hook.URL, APIKeySecretRef: &walletv1.KeyReference{Name: "hook", Key: "key"}}}
	})
	seenByWebService(t, tpl)

	registerDevice(t, pt, serial, device, pushToken)
	start := time.Now()
	changeData(t, ns, "member-petra", `{"name": "`+dataValue+`", "since": "2024-03-01T00:00:00Z", "plan": "yearly"}`)
	eventually(t, "the device pushed", func() (bool, string) { return len(pushesTo(start, pushToken)) > 0, "" })
	p := getPass(t, ns, "member-petra")
	download := strings.TrimPrefix(p.Status.DownloadURL, baseURL)
	for _, q := range []string{"?format=pkpass", "", "?format=barcode"} {
		call(t, "GET", download+q, "", nil)
	}
	call(t, "GET", "/v1/passes/"+pt+"/"+serial, authToken(pt, serial), nil)
	call(t, "GET", "/v1/passes/"+pt+"/"+serial, "wrong-"+authToken(pt, serial), nil)
	call(t, "POST", "/v1/log", "", []byte(`{"logs":["a device's own log line"]}`))
	var coupon walletv1.PassTemplate
	eventually(t, "issue URL published", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, &coupon)
		return coupon.Status.IssueURL != "", ""
	})
	call(t, "GET", strings.TrimPrefix(coupon.Status.IssueURL, baseURL), "", nil)
	if r := call(t, "DELETE", "/v1/devices/"+apnstest.DeviceID(device)+"/registrations/"+pt+"/"+serial, authToken(pt, serial), nil); r.code != 200 {
		t.Fatalf("unregister: %d", r.code)
	}
	webhooksSent(t, ns)
	time.Sleep(time.Second) // the last lines and Events

	secrets := map[string]string{
		"authentication token": authToken(pt, serial), "download token": key.Download(ns, pt, serial),
		"issue token": coupon.Status.IssueURL[strings.LastIndex(coupon.Status.IssueURL, "/")+1:],
		"push token":  apnstest.Token(pushToken), "device identifier": apnstest.DeviceID(device), "API key": apiKey, "pass data": dataValue,
	}
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var eventText strings.Builder
	for _, e := range events.Items {
		fmt.Fprintln(&eventText, e.Reason, e.Message)
	}
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var labels strings.Builder
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				fmt.Fprintln(&labels, l.GetValue())
			}
		}
	}
	logText := logs.String()
	if !strings.Contains(logText, `"level":"debug"`) {
		t.Fatal("no debug lines were captured")
	}
	for what, value := range secrets {
		for where, text := range map[string]string{"a log line": logText, "an Event": eventText.String(), "a metric label": labels.String()} {
			if strings.Contains(text, value) {
				i := strings.Index(text, value)
				t.Errorf("the %s appears in %s: …%s…", what, where, text[max(0, i-120):min(len(text), i+len(value)+40)])
			}
		}
	}

}
