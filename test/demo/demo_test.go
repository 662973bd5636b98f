// Package demo tests `wallet-operator demo` as a newcomer uses it: the
// files it writes, the cluster its kubeconfig reaches, a device talking to
// the printed URL seeing an edit, and a clean stop.
package demo

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cmd/demo"
	localcluster "github.com/wallet-operator/wallet-operator/internal/local/cluster"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// noRedirect shows a redirect instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestDemo(t *testing.T) {
	root := testenv.RepoRoot()
	assets, err := localcluster.Assets(root)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	apns := apnstest.Start()
	defer apns.Close()
	caFile := filepath.Join(t.TempDir(), "apns-ca.pem")
	if err := os.WriteFile(caFile, apns.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan demo.Summary, 1)
	var stdout testenv.SyncBuffer
	result := make(chan error, 1)
	go func() {
		result <- demo.Run(ctx, demo.Options{
			Out: out, Listen: "127.0.0.1:0", Config: filepath.Join(root, "config"), Assets: assets,
			APNsURL: apns.URL(), APNsCA: caFile, ReadyTimeout: 3 * time.Minute,
			Ready: func(s demo.Summary) { ready <- s },
		}, &stdout)
	}()
	var s demo.Summary
	select {
	case s = <-ready:
	case err := <-result:
		t.Fatalf("the demo ended before it was ready: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("the demo was not ready within 5 minutes")
	}

	// What it printed: the URL, every pass's link and file, the kubectl hint.
	printed := stdout.String()
	for _, want := range []string{s.WebServiceURL, "add ?format=googlewallet", "kubectl --kubeconfig " + filepath.Join(out, "kubeconfig") + " get wallet", "Ctrl-C"} {
		if !strings.Contains(printed, want) {
			t.Errorf("the demo did not print %q:\n%s", want, printed)
		}
	}
	if len(s.Passes) != 16 {
		t.Fatalf("%d passes written, want the 16 samples (10 classic, 6 modern)", len(s.Passes))
	}

	// Every pass file is signed by a chain ending in dev-root.pem.
	rootPEM, err := os.ReadFile(filepath.Join(out, "dev-root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		t.Fatal("dev-root.pem holds no certificate")
	}
	if !strings.Contains(printed, filepath.Join(out, "default-NAME.pkpass")) || !strings.Contains(printed, filepath.Join(out, "demo.log")) {
		t.Errorf("the demo does not say where the pass files and its log are:\n%s", printed)
	}
	// Short lines a terminal shows whole.
	for _, line := range strings.Split(printed, "\n") {
		if len(line) > 200 {
			t.Errorf("the demo printed a line of %d characters: %.120s…", len(line), line)
		}
	}
	// Quiet: progress lines and the summary, no log lines (they are in demo.log).
	if n := strings.Count(printed, "\n"); n >= 40 {
		t.Errorf("the demo printed %d lines, want under 40:\n%s", n, printed)
	}
	for _, want := range []string{"Starting a local control plane (kube-apiserver, etcd) … done", "Signing the sample passes … every certificate, template and pass Ready"} {
		if !strings.Contains(printed, want) {
			t.Errorf("the demo did not print the progress line %q:\n%s", want, printed)
		}
	}
	if log, err := os.ReadFile(filepath.Join(out, "demo.log")); err != nil || !bytes.Contains(log, []byte("Starting workers")) {
		t.Errorf("demo.log does not hold the controllers' log: %v", err)
	}
	for _, p := range s.Passes {
		if !strings.Contains(printed, p.DownloadURL) {
			t.Errorf("pass %s: its download link is not printed", p.Name)
		}
		// The printed download link leads to the development-signed save
		// link (a JWT of kilobytes is not printed itself).
		if !strings.HasPrefix(p.GoogleSaveURL, "https://pay.google.com/gp/v/save/") {
			t.Errorf("pass %s: no development-signed Google Wallet save link (%q)", p.Name, p.GoogleSaveURL)
		}
		req, _ := http.NewRequest("GET", p.DownloadURL+"?format=googlewallet", nil)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != p.GoogleSaveURL {
			t.Errorf("pass %s: its printed link with ?format=googlewallet answers %d to %.60q, want 302 to its save link", p.Name, resp.StatusCode, resp.Header.Get("Location"))
		}
		if want := filepath.Join(out, "default-"+p.Name+".pkpass"); p.File != want {
			t.Errorf("pass %s written to %s, want %s", p.Name, p.File, want)
		}
		data, err := os.ReadFile(p.File)
		if err != nil {
			t.Fatal(err)
		}
		if r := pkpass.Verify(data, roots); !r.OK() {
			t.Errorf("%s does not verify against dev-root.pem: %v", p.File, r.Failures)
		}
	}
	// One bundle as a device fetches it, checked by openssl alone.
	if code, fetched := call(t, "GET", s.Passes[0].DownloadURL+"?format=pkpass", "", "", nil); code != http.StatusOK {
		t.Errorf("%s?format=pkpass: %d", s.Passes[0].DownloadURL, code)
	} else {
		opensslVerifies(t, s.Passes[0].Name, fetched, s.DevRoot)
	}

	// The start page lists every pass with its preview and QR code.
	code, page := call(t, "GET", s.StartPage, "", "", nil)
	if code != 200 || !strings.Contains(printed, s.StartPage) {
		t.Fatalf("start page %s: %d (printed: %v)", s.StartPage, code, strings.Contains(printed, s.StartPage))
	}
	for _, p := range s.Passes {
		if !bytes.Contains(page, []byte(`class="google" href="`+p.GoogleSaveURL+`"`)) {
			t.Errorf("the start page has no Add to Google Wallet link for %s", p.Name)
		}
		if code, preview := call(t, "GET", p.DownloadURL, "", "", nil); code != 200 || !bytes.Contains(preview, []byte(`id="add-google" href="`+p.GoogleSaveURL+`"`)) {
			t.Errorf("the preview of %s (%d) has no Add to Google Wallet button", p.Name, code)
		}
		if !bytes.Contains(page, []byte(`href="`+p.DownloadURL+`"`)) || !bytes.Contains(page, []byte(`src="`+p.DownloadURL+`?format=qrcode"`)) {
			t.Errorf("the start page has no preview link or QR code for %s", p.Name)
		}
	}
	if n := bytes.Count(page, []byte("<td>Ready</td>")); n != 16 {
		t.Errorf("the start page shows %d passes Ready, want 16", n)
	}

	// The kubeconfig reaches the cluster, where everything is Ready.
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(out, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	var passes walletv1.PassList
	if err := c.List(ctx, &passes, client.InNamespace(demo.Namespace)); err != nil {
		t.Fatal(err)
	}
	for _, p := range passes.Items {
		if !status.IsReady(p.Status.Conditions, p.Generation) {
			t.Errorf("pass %s is not Ready", p.Name)
		}
	}

	// A device registers through the printed URL; an edit re-signs the pass,
	// the device gets a push and then the new version.
	tom := readPassJSON(t, filepath.Join(out, "default-member-tom.pkpass"))
	base := s.WebServiceURL
	auth := "ApplePass " + tom.AuthenticationToken
	if code, body := call(t, "POST", base+"/v1/devices/"+apnstest.DeviceID("demo-phone")+"/registrations/"+tom.PassTypeIdentifier+"/"+tom.SerialNumber, auth, `{"pushToken":"`+apnstest.Token("demo")+`"}`, nil); code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	first := time.Now().UTC().Truncate(time.Second)
	time.Sleep(1100 * time.Millisecond) // Last-Modified has seconds
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var p walletv1.Pass
		if err := c.Get(ctx, client.ObjectKey{Namespace: demo.Namespace, Name: "member-tom"}, &p); err != nil {
			return err
		}
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"name": "Tom Berg", "since": "2025-09-15T00:00:00Z", "plan": "yearly"}`)}
		return c.Update(ctx, &p)
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for !pushedTo(apns, apnstest.Token("demo")) {
		if time.Now().After(deadline) {
			t.Fatal("the device got no push within a minute of the edit")
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, body := call(t, "GET", base+"/v1/passes/"+tom.PassTypeIdentifier+"/"+tom.SerialNumber, auth, "",
		http.Header{"If-Modified-Since": {first.Format(http.TimeFormat)}})
	if code != 200 {
		t.Fatalf("latest pass after the edit: %d, want 200", code)
	}
	if !bytes.Contains(passJSON(t, body), []byte("yearly")) {
		t.Error("the pass the device fetched after the edit does not carry the new plan")
	}

	for _, p := range s.Passes {
		if p.Name == "festival-jana" {
			t.Run("poster preview in Chromium", func(t *testing.T) { posterInChromium(t, p.DownloadURL) })
		}
	}
	walkPlugin(t, filepath.Join(out, "kubeconfig"), c)
	t.Run("README commands", func(t *testing.T) { runReadme(t, out) })

	// Ctrl-C: the demo returns and the control plane is gone.
	cancel()
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("the demo stopped with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the demo did not stop within a minute")
	}
	apiURL, _ := url.Parse(cfg.Host)
	if conn, err := net.DialTimeout("tcp", apiURL.Host, time.Second); err == nil {
		conn.Close()
		t.Error("kube-apiserver still answers after the demo stopped")
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimSuffix(s.WebServiceURL, "/passes"), "http://"), time.Second); err == nil {
		conn.Close()
		t.Error("the web service still answers after the demo stopped")
	}
}

type passFields struct {
	AuthenticationToken string `json:"authenticationToken"`
	PassTypeIdentifier  string `json:"passTypeIdentifier"`
	SerialNumber        string `json:"serialNumber"`
}

func readPassJSON(t *testing.T, file string) passFields {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var f passFields
	if err := json.Unmarshal(passJSON(t, data), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func passJSON(t *testing.T, pkpassData []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkpassData), int64(len(pkpassData)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("pass.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func call(t *testing.T, method, url, auth, body string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func pushedTo(apns *apnstest.Server, token string) bool {
	for _, p := range apns.Pushes() {
		if p.Token == token {
			return true
		}
	}
	return false
}
