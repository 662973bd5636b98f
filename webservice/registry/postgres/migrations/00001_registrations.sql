-- +goose Up
-- One row per device and pass: what the protocol registers, and what the
-- device was last told (known_digest: registered with, then pushed for).
CREATE TABLE registrations (
    id            bigserial PRIMARY KEY,
    device        text        NOT NULL,
    pass_type     text        NOT NULL,
    serial        text        NOT NULL,
    namespace     text        NOT NULL,
    pass_name     text        NOT NULL,
    pass_uid      text        NOT NULL DEFAULT '',
    push_token    text        NOT NULL,
    known_digest  text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    pushed_at     timestamptz,
    -- The newest push-now request (its time) the device was pushed for.
    pushed_request timestamptz,
    claimed_until timestamptz,
    -- (device, pass_type) prefix: a device's passes of one type.
    UNIQUE (device, pass_type, serial)
);
-- A pass's registrations, in id order: counts, claims of due pushes.
CREATE INDEX registrations_pass ON registrations (namespace, pass_name, id);

-- Per pass: devices now, first and last registration ever, and when these
-- changed (the counter reads changes since its last look).
CREATE TABLE pass_devices (
    namespace        text        NOT NULL,
    pass_name        text        NOT NULL,
    devices          integer     NOT NULL DEFAULT 0,
    first_registered timestamptz,
    last_registered  timestamptz,
    changed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (namespace, pass_name)
);
CREATE INDEX pass_devices_changed ON pass_devices (changed_at);

-- Webhook events until delivered: written in the registration's
-- transaction, sent oldest first per pass.
CREATE TABLE webhook_outbox (
    id              bigserial PRIMARY KEY,
    namespace       text        NOT NULL,
    pass_name       text        NOT NULL,
    payload         jsonb       NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    delivered_to    text[]      NOT NULL DEFAULT '{}',
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz
);
CREATE INDEX webhook_outbox_pass ON webhook_outbox (namespace, pass_name, id);

-- +goose Down
DROP TABLE webhook_outbox;
DROP TABLE pass_devices;
DROP TABLE registrations;
