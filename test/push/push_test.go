// Package push tests pushes end to end with the pusher in managers of its
// own: a restart in the middle of a fan-out, and replicas of which exactly
// one pushes. With WALLET_PUSH_LOAD=1 it also measures fan-out rate and
// change-to-push latency (make push-load).
package push

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"go.uber.org/zap/zapcore"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers"
	"github.com/wallet-operator/wallet-operator/controllers/pass"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/stack"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
)

// operatorNamespace receives the push credentials the controllers keep.
const operatorNamespace = "wallet-operator-system"

var (
	env  *testenv.Env
	c    client.Client
	apns *apnstest.Server
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, func(e *testenv.Env) (func(), error) {
		ctrl.SetLogger(zap.New(zap.Level(zapcore.Level(2))))
		cfg := *e.Config
		cfg.QPS, cfg.Burst = 1000, 2000
		var err error
		if c, err = client.New(&cfg, client.Options{Scheme: scheme.New()}); err != nil {
			return nil, err
		}
		apns = apnstest.Start()
		st, err := stack.Start(e.Config, stack.Options{QPS: 1000, Burst: 2000, OperatorNamespace: operatorNamespace, Controllers: &controllers.Options{
			Pass: pass.Options{WebServiceURL: "http://127.0.0.1:9/passes", Development: true, Tokens: tokens.Key("0123456789abcdef0123456789abcdef")}, PassWorkers: 4,
			OperatorNamespace: operatorNamespace,
		}})
		if err != nil {
			apns.Close()
			return nil, err
		}
		return func() { st.Stop(); apns.Close() }, nil
	}))
}

func newManager(leaderElect bool) (ctrl.Manager, error) {
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 1000, 2000
	lease, renew, retryPeriod := 4*time.Second, 3*time.Second, 500*time.Millisecond
	o := stack.ManagerOptions()
	o.LeaderElection, o.LeaderElectionID, o.LeaderElectionNamespace = leaderElect, "test-pushers", "default"
	o.LeaseDuration, o.RenewDeadline, o.RetryPeriod, o.LeaderElectionReleaseOnCancel = &lease, &renew, &retryPeriod, true
	return ctrl.NewManager(&cfg, o)
}

var pusherSeq int

// startPusher runs a pusher in a manager of its own, as one web service
// replica would.
func startPusher(t *testing.T, leaderElect bool, o push.Options) (*push.Pusher, func()) {
	t.Helper()
	return startPusherOn(t, leaderElect, o, nil)
}

// startPusherOn runs a pusher reading DeviceRegistrations, or claiming
// from backend when it is not nil.
func startPusherOn(t *testing.T, leaderElect bool, o push.Options, backend registry.Backend) (*push.Pusher, func()) {
	t.Helper()
	mgr, err := newManager(leaderElect)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if backend == nil {
		backend = kubernetes.New(mgr)
		if err := kubernetes.SetupIndexes(ctx, mgr); err != nil {
			t.Fatal(err)
		}
	}
	pusherSeq++
	o.APNsURL, o.RootCAs, o.CredentialsNamespace = apns.URL(), apns.RootCAs(), operatorNamespace
	p := &push.Pusher{Client: mgr.GetClient(), API: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("pusher"), Options: o,
		Name: fmt.Sprintf("pusher-%d", pusherSeq), Backend: backend}
	if err := p.SetupWithManager(ctx, mgr); err != nil {
		t.Fatal(err)
	}
	wait := testenv.RunManager(ctx, mgr)
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); wait() }) }
	t.Cleanup(stop)
	return p, stop
}

// oneTemplate creates the generic sample template, its certificate and
// images in a new namespace, and n passes of it; it waits until all are
// Ready.
func oneTemplate(t *testing.T, n int) (ns, passType string) {
	t.Helper()
	ctx := context.Background()
	ns = env.Namespace(t)
	passType = "pass.io.wallet-operator." + ns
	objs, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		k := obj.GetKind()
		if k != "ConfigMap" && k != "PassCertificate" && !(k == "PassTemplate" && obj.GetName() == "climbing-membership") {
			continue
		}
		obj.SetNamespace(ns)
		if k == "PassCertificate" {
			_ = unstructured.SetNestedField(obj.Object, passType, "spec", "selfSigned", "passTypeIdentifier")
		}
		if k == "PassTemplate" {
			unstructured.RemoveNestedField(obj.Object, "spec", "webhooks")
		}
		if err := c.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		p := &walletv1.Pass{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("member-%04d", i)},
			Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "climbing-membership"}, SerialNumber: fmt.Sprintf("m-%04d", i),
				Data: &apiextensionsv1.JSON{Raw: []byte(`{"name": "Member", "since": "2024-01-01T00:00:00Z", "plan": "monthly"}`)}},
		}
		if err := c.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 3*time.Minute, "passes Ready", func() bool {
		var tpl walletv1.PassTemplate
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "climbing-membership"}, &tpl)
		return int(tpl.Status.ReadyPasses) == n
	})
	return ns, passType
}

// register creates n registrations of a pass directly, as if n devices had
// registered with its current content.
func register(t *testing.T, ns, passName, passType, serial string, n int, prefix string) []string {
	t.Helper()
	p := &walletv1.Pass{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: passName}, p); err != nil {
		t.Fatal(err)
	}
	toks := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		toks[i] = apnstest.Token(fmt.Sprintf("%s%05d", prefix, i)) // a device token as APNs issues them
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			device := fmt.Sprintf("dev-%s-%05d", prefix, i)
			reg := &walletv1.DeviceRegistration{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: kubernetes.RegistrationName(device, passType, serial)},
				Spec: walletv1.DeviceRegistrationSpec{DeviceLibraryIdentifier: device, PushToken: toks[i], PassTypeIdentifier: passType,
					SerialNumber: serial, PassName: passName, RegisteredDigest: p.Status.Bundle.ContentDigest},
			}
			if err := c.Create(context.Background(), reg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return toks
}

func changePass(t *testing.T, ns, name, plan string) string {
	t.Helper()
	ctx := context.Background()
	p := &walletv1.Pass{}
	var before string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
			return err
		}
		before = p.Status.Bundle.ContentDigest
		p.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(`{"name": "Member", "since": "2024-01-01T00:00:00Z", "plan": "` + plan + `"}`)}
		return c.Update(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	var digest string
	eventually(t, time.Minute, "re-signed", func() bool {
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p)
		digest = p.Status.Bundle.ContentDigest
		return digest != before && status.IsReady(p.Status.Conditions, p.Generation)
	})
	return digest
}

func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", limit, what)
}

func tokensSince(since time.Time) map[string]int {
	got := map[string]int{}
	for _, p := range apns.Since(since) {
		got[p.Token]++
	}
	return got
}

func allPushed(t *testing.T, ns, digest string, want int) func() bool {
	return func() bool {
		var regs walletv1.DeviceRegistrationList
		if err := c.List(context.Background(), &regs, client.InNamespace(ns)); err != nil {
			return false
		}
		n := 0
		for _, r := range regs.Items {
			if r.Status.PushedDigest == digest {
				n++
			}
		}
		return n == want
	}
}

// A web service killed in the middle of a fan-out to 500 devices, and
// started again, leaves every device pushed for the latest content.
func TestRestartMidFanOut(t *testing.T) {
	ns, pt := oneTemplate(t, 1)
	toks := register(t, ns, "member-0000", pt, "m-0000", 500, "r")
	apns.Delay(20 * time.Millisecond)
	defer apns.Delay(0)
	_, stopA := startPusher(t, false, push.Options{Concurrency: 4})

	start := time.Now()
	digest := changePass(t, ns, "member-0000", "yearly")
	eventually(t, time.Minute, "the fan-out under way", func() bool { return len(apns.Since(start)) >= 100 })
	stopA()
	before := len(apns.Since(start))
	if before >= 500 {
		t.Fatalf("the fan-out finished before the restart (%d pushes); slow the stand-in", before)
	}
	t.Logf("first replica stopped after %d of 500 pushes", before)

	startPusher(t, false, push.Options{Concurrency: 16})
	eventually(t, 2*time.Minute, "all 500 registrations pushed for the latest content", allPushed(t, ns, digest, 500))
	got := tokensSince(start)
	for _, tok := range toks {
		if got[tok] == 0 {
			t.Fatalf("device token %s never received a push", tok)
		}
	}
}

// Of two replicas, exactly one pushes.
func TestOnePusherAmongReplicas(t *testing.T) {
	ns, pt := oneTemplate(t, 1)
	register(t, ns, "member-0000", pt, "m-0000", 50, "o")
	a, _ := startPusher(t, true, push.Options{})
	b, _ := startPusher(t, true, push.Options{})
	time.Sleep(2 * time.Second) // an election
	sentA, sentB := a.Sent.Load(), b.Sent.Load()
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "lifetime")
	eventually(t, time.Minute, "50 pushed", allPushed(t, ns, digest, 50))
	da, db := a.Sent.Load()-sentA, b.Sent.Load()-sentB
	if (da == 0) == (db == 0) {
		t.Errorf("replica A pushed %d, replica B %d: exactly one replica must push", da, db)
	}
	if n := len(apns.Since(start)); n != 50 {
		t.Errorf("%d pushes for 50 devices", n)
	}
}

// Scripted load figures (make push-load).
func TestPushLoad(t *testing.T) {
	if os.Getenv("WALLET_PUSH_LOAD") == "" {
		t.Skip("set WALLET_PUSH_LOAD=1 (make push-load) to measure fan-out and latency")
	}
	// Fan-out: 10,000 registrations of one pass.
	ns, pt := oneTemplate(t, 1)
	register(t, ns, "member-0000", pt, "m-0000", 10000, "f")
	startPusher(t, false, push.Options{Concurrency: 128})
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "yearly")
	eventually(t, 5*time.Minute, "10,000 pushed", allPushed(t, ns, digest, 10000))
	recorded := time.Since(start)
	pushes := apns.Since(start)
	first, last := pushes[0].At, pushes[len(pushes)-1].At
	rate := float64(len(pushes)) / last.Sub(first).Seconds()
	fmt.Printf("push-load: fan-out of %d pushes to %d devices in %s = %.0f pushes/s (first to last push at the stand-in); all recorded %s after the edit\n",
		len(pushes), len(tokensSince(start)), last.Sub(first).Round(time.Millisecond), rate, recorded.Round(time.Millisecond))

	// Latency: 1,000 passes with a device each; a template change re-signs
	// them all; latency is from each pass's new revision (signing) to its
	// push, and from the template edit to the push.
	ns2, pt2 := oneTemplate(t, 1000)
	for i := range 1000 {
		register(t, ns2, fmt.Sprintf("member-%04d", i), pt2, fmt.Sprintf("m-%04d", i), 1, fmt.Sprintf("l%04d-", i))
	}
	edit := time.Now()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var tpl walletv1.PassTemplate
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns2, Name: "climbing-membership"}, &tpl); err != nil {
			return err
		}
		tpl.Spec.Fields.Primary[0].Label = "MEMBER NAME"
		return c.Update(context.Background(), &tpl)
	})
	if err != nil {
		t.Fatal(err)
	}
	var passes walletv1.PassList
	eventually(t, 5*time.Minute, "1,000 passes pushed", func() bool {
		var regs walletv1.DeviceRegistrationList
		_ = c.List(context.Background(), &regs, client.InNamespace(ns2))
		_ = c.List(context.Background(), &passes, client.InNamespace(ns2))
		current := map[string]string{}
		for _, p := range passes.Items {
			current[p.Name] = p.Status.Bundle.ContentDigest
		}
		n := 0
		for _, r := range regs.Items {
			// Every pass is re-signed by the edit, so its current digest is
			// new: a registration showing it was pushed after the edit.
			if r.Status.PushedDigest == current[r.Spec.PassName] {
				n++
			}
		}
		return n == 1000
	})
	pushAt := map[string]time.Time{}
	for _, p := range apns.Since(edit) {
		if _, seen := pushAt[p.Token]; !seen {
			pushAt[p.Token] = p.At
		}
	}
	var fromSign, fromEdit []time.Duration
	for _, p := range passes.Items {
		tok := fmt.Sprintf("l%s-00000", p.Name[len("member-"):])
		at, ok := pushAt[tok]
		if !ok {
			continue
		}
		fromSign = append(fromSign, at.Sub(time.Unix(0, p.Status.Bundle.Revision)))
		fromEdit = append(fromEdit, at.Sub(edit))
	}
	pct := func(d []time.Duration, q float64) time.Duration {
		slices.Sort(d)
		return d[int(float64(len(d)-1)*q)].Round(time.Millisecond)
	}
	fmt.Printf("push-load: %d passes; change-to-push (signed to pushed) p50 %s p99 %s; template edit to push p50 %s p99 %s\n",
		len(fromSign), pct(fromSign, 0.5), pct(fromSign, 0.99), pct(fromEdit, 0.5), pct(fromEdit, 0.99))
}

// Without a gateway (the demo without --apns-url) pushes are logged and
// recorded, never sent.
func TestLogOnlySendsNothing(t *testing.T) {
	ns, pt := oneTemplate(t, 1)
	toks := register(t, ns, "member-0000", pt, "m-0000", 5, "n")
	p, _ := startPusher(t, false, push.Options{LogOnly: true})
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "yearly")
	eventually(t, time.Minute, "5 registrations recorded", allPushed(t, ns, digest, 5))
	got := tokensSince(start)
	for _, tok := range toks {
		if got[tok] != 0 {
			t.Errorf("token %s was sent a push in log-only mode", tok)
		}
	}
	if n := p.Sent.Load(); n != 0 {
		t.Errorf("the pusher sent %d pushes in log-only mode", n)
	}
}
