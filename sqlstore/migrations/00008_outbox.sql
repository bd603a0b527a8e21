-- The outbox as package sms drives it (sqlstore/outbox.go): attempts and
-- leases, the next attempt's time, the last failure, the provider's ID
-- and delivery report; messages that carry their own recipient and text
-- (replies to an inbound SMS, which concern no order); and the phones that
-- texted STOP. {{bytes}} and {{timestamp}} are filled in per dialect by
-- migrate.go.
--
-- A reply concerns no order, so order_id becomes nullable. PostgreSQL
-- drops the constraint in place; SQLite cannot, and rebuilds the table as
-- its documentation prescribes (create, copy, drop, rename). The template
-- tells the dialects apart by their timestamp type; everything after that
-- block is the same for both.

-- +goose Up
{{if eq (timestamp) "TIMESTAMPTZ"}}
ALTER TABLE outbox ALTER COLUMN order_id DROP NOT NULL;
{{else}}
CREATE TABLE outbox_rebuilt (
    id         {{id}},
    order_id   TEXT REFERENCES orders (id),
    topic      TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);
INSERT INTO outbox_rebuilt (id, order_id, topic, state, created_at)
    SELECT id, order_id, topic, state, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, id);
{{end}}
-- attempts counts claims; lease_until is when the last claim's lease
-- runs out; next_at is when a retried message is due (NULL: at once).
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_at {{timestamp}};
ALTER TABLE outbox ADD COLUMN lease_until {{timestamp}};
ALTER TABLE outbox ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN provider_id TEXT;
ALTER TABLE outbox ADD COLUMN sent_at {{timestamp}};
ALTER TABLE outbox ADD COLUMN delivery TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivery_at {{timestamp}};
-- A message about an order is written when it is claimed, from the order
-- and its addressee; a reply is written when it is queued, and keeps its
-- recipient (sealed: a phone number is personal data) and its text here.
ALTER TABLE outbox ADD COLUMN recipient {{bytes}};
ALTER TABLE outbox ADD COLUMN body TEXT;
CREATE INDEX outbox_provider ON outbox (provider_id);

-- Phones that texted STOP, by blind index: notices to them are
-- dead-lettered instead of sent. Replies still go: the citizen asked.
CREATE TABLE sms_stops (
    phone_index {{bytes}} PRIMARY KEY,
    created_at  {{timestamp}} NOT NULL
);

-- +goose Down
DROP TABLE sms_stops;
DROP INDEX outbox_provider;
DELETE FROM outbox WHERE order_id IS NULL;
{{if eq (timestamp) "TIMESTAMPTZ"}}
ALTER TABLE outbox DROP COLUMN body;
ALTER TABLE outbox DROP COLUMN recipient;
ALTER TABLE outbox DROP COLUMN delivery_at;
ALTER TABLE outbox DROP COLUMN delivery;
ALTER TABLE outbox DROP COLUMN sent_at;
ALTER TABLE outbox DROP COLUMN provider_id;
ALTER TABLE outbox DROP COLUMN reason;
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN next_at;
ALTER TABLE outbox DROP COLUMN attempts;
ALTER TABLE outbox ALTER COLUMN order_id SET NOT NULL;
{{else}}
CREATE TABLE outbox_rebuilt (
    id         {{id}},
    order_id   TEXT NOT NULL REFERENCES orders (id),
    topic      TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);
INSERT INTO outbox_rebuilt (id, order_id, topic, state, created_at)
    SELECT id, order_id, topic, state, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, id);
{{end}}
