package sqlstore

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/muster-org/muster"
)

// Idempotency keys let a client retry a POST without doing its work twice:
// the first request under a key runs, and its response is kept; a retry of
// the same request gets that response back. The HTTP layer decides what a
// request is (it passes the SHA-256 of method, path and body) and which
// responses are kept.
const (
	// IdempotencyTTL is how long a key is kept. An older key is as good as
	// unused: a request under it runs again.
	IdempotencyTTL = 24 * time.Hour
	// IdempotencyLease is how long a request that has not finished holds
	// its key. Past it, the server that ran it is taken to have died (a
	// live one abandons or finishes the key), and the next request under
	// the key runs. It is far longer than any request takes.
	IdempotencyLease = 5 * time.Minute
)

// StoredResponse is the response kept under an idempotency key.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// The two refusals of BeginIdempotent; both are conflicts.
var (
	ErrIdempotencyKeyReused = muster.Errorf(muster.Conflict,
		"this Idempotency-Key was used for a different request; send a new request under a new key")
	ErrIdempotencyInProgress = muster.Errorf(muster.Conflict,
		"a request with this Idempotency-Key is still running; retry it in a moment")
)

func idempotencyAAD(userID int64, key string) []byte {
	return fmt.Appendf(nil, "idempotency_keys.body|%d|%s", userID, key)
}

// BeginIdempotent claims key for userID and the request whose SHA-256 is
// hash. It returns (nil, nil) when the caller should run the request (the
// key was unused, expired, or held by a request that outlived its lease)
// and must then call FinishIdempotent or AbandonIdempotent; the stored
// response when the same request already finished; ErrIdempotencyKeyReused
// when the key names another request; and ErrIdempotencyInProgress when the
// same request is still running.
func (db *DB) BeginIdempotent(ctx context.Context, userID int64, key string, hash []byte) (*StoredResponse, error) {
	digest := db.keys.Index("idempotency_keys.request_hash", string(hash))
	for attempt := 0; ; attempt++ {
		stored, err := db.beginIdempotent(ctx, userID, key, digest)
		if err != nil && isUniqueViolation(err) && attempt < 3 {
			continue // a concurrent request inserted the key first: look again
		}
		return stored, err
	}
}

func (db *DB) beginIdempotent(ctx context.Context, userID int64, key string, digest []byte) (*StoredResponse, error) {
	var out *StoredResponse
	err := db.inTx(ctx, func(tx *dbTx) error {
		now := db.now().UTC()
		query := `SELECT request_hash, status, content_type, body, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?`
		if db.dialect == postgres {
			query += ` FOR UPDATE` // SQLite transactions are IMMEDIATE: already exclusive
		}
		var (
			hash, body []byte
			status     int
			ctype      string
			created    time.Time
		)
		err := tx.QueryRowContext(ctx, db.rebind(query), userID, key).Scan(&hash, &status, &ctype, &body, &created)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO idempotency_keys (user_id, key, request_hash, status, content_type, created_at)
				VALUES (?, ?, ?, 0, '', ?)`), userID, key, digest, now)
			return err
		}
		if err != nil {
			return fmt.Errorf("idempotency key: %w", err)
		}
		age := now.Sub(created)
		if age >= IdempotencyTTL || (status == 0 && age >= IdempotencyLease) {
			_, err = tx.ExecContext(ctx, db.rebind(`UPDATE idempotency_keys SET request_hash = ?, status = 0, content_type = '', body = NULL,
				created_at = ? WHERE user_id = ? AND key = ?`), digest, now, userID, key)
			return err
		}
		switch {
		case !hmac.Equal(hash, digest):
			return ErrIdempotencyKeyReused
		case status == 0:
			return ErrIdempotencyInProgress
		}
		pt, err := db.keys.Open(body, idempotencyAAD(userID, key))
		if err != nil {
			return muster.Wrap(muster.Internal, err, "idempotency key: stored response does not open")
		}
		out = &StoredResponse{Status: status, ContentType: ctype, Body: pt}
		return nil
	})
	return out, err
}

// FinishIdempotent stores the response of the request that holds key.
// The body is sealed: it may name persons.
func (db *DB) FinishIdempotent(ctx context.Context, userID int64, key string, status int, contentType string, body []byte) error {
	if status < 100 || status > 599 {
		return fmt.Errorf("idempotency key: %d is not an HTTP status", status)
	}
	res, err := db.sql.ExecContext(ctx, db.rebind(`UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?
		WHERE user_id = ? AND key = ? AND status = 0`), status, contentType, db.keys.Seal(body, idempotencyAAD(userID, key)), userID, key)
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("idempotency key: no running request holds it")
	}
	return nil
}

// AbandonIdempotent releases key without storing a response, so that a
// retry runs the request again: for failures of ours (5xx), after which
// the client may retry.
func (db *DB) AbandonIdempotent(ctx context.Context, userID int64, key string) error {
	_, err := db.sql.ExecContext(ctx, db.rebind(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status = 0`), userID, key)
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotent deletes the keys created before the given time (now
// minus IdempotencyTTL for the expired ones) and returns how many it
// deleted. Expired keys are ignored anyway; purging keeps the table small.
func (db *DB) PurgeIdempotent(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.sql.ExecContext(ctx, db.rebind(`DELETE FROM idempotency_keys WHERE created_at < ?`), before.UTC())
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
