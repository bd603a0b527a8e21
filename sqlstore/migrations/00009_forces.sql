-- Force targets: the strength a force or unit must reach, the strength it
-- has, and the campaigns that fill the gap. {{timestamp}} is filled in
-- per dialect by migrate.go.

-- +goose Up
CREATE TABLE force_targets (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    target     BIGINT NOT NULL,
    base       BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
ALTER TABLE campaigns ADD COLUMN force TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaigns DROP COLUMN force;
DROP TABLE force_targets;
