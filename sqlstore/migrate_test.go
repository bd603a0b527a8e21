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
