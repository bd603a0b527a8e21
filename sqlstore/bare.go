package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// InsertPersonRowsBare writes rows made by PersonRows with the plainest
// batched insert the engine offers: multi-row INSERTs without conflict
// handling on SQLite, in key order like the real path, COPY straight into
// the table on PostgreSQL, one transaction per batch. It is the floor
// against which the import path is measured (muster bench import), not a
// way to load data.
func (db *DB) InsertPersonRowsBare(ctx context.Context, rows [][]any) error {
	if db.dialect == postgres {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"persons"}, personUpsert.cols, pgx.CopyFromRows(rows))
			return err
		})
	}
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b []any) int { return compareKeys(a[0], b[0]) })
	return db.inTx(ctx, func(tx *dbTx) error {
		head := "INSERT INTO persons (" + strings.Join(personUpsert.cols, ", ") + ") VALUES "
		stmt, err := tx.PrepareContext(ctx, head+placeholders(sqliteRowsPerStatement, len(personUpsert.cols)))
		if err != nil {
			return err
		}
		defer stmt.Close()
		args := make([]any, 0, sqliteRowsPerStatement*len(personUpsert.cols))
		for start := 0; start < len(rows); start += sqliteRowsPerStatement {
			chunk := rows[start:min(start+sqliteRowsPerStatement, len(rows))]
			args = args[:0]
			for _, r := range chunk {
				args = append(args, r...)
			}
			if len(chunk) == sqliteRowsPerStatement {
				_, err = stmt.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, head+placeholders(len(chunk), len(personUpsert.cols)), args...)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}
