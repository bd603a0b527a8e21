-- The registry: areas, persons, organisations, resources; and the officers
-- who use it. Written once for both dialects: {{id}}, {{bytes}} and
-- {{timestamp}} are filled in per dialect by migrate.go.

-- +goose Up
CREATE TABLE areas (
    id          {{id}},
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    -- path is the materialized ancestry "/NE/NE.DS/NE.DS.D01/": a
    -- jurisdiction is every area whose path starts with the officer's.
    path        TEXT NOT NULL,
    label_lat   DOUBLE PRECISION,
    label_lon   DOUBLE PRECISION,
    population  BIGINT NOT NULL DEFAULT 0,
    geometry    TEXT,
    updated_at  {{timestamp}} NOT NULL
);

-- The personal fields (national ID, names, birth date, phone) are sealed
-- together in one AES-GCM record (see sealed.go); national IDs are found
-- through a keyed blind index, never in clear.
CREATE TABLE persons (
    id              {{id}},
    nid_index       {{bytes}} NOT NULL UNIQUE,
    personal        {{bytes}} NOT NULL,
    sex             TEXT NOT NULL,
    area_id         BIGINT NOT NULL REFERENCES areas (id),
    -- skills as ";driver;mechanic;" so that one LIKE finds a skill.
    skills          TEXT NOT NULL,
    status          TEXT NOT NULL,
    rank            TEXT NOT NULL,
    updated_at      {{timestamp}} NOT NULL
);
CREATE INDEX persons_area ON persons (area_id, status);

CREATE TABLE organisations (
    id               {{id}},
    org_id           TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    area_id          BIGINT NOT NULL REFERENCES areas (id),
    protected        BOOLEAN NOT NULL,
    protected_reason TEXT NOT NULL,
    updated_at       {{timestamp}} NOT NULL
);
CREATE INDEX organisations_area ON organisations (area_id);

CREATE TABLE resources (
    id                 {{id}},
    resource_id        TEXT NOT NULL UNIQUE,
    owner_person_id    BIGINT REFERENCES persons (id),
    owner_org_id       BIGINT REFERENCES organisations (id),
    type               TEXT NOT NULL,
    quantity           DOUBLE PRECISION NOT NULL,
    unit               TEXT NOT NULL,
    area_id            BIGINT NOT NULL REFERENCES areas (id),
    lat                DOUBLE PRECISION,
    lon                DOUBLE PRECISION,
    condition          TEXT NOT NULL,
    declared_value_xof BIGINT NOT NULL,
    updated_at         {{timestamp}} NOT NULL,
    CHECK ((owner_person_id IS NULL) <> (owner_org_id IS NULL))
);
CREATE INDEX resources_area_type ON resources (area_id, type);
CREATE INDEX resources_owner_person ON resources (owner_person_id);
CREATE INDEX resources_owner_org ON resources (owner_org_id);

CREATE TABLE users (
    id            {{id}},
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    area_id       BIGINT NOT NULL REFERENCES areas (id),
    password_hash TEXT NOT NULL,
    created_at    {{timestamp}} NOT NULL
);

-- Only the SHA-256 of a bearer token is kept: a copy of the database does
-- not let anyone log in.
CREATE TABLE sessions (
    token_hash {{bytes}} PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    expires_at {{timestamp}} NOT NULL
);

-- Every read of personal data by an officer is recorded here.
CREATE TABLE access_log (
    id        {{id}},
    at        {{timestamp}} NOT NULL,
    user_id   BIGINT NOT NULL REFERENCES users (id),
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL
);
CREATE INDEX access_log_user ON access_log (user_id, at);

-- +goose Down
DROP TABLE access_log;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE resources;
DROP TABLE organisations;
DROP TABLE persons;
DROP TABLE areas;
