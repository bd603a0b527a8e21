-- Idempotency keys of the HTTP API: the first request a user sends under a
-- key runs, and its response is kept so that a retry gets the same answer
-- instead of a second effect. {{bytes}} and {{timestamp}} are filled in per
-- dialect by migrate.go.

-- +goose Up
-- status 0 marks a request still running. request_hash is a keyed hash
-- (seal.Keyring.Index) of the SHA-256 of method, path and body: a bare
-- hash of a body that names a person could be reversed by trying every
-- national ID. body may hold personal data and is sealed like the
-- registry's personal fields.
CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL REFERENCES users (id),
    key          TEXT NOT NULL,
    request_hash {{bytes}} NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         {{bytes}},
    created_at   {{timestamp}} NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
