-- Log leaves stored 256 to a row. Issuing appends two leaves per order,
-- thousands per transaction, and a row per leaf cost more than a tenth of
-- issuing (muster bench issue: 12-20 % of the machine's time per order on
-- both databases). A bundle holds the leaves k*256 .. k*256+255, all
-- appended by one transaction: their hashes concatenated (the level-0
-- tile) and their data, each prefixed by its length as a uvarint. Leaves
-- appended a few at a time stay in log_leaves, one row each, so nothing is
-- ever rewritten; every leaf is in exactly one of the two tables.

-- +goose Up
CREATE TABLE log_bundles (
    idx    BIGINT PRIMARY KEY,
    hashes {{bytes}} NOT NULL,
    data   {{bytes}} NOT NULL
);
{{if postgres}}
-- Stored out of line uncompressed: compressing each 64 KB bundle of JSON
-- leaves took 4 % of the machine's time while issuing (perf:
-- pglz_compress), to save disk that a log of a few hundred bytes per
-- event does not need.
ALTER TABLE log_bundles ALTER COLUMN hashes SET STORAGE EXTERNAL;
ALTER TABLE log_bundles ALTER COLUMN data SET STORAGE EXTERNAL;
{{end}}

-- +goose Down
-- The bundled leaves go with the table: take a backup before going down.
DROP TABLE log_bundles;
