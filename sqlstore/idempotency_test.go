package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster/auth"
)

func TestIdempotencyKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		u, err := db.CreateUser(ctx, auth.User{Name: "dosso.officer", Role: auth.Officer, Area: "NE.DS"}, "x")
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateUser(ctx, auth.User{Name: "diffa.officer", Role: auth.Officer, Area: "NE.DF"}, "x")
		if err != nil {
			t.Fatal(err)
		}
		reqA, reqB := sha256.Sum256([]byte("POST /a {}")), sha256.Sum256([]byte("POST /b {}"))
		begin := func(userID int64, key string, h [32]byte) (*StoredResponse, error) {
			return db.BeginIdempotent(ctx, userID, key, h[:])
		}

		if got, err := begin(u.ID, "k1", reqA); got != nil || err != nil {
			t.Fatalf("first use = %v, %v; want nil, nil", got, err)
		}
		if _, err := begin(u.ID, "k1", reqA); !errors.Is(err, ErrIdempotencyInProgress) {
			t.Errorf("same request while running: err = %v", err)
		}
		if _, err := begin(u.ID, "k1", reqB); !errors.Is(err, ErrIdempotencyKeyReused) {
			t.Errorf("other request under a running key: err = %v", err)
		}
		// Keys are per user.
		if got, err := begin(other.ID, "k1", reqB); got != nil || err != nil {
			t.Errorf("another user's key = %v, %v", got, err)
		}
		body := []byte(`{"items":[{"addressee":"person:NE0001"}]}` + "\n")
		if err := db.FinishIdempotent(ctx, u.ID, "k1", 201, "application/json; charset=utf-8", body); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishIdempotent(ctx, u.ID, "k1", 201, "application/json", body); err == nil {
			t.Error("finishing a finished key succeeded")
		}
		got, err := begin(u.ID, "k1", reqA)
		if err != nil || got == nil || got.Status != 201 || got.ContentType != "application/json; charset=utf-8" || !bytes.Equal(got.Body, body) {
			t.Fatalf("replay = %+v, %v", got, err)
		}
		if _, err := begin(u.ID, "k1", reqB); !errors.Is(err, ErrIdempotencyKeyReused) {
			t.Errorf("other request under a finished key: err = %v", err)
		}
		// The stored body is sealed, and so is the request's hash.
		var rawBody, rawHash []byte
		if err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT body, request_hash FROM idempotency_keys WHERE user_id = ? AND key = ?`),
			u.ID, "k1").Scan(&rawBody, &rawHash); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rawBody, []byte("NE0001")) || bytes.Equal(rawHash, reqA[:]) {
			t.Error("the stored response or request hash is in clear")
		}

		// Abandoned (a 5xx): the next request under the key runs.
		if got, err := begin(u.ID, "k2", reqA); got != nil || err != nil {
			t.Fatal(got, err)
		}
		if err := db.AbandonIdempotent(ctx, u.ID, "k2"); err != nil {
			t.Fatal(err)
		}
		if got, err := begin(u.ID, "k2", reqB); got != nil || err != nil {
			t.Errorf("after abandon = %v, %v", got, err)
		}
		// A finished key is not abandoned.
		if err := db.AbandonIdempotent(ctx, u.ID, "k1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := begin(u.ID, "k1", reqA); got == nil {
			t.Error("abandon deleted a finished key")
		}

		// A running request past its lease is taken over.
		now = now.Add(IdempotencyLease)
		if got, err := begin(u.ID, "k2", reqA); got != nil || err != nil {
			t.Errorf("stale running key = %v, %v; want it taken over", got, err)
		}
		// A finished key expires after the TTL.
		now = now.Add(IdempotencyTTL)
		if got, err := begin(u.ID, "k1", reqB); got != nil || err != nil {
			t.Errorf("expired key = %v, %v; want it free", got, err)
		}
		n, err := db.PurgeIdempotent(ctx, now.Add(-IdempotencyTTL))
		if err != nil || n != 1 { // k1 of other; k2 of u was taken over exactly one TTL ago
			t.Errorf("purge = %d, %v; want 1", n, err)
		}
		if got, err := begin(other.ID, "k1", reqA); got != nil || err != nil {
			t.Errorf("purged key = %v, %v; want it free", got, err)
		}
	})
}

// TestIdempotencyRace starts the same request under one key many times at
// once: exactly one runs, the others see it running.
func TestIdempotencyRace(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		u, err := db.CreateUser(ctx, auth.User{Name: "dosso.officer", Role: auth.Officer, Area: "NE.DS"}, "x")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte("POST /a {}"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		runs, busy := 0, 0
		for range 8 {
			wg.Go(func() {
				got, err := db.BeginIdempotent(ctx, u.ID, "race", h[:])
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && got == nil:
					runs++
				case errors.Is(err, ErrIdempotencyInProgress):
					busy++
				default:
					t.Errorf("BeginIdempotent = %v, %v", got, err)
				}
			})
		}
		wg.Wait()
		if runs != 1 || busy != 7 {
			t.Errorf("%d ran and %d were told it is running; want 1 and 7", runs, busy)
		}
	})
}
