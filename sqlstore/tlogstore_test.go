package sqlstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/tlog/tlogtest"
)

// TestLogStoreConformance runs tlog's store conformance suite on the SQL
// tables, each case on a fresh database.
func TestLogStoreConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		tlogtest.Run(t, func(t *testing.T) tlog.Store {
			db := OpenTest(t, filepath.Join(t.TempDir(), "log.db"))
			return logStore{db: db, q: db.sql}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("MUSTER_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("MUSTER_TEST_POSTGRES is not set: PostgreSQL tests skipped")
		}
		tlogtest.Run(t, func(t *testing.T) tlog.Store {
			db := OpenTest(t, dsn)
			return logStore{db: db, q: db.sql}
		})
	})
}
