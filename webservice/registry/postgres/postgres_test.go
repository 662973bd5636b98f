package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"k8s.io/apimachinery/pkg/types"

	localpg "github.com/wallet-operator/wallet-operator/internal/local/postgres"
	"github.com/wallet-operator/wallet-operator/internal/testing/registrytest"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
	"github.com/wallet-operator/wallet-operator/webservice/registry/postgres"
)

var server *localpg.Server

func TestMain(m *testing.M) {
	if why := localpg.Missing(); why != "" {
		fmt.Println("skipped:", why)
		os.Exit(0)
	}
	var err error
	if server, err = localpg.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	server.Close()
	os.Exit(code)
}

// open returns a store on a new database.
func open(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "_").Replace(t.Name()))
	url, err := server.CreateDatabase(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, url
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	s, url := open(t)
	// Every migration in the directory ran.
	files, _ := filepath.Glob("migrations/*.sql")
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != int64(len(files)) || v < 3 {
		t.Fatalf("schema version %d, %v; want %d, the migrations there are", v, err, len(files))
	}
	// Opening again (another replica, a restart) changes nothing.
	again, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	again.Close()

	// A schema a newer release migrated is refused, not touched.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (7, true)`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, url)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema is version 7, newer than this wallet-operator knows (%d)", len(files))) {
		t.Fatalf("a newer schema: %v", err)
	}

	// Nothing answers: a clear error naming where, never the password.
	_, err = postgres.Open(ctx, "postgres://wallet:s3cret@127.0.0.1:1/wallet?connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1/wallet") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("no database: %v", err)
	}
}

func TestClaimsShareAFanOut(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	pass := registry.PassRef{Namespace: "ns", Name: "member-1"}
	const devices = 5000
	for i := range devices {
		if _, err := s.Register(ctx, registry.Registration{
			Device: fmt.Sprintf("dev%05d", i), PushToken: fmt.Sprintf("tok%05d", i), PassTypeIdentifier: "pass.example",
			Serial: "1", Namespace: pass.Namespace, PassName: pass.Name, Digest: "d1",
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Three claimers at once, as three replicas: every due registration is
	// claimed exactly once.
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			f := s.FanOut(pass, "d2", time.Time{}, time.Minute)
			for {
				batch, err := f.Next(ctx, 100)
				if err != nil {
					t.Error(err)
					return
				}
				if len(batch) == 0 {
					return
				}
				mu.Lock()
				for _, d := range batch {
					claimed[d.ID]++
				}
				mu.Unlock()
				if err := f.Record(ctx, batch, nil, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(claimed) != devices {
		t.Fatalf("%d registrations claimed, want %d", len(claimed), devices)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("registration %d claimed %d times", id, n)
		}
	}
	due, all, err := s.FanOut(pass, "d2", time.Time{}, time.Minute).Pending(ctx)
	if err != nil || due != 0 || all != devices {
		t.Fatalf("pending: %d due of %d, %v", due, all, err)
	}

	// A claim that is never recorded (its replica died) returns after its
	// lease.
	batch, err := s.FanOut(pass, "d3", time.Time{}, 300*time.Millisecond).Next(ctx, 10)
	if err != nil || len(batch) != 10 {
		t.Fatalf("claim: %d, %v", len(batch), err)
	}
	if again, _ := s.FanOut(pass, "d3", time.Time{}, time.Minute).Next(ctx, 10); again[0].ID == batch[0].ID {
		t.Fatal("a claimed registration was claimed again within its lease")
	}
	time.Sleep(400 * time.Millisecond)
	if again, _ := s.FanOut(pass, "d3", time.Time{}, time.Minute).Next(ctx, 10); again[0].ID != batch[0].ID {
		t.Fatal("an expired claim did not return to the pool")
	}

	// A push-now request: devices registered before it are due again.
	due, _, _ = s.FanOut(pass, "d2", time.Now().Add(time.Second), time.Minute).Pending(ctx)
	if due != devices {
		t.Fatalf("push-now: %d due, want %d", due, devices)
	}

	// Gone devices leave the pass's count.
	if err := s.FanOut(pass, "d3", time.Time{}, time.Minute).Record(ctx, nil, batch[:2], nil); err != nil {
		t.Fatal(err)
	}
	counts, err := s.CountsChangedSince(ctx, time.Time{}, 10)
	if err != nil || len(counts) != 1 || counts[0].Devices != devices-2 {
		t.Fatalf("counts: %+v, %v", counts, err)
	}
}

func TestOutboxOrderPerPass(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	for i, name := range []string{"a", "b", "a"} {
		ev := &registry.Event{Event: "register", Namespace: "ns", Pass: name}
		if _, err := s.Register(ctx, registry.Registration{Device: fmt.Sprint("d", i), PushToken: "t", PassTypeIdentifier: "pt", Serial: name, Namespace: "ns", PassName: name}, ev); err != nil {
			t.Fatal(err)
		}
	}
	first, err := s.ClaimEvents(ctx, registry.EventClaim{N: 10, Lease: time.Minute})
	if err != nil || len(first) != 2 {
		t.Fatalf("claimed %d events (%v), want the oldest of each pass", len(first), err)
	}
	// Held: no other sender gets them; a's second waits for its first.
	if more, _ := s.ClaimEvents(ctx, registry.EventClaim{N: 10, Lease: time.Minute}); len(more) != 0 {
		t.Fatalf("claimed %d more", len(more))
	}
	for _, e := range first {
		if e.Event.Pass == "a" {
			if e.Event.DeviceCount != 1 {
				t.Fatalf("device count %d", e.Event.DeviceCount)
			}
			if err := s.RetryAt(ctx, e, []string{"https://one"}, time.Now()); err != nil {
				t.Fatal(err)
			}
		} else if err := s.Delivered(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	next, _ := s.ClaimEvents(ctx, registry.EventClaim{N: 10, Lease: time.Minute})
	if len(next) != 1 || next[0].ID != first[0].ID && next[0].ID != first[1].ID || next[0].Attempts != 1 || len(next[0].DeliveredTo) != 1 {
		t.Fatalf("after a failed attempt, the same event comes again: %+v", next)
	}
}

// The database down when the web service starts: the store is not ready
// and says why (where, never the password); once it answers, the schema is
// made and the store is ready.
func TestDatabaseDownAtStart(t *testing.T) {
	ctx := context.Background()
	url, err := server.CreateDatabase(ctx, "down_at_start")
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Stop(); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	kept := make(chan struct{})
	var mu sync.Mutex
	var reported []error
	go func() {
		defer close(kept)
		s.Keep(ctx, 200*time.Millisecond, func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() })
	}()
	time.Sleep(time.Second)
	err = s.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("127.0.0.1:%d/down_at_start", server.Port)) {
		t.Fatalf("not ready should say where: %v", err)
	}
	mu.Lock()
	n := len(reported)
	mu.Unlock()
	if n == 0 {
		t.Fatal("Keep reported nothing while the database was down")
	}
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-kept:
	case <-time.After(30 * time.Second):
		t.Fatal("the store did not come up after the database did")
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	// Every migration in the directory ran.
	files, _ := filepath.Glob("migrations/*.sql")
	if v, err := s.SchemaVersion(ctx); err != nil || v != int64(len(files)) || v < 3 {
		t.Fatalf("schema version %d, %v; want %d, the migrations there are", v, err, len(files))
	}
}

// 10,000 devices registering at once over 100 passes: every registration
// kept once, every pass's count and webhook events exact.
func TestConcurrentRegistrations(t *testing.T) {
	ctx := context.Background()
	s, url := open(t)
	const devices, passes = 10000, 100
	var wg sync.WaitGroup
	sem := make(chan struct{}, 200)
	for i := range devices {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			pass := fmt.Sprint("p", i%passes)
			ev := &registry.Event{Event: "register", Namespace: "ns", Pass: pass}
			ch, err := s.Register(ctx, registry.Registration{Device: fmt.Sprintf("d%05d", i), PushToken: "t", PassTypeIdentifier: "pt",
				Serial: pass, Namespace: "ns", PassName: pass}, ev)
			if err != nil || !ch.Changed {
				t.Errorf("register %d: %+v, %v", i, ch, err)
			}
		})
	}
	wg.Wait()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, events, wrong int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM registrations), (SELECT count(*) FROM webhook_outbox),
  (SELECT count(*) FROM pass_devices WHERE devices <> $1)`, devices/passes).Scan(&rows, &events, &wrong); err != nil {
		t.Fatal(err)
	}
	if rows != devices || events != devices || wrong != 0 {
		t.Fatalf("%d registrations, %d webhook events, %d passes miscounted; want %d, %d, 0", rows, events, wrong, devices, devices)
	}
	// The last event of each pass counts every device.
	var maxCount int
	if err := conn.QueryRow(ctx, `SELECT min(m) FROM (SELECT max((payload->>'deviceCount')::int) m FROM webhook_outbox GROUP BY pass_name) x`).Scan(&maxCount); err != nil {
		t.Fatal(err)
	}
	if maxCount != devices/passes {
		t.Fatalf("the last event of some pass counts %d devices, want %d", maxCount, devices/passes)
	}
}

// The PostgreSQL backend passes the suite every registration backend
// passes; passes need not exist for it.
func TestConformance(t *testing.T) {
	s, _ := open(t)
	var n atomic.Int32
	registrytest.Run(t, registrytest.Subject{Backend: s, NewPass: func(t *testing.T) (registry.PassRef, types.UID) {
		i := n.Add(1)
		return registry.PassRef{Namespace: "conformance", Name: fmt.Sprintf("pass-%d", i)}, types.UID(fmt.Sprintf("uid-%d", i))
	}})
}
