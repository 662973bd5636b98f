package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// dueCondition selects registrations not told of $3 (the pass's content
// digest), or, with a push-now request at time $4, registered at or before
// it and not pushed for it yet.
const dueCondition = `(known_digest <> $3 OR ($4::timestamptz IS NOT NULL AND created_at <= $4 AND (pushed_request IS NULL OR pushed_request < $4)))`

func since(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// claim claims a batch of due registrations for owner: rows another
// replica holds (locked now, or claimed and not expired) are skipped, so
// replicas share the fan-out.
func (s *Store) claim(ctx context.Context, pass registry.PassRef, digest string, requestedAt time.Time, after int64, n int, lease time.Duration, owner string) ([]registry.Due, error) {
	rows, err := s.pool.Query(ctx, `
UPDATE registrations SET claimed_until = now() + $7 * interval '1 millisecond', claim_owner = $8
WHERE id IN (
  SELECT id FROM registrations
  WHERE namespace = $1 AND pass_name = $2 AND id > $5 AND `+dueCondition+`
    AND (claimed_until IS NULL OR claimed_until < now())
  ORDER BY id LIMIT $6
  FOR UPDATE SKIP LOCKED)
RETURNING id, push_token`, pass.Namespace, pass.Name, digest, since(requestedAt), after, n, lease.Milliseconds(), owner)
	if err != nil {
		return nil, fmt.Errorf("claim pushes of %s: %w", pass, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.Due, error) {
		var d registry.Due
		err := row.Scan(&d.ID, &d.PushToken)
		return d, err
	})
}

// told records that owner's claimed registrations were pushed digest, in
// one statement. A row whose claim another replica took over (the batch
// outlived its lease) is left to that replica, which pushes and records
// it again.
func (s *Store) told(ctx context.Context, digest string, requestedAt time.Time, ids []int64, owner string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `
UPDATE registrations r SET known_digest = $1, pushed_at = now(), claimed_until = NULL, claim_owner = NULL,
  pushed_request = CASE WHEN $3::timestamptz IS NULL THEN r.pushed_request ELSE greatest(r.pushed_request, $3) END
FROM unnest($2::bigint[]) AS t(id) WHERE r.id = t.id AND r.claim_owner = $4`, digest, ids, since(requestedAt), owner)
	if err != nil {
		return fmt.Errorf("record pushes: %w", err)
	}
	return nil
}

// gone deletes registrations whose push token APNs no longer knows, and
// counts them off their passes. Only the token that failed: a device that
// registered again with a new token meanwhile keeps its registration.
func (s *Store) gone(ctx context.Context, dues []registry.Due) error {
	if len(dues) == 0 {
		return nil
	}
	ids, tokens := make([]int64, len(dues)), make([]string, len(dues))
	for i, d := range dues {
		ids[i], tokens[i] = d.ID, d.PushToken
	}
	_, err := s.pool.Exec(ctx, `
WITH gone AS (
       DELETE FROM registrations r USING unnest($1::bigint[], $2::text[]) AS t(id, token)
       WHERE r.id = t.id AND r.push_token = t.token RETURNING r.namespace, r.pass_name),
     per_pass AS (SELECT namespace, pass_name, count(*) AS n FROM gone GROUP BY 1, 2)
UPDATE pass_devices d SET devices = greatest(d.devices - p.n, 0), changed_at = clock_timestamp(),
  first_unregistered = coalesce(d.first_unregistered, clock_timestamp()), last_unregistered = clock_timestamp()
FROM per_pass p WHERE d.namespace = p.namespace AND d.pass_name = p.pass_name`, ids, tokens)
	if err != nil {
		return fmt.Errorf("delete unregistered devices: %w", err)
	}
	return nil
}

// release ends owner's claims without recording a push; a claim another
// replica holds now stays.
func (s *Store) release(ctx context.Context, ids []int64, owner string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE registrations SET claimed_until = NULL, claim_owner = NULL WHERE id = ANY($1) AND claim_owner = $2`, ids, owner)
	return err
}

// Pending counts a pass's registrations still due, and all of them.
func (s *Store) Pending(ctx context.Context, pass registry.PassRef, digest string, requestedAt time.Time) (int, int, error) {
	var due, all int
	err := s.pool.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE `+dueCondition+`), count(*) FROM registrations WHERE namespace = $1 AND pass_name = $2`,
		pass.Namespace, pass.Name, digest, since(requestedAt)).Scan(&due, &all)
	return due, all, err
}

// Forget deletes a gone pass's registrations, figures and waiting events.
func (s *Store) Forget(ctx context.Context, pass registry.PassRef) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM registrations WHERE namespace = $1 AND pass_name = $2`,
			`DELETE FROM pass_devices WHERE namespace = $1 AND pass_name = $2`,
			`DELETE FROM webhook_outbox WHERE namespace = $1 AND pass_name = $2`,
		} {
			if _, err := tx.Exec(ctx, q, pass.Namespace, pass.Name); err != nil {
				return fmt.Errorf("forget %s: %w", pass, err)
			}
		}
		return nil
	})
}

// CountsChangedSince returns passes whose figures changed at or after t.
func (s *Store) CountsChangedSince(ctx context.Context, t time.Time, n int) ([]registry.Counts, error) {
	rows, err := s.pool.Query(ctx, `
SELECT d.namespace, d.pass_name, d.devices, coalesce(d.first_registered, 'epoch'), coalesce(d.last_registered, 'epoch'),
  coalesce(d.first_unregistered, 'epoch'), coalesce(d.last_unregistered, 'epoch'), d.changed_at,
  (SELECT coalesce(jsonb_object_agg(w.wallet, w.n), '{}') FROM
     (SELECT wallet, count(*) AS n FROM registrations r WHERE r.namespace = d.namespace AND r.pass_name = d.pass_name GROUP BY wallet) w)
FROM pass_devices d WHERE d.changed_at >= $1 ORDER BY d.changed_at LIMIT $2`, t, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.Counts, error) {
		var c registry.Counts
		var byWallet []byte
		if err := row.Scan(&c.Pass.Namespace, &c.Pass.Name, &c.Devices, &c.First, &c.Last, &c.FirstUnregistered, &c.LastUnregistered, &c.Changed, &byWallet); err != nil {
			return c, err
		}
		return c, json.Unmarshal(byWallet, &c.ByWallet)
	})
}
