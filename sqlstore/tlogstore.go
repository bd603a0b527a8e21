package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	rows, err := s.q.QueryContext(ctx, s.db.rebind(`SELECT idx, hash, data FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx`), begin, end)
	if err != nil {
		return nil, fmt.Errorf("log leaves: %w", err)
	}
	defer rows.Close()
	var out []tlog.StoredLeaf
	for rows.Next() {
		var l tlog.StoredLeaf
		if err := rows.Scan(&l.Index, &l.Hash, &l.Data); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s logStore) LeafHashes(ctx context.Context, begin, end uint64) ([][]byte, error) {
	rows, err := s.q.QueryContext(ctx, s.db.rebind(`SELECT hash FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx`), begin, end)
	if err != nil {
		return nil, fmt.Errorf("log leaf hashes: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
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
	// In a transaction, the leaves go the way of every bulk insert (COPY,
	// or statements prepared once); the loop below serves the rest.
	if tx, ok := s.q.(*dbTx); ok {
		rows := make([][]any, len(leaves))
		for i, l := range leaves {
			rows[i] = []any{int64(l.Index), l.Hash, l.Data}
		}
		if err := s.db.insertMany(ctx, tx, "log_leaves", []string{"idx", "hash", "data"}, rows); err != nil {
			return err
		}
		leaves = nil
	}
	for start := 0; start < len(leaves); start += sqliteRowsPerStatement {
		chunk := leaves[start:min(start+sqliteRowsPerStatement, len(leaves))]
		args := make([]any, 0, 3*len(chunk))
		for _, l := range chunk {
			args = append(args, l.Index, l.Hash, l.Data)
		}
		if _, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO log_leaves (idx, hash, data) VALUES `+placeholders(len(chunk), 3)), args...); err != nil {
			return fmt.Errorf("log leaves: %w", err)
		}
	}
	for _, t := range tiles {
		if _, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO log_tiles (level, idx, hashes) VALUES (?, ?, ?)
			ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes`), t.Level, t.Index, t.Hashes); err != nil {
			return fmt.Errorf("log tiles: %w", err)
		}
	}
	if _, err := s.q.ExecContext(ctx, s.db.rebind(`INSERT INTO log_head (id, size, hashes) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET size = excluded.size, hashes = excluded.hashes`), head.Size, head.Hashes); err != nil {
		return fmt.Errorf("log head: %w", err)
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
