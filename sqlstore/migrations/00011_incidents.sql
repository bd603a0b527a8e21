-- Conflict incidents imported from ACLED exports, keyed by ACLED's event
-- id so that importing a newer export updates rather than duplicates.
-- They are public data: nothing here is personal. week is the Monday
-- (midnight UTC) of the event's ISO week, computed on write so that both
-- dialects group by it the same way.

-- +goose Up
CREATE TABLE incidents (
    id             {{id}},
    event_id       TEXT NOT NULL UNIQUE,
    event_date     {{timestamp}} NOT NULL,
    week           {{timestamp}} NOT NULL,
    event_type     TEXT NOT NULL,
    sub_event_type TEXT NOT NULL,
    actor1         TEXT NOT NULL,
    admin1         TEXT NOT NULL,
    admin2         TEXT NOT NULL,
    location       TEXT NOT NULL,
    lat            DOUBLE PRECISION NOT NULL,
    lon            DOUBLE PRECISION NOT NULL,
    fatalities     INTEGER NOT NULL,
    notes          TEXT NOT NULL,
    area_id        BIGINT NOT NULL REFERENCES areas (id),
    updated_at     {{timestamp}} NOT NULL
);
CREATE INDEX incidents_date ON incidents (event_date);
CREATE INDEX incidents_area_date ON incidents (area_id, event_date);

-- +goose Down
DROP TABLE incidents;
