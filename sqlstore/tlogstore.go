package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/tlog"
)

// execQuerier is what both *sql.DB and *dbTx offer.
type execQuerier interface {
	querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// logStore keeps the transparency log in the tables log_*, inside the
// transaction (or database handle) it is given.
type logStore struct {
	db *DB
	q  execQuerier
}

var _ tlog.Store = logStore{}

// transparencyLog returns the log over q: a transaction when appending, so
// that the leaves commit with the change they record.
func (db *DB) transparencyLog(q execQuerier) *tlog.Log {
	return tlog.New(logStore{db: db, q: q})
}

func (s logStore) Head(ctx context.Context) (tlog.Head, error) {
	q := `SELECT size, hashes FROM log_head WHERE id = 1`
	if s.db.dialect == postgres {
		q += ` FOR UPDATE` // appends are serialised on the head row
	}
	var h tlog.Head
	err := s.q.QueryRowContext(ctx, q).Scan(&h.Size, &h.Hashes)
	if errors.Is(err, sql.ErrNoRows) {
		return tlog.Head{}, nil
	}
	return h, err
}

func (s logStore) Leaves(ctx context.Context, begin, end uint64) ([]tlog.StoredLeaf, error) {
	return s.readLeaves(ctx, begin, end, true)
}

func (s logStore) LeafHashes(ctx context.Context, begin, end uint64) ([][]byte, error) {
	leaves, err := s.readLeaves(ctx, begin, end, false)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		out[i] = l.Hash
	}
	return out, nil
}

// readLeaves returns the leaves [begin, end) by index, from both tables,
// with their data if withData.
func (s logStore) readLeaves(ctx context.Context, begin, end uint64, withData bool) ([]tlog.StoredLeaf, error) {
	if begin >= end {
		return nil, nil
	}
	dataColumn := "data"
	if !withData {
		dataColumn = "NULL"
	}
	var single []tlog.StoredLeaf
	err := s.queryRows(ctx, `SELECT idx, hash, `+dataColumn+` FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx`, []any{begin, end}, func(rows *sql.Rows) error {
		var l tlog.StoredLeaf
		err := rows.Scan(&l.Index, &l.Hash, &l.Data)
		single = append(single, l)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("log leaves: %w", err)
	}
	var bundled []tlog.StoredLeaf
	err = s.queryRows(ctx, `SELECT idx, hashes, `+dataColumn+` FROM log_bundles WHERE idx >= ? AND idx <= ? ORDER BY idx`, []any{begin / bundleSize, (end - 1) / bundleSize}, func(rows *sql.Rows) error {
		var k uint64
		var hashes, data []byte
		if err := rows.Scan(&k, &hashes, &data); err != nil {
			return err
		}
		for _, l := range decodeBundle(k, hashes, data, withData) {
			if l.Index >= begin && l.Index < end {
				bundled = append(bundled, l)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("log bundles: %w", err)
	}
	return mergeLeaves(single, bundled), nil
}

// queryRows runs query on the store's handle and calls each for every row.
func (s logStore) queryRows(ctx context.Context, query string, args []any, each func(*sql.Rows) error) error {
	rows, err := s.q.QueryContext(ctx, s.db.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// mergeLeaves merges two lists sorted by index into one. A leaf stored in
// both tables, which muster never writes, comes out twice, for the audit
// to name.
func mergeLeaves(a, b []tlog.StoredLeaf) []tlog.StoredLeaf {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]tlog.StoredLeaf, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].Index <= b[0].Index {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

func (s logStore) Tile(ctx context.Context, level, index uint64) ([]byte, error) {
	var h []byte
	err := s.q.QueryRowContext(ctx, s.db.rebind(`SELECT hashes FROM log_tiles WHERE level = ? AND idx = ?`), level, index).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return h, err
}

func (s logStore) Checkpoints(ctx context.Context, from uint64, limit int) ([]tlog.StoredCheckpoint, error) {
	rows, err := s.q.QueryContext(ctx, s.db.rebind(fmt.Sprintf(`SELECT size, note FROM log_checkpoints WHERE size >= ? ORDER BY size LIMIT %d`, max(limit, 1))), from)
	if err != nil {
		return nil, fmt.Errorf("log checkpoints: %w", err)
	}
	defer rows.Close()
	var out []tlog.StoredCheckpoint
	for rows.Next() {
		var c tlog.StoredCheckpoint
		if err := rows.Scan(&c.Size, &c.Note); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s logStore) LatestCheckpoint(ctx context.Context) (tlog.StoredCheckpoint, bool, error) {
	var c tlog.StoredCheckpoint
	err := s.q.QueryRowContext(ctx, `SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&c.Size, &c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

func (s logStore) AddLeaves(ctx context.Context, leaves []tlog.StoredLeaf, tiles []tlog.Tile, head tlog.Head) error {
	// The head moves first, and only from the size the leaves start at: a
	// leaf index is unique across both leaf tables because no two appends
	// start from the same head.
	old := head.Size - uint64(len(leaves))
	res, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO log_head (id, size, hashes) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET size = excluded.size, hashes = excluded.hashes WHERE log_head.size = ?`), head.Size, head.Hashes, old)
	if err != nil {
		return fmt.Errorf("log head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return muster.Errorf(muster.Conflict, "log head: the log no longer holds %d leaves; leaves %d..%d are not appended", old, old, head.Size-1)
	}
	single, bundles := bundleLeaves(leaves)
	if err := s.insertRows(ctx, "log_leaves", []string{"idx", "hash", "data"}, single); err != nil {
		return err
	}
	if err := s.insertRows(ctx, "log_bundles", []string{"idx", "hashes", "data"}, bundles); err != nil {
		return err
	}
	for _, t := range tiles {
		if _, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO log_tiles (level, idx, hashes) VALUES (?, ?, ?)
			ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes`), t.Level, t.Index, t.Hashes); err != nil {
			return fmt.Errorf("log tiles: %w", err)
		}
	}
	return nil
}

// insertRows inserts rows into table: in a transaction the way of every
// bulk insert (COPY, or statements prepared once), otherwise in multi-row
// statements.
func (s logStore) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if tx, ok := s.q.(*dbTx); ok {
		return s.db.insertMany(ctx, tx, table, cols, rows)
	}
	for start := 0; start < len(rows); start += sqliteRowsPerStatement {
		chunk := rows[start:min(start+sqliteRowsPerStatement, len(rows))]
		values, args := s.db.rowsQuery(chunk)
		if _, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) `+values), args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

func (s logStore) PutCheckpoint(ctx context.Context, cp tlog.StoredCheckpoint) error {
	_, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO log_checkpoints (size, note, created_at) VALUES (?, ?, ?)`), cp.Size, cp.Note, s.db.now().UTC())
	if err != nil && isUniqueViolation(err) {
		return muster.Errorf(muster.Conflict, "a checkpoint of size %d is already stored; checkpoints are never rewritten", cp.Size)
	}
	return err
}
