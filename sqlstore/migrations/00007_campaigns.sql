-- Call-up campaigns and their verifiable lottery (package campaign): the
-- frozen eligible list, the sealed seed until the draw, the published
-- statements and the selection. {{id}}, {{bytes}} and {{timestamp}} are
-- filled in per dialect by migrate.go.

-- +goose Up
CREATE TABLE campaigns (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    scope          TEXT NOT NULL,
    condition      TEXT NOT NULL,
    targets        TEXT NOT NULL,
    state          TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     {{timestamp}} NOT NULL,
    policy_version TEXT NOT NULL DEFAULT '',
    policy_hash    TEXT NOT NULL DEFAULT '',
    -- The seed stays sealed from the commitment to the draw, so that
    -- nobody who reads the database can know the ranks in advance.
    seed_sealed    {{bytes}},
    commit_text    TEXT NOT NULL DEFAULT '',
    commit_index   BIGINT,
    reveal_text    TEXT NOT NULL DEFAULT '',
    reveal_index   BIGINT
);

CREATE TABLE campaign_entries (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    idx         INTEGER NOT NULL,
    ref         TEXT NOT NULL,
    area        TEXT NOT NULL,
    skills      TEXT NOT NULL,
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    -- After the draw: the position in the selection, and the target.
    selected    INTEGER,
    target      INTEGER,
    PRIMARY KEY (campaign_id, idx)
);

-- +goose Down
DROP TABLE campaign_entries;
DROP TABLE campaigns;
