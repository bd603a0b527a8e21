package sqlstore

import (
	"context"
	"testing"
)

// TestMigrationsGoDownAndUp undoes every migration, newest first, and
// applies them again: each Down leaves a schema its Up can rebuild.
func TestMigrationsGoDownAndUp(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		p, err := db.migrations()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 0); err != nil {
			t.Fatalf("down: %v", err)
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
	})
}

// TestOrderIDsCompareBytewise: on PostgreSQL every column holding an order
// id has the "C" collation (migration 00017), so that joins between them
// need no collation of their own and compare with memcmp.
func TestOrderIDsCompareBytewise(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		if db.dialect != postgres {
			t.Skip("SQLite compares text bytewise")
		}
		rows, err := db.sql.Query(`SELECT table_name, column_name, COALESCE(collation_name, '') FROM information_schema.columns
			WHERE table_schema = current_schema() AND ((table_name = 'orders' AND column_name = 'id') OR column_name = 'order_id')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var table, column, collation string
			if err := rows.Scan(&table, &column, &collation); err != nil {
				t.Fatal(err)
			}
			seen++
			if collation != "C" {
				t.Errorf("%s.%s has collation %q, want C", table, column, collation)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if seen < 5 {
			t.Errorf("found %d order id columns, want at least 5 (orders, order_events, outbox, order_drafts, proposal_lines)", seen)
		}
	})
}
