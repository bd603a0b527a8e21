-- The fund's contributions beyond their ledger transfer (package fund):
-- the channel they came by, the mobile-money provider's transaction id that
-- makes a webhook idempotent, and the contributor's name when, and only
-- when, they chose to be named. Programmes, holdings and payables are
-- ledger accounts and need no table of their own. {{timestamp}} is filled
-- in per dialect by migrate.go.

-- +goose Up
-- contributor is '' unless the contributor asked to be named; it never
-- enters the transparency log (a log cannot forget a name withdrawn later).
-- No phone number is ever stored.
CREATE TABLE fund_contributions (
    transfer_id TEXT PRIMARY KEY REFERENCES ledger_transfers (id),
    channel     TEXT NOT NULL,
    provider    TEXT NOT NULL DEFAULT '',
    provider_tx TEXT NOT NULL DEFAULT '',
    contributor TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX fund_contributions_provider_tx ON fund_contributions (provider, provider_tx) WHERE provider <> '';
CREATE INDEX fund_contributions_named ON fund_contributions (transfer_id) WHERE contributor <> '';

-- +goose Down
DROP TABLE fund_contributions;
