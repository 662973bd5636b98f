-- +goose Up
-- When a pass's devices first and last left (an unregistration, or APNs
-- saying the token is gone), as Yourpass's firstUnregisterAt and
-- lastUnregisterAt.
ALTER TABLE pass_devices ADD COLUMN first_unregistered timestamptz;
ALTER TABLE pass_devices ADD COLUMN last_unregistered timestamptz;

-- +goose Down
ALTER TABLE pass_devices DROP COLUMN last_unregistered;
ALTER TABLE pass_devices DROP COLUMN first_unregistered;
