package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/tlog"
)

// Log returns the transparency log for reading: roots, proofs, leaves.
func (db *DB) Log() *tlog.Log { return db.transparencyLog(db.sql) }

// SignCheckpoint signs and stores a checkpoint of the log's current size
// (or returns the stored one if the log has not grown).
func (db *DB) SignCheckpoint(ctx context.Context, signer note.Signer) ([]byte, error) {
	var cp []byte
	err := db.inTx(ctx, func(tx *dbTx) error {
		var err error
		cp, err = db.transparencyLog(tx).Sign(ctx, signer)
		return err
	})
	return cp, err
}

// LatestCheckpoint returns the most recent signed checkpoint, if any.
func (db *DB) LatestCheckpoint(ctx context.Context) ([]byte, bool, error) {
	cp, ok, err := logStore{db: db, q: db.sql}.LatestCheckpoint(ctx)
	return cp.Note, ok, err
}

// LogProblem is something `muster log verify` found wrong.
type LogProblem struct {
	What string `json:"what"`
}

// VerifyLog checks the transparency log against itself and against the
// rows it records: the tree is recomputed from the stored leaves and
// compared with every stored tile and checkpoint (tlog.Audit), and every
// order event is re-encoded and compared with its leaf, so that a row
// changed behind muster's back is named.
func (db *DB) VerifyLog(ctx context.Context, verifier note.Verifier) (*tlog.Report, []LogProblem, error) {
	report, err := tlog.Audit(ctx, logStore{db: db, q: db.sql}, verifier, nil)
	if err != nil {
		return nil, nil, err
	}
	var problems []LogProblem
	for _, m := range report.Mismatches {
		problems = append(problems, LogProblem{What: m.String()})
	}
	var after string
	for {
		orders, err := db.ListOrders(ctx, OrderFilter{After: after, Limit: 1000})
		if err != nil {
			return nil, nil, err
		}
		if len(orders) == 0 {
			break
		}
		ids := make([]string, len(orders))
		for i, o := range orders {
			ids[i] = o.ID
		}
		events, err := db.ordersEvents(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		var indexes []any
		for _, es := range events {
			for _, e := range es {
				indexes = append(indexes, e.LogIndex)
			}
		}
		leaves := map[uint64][]byte{}
		err = db.inChunks(ctx, `SELECT idx, data FROM log_leaves WHERE idx IN `, indexes, func(rows *sql.Rows) error {
			var idx uint64
			var data []byte
			err := rows.Scan(&idx, &data)
			leaves[idx] = data
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		for _, o := range orders {
			problems = append(problems, db.checkOrderEvents(o, events[o.ID], leaves)...)
		}
		after = orders[len(orders)-1].ID
	}
	more, err := db.checkPolicyLeaves(ctx)
	if err != nil {
		return nil, nil, err
	}
	return report, append(problems, more...), nil
}

// checkPolicyLeaves compares every stored policy file with the leaf that
// published it: a policy edited in the database no longer matches.
func (db *DB) checkPolicyLeaves(ctx context.Context) ([]LogProblem, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT p.version, p.hash, p.body, p.loaded_at, p.log_index, l.data
		FROM policies p LEFT JOIN log_leaves l ON l.idx = p.log_index ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []LogProblem
	for rows.Next() {
		var (
			version, hash string
			body, leaf    []byte
			at            time.Time
			idx           int64
		)
		if err := rows.Scan(&version, &hash, &body, &at, &idx, &leaf); err != nil {
			return nil, err
		}
		if leaf == nil {
			problems = append(problems, LogProblem{What: fmt.Sprintf("policy %s: log leaf %d is missing", version, idx)})
			continue
		}
		if !bytes.Equal(leaf, policyEntry(version, hash, body, at).MarshalLeaf()) {
			problems = append(problems, LogProblem{What: fmt.Sprintf("policy %s: the stored row differs from log leaf %d", version, idx)})
		}
	}
	return problems, rows.Err()
}

// checkOrderEvents compares an order's stored history with the order row
// (order.CheckHistory) and each event with its log leaf.
func (db *DB) checkOrderEvents(o IssuedOrder, events []StoredEvent, leaves map[uint64][]byte) []LogProblem {
	var problems []LogProblem
	records := make([]order.Record, len(events))
	for i, e := range events {
		records[i] = e.Record
	}
	if err := o.CheckHistory(records); err != nil {
		problems = append(problems, LogProblem{What: fmt.Sprintf("order %s: history does not match the order row: %v", o.ID, err)})
	}
	for _, e := range events {
		signed := ""
		if e.Event == order.EventIssue {
			signed = o.Signed
		}
		want := db.logEntry(o.Order, e.Record, signed).MarshalLeaf()
		got, ok := leaves[e.LogIndex]
		if !ok {
			problems = append(problems, LogProblem{What: fmt.Sprintf("order %s event %d: log leaf %d is missing", o.ID, e.Seq, e.LogIndex)})
			continue
		}
		if !bytes.Equal(got, want) {
			problems = append(problems, LogProblem{What: fmt.Sprintf("order %s event %d (%s): the stored row differs from log leaf %d", o.ID, e.Seq, e.Event, e.LogIndex)})
		}
	}
	return problems
}
