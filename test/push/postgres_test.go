package push

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	localpg "github.com/wallet-operator/wallet-operator/internal/local/postgres"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/internal/testing/proc"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/push"
	"github.com/wallet-operator/wallet-operator/webservice/registry/postgres"
)

// database starts a PostgreSQL server for one test and opens the
// registration store on it.
func database(t *testing.T) (*localpg.Server, *postgres.Store, string) {
	t.Helper()
	if why := localpg.Missing(); why != "" {
		t.Skip(why)
	}
	pg, err := localpg.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Close)
	url, err := pg.CreateDatabase(context.Background(), "wallet")
	if err != nil {
		t.Fatal(err)
	}
	store, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return pg, store, url
}

// registerRows inserts n registrations of a pass in one COPY, as if n
// devices had registered with its current content; it returns their push
// tokens.
func registerRows(t *testing.T, url, ns, passName, passType, serial string, n int, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	p := &walletv1.Pass{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: passName}, p); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	toks := make([]string, n)
	rows := make([][]any, n)
	for i := range n {
		toks[i] = apnstest.Token(fmt.Sprintf("%s%07d", prefix, i)) // a device token as APNs issues them
		rows[i] = []any{fmt.Sprintf("dev-%s-%07d", prefix, i), passType, serial, ns, passName, toks[i], p.Status.Bundle.ContentDigest}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"registrations"},
		[]string{"device", "pass_type", "serial", "namespace", "pass_name", "push_token", "known_digest"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	return toks
}

// rowsTold counts the registrations of a namespace that know their pass's
// content digest.
func rowsTold(t *testing.T, url, ns, digest string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		return -1 // the database is down for a moment
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM registrations WHERE namespace = $1 AND known_digest = $2`, ns, digest).Scan(&n); err != nil {
		return -1
	}
	return n
}

// startSharedPusher runs a pusher as one web-service replica does with
// PostgreSQL: no election, claiming from the shared queue.
func startSharedPusher(t *testing.T, store *postgres.Store, o push.Options) (*push.Pusher, func()) {
	t.Helper()
	return startPusherOn(t, false, o, store)
}

// Two replicas against one PostgreSQL share a fan-out to 10,000 devices:
// both push, and every device is pushed exactly once.
func TestReplicasShareAFanOut(t *testing.T) {
	_, store, url := database(t)
	ns, pt := oneTemplate(t, 1)
	toks := registerRows(t, url, ns, "member-0000", pt, "m-0000", 10000, "s")
	a, _ := startSharedPusher(t, store, push.Options{ClaimBatch: 250})
	b, _ := startSharedPusher(t, store, push.Options{ClaimBatch: 250})
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "yearly")
	eventually(t, 2*time.Minute, "10,000 told", func() bool { return rowsTold(t, url, ns, digest) == 10000 })
	got := tokensSince(start)
	for _, tok := range toks {
		if got[tok] != 1 {
			t.Fatalf("device %s pushed %d times, want exactly once", tok, got[tok])
		}
	}
	if a.Sent.Load() == 0 || b.Sent.Load() == 0 {
		t.Errorf("replica A pushed %d, replica B %d: both must share the fan-out", a.Sent.Load(), b.Sent.Load())
	}
	t.Logf("replica A pushed %d, replica B %d", a.Sent.Load(), b.Sent.Load())
	eventually(t, time.Minute, "the fan-out recorded on the pass", func() bool {
		var p walletv1.Pass
		_ = c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "member-0000"}, &p)
		return p.Status.PushedDigest == digest && p.Status.LastPushed != nil
	})
}

// The database lost in the middle of a fan-out: pushes pause, and resume
// when it is back; every device is pushed, none more often than the
// batches in flight when it went (at least once).
func TestDatabaseLostMidFanOut(t *testing.T) {
	pg, store, url := database(t)
	ns, pt := oneTemplate(t, 1)
	const devices, batch = 2000, 100
	toks := registerRows(t, url, ns, "member-0000", pt, "m-0000", devices, "l")
	apns.Delay(5 * time.Millisecond)
	defer apns.Delay(0)
	startSharedPusher(t, store, push.Options{ClaimBatch: batch, Concurrency: 8, ClaimLease: 3 * time.Second})
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "lifetime")
	eventually(t, time.Minute, "the fan-out under way", func() bool { return len(apns.Since(start)) >= 300 })
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := len(apns.Since(start))
	time.Sleep(3 * time.Second)
	paused := len(apns.Since(start))
	if paused-stopped > batch {
		t.Errorf("%d pushes while the database was down: more than the batch in flight", paused-stopped)
	}
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "every device told after the database came back", func() bool { return rowsTold(t, url, ns, digest) == devices })
	got := tokensSince(start)
	again := 0
	for _, tok := range toks {
		switch n := got[tok]; {
		case n == 0:
			t.Fatalf("device %s never pushed", tok)
		case n > 1:
			again++
		}
	}
	t.Logf("stopped after %d of %d pushes; %d devices pushed twice", stopped, devices, again)
	if again > batch {
		t.Errorf("%d devices pushed more than once: more than one batch", again)
	}
}

// Scripted load figures with PostgreSQL (make push-load
// REGISTRATION_STORE=postgres DEVICES=1000000): DEVICES registrations over
// 1,000 passes, one template edit pushed by one web-service replica, then
// another edit by two; the web service runs as the built binary, as
// deployed, so its memory is its own.
func TestPushLoadPostgres(t *testing.T) {
	if os.Getenv("WALLET_PUSH_LOAD") == "" || os.Getenv("WALLET_REGISTRATION_STORE") != "postgres" {
		t.Skip("set WALLET_PUSH_LOAD=1 WALLET_REGISTRATION_STORE=postgres (make push-load REGISTRATION_STORE=postgres)")
	}
	ctx := context.Background()
	devices := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("WALLET_PUSH_DEVICES")); err == nil && v > 0 {
		devices = v
	}
	const passes = 1000
	perPass := devices / passes
	_, _, url := database(t)
	ns, pt := oneTemplate(t, passes)

	// Registrations, in one COPY per 100 passes.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var list walletv1.PassList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	inserting := time.Now()
	for from := 0; from < len(list.Items); from += 100 {
		chunk := list.Items[from:min(from+100, len(list.Items))]
		i := 0
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"registrations"},
			[]string{"device", "pass_type", "serial", "namespace", "pass_name", "push_token", "known_digest"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == len(chunk)*perPass {
					return nil, nil
				}
				p := &chunk[i/perPass]
				row := []any{fmt.Sprintf("%032x", from*perPass+i), pt, p.Spec.SerialNumber, ns, p.Name, fmt.Sprintf("%064x", from*perPass+i), p.Status.Bundle.ContentDigest}
				i++
				return row, nil
			}))
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `ANALYZE registrations`); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("push-load(postgres): %d registrations for %d passes inserted in %s\n", devices, passes, time.Since(inserting).Round(time.Millisecond))

	// The web service as deployed.
	replica := webServiceReplicas(t, url)

	edit := func(label string) time.Time {
		t.Helper()
		at := time.Now()
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var tpl walletv1.PassTemplate
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "climbing-membership"}, &tpl); err != nil {
				return err
			}
			tpl.Spec.Fields.Primary[0].Label = label
			return c.Update(ctx, &tpl)
		})
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	run := func(replicas []replicaProcess, label string) {
		t.Helper()
		for _, r := range replicas {
			r.waitReady(t)
			// Each run's own peak: a replica of the run before starts
			// from what it holds now.
			if err := proc.ResetPeakRSS(r.Process.Pid); err != nil {
				t.Fatalf("reset the peak RSS of replica %d: %v", r.Process.Pid, err)
			}
		}
		at := edit(label)
		var recorded time.Time
		deadline := time.Now().Add(20 * time.Minute)
		for n := 0; n != devices; time.Sleep(time.Second) { // a count scans the table: once a second
			if time.Now().After(deadline) {
				t.Fatalf("after 20 minutes %d of %d devices pushed and recorded", n, devices)
			}
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM registrations WHERE pushed_at >= $1`, at).Scan(&n); err != nil {
				t.Fatal(err)
			}
			recorded = time.Now()
		}
		pushes := apns.Since(at)
		first, last := pushes[0].At, pushes[len(pushes)-1].At
		seen := map[string]bool{}
		for _, p := range pushes {
			seen[p.Token] = true
		}
		rss := make([]string, len(replicas))
		for i, r := range replicas {
			rss[i] = fmt.Sprintf("%d MiB", proc.PeakRSS(r.Process.Pid)>>20)
		}
		fmt.Printf("push-load(postgres, %d replica(s)): %d pushes to %d devices; first push %s after the edit; pushes %.0f/s (first to last at the stand-in); "+
			"all %d outcomes recorded %s after the edit (%.0f recorded/s from the first push); web-service peak RSS %s\n",
			len(replicas), len(pushes), len(seen), first.Sub(at).Round(time.Millisecond), float64(len(pushes))/last.Sub(first).Seconds(),
			devices, recorded.Sub(at).Round(time.Millisecond), float64(devices)/recorded.Sub(first).Seconds(), strings.Join(rss, ", "))
	}
	one := replica()
	run([]replicaProcess{one}, "MEMBER NAME")
	two := replica()
	run([]replicaProcess{one, two}, "CLIMBER")
}

// replicaProcess is a web-service replica run as it is deployed: the
// binary, its own process.
type replicaProcess struct {
	*exec.Cmd
	health string // its /readyz
}

// webServiceReplicas builds the binary and returns a starter of web-service
// replicas on the PostgreSQL store at url, pushing to the APNs stand-in,
// with these flags besides.
func webServiceReplicas(t *testing.T, url string, flags ...string) func() replicaProcess {
	t.Helper()
	ctx := context.Background()
	bin := proc.Binary(t, testenv.RepoRoot())
	dir := t.TempDir()
	if _, err := tokens.Ensure(ctx, c, operatorNamespace, "wallet-operator-token-key"); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "apns-ca.pem")
	if err := os.WriteFile(caFile, apns.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	kubeconfig := env.Kubeconfig(t, dir)
	return func() replicaProcess {
		probes := proc.FreeAddress(t)
		cmd := exec.Command(bin, "webservice", "--kubeconfig", kubeconfig, "--webservice-url", "http://127.0.0.1:9/passes", "--development",
			"--listen", "127.0.0.1:0", "--metrics-bind-address", "0", "--health-probe-bind-address", probes,
			"--operator-namespace", operatorNamespace, "--apns-url", apns.URL(), "--apns-ca", caFile,
			"--registration-store", "postgres", "--zap-log-level", "error")
		cmd.Args = append(cmd.Args, flags...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return replicaProcess{cmd, "http://" + probes + "/readyz"}
	}
}

// waitReady waits for a replica's /readyz: its caches synced.
func (r replicaProcess) waitReady(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, time.Minute, "the replica ready (caches synced)", func() (bool, string) {
		resp, err := http.Get(r.health)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// A replica killed (SIGKILL: no shutdown, claims left as they were) in the
// middle of a fan-out: the other replica takes over its claimed rows once
// their lease ends, and every device is pushed (at least once).
func TestReplicaKilledMidFanOut(t *testing.T) {
	_, _, url := database(t)
	ns, pt := oneTemplate(t, 1)
	toks := registerRows(t, url, ns, "member-0000", pt, "m-0000", 600, "x")
	replica := webServiceReplicas(t, url, "--push-claim-lease=5s")
	a := replica()
	a.waitReady(t)
	apns.Delay(200 * time.Millisecond) // 64 in flight: ~2 s for all 600, so the kill lands mid fan-out
	defer apns.Delay(0)
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "yearly")
	eventually(t, time.Minute, "the fan-out under way", func() bool { return len(apns.Since(start)) >= 50 })
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Process.Wait()
	killedAfter := len(apns.Since(start))
	if killedAfter >= len(toks) {
		t.Fatalf("the fan-out finished before the kill (%d pushes); slow the stand-in", killedAfter)
	}
	b := replica()
	b.waitReady(t)
	eventually(t, time.Minute, "all 600 told", func() bool { return rowsTold(t, url, ns, digest) == len(toks) })
	got := tokensSince(start)
	for _, tok := range toks {
		if got[tok] == 0 {
			t.Fatalf("device %s never pushed", tok)
		}
	}
	t.Logf("%d pushes before the kill, %d in all for %d devices", killedAfter, len(apns.Since(start)), len(toks))
}

// pushed for the latest content.
func TestReplicaStoppedMidFanOut(t *testing.T) {
	_, store, url := database(t)
	ns, pt := oneTemplate(t, 1)
	toks := registerRows(t, url, ns, "member-0000", pt, "m-0000", 500, "k")
	apns.Delay(20 * time.Millisecond)
	defer apns.Delay(0)
	_, stopA := startSharedPusher(t, store, push.Options{Concurrency: 4, ClaimBatch: 50, ClaimLease: 2 * time.Second})
	start := time.Now()
	digest := changePass(t, ns, "member-0000", "yearly")
	eventually(t, time.Minute, "the fan-out under way", func() bool { return len(apns.Since(start)) >= 100 })
	stopA()
	if n := len(apns.Since(start)); n >= 500 {
		t.Fatalf("the fan-out finished before the stop (%d pushes); slow the stand-in", n)
	}
	startSharedPusher(t, store, push.Options{Concurrency: 16, ClaimLease: 2 * time.Second})
	eventually(t, 2*time.Minute, "all 500 told", func() bool { return rowsTold(t, url, ns, digest) == 500 })
	got := tokensSince(start)
	for _, tok := range toks {
		if got[tok] == 0 {
			t.Fatalf("device %s never pushed", tok)
		}
	}
}
