package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// ClaimEvents claims the oldest waiting event of each pass whose next
// attempt is due and which no sender holds. A later event of a pass is not
// its oldest until the one before it is delivered or given up: order per
// pass. The conditional UPDATE makes each claim one sender's.
func (s *Store) ClaimEvents(ctx context.Context, n int, lease time.Duration) ([]registry.OutboxEvent, error) {
	rows, err := s.pool.Query(ctx, `
UPDATE webhook_outbox o SET claimed_until = now() + $2 * interval '1 millisecond'
FROM (
  SELECT id FROM (SELECT DISTINCT ON (namespace, pass_name) id, next_attempt_at, claimed_until
                  FROM webhook_outbox ORDER BY namespace, pass_name, id) heads
  WHERE next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
  LIMIT $1) h
WHERE o.id = h.id AND (o.claimed_until IS NULL OR o.claimed_until < now())
RETURNING o.id, o.payload, o.attempts, o.delivered_to`, n, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim webhook events: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (registry.OutboxEvent, error) {
		var e registry.OutboxEvent
		var payload []byte
		if err := row.Scan(&e.ID, &payload, &e.Attempts, &e.DeliveredTo); err != nil {
			return e, err
		}
		return e, json.Unmarshal(payload, &e.Event)
	})
}

// Delivered removes an event.
func (s *Store) Delivered(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM webhook_outbox WHERE id = $1`, id)
	return err
}

// RetryAt records a failed attempt.
func (s *Store) RetryAt(ctx context.Context, id int64, deliveredTo []string, next time.Time) error {
	_, err := s.pool.Exec(ctx, `
UPDATE webhook_outbox SET attempts = attempts + 1, delivered_to = $2, next_attempt_at = $3, claimed_until = NULL WHERE id = $1`,
		id, deliveredTo, next)
	return err
}
