// Package postgres keeps device registrations, the shared push fan-out,
// registration counts and the webhook outbox in PostgreSQL
// (--registration-store=postgres): for installations with more devices than
// the API server should hold as objects, and web-service replicas that all
// push.
package postgres

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL registration store.
type Store struct {
	pool  *pgxpool.Pool
	where string // host:port/database, for messages (never the password)

	// CountsInterval is how often the elected replica reads the passes
	// whose registration figures changed (2 s when zero).
	CountsInterval time.Duration

	mu       sync.Mutex
	migrated bool
	last     error // why the store is not ready
}

var _ registry.Backend = (*Store)(nil)

// New returns a store for the database at url (a PostgreSQL connection
// string: postgres://user:password@host:5432/db?sslmode=require) without
// connecting: Migrate, or Keep, brings it up.
func New(url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, errors.New("the database connection string (DATABASE_URL) is not a valid PostgreSQL URL or key=value string")
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	return &Store{pool: pool, where: where, last: errors.New("not connected yet")}, nil
}

// Open connects, brings the schema up to date and returns the store. A
// schema newer than this binary knows is refused, not touched.
func Open(ctx context.Context, url string) (*Store, error) {
	s, err := New(url)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate connects and applies the schema's migrations (once per store).
func (s *Store) Migrate(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.migrated {
		return nil
	}
	err := s.pool.Ping(ctx)
	if err != nil {
		err = fmt.Errorf("connect to PostgreSQL at %s: %w (is it running, and does DATABASE_URL name it?)", s.where, err)
	} else {
		err = migrate(ctx, s.pool)
	}
	s.migrated, s.last = err == nil, err
	return err
}

// Keep migrates when the database can be reached, trying every interval
// until it could (the web service is not ready until then, and its
// readiness check says why); then it returns. For a manager Runnable.
func (s *Store) Keep(ctx context.Context, interval time.Duration, onError func(error)) {
	for {
		err := s.Migrate(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		onError(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Close closes the connections.
func (s *Store) Close() { s.pool.Close() }

// Ready says whether the store is migrated and the database answers (the
// web service's readiness check).
func (s *Store) Ready(ctx context.Context) error {
	s.mu.Lock()
	migrated, last := s.migrated, s.last
	s.mu.Unlock()
	if !migrated {
		return fmt.Errorf("registration database: %w", last)
	}
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("registration database at %s does not answer: %w", s.where, err)
	}
	return nil
}

// migrate applies the embedded migrations under PostgreSQL's advisory lock,
// so replicas starting together migrate once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	dir, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("registration store migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read the registration schema's version: %w", err)
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	if current > known {
		return fmt.Errorf("the registration database's schema is version %d, newer than this wallet-operator knows (%d): run the release that migrated it, or a newer one", current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate the registration database: %w", err)
	}
	return nil
}

// SchemaVersion is the schema version the database is at.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	return v, err
}

// Register inserts or renews a registration; a new one counts on its pass
// and, with event, queues the webhook event in the same transaction.
func (s *Store) Register(ctx context.Context, r registry.Registration, event *registry.Event) (registry.Change, error) {
	var ch registry.Change
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
INSERT INTO registrations (device, pass_type, serial, namespace, pass_name, pass_uid, push_token, known_digest, wallet)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (device, pass_type, serial) DO UPDATE
  SET push_token = EXCLUDED.push_token, namespace = EXCLUDED.namespace, pass_name = EXCLUDED.pass_name, pass_uid = EXCLUDED.pass_uid,
      wallet = EXCLUDED.wallet
RETURNING xmax = 0`, r.Device, r.PassTypeIdentifier, r.Serial, r.Namespace, r.PassName, string(r.PassUID), r.PushToken, r.Digest,
			cmp.Or(r.Wallet, "unknown")).Scan(&ch.Changed)
		if err != nil {
			return fmt.Errorf("register: %w", err)
		}
		pass := registry.PassRef{Namespace: r.Namespace, Name: r.PassName}
		if !ch.Changed {
			ch.Devices, err = devices(ctx, tx, pass)
			return err
		}
		if err := tx.QueryRow(ctx, `
INSERT INTO pass_devices AS d (namespace, pass_name, devices, first_registered, last_registered)
VALUES ($1, $2, 1, now(), now())
ON CONFLICT (namespace, pass_name) DO UPDATE
  SET devices = d.devices + 1, first_registered = coalesce(d.first_registered, now()), last_registered = now(), changed_at = clock_timestamp()
RETURNING devices`, r.Namespace, r.PassName).Scan(&ch.Devices); err != nil {
			return fmt.Errorf("count a registration: %w", err)
		}
		return queue(ctx, tx, event, &ch)
	})
	return ch, err
}

// Unregister deletes a registration; its pass counts one device less and,
// with event, the webhook event is queued in the same transaction.
func (s *Store) Unregister(ctx context.Context, pass registry.PassRef, device, passType, serial string, event *registry.Event) (registry.Change, error) {
	var ch registry.Change
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM registrations WHERE device = $1 AND pass_type = $2 AND serial = $3`, device, passType, serial)
		if err != nil {
			return fmt.Errorf("unregister: %w", err)
		}
		if ch.Changed = tag.RowsAffected() > 0; !ch.Changed {
			ch.Devices, err = devices(ctx, tx, pass)
			return err
		}
		err = tx.QueryRow(ctx, `
UPDATE pass_devices SET devices = greatest(devices - 1, 0), changed_at = clock_timestamp(),
  first_unregistered = coalesce(first_unregistered, clock_timestamp()), last_unregistered = clock_timestamp()
WHERE namespace = $1 AND pass_name = $2 RETURNING devices`, pass.Namespace, pass.Name).Scan(&ch.Devices)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("count an unregistration: %w", err)
		}
		return queue(ctx, tx, event, &ch)
	})
	return ch, err
}

func devices(ctx context.Context, tx pgx.Tx, pass registry.PassRef) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT devices FROM pass_devices WHERE namespace = $1 AND pass_name = $2`, pass.Namespace, pass.Name).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// queue writes a webhook event into the outbox; one refused because its
// pass has too many waiting is ch.EventDropped, and the change stands.
func queue(ctx context.Context, tx pgx.Tx, event *registry.Event, ch *registry.Change) error {
	if event == nil {
		return nil
	}
	ev := *event
	ev.DeviceCount = ch.Devices
	err := insertEvent(ctx, tx, ev)
	if errors.Is(err, registry.ErrEventDropped) {
		ch.EventDropped = err
		return nil
	}
	return err
}

// AddEvent queues an event on its own.
func (s *Store) AddEvent(ctx context.Context, ev registry.Event) error {
	return insertEvent(ctx, s.pool, ev)
}

func insertEvent(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, ev registry.Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `
INSERT INTO webhook_outbox (namespace, pass_name, payload)
SELECT $1, $2, $3 WHERE (SELECT count(*) FROM webhook_outbox WHERE namespace = $1 AND pass_name = $2) < $4`,
		ev.Namespace, ev.Pass, payload, registry.MaxPendingEventsPerPass)
	if err != nil {
		return fmt.Errorf("queue a webhook event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return registry.ErrEventDropped
	}
	return nil
}

// PassesOf lists the passes of one type a device is registered for.
func (s *Store) PassesOf(ctx context.Context, device, passType string) ([]registry.PassRef, error) {
	rows, err := s.pool.Query(ctx, `SELECT namespace, pass_name FROM registrations WHERE device = $1 AND pass_type = $2`, device, passType)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.PassRef, error) {
		var p registry.PassRef
		err := row.Scan(&p.Namespace, &p.Name)
		return p, err
	})
}

// Devices tells whether a device is registered for a pass, and how many
// devices the pass has.
func (s *Store) Devices(ctx context.Context, pass registry.PassRef, device string) (bool, int, error) {
	var registered bool
	var n int
	err := s.pool.QueryRow(ctx, `
SELECT coalesce(bool_or(device = $3), false), count(*) FROM registrations WHERE namespace = $1 AND pass_name = $2`,
		pass.Namespace, pass.Name, device).Scan(&registered, &n)
	return registered, n, err
}
