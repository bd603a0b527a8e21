-- Orders, the authorities that sign them, and the transparency log that
-- records every change. {{id}}, {{bytes}} and {{timestamp}} are filled in
-- per dialect by migrate.go.

-- +goose Up
CREATE TABLE authorities (
    id         {{id}},
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    area_id    BIGINT NOT NULL REFERENCES areas (id),
    created_at {{timestamp}} NOT NULL
);

-- Signing keys. The private key is sealed with the master key (package
-- seal), bound to its key id.
CREATE TABLE authority_keys (
    key_id       TEXT PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES authorities (id),
    public_key   {{bytes}} NOT NULL,
    private_key  {{bytes}} NOT NULL,
    not_before   {{timestamp}} NOT NULL,
    not_after    {{timestamp}} NOT NULL,
    revoked_at   {{timestamp}},
    created_at   {{timestamp}} NOT NULL
);

CREATE TABLE orders (
    id                  TEXT PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    addressee_person_id BIGINT REFERENCES persons (id),
    addressee_org_id    BIGINT REFERENCES organisations (id),
    -- the addressee's area: officers see the orders of their jurisdiction
    area_id             BIGINT NOT NULL REFERENCES areas (id),
    authority_id        BIGINT NOT NULL REFERENCES authorities (id),
    state               TEXT NOT NULL,
    seq                 BIGINT NOT NULL,
    deadline            {{timestamp}} NOT NULL,
    -- items, place, legal basis, reason, compensation: non-personal JSON
    details             TEXT NOT NULL,
    drafted_by          TEXT NOT NULL,
    approved_by         TEXT NOT NULL DEFAULT '',
    reviewed_by         TEXT NOT NULL DEFAULT '',
    batch               TEXT NOT NULL DEFAULT '',
    created_at          {{timestamp}} NOT NULL,
    issued_at           {{timestamp}},
    key_id              TEXT REFERENCES authority_keys (key_id),
    log_index           BIGINT,
    signed              TEXT,
    CHECK ((addressee_person_id IS NULL) <> (addressee_org_id IS NULL))
);
CREATE INDEX orders_state ON orders (state, area_id);
CREATE INDEX orders_area ON orders (area_id, state);
CREATE INDEX orders_batch ON orders (batch, state);

-- Every transition of every order. The note may hold personal details (a
-- claim's grounds) and is sealed; the transparency log gets the rest.
CREATE TABLE order_events (
    order_id   TEXT NOT NULL REFERENCES orders (id),
    seq        BIGINT NOT NULL,
    event      TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    at         {{timestamp}} NOT NULL,
    deadline   {{timestamp}},
    note       {{bytes}},
    log_index  BIGINT NOT NULL UNIQUE,
    PRIMARY KEY (order_id, seq)
);

-- Messages to citizens, written in the transaction of the change they
-- announce; a sender delivers them.
CREATE TABLE outbox (
    id         {{id}},
    order_id   TEXT NOT NULL REFERENCES orders (id),
    topic      TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX outbox_state ON outbox (state, id);

-- The transparency log (package tlog): leaves, C2SP tiles of interior
-- node hashes, the right edge of the tree, and signed checkpoints.
CREATE TABLE log_leaves (
    idx  BIGINT PRIMARY KEY,
    hash {{bytes}} NOT NULL,
    data {{bytes}} NOT NULL
);
CREATE TABLE log_tiles (
    level  BIGINT NOT NULL,
    idx    BIGINT NOT NULL,
    hashes {{bytes}} NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE log_head (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    size   BIGINT NOT NULL,
    hashes {{bytes}} NOT NULL
);
CREATE TABLE log_checkpoints (
    size       BIGINT PRIMARY KEY,
    note       {{bytes}} NOT NULL,
    created_at {{timestamp}} NOT NULL
);

-- +goose Down
DROP TABLE log_checkpoints;
DROP TABLE log_head;
DROP TABLE log_tiles;
DROP TABLE log_leaves;
DROP TABLE outbox;
DROP TABLE order_events;
DROP TABLE orders;
DROP TABLE authority_keys;
DROP TABLE authorities;
