package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestOrderLinksHold writes, behind muster's back, rows that name an order
// or a key that does not exist, and deletes or re-keys the rows others
// point at: every statement is refused and leaves the tables as they were.
// On PostgreSQL the links are checked by statement-level triggers rather
// than foreign keys (migration 00015); this is what they must still catch.
func TestOrderLinksHold(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		key := seedOrders(t, db)
		ids := draftCallUps(t, db, 2)
		if _, err := db.ApproveOrders(ctx, ids[:1], approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		issued, draft := ids[0], ids[1]
		count := func(table string) int {
			t.Helper()
			var n int
			if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		events, outbox := count("order_events"), count("outbox")

		for _, c := range []struct {
			name, query string
			args        []any
			want        string
		}{
			{"an event of a missing order, beside a good one",
				`INSERT INTO order_events (order_id, seq, event, from_state, to_state, actor, role, at, log_index)
					VALUES (?, 9, 'ack', 'issued', 'acknowledged', 'a', 'citizen', ?, 1000), ('no-such-order', 1, 'ack', 'issued', 'acknowledged', 'a', 'citizen', ?, 1001)`,
				[]any{issued, db.now(), db.now()}, missingLink},
			{"a message for a missing order",
				`INSERT INTO outbox (order_id, topic, state, created_at) VALUES ('no-such-order', 'order.issued', 'pending', ?)`,
				[]any{db.now()}, missingLink},
			{"an event moved to a missing order",
				`UPDATE order_events SET order_id = 'no-such-order' WHERE order_id = ?`, []any{issued}, missingLink},
			{"a message moved to a missing order",
				`UPDATE outbox SET order_id = 'no-such-order' WHERE order_id = ?`, []any{issued}, missingLink},
			{"an order signed by a missing key",
				`UPDATE orders SET key_id = 'no-such-key' WHERE id = ?`, []any{draft}, missingLink},
			// The keys a statement names are checked once each
			// (migration 00019): a missing one among rows naming a good one.
			{"a missing key beside a good one, in one statement",
				`UPDATE orders SET key_id = CASE WHEN id = ? THEN 'no-such-key' ELSE ? END`, []any{draft, key.ID}, missingLink},
			{"an order deleted", `DELETE FROM orders WHERE id = ?`, []any{draft}, kept},
			{"an order re-keyed", `UPDATE orders SET id = 'other' WHERE id = ?`, []any{draft}, kept},
			{"a key deleted", `DELETE FROM authority_keys WHERE key_id = ?`, []any{key.ID}, kept},
			{"a key re-keyed", `UPDATE authority_keys SET key_id = 'other' WHERE key_id = ?`, []any{key.ID}, kept},
		} {
			_, err := db.sql.ExecContext(ctx, db.rebind(c.query), c.args...)
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				continue
			}
			if got := linkError(err); got != c.want {
				t.Errorf("%s: %v; want a refusal of kind %q, got %q", c.name, err, c.want, got)
			}
		}
		if n := count("order_events"); n != events {
			t.Errorf("order_events holds %d rows, want %d: a refused statement wrote some", n, events)
		}
		if n := count("outbox"); n != outbox {
			t.Errorf("outbox holds %d rows, want %d", n, outbox)
		}
		if _, err := db.Order(ctx, issued, ""); err != nil {
			t.Errorf("the issued order after the refusals: %v", err)
		}
		// The checks let good rows through: the draft is issued with the key.
		if _, err := db.ApproveOrders(ctx, ids[1:], approver, db.AddresseeRef); err != nil {
			t.Errorf("issuing after the refusals: %v", err)
		}
	})
}

// How the database refused a statement, as linkError tells it.
const (
	missingLink = "link" // a foreign key, or the triggers standing for one
	kept        = "kept" // the triggers that keep orders and keys
)

// linkError says how the database refused a statement: missingLink, kept,
// or "" for anything else.
func linkError(err error) string {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code {
		case "23503": // foreign_key_violation
			return missingLink
		case "23001": // restrict_violation
			return kept
		}
		return ""
	}
	switch msg := err.Error(); {
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return missingLink
	case strings.Contains(msg, "are never deleted"), strings.Contains(msg, "never change their key"):
		return kept
	}
	return ""
}
