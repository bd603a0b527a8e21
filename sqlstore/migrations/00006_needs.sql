-- Needs filed by requesting units, the policy versions muster has loaded,
-- and the allocator's proposals with their lines and shortfalls. {{id}}
-- and {{timestamp}} are filled in per dialect by migrate.go.

-- +goose Up
CREATE TABLE needs (
    id            {{id}},
    need_id       TEXT NOT NULL UNIQUE,
    unit          TEXT NOT NULL,
    type          TEXT NOT NULL,
    skill         TEXT NOT NULL,
    quantity      DOUBLE PRECISION NOT NULL,
    area_id       BIGINT NOT NULL REFERENCES areas (id),
    lat           DOUBLE PRECISION,
    lon           DOUBLE PRECISION,
    deadline      {{timestamp}} NOT NULL,
    priority      INTEGER NOT NULL,
    justification TEXT NOT NULL,
    legal_basis   TEXT NOT NULL,
    state         TEXT NOT NULL,
    filled        DOUBLE PRECISION NOT NULL DEFAULT 0,
    filed_by      TEXT NOT NULL,
    created_at    {{timestamp}} NOT NULL,
    updated_at    {{timestamp}} NOT NULL
);
CREATE INDEX needs_state_area ON needs (state, area_id);

-- Every policy version ever loaded, as its file, with the log leaf that
-- published its hash. The active one is the latest row.
CREATE TABLE policies (
    id        {{id}},
    version   TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE,
    body      {{bytes}} NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at {{timestamp}} NOT NULL,
    log_index BIGINT NOT NULL UNIQUE
);

CREATE TABLE proposals (
    id             TEXT PRIMARY KEY,
    created_by     TEXT NOT NULL,
    created_at     {{timestamp}} NOT NULL,
    scope          TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_hash    TEXT NOT NULL,
    state          TEXT NOT NULL,
    total_cost     DOUBLE PRECISION NOT NULL,
    needs          INTEGER NOT NULL,
    candidates     INTEGER NOT NULL
);
CREATE TABLE proposal_lines (
    proposal_id  TEXT NOT NULL REFERENCES proposals (id),
    line         INTEGER NOT NULL,
    need_id      TEXT NOT NULL,
    candidate    TEXT NOT NULL,
    owner        TEXT NOT NULL,
    type         TEXT NOT NULL,
    quantity     DOUBLE PRECISION NOT NULL,
    distance_km  DOUBLE PRECISION NOT NULL,
    travel       DOUBLE PRECISION NOT NULL,
    burden       DOUBLE PRECISION NOT NULL,
    fairness     DOUBLE PRECISION NOT NULL,
    cost         DOUBLE PRECISION NOT NULL,
    state        TEXT NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    order_id     TEXT,
    PRIMARY KEY (proposal_id, line)
);
CREATE INDEX proposal_lines_need ON proposal_lines (need_id);
CREATE TABLE proposal_shortfalls (
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    need_id     TEXT NOT NULL,
    missing     DOUBLE PRECISION NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (proposal_id, need_id)
);

-- +goose Down
DROP TABLE proposal_shortfalls;
DROP TABLE proposal_lines;
DROP TABLE proposals;
DROP TABLE policies;
DROP TABLE needs;
