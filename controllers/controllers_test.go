package controllers_test

import (
	"context"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/controllers/passcertificate"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/stack"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

var (
	env *testenv.Env
	// c reads through the API server, never a cache, as a user would.
	c client.Client
)

const webServiceURL = "https://wallet.example.com/passes"

var tokenKey = tokens.Key("0123456789abcdef0123456789abcdef")

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, startManager))
}

// operatorNamespace receives the push credentials the manager keeps.
const operatorNamespace = "wallet-operator-system"

// startManager runs the manager with every controller against the test
// API server until the tests end.
func startManager(e *testenv.Env) (func(), error) {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.Level(zapLevel())))
	c = e.Client
	imageServer = httptest.NewTLSServer(&images)
	roots := x509.NewCertPool()
	roots.AddCert(imageServer.Certificate())
	st, err := stack.Start(e.Config, stack.Options{QPS: 200, Burst: 400, OperatorNamespace: operatorNamespace, Controllers: &controllers.Options{
		Pass:            pass.Options{WebServiceURL: webServiceURL, Tokens: tokenKey},
		ImageAllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, ImageRootCAs: roots,
		PassWorkers: 4, TemplateWorkers: 2, CertificateWorkers: 1, OperatorNamespace: operatorNamespace,
		// The samples sign with development chains in the tests' namespaces;
		// TestDevelopmentChainsOnlyWhereAllowed uses others.
		Tenancy: passcertificate.Tenancy{DevelopmentNamespaces: []string{"test-*"}},
	}})
	if err != nil {
		return nil, err
	}
	return func() { st.Stop(); imageServer.Close() }, nil
}

// imageServer serves images templates give by URL (HTTPS with a CA of its
// own, on loopback: both allowed to the manager here).
var (
	imageServer *httptest.Server
	images      imageHost
)

// imageHost serves PNGs by path and counts the requests for each.
type imageHost struct {
	mu       sync.Mutex
	files    map[string][]byte
	requests map[string]int
}

func (h *imageHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.requests == nil {
		h.requests = map[string]int{}
	}
	h.requests[r.URL.Path]++
	b, ok := h.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(b)
}

func (h *imageHost) put(path string, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		h.files = map[string][]byte{}
	}
	h.files[path] = b
}

func (h *imageHost) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests[path]
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return -1
	}
	return 2 // errors only
}

// applySamples creates config/samples in a new namespace, with a pass type
// identifier of its own so serial numbers do not clash across tests.
func applySamples(t *testing.T) (string, []*unstructured.Unstructured) {
	t.Helper()
	ns, _, objs := env.ApplySamples(t)
	return ns, objs
}

// eventually polls cond until it holds or 60s pass.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, what, cond)
}

func getPass(t *testing.T, ns, name string) *walletv1.Pass {
	t.Helper()
	p := &walletv1.Pass{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func readyState(conds []metav1.Condition, generation int64) (bool, string) {
	r := status.Ready(conds)
	if r == nil {
		return false, "no Ready condition"
	}
	return r.Status == metav1.ConditionTrue && r.ObservedGeneration == generation, fmt.Sprintf("%s %s: %s (gen %d/%d)", r.Status, r.Reason, r.Message, r.ObservedGeneration, generation)
}

// waitAllReady waits for every certificate, template and pass of ns.
func waitAllReady(t *testing.T, ns string) []walletv1.Pass {
	t.Helper()
	ctx := context.Background()
	var passes walletv1.PassList
	eventually(t, "every sample Ready", func() (bool, string) {
		var certsList walletv1.PassCertificateList
		var tpls walletv1.PassTemplateList
		for _, l := range []client.ObjectList{&certsList, &tpls, &passes} {
			if err := c.List(ctx, l, client.InNamespace(ns)); err != nil {
				return false, err.Error()
			}
		}
		for _, x := range certsList.Items {
			if ok, s := readyState(x.Status.Conditions, x.Generation); !ok {
				return false, "certificate " + x.Name + ": " + s
			}
		}
		for _, x := range tpls.Items {
			if ok, s := readyState(x.Status.Conditions, x.Generation); !ok {
				return false, "template " + x.Name + ": " + s
			}
		}
		for _, x := range passes.Items {
			if ok, s := readyState(x.Status.Conditions, x.Generation); !ok {
				return false, "pass " + x.Name + ": " + s
			}
		}
		return len(passes.Items) > 0, "no passes"
	})
	return passes.Items
}

// devRoots is the root of the development chain the controller generated.
func devRoots(t *testing.T, ns string) *x509.CertPool {
	t.Helper()
	var s corev1.Secret
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "dev-certificate-tls"}, &s); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.Data[walletv1.SecretKeyDevelopmentRoot]) {
		t.Fatal("the generated Secret has no development root")
	}
	return pool
}

// fetchAndVerify fetches a pass's bundle as `wallet-operator fetch` does and
// checks it as `wallet-operator verify --roots` does.
func fetchAndVerify(t *testing.T, ns, name string, roots *x509.CertPool) pkpass.Files {
	t.Helper()
	data, err := bundle.ConfigMaps(c).Fetch(context.Background(), c, ns, name)
	if err != nil {
		t.Fatalf("fetch %s: %v", name, err)
	}
	if r := pkpass.Verify(data, roots); !r.OK() {
		t.Fatalf("verify %s: %v", name, r.Failures)
	}
	files, err := pkpass.Unzip(data)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSamplesBecomeReadyAndVerify(t *testing.T) {
	ns, objs := applySamples(t)
	passes := waitAllReady(t, ns)
	roots := devRoots(t, ns)
	ctx := context.Background()

	var cert walletv1.PassCertificate
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate"}, &cert); err != nil {
		t.Fatal(err)
	}
	if cert.Status.PassTypeIdentifier != "pass.io.wallet-operator."+ns || cert.Status.TeamIdentifier != "WALLETDEMO" || !cert.Status.Development ||
		cert.Status.Fingerprint == "" || cert.Status.NotAfter == nil {
		t.Errorf("certificate status = %+v", cert.Status)
	}
	if exp := meta(cert.Status.Conditions, walletv1.ConditionExpiring); exp == nil || exp.Status != metav1.ConditionFalse {
		t.Errorf("a fresh certificate is not Expiring: %+v", exp)
	}
	// The template lists its images with their size, as the PNG header
	// (IHDR: width and height, big-endian, at bytes 16 and 20) gives it.
	var concert walletv1.PassTemplate
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "harbour-concert"}, &concert); err != nil {
		t.Fatal(err)
	}
	var images corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "sample-images"}, &images); err != nil {
		t.Fatal(err)
	}
	listed := map[string]walletv1.TemplateImageStatus{}
	for _, img := range concert.Status.Images {
		listed[img.Name] = img
	}
	for name, key := range map[string]string{"icon.png": "icon.png", "icon@2x.png": "icon-2x.png", "strip@2x.png": "strip-2x.png", "logo.png": "logo.png"} {
		data := images.BinaryData[key]
		want := walletv1.TemplateImageStatus{Name: name, Width: int32(binary.BigEndian.Uint32(data[16:20])), Height: int32(binary.BigEndian.Uint32(data[20:24])), Size: int64(len(data))}
		if listed[name] != want {
			t.Errorf("the template lists %+v, want %+v", listed[name], want)
		}
	}
	if len(concert.Status.Images) != 5 {
		t.Errorf("the template lists %d images, its spec has 5", len(concert.Status.Images))
	}

	for _, p := range passes {
		files := fetchAndVerify(t, ns, p.Name, roots)
		if !strings.Contains(string(files[pkpass.PassJSON]), `"webServiceURL":"`+webServiceURL+`"`) {
			t.Errorf("%s: pass.json lacks the web service URL", p.Name)
		}
		want := tokenKey.Authentication(p.Namespace, p.Status.PassTypeIdentifier, p.Spec.SerialNumber)
		if !strings.Contains(string(files[pkpass.PassJSON]), want) {
			t.Errorf("%s: pass.json lacks the derived authentication token", p.Name)
		}
		if !strings.HasPrefix(p.Status.DownloadURL, webServiceURL+"/download/") || strings.Contains(p.Status.DownloadURL, want) {
			t.Errorf("%s: downloadURL %q (must not reveal the authentication token)", p.Name, p.Status.DownloadURL)
		}
		b := p.Status.Bundle
		if b.SHA256 == "" || b.Size == 0 || b.LastModified == nil || !strings.HasPrefix(b.ContentDigest, "sha256:") {
			t.Errorf("%s: bundle status %+v", p.Name, b)
		}
		// Only the pass's own files are stored per pass; images are shared.
		var own corev1.ConfigMap
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: b.ConfigMap}, &own); err != nil {
			t.Fatal(err)
		}
		if len(own.BinaryData) != 3 || !metav1.IsControlledBy(&own, &p) {
			t.Errorf("%s: own ConfigMap holds %d files (want pass.json, manifest.json, signature) and must be controlled by the pass", p.Name, len(own.BinaryData))
		}
		if p.Name == "coffee-coupon-0002" && (p.Status.RedeemedAt == nil || !strings.Contains(string(files[pkpass.PassJSON]), `"voided":true`)) {
			t.Errorf("a redeemed coupon records redeemedAt and is voided in pass.json")
		}
	}

	var tpls walletv1.PassTemplateList
	eventually(t, "every template counting 2/2 ready passes", func() (bool, string) {
		if err := c.List(ctx, &tpls, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		for _, tpl := range tpls.Items {
			if tpl.Status.Passes != 2 || tpl.Status.ReadyPasses != 2 {
				return false, fmt.Sprintf("template %s counts %d/%d", tpl.Name, tpl.Status.ReadyPasses, tpl.Status.Passes)
			}
		}
		return true, ""
	})
	for _, tpl := range tpls.Items {
		var sharedCM corev1.ConfigMap
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: tpl.Status.SharedBundle}, &sharedCM); err != nil {
			t.Fatal(err)
		}
		// Owned by nothing: deleting the template must not take the files
		// its passes' bundles are served with.
		if len(sharedCM.OwnerReferences) != 0 {
			t.Errorf("shared ConfigMap %s of template %s has owners %v", sharedCM.Name, tpl.Name, sharedCM.OwnerReferences)
		}
	}

	// The controllers wrote status only: specs, labels and annotations of
	// what the user applied are untouched (no drift in Argo CD).
	for _, applied := range objs {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(applied.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: applied.GetName()}, live); err != nil {
			t.Fatal(err)
		}
		if live.GetGeneration() > 1 || !equality.Semantic.DeepEqual(live.GetLabels(), applied.GetLabels()) || !equality.Semantic.DeepEqual(live.GetAnnotations(), applied.GetAnnotations()) {
			t.Errorf("%s %s was changed by the controllers: generation %d, labels %v, annotations %v", live.GetKind(), live.GetName(), live.GetGeneration(), live.GetLabels(), live.GetAnnotations())
		}
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

func meta(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func TestTemplateEditsResignOnlyOnRealChange(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	before := map[string]walletv1.BundleStatus{}
	for _, name := range []string{"james-smith-pd123", "ana-novak-pd123"} {
		before[name] = *getPass(t, ns, name).Status.Bundle
	}

	// A label on the template is not content: nothing is signed again.
	tpl := &walletv1.PassTemplate{}
	tpl.Namespace, tpl.Name = ns, "passdock-airways"
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Labels = map[string]string{"team": "airline"} })
	time.Sleep(2 * time.Second)
	for name, b := range before {
		if got := *getPass(t, ns, name).Status.Bundle; !equality.Semantic.DeepEqual(got, b) {
			t.Errorf("%s was re-signed by a label change: %+v -> %+v", name, b, got)
		}
	}

	// A real change re-renders every pass of the template.
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.Fields.Header[0].Label = "BOARDING GATE" })
	for name, b := range before {
		eventually(t, name+" re-signed", func() (bool, string) {
			got := getPass(t, ns, name).Status.Bundle
			// lastModified has whole seconds: the revision (nanoseconds)
			// tells a change in the same second apart.
			return got.ContentDigest != b.ContentDigest && !got.LastModified.Before(b.LastModified) && got.Revision > b.Revision && got.SHA256 != b.SHA256,
				fmt.Sprintf("%+v", got)
		})
		files := fetchAndVerify(t, ns, name, devRoots(t, ns))
		if !strings.Contains(string(files[pkpass.PassJSON]), `"label":"BOARDING GATE"`) {
			t.Errorf("%s does not show the new label", name)
		}
	}
}

func TestCertificateRotationResignsEveryPass(t *testing.T) {
	ns, _ := applySamples(t)
	passes := waitAllReady(t, ns)
	ctx := context.Background()
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator." + ns, TeamIdentifier: "WALLETDEMO"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := chain.SecretData()
	var s corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate-tls"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data = data
	if err := c.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	newFingerprint := certs.Fingerprint(chain.Identity.Certificate)
	roots := x509.NewCertPool()
	roots.AddCert(chain.Root)
	for _, p := range passes {
		eventually(t, p.Name+" re-signed with the new certificate", func() (bool, string) {
			got := getPass(t, ns, p.Name)
			return got.Status.Bundle.ContentDigest != p.Status.Bundle.ContentDigest, got.Status.Bundle.ContentDigest
		})
		fetchAndVerify(t, ns, p.Name, roots) // chains to the new root
	}
	var cert walletv1.PassCertificate
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate"}, &cert); err != nil || cert.Status.Fingerprint != newFingerprint {
		t.Errorf("certificate status fingerprint %s, want %s (%v)", cert.Status.Fingerprint, newFingerprint, err)
	}
}

func TestInvalidChangeKeepsLastGoodBundle(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	p := getPass(t, ns, "james-smith-pd123")
	good := *p.Status.Bundle
	update(t, p, func(p *walletv1.Pass) {
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"passenger":"James Smith","flight":"not a flight","from":"JFK","fromCity":"New York","to":"SFO","toCity":"San Francisco","gate":"56","departure":"2026-12-12T10:12:20-08:00"}`)}
	})
	eventually(t, "InvalidData", func() (bool, string) {
		got := getPass(t, ns, p.Name)
		r := status.Ready(got.Status.Conditions)
		return r.Status == metav1.ConditionFalse && r.Reason == walletv1.ReasonInvalidData && r.ObservedGeneration == got.Generation, r.Reason + ": " + r.Message
	})
	got := getPass(t, ns, p.Name)
	if r := status.Ready(got.Status.Conditions); !strings.Contains(r.Message, "spec.data.flight") || !strings.Contains(r.Message, "last good bundle is still served") {
		t.Errorf("message should point at the field and say the old bundle is served: %s", r.Message)
	}
	if !equality.Semantic.DeepEqual(*got.Status.Bundle, good) {
		t.Errorf("the bundle status moved: %+v -> %+v", good, *got.Status.Bundle)
	}
	files := fetchAndVerify(t, ns, p.Name, devRoots(t, ns))
	if !strings.Contains(string(files[pkpass.PassJSON]), `"PD123"`) {
		t.Error("the served bundle is not the last good one")
	}
}

func TestDuplicateSerialConflicts(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	ctx := context.Background()
	dup := getPass(t, ns, "member-petra").DeepCopy()
	dup.ObjectMeta = metav1.ObjectMeta{Name: "member-petra-copy", Namespace: ns}
	dup.Status = walletv1.PassStatus{}
	if err := c.Create(ctx, dup); err != nil {
		t.Fatal(err)
	}
	eventually(t, "SerialConflict", func() (bool, string) {
		r := status.Ready(getPass(t, ns, dup.Name).Status.Conditions)
		if r == nil {
			return false, "no condition"
		}
		return r.Reason == walletv1.ReasonSerialConflict && strings.Contains(r.Message, "member-petra already uses serial number bc-2041"), r.Reason + ": " + r.Message
	})
	if ok, s := readyState(getPass(t, ns, "member-petra").Status.Conditions, 1); !ok {
		t.Errorf("the first pass must keep working: %s", s)
	}
	if getPass(t, ns, dup.Name).Status.Bundle != nil {
		t.Error("the duplicate must not get a bundle")
	}
}

func TestExpiredCertificateKeepsBundles(t *testing.T) {
	ns, _ := applySamples(t)
	passes := waitAllReady(t, ns)
	ctx := context.Background()
	expired, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{PassTypeIdentifier: "pass.io.wallet-operator." + ns, TeamIdentifier: "WALLETDEMO",
		NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := expired.SecretData()
	var s corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate-tls"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data = data
	if err := c.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	eventually(t, "certificate Expired", func() (bool, string) {
		var cert walletv1.PassCertificate
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "dev-certificate"}, &cert)
		r := status.Ready(cert.Status.Conditions)
		exp := meta(cert.Status.Conditions, walletv1.ConditionExpiring)
		return r != nil && r.Reason == walletv1.ReasonExpired && exp != nil && exp.Status == metav1.ConditionTrue, fmt.Sprintf("%+v", r)
	})
	for _, p := range passes {
		eventually(t, p.Name+" not Ready", func() (bool, string) {
			r := status.Ready(getPass(t, ns, p.Name).Status.Conditions)
			return r.Status == metav1.ConditionFalse && r.Reason == walletv1.ReasonTemplateNotReady, r.Reason
		})
		got := getPass(t, ns, p.Name)
		if !equality.Semantic.DeepEqual(*got.Status.Bundle, *p.Status.Bundle) {
			t.Errorf("%s: bundle changed under an expired certificate: %+v -> %+v", p.Name, *p.Status.Bundle, *got.Status.Bundle)
		}
		fetchAndVerify(t, ns, p.Name, nil)
	}
	var tpl walletv1.PassTemplate
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "harbour-concert"}, &tpl); err != nil {
		t.Fatal(err)
	}
	if r := status.Ready(tpl.Status.Conditions); r.Reason != walletv1.ReasonCertificateNotReady || !strings.Contains(r.Message, "Expired") {
		t.Errorf("template Ready = %s: %s", r.Reason, r.Message)
	}
}

func TestSelfSignedNeverOverwritesASecret(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	existing := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "mine"}, Data: map[string][]byte{"tls.crt": []byte("not a certificate")}}
	if err := c.Create(ctx, existing); err != nil {
		t.Fatal(err)
	}
	cert := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "mine"},
			SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: "pass.com.example.mine", TeamIdentifier: "A1B2C3D4E5"}},
	}
	if err := c.Create(ctx, cert); err != nil {
		t.Fatal(err)
	}
	eventually(t, "SecretInvalid", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(cert), cert)
		r := status.Ready(cert.Status.Conditions)
		return r != nil && r.Reason == walletv1.ReasonSecretInvalid, fmt.Sprintf("%+v", r)
	})
	var s corev1.Secret
	if err := c.Get(ctx, client.ObjectKeyFromObject(existing), &s); err != nil || string(s.Data["tls.crt"]) != "not a certificate" {
		t.Errorf("the existing Secret was changed: %v", err)
	}
}

// A deleted bundle ConfigMap is made again.
func TestDeletedBundleIsRestored(t *testing.T) {
	ns, _ := applySamples(t)
	waitAllReady(t, ns)
	ctx := context.Background()
	p := getPass(t, ns, "member-tom")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p.Status.Bundle.ConfigMap}}
	if err := c.Delete(ctx, cm); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bundle ConfigMap restored", func() (bool, string) {
		err := c.Get(ctx, client.ObjectKeyFromObject(cm), cm)
		return err == nil, fmt.Sprint(err)
	})
	fetchAndVerify(t, ns, "member-tom", devRoots(t, ns))
}
