-- +goose Up
-- Who holds a claim (a random token per fan-out or sender batch): outcomes
-- are recorded only by the holder, so a batch that outlived its lease
-- cannot clear or overwrite the claim of the replica that took it over.
ALTER TABLE registrations ADD COLUMN claim_owner text;
ALTER TABLE webhook_outbox ADD COLUMN claim_owner text;
-- The sender's claim query: events due now, oldest first, without sorting
-- the table.
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at, id);

-- +goose Down
DROP INDEX webhook_outbox_due;
ALTER TABLE webhook_outbox DROP COLUMN claim_owner;
ALTER TABLE registrations DROP COLUMN claim_owner;
