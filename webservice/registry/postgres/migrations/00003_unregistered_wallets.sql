-- +goose Up
-- When a pass's devices first and last left (an unregistration, or APNs
-- saying the token is gone), as Yourpass's firstUnregisterAt and
-- lastUnregisterAt.
ALTER TABLE pass_devices ADD COLUMN first_unregistered timestamptz;
ALTER TABLE pass_devices ADD COLUMN last_unregistered timestamptz;
-- The app that registered (Yourpass's wallet: ios_wallet, android_pass2u,
-- ...); registrations from before are unknown.
ALTER TABLE registrations ADD COLUMN wallet text NOT NULL DEFAULT 'unknown';

-- +goose Down
ALTER TABLE registrations DROP COLUMN wallet;
ALTER TABLE pass_devices DROP COLUMN last_unregistered;
ALTER TABLE pass_devices DROP COLUMN first_unregistered;
