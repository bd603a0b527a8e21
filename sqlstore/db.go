// Package sqlstore keeps muster's data in SQL: SQLite (the embedded
// default, one file in WAL mode) or PostgreSQL, with one schema, one set of
// queries and one test suite. It is an adapter: domain packages never
// import it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers "pgx" with database/sql
	_ "modernc.org/sqlite"           // registers "sqlite"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/seal"
)

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// DB is a muster database. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	dialect dialect
	keys    *seal.Keyring
	now     func() time.Time

	// writer is SQLite's one write slot (a semaphore of one). Every
	// SQLite transaction takes the write lock at BEGIN; queueing for it
	// here is fair, where SQLite's busy handler polls and can starve one
	// writer past busy_timeout while others keep winning the lock. Nil on
	// PostgreSQL, whose row locks need no such queue.
	writer chan struct{}

	// areaIDs caches area code → row id: every registry write needs it,
	// and areas change rarely (ImportAreas resets it).
	areaMu  sync.RWMutex
	areaIDs map[string]int64
	// subtrees caches area code → the row ids of its subtree (withinClause).
	subtrees map[string][]int64

	// stmts holds the prepared statements of the hot read paths (the
	// citizen look-up) by query text: SQLite would otherwise parse each
	// statement again on every call.
	stmts sync.Map
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database at dsn, a SQLite file path or a postgres:// URL,
// and brings its schema up to date. keys seal and open personal fields.
func Open(ctx context.Context, dsn string, keys *seal.Keyring) (*DB, error) {
	db := &DB{keys: keys, now: time.Now}
	var err error
	if IsPostgres(dsn) {
		db.dialect = postgres
		db.sql, err = sql.Open("pgx", dsn)
		if err == nil {
			// A few connections per core: each is a server process, and
			// more of them than the cores can run only switch between
			// each other. On 2 cores, runs of muster bench lookup --db
			// postgres://... taking turns gave 4,795 to 4,886 look-ups/s
			// with 4 connections against 4,086 to 4,712 with 16, and a
			// lower p99.
			conns := max(4, 2*runtime.GOMAXPROCS(0))
			db.sql.SetMaxOpenConns(conns)
			db.sql.SetMaxIdleConns(conns)
		}
	} else {
		db.dialect = sqlite
		db.writer = make(chan struct{}, 1)
		db.sql, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(path string) (*sql.DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	if err := createSQLite(path); err != nil {
		return nil, err
	}
	// WAL lets readers go on while one writer writes; IMMEDIATE
	// transactions take the write lock at BEGIN so that two writers queue
	// on busy_timeout instead of failing on upgrade; synchronous=NORMAL is
	// durable across application crashes in WAL mode. The large page cache
	// keeps an import batch's dirty index pages in memory instead of
	// spilling them to the WAL mid-transaction; reads go through mmap.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-262144)", "mmap_size(1073741824)", "temp_store(MEMORY)", "wal_autocheckpoint(16384)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return db, nil
}

// createSQLite makes a new database file private to its owner (it holds
// the registry), in WAL mode from the start. It keeps 4 KiB pages on
// purpose: national IDs are indexed by a keyed hash, so bulk imports insert
// at random places in that index and every such insert dirties a whole
// page; larger pages measured slower (muster bench import).
func createSQLite(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	f.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=page_size(4096)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA journal_mode=WAL`); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return db.Close()
}

// redact hides a password in a DSN before it goes into an error message.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return db.sql.Close()
}

// stmt returns the prepared statement of query (in the "?" form rebind
// takes), preparing it on first use and keeping it while db is open.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.sql.PrepareContext(ctx, db.rebind(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// execBatch runs query in tx. A batch statement whose size recurs (a full
// chunk of a bulk write) is prepared once and kept: SQLite would otherwise
// parse its thousands of placeholders again on every call.
func (db *DB) execBatch(ctx context.Context, tx *dbTx, recurs bool, query string, args ...any) (sql.Result, error) {
	if !recurs || db.dialect != sqlite {
		return tx.ExecContext(ctx, db.rebind(query), args...)
	}
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, s).ExecContext(ctx, args...)
}

// Dialect names the database engine: "sqlite" or "postgres".
func (db *DB) Dialect() string {
	if db.dialect == postgres {
		return "postgres"
	}
	return "sqlite"
}

// SetClock replaces the clock used for timestamps (tests).
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// rebind turns the '?' placeholders in which queries are written into
// PostgreSQL's $1, $2... Queries hold no literal '?'.
func (db *DB) rebind(q string) string {
	if db.dialect != postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// inTx runs fn in a transaction, committing if it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *dbTx) error) error {
	tx, done, err := db.begin(ctx, nil)
	if err != nil {
		return err
	}
	defer done()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// begin starts a transaction, first waiting for SQLite's write slot (see
// DB.writer). done gives the slot back; call it after Commit or Rollback.
func (db *DB) begin(ctx context.Context, opts *sql.TxOptions) (tx *dbTx, done func(), err error) {
	done = func() {}
	if db.writer != nil {
		select {
		case db.writer <- struct{}{}:
			done = func() { <-db.writer }
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		done()
		return nil, nil, err
	}
	sqlTx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Close()
		done()
		return nil, nil, err
	}
	release := done
	done = func() {
		conn.Close()
		release()
	}
	return &dbTx{Tx: sqlTx, conn: conn}, done, nil
}

// dbTx is a transaction together with the connection it runs on: on
// PostgreSQL, bulk inserts send their rows with COPY, which database/sql
// has no words for, on that connection and so inside the transaction.
type dbTx struct {
	*sql.Tx
	conn *sql.Conn
}

// copyMinRows is the fewest rows sent with COPY: it costs a round trip
// more than an INSERT (pgx first asks for the columns' types), which a
// citizen's single event would feel and a batch of thousands would not.
const copyMinRows = 50

// copies reports whether n rows are inserted with COPY (dbTx.copyRows).
func (db *DB) copies(n int) bool {
	return db.dialect == postgres && n >= copyMinRows
}

// copyRows inserts rows into table's columns cols with COPY (PostgreSQL).
// The server writes the rows in batches of pages, not one by one as an
// INSERT does.
func (tx *dbTx) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	return tx.conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}

// placeholders returns "(?,?,?),(?,?,?)" for rows rows of cols columns.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// notFound maps sql.ErrNoRows to a muster not_found error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return muster.Errorf(muster.NotFound, format, args...)
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Exec runs a statement that returns no rows, for administrative work
// such as creating a schema for a benchmark.
func (db *DB) Exec(ctx context.Context, query string) error {
	_, err := db.sql.ExecContext(ctx, query)
	return err
}
