package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// ClaimEvents claims the oldest waiting event of passes whose next attempt
// is due and which no sender holds, those due longest first. A later
// event of a pass is not its oldest until the one before it is delivered
// or given up: order per pass. Due events are found by the due index, each
// checked to be its pass's oldest; the conditional UPDATE makes each claim
// one sender's, and the claim's owner token the only one that records it.
func (s *Store) ClaimEvents(ctx context.Context, c registry.EventClaim) ([]registry.OutboxEvent, error) {
	owner := claimOwner()
	skip := c.SkipNamespaces
	if skip == nil {
		skip = []string{}
	}
	rows, err := s.pool.Query(ctx, `
UPDATE webhook_outbox o SET claimed_until = now() + $2 * interval '1 millisecond', claim_owner = $3
FROM (
  SELECT id FROM webhook_outbox d
  WHERE next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
    AND NOT (namespace = ANY($4))
    AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.namespace = d.namespace AND e.pass_name = d.pass_name AND e.id < d.id)
  ORDER BY next_attempt_at, id
  LIMIT $1
  FOR UPDATE SKIP LOCKED) h
WHERE o.id = h.id
RETURNING o.id, o.payload, o.attempts, o.delivered_to`, c.N, c.Lease.Milliseconds(), owner, skip)
	if err != nil {
		return nil, fmt.Errorf("claim webhook events: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.OutboxEvent, error) {
		e := registry.OutboxEvent{Claim: owner}
		var payload []byte
		if err := row.Scan(&e.ID, &payload, &e.Attempts, &e.DeliveredTo); err != nil {
			return e, err
		}
		return e, json.Unmarshal(payload, &e.Event)
	})
}

// Delivered removes an event its claim still holds.
func (s *Store) Delivered(ctx context.Context, e registry.OutboxEvent) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM webhook_outbox WHERE id = $1 AND claim_owner = $2`, e.ID, e.Claim)
	return err
}

// RetryAt records a failed attempt of an event its claim still holds.
func (s *Store) RetryAt(ctx context.Context, e registry.OutboxEvent, deliveredTo []string, next time.Time) error {
	_, err := s.pool.Exec(ctx, `
UPDATE webhook_outbox SET attempts = attempts + 1, delivered_to = $2, next_attempt_at = $3, claimed_until = NULL, claim_owner = NULL
WHERE id = $1 AND claim_owner = $4`,
		e.ID, deliveredTo, next, e.Claim)
	return err
}

// Waiting counts the outbox's rows.
func (s *Store) Waiting(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_outbox`).Scan(&n)
	return n, err
}
