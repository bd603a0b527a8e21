-- The fund and compensation ledger (package ledger): accounts with running
-- debit and credit sums, so that a balance is one row, and the immutable
-- transfers from which `muster ledger check` recomputes them. {{id}} is
-- filled in per dialect by migrate.go.

-- +goose Up
-- One row: the sum of all transfer amounts (ledger.Book's overflow bound).
-- Every ApplyTransfers locks it first, which serialises ledger writers.
CREATE TABLE ledger_meta (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    total BIGINT NOT NULL
);
INSERT INTO ledger_meta (id, total) VALUES (1, 0);

CREATE TABLE ledger_accounts (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    no_overdraft BOOLEAN NOT NULL,
    name         TEXT NOT NULL,
    debits       BIGINT NOT NULL DEFAULT 0,
    credits      BIGINT NOT NULL DEFAULT 0,
    created_at   {{timestamp}} NOT NULL
);

-- at is RFC 3339 with nanoseconds in UTC, so that a retry compares equal
-- to the stored transfer to the nanosecond (a TIMESTAMPTZ keeps micros).
CREATE TABLE ledger_transfers (
    seq            {{id}},
    id             TEXT NOT NULL UNIQUE,
    debit_account  TEXT NOT NULL REFERENCES ledger_accounts (id),
    credit_account TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount         BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    at             TEXT NOT NULL,
    memo           TEXT NOT NULL DEFAULT '',
    linked         TEXT NOT NULL DEFAULT '',
    reverses       TEXT NOT NULL DEFAULT '',
    log_index      BIGINT NOT NULL UNIQUE
);
CREATE INDEX ledger_transfers_linked ON ledger_transfers (linked) WHERE linked <> '';
CREATE INDEX ledger_transfers_reverses ON ledger_transfers (reverses) WHERE reverses <> '';

-- +goose Down
DROP TABLE ledger_transfers;
DROP TABLE ledger_accounts;
DROP TABLE ledger_meta;
