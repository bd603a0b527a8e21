package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// upsert describes a bulk insert-or-update by natural key.
type upsert struct {
	table string
	cols  []string // the first column is the natural key
}

func (u upsert) key() string { return u.cols[0] }

func (u upsert) onConflict() string {
	sets := make([]string, 0, len(u.cols)-1)
	for _, c := range u.cols[1:] {
		sets = append(sets, c+" = excluded."+c)
	}
	return " ON CONFLICT (" + u.key() + ") DO UPDATE SET " + strings.Join(sets, ", ")
}

// sqliteRowsPerStatement keeps a statement under SQLite's limit of 32766
// parameters while amortizing the statement's overhead.
const sqliteRowsPerStatement = 1000

// write inserts or updates rows (values in u.cols order) in one
// transaction: multi-row INSERTs on SQLite, COPY into a temporary table and
// one INSERT ... SELECT on PostgreSQL. Later rows win over earlier rows
// with the same key.
func (db *DB) write(ctx context.Context, u upsert, rows [][]any) error {
	return db.prepareWrite(u, rows)(ctx)
}

// prepareWrite does the CPU work of write up front and returns the
// database work, so that a caller can prepare one batch while another is
// being written.
func (db *DB) prepareWrite(u upsert, rows [][]any) func(context.Context) error {
	if len(rows) == 0 {
		return func(context.Context) error { return nil }
	}
	rows = lastPerKey(rows)
	if db.dialect == postgres {
		return func(ctx context.Context) error { return db.copyUpsert(ctx, u, rows) }
	}
	// In key order, successive inserts land on neighbouring pages of the
	// key's index, which stay in cache: random keys (blind indexes) would
	// otherwise seek across the whole index for every row.
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b []any) int { return compareKeys(a[0], b[0]) })
	return func(ctx context.Context) error {
		return db.inTx(ctx, func(tx *dbTx) error {
			return db.insertRows(ctx, tx, u, sorted)
		})
	}
}

func (db *DB) insertRows(ctx context.Context, tx *dbTx, u upsert, rows [][]any) error {
	head := "INSERT INTO " + u.table + " (" + strings.Join(u.cols, ", ") + ") VALUES "
	var full *sql.Stmt // prepared once per call for the common full-size chunk
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, sqliteRowsPerStatement*len(u.cols))
	for start := 0; start < len(rows); start += sqliteRowsPerStatement {
		chunk := rows[start:min(start+sqliteRowsPerStatement, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := db.rebind(head + placeholders(len(chunk), len(u.cols)) + u.onConflict())
		var err error
		if len(chunk) == sqliteRowsPerStatement {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, q); err != nil {
					return fmt.Errorf("write %s: %w", u.table, err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", u.table, err)
		}
	}
	return nil
}

// copyUpsert is the PostgreSQL bulk path: COPY cannot resolve conflicts,
// so it loads a temporary table that one INSERT ... ON CONFLICT merges.
func (db *DB) copyUpsert(ctx context.Context, u upsert, rows [][]any) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		cols := strings.Join(u.cols, ", ")
		tmp := "tmp_" + u.table
		if _, err := tx.Exec(ctx, "CREATE TEMP TABLE "+tmp+" ON COMMIT DROP AS SELECT "+cols+" FROM "+u.table+" WITH NO DATA"); err != nil {
			return fmt.Errorf("write %s: %w", u.table, err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, u.cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("write %s: copy: %w", u.table, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+u.table+" ("+cols+") SELECT "+cols+" FROM "+tmp+u.onConflict()); err != nil {
			return fmt.Errorf("write %s: %w", u.table, err)
		}
		return tx.Commit(ctx)
	})
}

// lastPerKey drops rows whose key (first value) reappears later: one
// statement may not update a row twice on PostgreSQL.
func lastPerKey(rows [][]any) [][]any {
	seen := make(map[string]struct{}, len(rows))
	dup := false
	for _, r := range rows {
		k := keyString(r[0])
		if _, ok := seen[k]; ok {
			dup = true
			break
		}
		seen[k] = struct{}{}
	}
	if !dup {
		return rows
	}
	clear(seen)
	out := make([][]any, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		k := keyString(rows[i][0])
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, rows[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func keyString(v any) string {
	switch k := v.(type) {
	case string:
		return k
	case []byte:
		return string(k)
	}
	return fmt.Sprint(v)
}

func compareKeys(a, b any) int {
	if x, ok := a.([]byte); ok {
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	}
	return strings.Compare(keyString(a), keyString(b))
}

// rowsQuery returns a query yielding rows, each of the same columns, and
// its arguments: "VALUES (?,?,?),(?,?,?)" as a rule, but on SQLite a
// value that a column holds in every row is bound once, in a SELECT over
// the VALUES of the other columns. The SQLite driver copies every text
// argument into C memory, so binding the batch's time or state once per
// row instead of once was much of a bulk write's cost. The query's
// columns are unnamed; give them names with INSERT's column list or a
// WITH table's.
func (db *DB) rowsQuery(rows [][]any) (string, []any) {
	var shared []bool
	if db.dialect == sqlite && len(rows) > 1 {
		shared = sharedColumns(rows)
	}
	if !slices.Contains(shared, true) || !slices.Contains(shared, false) {
		args := make([]any, 0, len(rows)*len(rows[0]))
		for _, r := range rows {
			args = append(args, r...)
		}
		return "VALUES " + placeholders(len(rows), len(rows[0])), args
	}
	var sel strings.Builder
	args := make([]any, 0, len(rows)*len(rows[0]))
	sel.WriteString("SELECT ")
	varying := 0
	for j, same := range shared {
		if j > 0 {
			sel.WriteString(", ")
		}
		if same {
			sel.WriteString("?")
			args = append(args, rows[0][j])
		} else {
			varying++
			fmt.Fprintf(&sel, "column%d", varying)
		}
	}
	for _, r := range rows {
		for j, v := range r {
			if !shared[j] {
				args = append(args, v)
			}
		}
	}
	return sel.String() + " FROM (VALUES " + placeholders(len(rows), varying) + ")", args
}

// sharedColumns tells for each column whether every row holds the same
// value in it. Only values compared exactly count: text, numbers, times
// and NULL; bytes never do.
func sharedColumns(rows [][]any) []bool {
	shared := make([]bool, len(rows[0]))
	for j, v := range rows[0] {
		switch v.(type) {
		case nil, string, int, int64, uint64, bool, float64, time.Time:
		default:
			continue
		}
		shared[j] = true
		for _, r := range rows[1:] {
			if r[j] != v {
				shared[j] = false
				break
			}
		}
	}
	return shared
}
