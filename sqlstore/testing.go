package sqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"testing"

	"github.com/muster-org/muster/seal"
)

// OpenTest opens a fresh database for a test of any package: dsn is a
// SQLite path, or a PostgreSQL DSN in which a new schema is created (and
// dropped at cleanup) so that tests do not see each other's rows.
func OpenTest(t testing.TB, dsn string) *DB {
	t.Helper()
	ctx := context.Background()
	if IsPostgres(dsn) {
		schema := fmt.Sprintf("t_%x", randBytes(6))
		admin, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.sql.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.sql.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	keys, err := seal.New(bytes.Repeat([]byte{42}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, dsn, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
