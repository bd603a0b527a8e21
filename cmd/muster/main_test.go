package main

// End-to-end tests of the muster command as a user runs it: TestMain
// builds the binary once, and every test runs it as a subprocess with a
// fresh data directory, on SQLite and, when MUSTER_TEST_POSTGRES holds a
// DSN, on a fresh PostgreSQL schema too.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/muster-org/muster/sqlstore"
)

// musterBin is the binary built by TestMain.
var musterBin string

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "muster-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// go test puts its own go first on PATH.
	goCmd, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	musterBin = filepath.Join(dir, "muster")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goCmd, "build", "-o", musterBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building muster: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// fixture is the path of a file of importer/testdata, relative to this
// package's directory, as a user would type it.
func fixture(name string) string { return filepath.Join("..", "..", "importer", "testdata", name) }

// result is what one run of muster left behind.
type result struct {
	code           int
	stdout, stderr string
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// lines splits output into lines, none for empty output.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// cleanEnv is the test's environment without MUSTER_* variables, so that
// a developer's settings do not leak into the runs.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MUSTER_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// env is one fresh installation of muster: a data directory and, for
// PostgreSQL, a DSN whose search_path is a schema of its own.
type env struct {
	t       *testing.T
	dataDir string
	dsn     string // "" on SQLite
	extra   []string
}

func (e *env) postgres() bool { return e.dsn != "" }

// dbPath is the SQLite file of a SQLite env.
func (e *env) dbPath() string { return filepath.Join(e.dataDir, "muster.db") }

// args prefixes args with the global flags that select this env.
func (e *env) args(args ...string) []string {
	global := []string{"--data-dir", e.dataDir}
	if e.dsn != "" {
		global = append(global, "--db", e.dsn)
	}
	return append(global, args...)
}

// run runs muster with args in this env and stdin closed.
func (e *env) run(args ...string) result { return e.runStdin("", args...) }

// runStdin runs muster with args in this env, stdin holding stdin.
func (e *env) runStdin(stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, musterBin, e.args(args...)...)
	cmd.Env = cleanEnv(e.extra...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		e.t.Fatalf("muster %s: timed out\n%s", strings.Join(args, " "), r)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		e.t.Fatalf("muster %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustRun runs muster and fails the test unless it exits with want.
func (e *env) mustRun(want int, args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != want {
		e.t.Fatalf("muster %s: want exit %d, got\n%s", strings.Join(args, " "), want, r)
	}
	return r
}

// sqlDB opens the env's database directly, bypassing muster.
func (e *env) sqlDB() *sql.DB {
	e.t.Helper()
	var db *sql.DB
	var err error
	if e.postgres() {
		db, err = sql.Open("pgx", e.dsn)
	} else {
		// mode=rw: never create the file, which muster must create itself.
		db, err = sql.Open("sqlite", "file:"+e.dbPath()+"?mode=rw&_pragma=busy_timeout(10000)")
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return db
}

// logLeaves opens the database as muster does and returns a reader of
// the log's leaves, whichever table holds each; a leaf it cannot read is
// nil.
func (e *env) logLeaves() func(index uint64) []byte {
	e.t.Helper()
	dsn := e.dsn
	if dsn == "" {
		dsn = e.dbPath()
	}
	db, err := sqlstore.Open(context.Background(), dsn, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return func(index uint64) []byte {
		data, err := db.Log().Leaf(context.Background(), index)
		if err != nil {
			e.t.Errorf("log leaf %d: %v", index, err)
		}
		return data
	}
}

// count is the number of rows in table (or the result of a COUNT query),
// 0 when the SQLite file does not exist yet.
func (e *env) count(tableOrQuery string) int {
	e.t.Helper()
	if _, err := os.Stat(e.dbPath()); !e.postgres() && os.IsNotExist(err) {
		return 0
	}
	q := tableOrQuery
	if !strings.Contains(q, " ") {
		q = "SELECT COUNT(*) FROM " + q
	}
	db := e.sqlDB()
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// newSQLiteEnv is a fresh data directory with a SQLite database.
func newSQLiteEnv(t *testing.T) *env {
	return &env{t: t, dataDir: filepath.Join(t.TempDir(), "data")}
}

// newPostgresEnv creates a schema in the database at dsn, dropped at
// cleanup, and an env whose --db points at it.
func newPostgresEnv(t *testing.T, dsn string) *env {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := fmt.Sprintf("t_cli_%x", b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return &env{t: t, dataDir: filepath.Join(t.TempDir(), "data"), dsn: u.String()}
}

// onBackends runs f on a fresh SQLite env and, when MUSTER_TEST_POSTGRES
// is set, on a fresh PostgreSQL env, as parallel subtests.
func onBackends(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, newSQLiteEnv(t))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("MUSTER_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("MUSTER_TEST_POSTGRES is not set (a postgres:// DSN): skipping the PostgreSQL run")
		}
		t.Parallel()
		f(t, newPostgresEnv(t, dsn))
	})
}

// TestMigrate is the simplest run: a fresh database gets its schema.
func TestMigrate(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		dialect := "sqlite"
		if e.postgres() {
			dialect = "postgres"
		}
		for range 2 { // the second run finds the schema up to date
			r := e.mustRun(0, "migrate")
			if want := "schema up to date (" + dialect + ")"; lastLine(r.stdout) != want || r.stderr != "" {
				t.Fatalf("want %q and no stderr, got\n%s", want, r)
			}
		}
	})
}
