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
		var indexes []uint64
		for _, es := range events {
			for _, e := range es {
				indexes = append(indexes, e.LogIndex)
			}
		}
		leaves, err := db.leafData(ctx, indexes)
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
	type policyRow struct {
		version, hash string
		body          []byte
		at            time.Time
		idx           uint64
	}
	var policies []policyRow
	var indexes []uint64
	err := (logStore{db: db, q: db.sql}).queryRows(ctx, `SELECT version, hash, body, loaded_at, log_index FROM policies ORDER BY id`, nil, func(rows *sql.Rows) error {
		var p policyRow
		err := rows.Scan(&p.version, &p.hash, &p.body, &p.at, &p.idx)
		policies, indexes = append(policies, p), append(indexes, p.idx)
		return err
	})
	if err != nil {
		return nil, err
	}
	leaves, err := db.leafData(ctx, indexes)
	if err != nil {
		return nil, err
	}
	var problems []LogProblem
	for _, p := range policies {
		leaf, ok := leaves[p.idx]
		if !ok {
			problems = append(problems, LogProblem{What: fmt.Sprintf("policy %s: log leaf %d is missing", p.version, p.idx)})
			continue
		}
		if !bytes.Equal(leaf, policyEntry(p.version, p.hash, p.body, p.at).MarshalLeaf()) {
			problems = append(problems, LogProblem{What: fmt.Sprintf("policy %s: the stored row differs from log leaf %d", p.version, p.idx)})
		}
	}
	return problems, nil
}

// leafData returns the stored data of the log leaves at indexes, from
// either leaf table; a missing leaf is absent from the map.
func (db *DB) leafData(ctx context.Context, indexes []uint64) (map[uint64][]byte, error) {
	want, inBundle := make(map[uint64]bool, len(indexes)), map[uint64]bool{}
	var single, bundles []any
	for _, i := range indexes {
		if k := i / bundleSize; !inBundle[k] {
			inBundle[k] = true
			bundles = append(bundles, k)
		}
		want[i] = true
		single = append(single, i)
	}
	out := make(map[uint64][]byte, len(indexes))
	err := db.inChunks(ctx, `SELECT idx, data FROM log_leaves WHERE idx IN `, single, func(rows *sql.Rows) error {
		var idx uint64
		var data []byte
		err := rows.Scan(&idx, &data)
		out[idx] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("log leaves: %w", err)
	}
	err = db.inChunks(ctx, `SELECT idx, hashes, data FROM log_bundles WHERE idx IN `, bundles, func(rows *sql.Rows) error {
		var k uint64
		var hashes, data []byte
		if err := rows.Scan(&k, &hashes, &data); err != nil {
			return err
		}
		for _, l := range decodeBundle(k, hashes, data, true) {
			if want[l.Index] {
				out[l.Index] = l.Data
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("log bundles: %w", err)
	}
	return out, nil
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
