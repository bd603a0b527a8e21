package sqlstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/tlog"
)

// ApproveOrders approves drafts and issues them, in one transaction: each
// order is checked against the lifecycle (the approver may not be its
// drafter), signed with its authority's current key, logged, and queued
// for notification. Nothing is written if any order fails. addresseeRef
// is called from several goroutines at once.
func (db *DB) ApproveOrders(ctx context.Context, ids []string, by order.Actor, addresseeRef func(registry.Owner) string) ([]IssuedOrder, error) {
	var b *issueBatch
	err := db.inTx(ctx, func(tx *dbTx) error {
		if err := db.planForBatches(ctx, tx); err != nil {
			return err
		}
		size, err := db.transparencyLog(tx).Size(ctx)
		if err != nil {
			return err
		}
		b, err = db.prepareIssue(ctx, tx, ids, by, size, addresseeRef, true)
		if err != nil {
			return err
		}
		return db.writeIssue(ctx, tx, b)
	})
	if err != nil {
		return nil, err
	}
	return b.out, nil
}

// IssueBatches approves and issues the drafts of each batch in its own
// transaction, as ApproveOrders does, and calls done after each commit.
// It works as a pipeline of three stages, so that every core is busy:
// while batch k is written, batch k+1 is signed (on every core) and batch
// k+2 is read. A batch is signed for the log size the previous one will
// leave; if another writer appended meanwhile, or a draft changed, that
// batch is prepared again inside its transaction. addresseeRef is called
// from several goroutines at once. On error, the batches before the
// failing one stay issued.
func (db *DB) IssueBatches(ctx context.Context, batches [][]string, by order.Actor, addresseeRef func(registry.Owner) string, done func([]IssuedOrder) error) error {
	ctx, cancel := context.WithCancel(ctx)
	type stage struct {
		b   *issueBatch
		ids []string
		err error
	}
	loaded, signed := make(chan stage, 1), make(chan stage, 1)
	var stages sync.WaitGroup
	// On the way out, stop the stages and wait for them: nothing reads the
	// database after IssueBatches returns.
	defer func() {
		cancel()
		stages.Wait()
	}()
	send := func(out chan<- stage, s stage) bool {
		select {
		case out <- s:
			return s.err == nil
		case <-ctx.Done():
			return false
		}
	}
	share := newCoreShare(runtime.GOMAXPROCS(0))
	stages.Go(func() {
		defer close(loaded)
		for _, ids := range batches {
			share.take()
			b, err := db.loadIssue(ctx, db.sql, ids, by, false)
			share.give()
			if !send(loaded, stage{b, ids, err}) {
				return
			}
		}
	})
	stages.Go(func() {
		defer close(signed)
		first, err := db.transparencyLog(db.sql).Size(ctx)
		for s := range loaded {
			if s.err == nil && err == nil {
				err = db.signIssue(ctx, db.sql, s.b, first, addresseeRef, runtime.GOMAXPROCS(0), share)
			}
			if s.err == nil {
				s.err = err
			}
			if !send(signed, s) {
				return
			}
			first += uint64(len(s.b.leaves))
		}
	})
	for s := range signed {
		if s.err != nil {
			return s.err
		}
		out := s.b.out
		share.reserve()
		err := db.inTx(ctx, func(tx *dbTx) error { return db.writeIssue(ctx, tx, s.b) })
		share.give()
		if muster.ErrorKind(err) == muster.Conflict {
			// Stale: prepare the batch again under the transaction's locks,
			// which also names the order at fault if one no longer is a draft.
			out, err = db.ApproveOrders(ctx, s.ids, by, addresseeRef)
		}
		if err != nil {
			return err
		}
		if err := done(out); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// issueBatch is one transaction's issuing, worked out before it is
// written: the orders signed, their events and log leaves encoded.
type issueBatch struct {
	now     time.Time
	out     []IssuedOrder
	records []order.Record // approve and issue of out[i] at 2i and 2i+1
	first   uint64         // the log size it was prepared for: where its leaves go
	leaves  []tlog.EncodedLeaf
}

// prepareIssue reads the drafts named by ids from q, applies approve and
// issue, and signs each order's claims with the log index its issue
// event will have if the log holds first leaves when the batch is
// written. It writes nothing.
func (db *DB) prepareIssue(ctx context.Context, q querier, ids []string, by order.Actor, first uint64, addresseeRef func(registry.Owner) string, forUpdate bool) (*issueBatch, error) {
	b, err := db.loadIssue(ctx, q, ids, by, forUpdate)
	if err != nil {
		return nil, err
	}
	return b, db.signIssue(ctx, q, b, first, addresseeRef, runtime.GOMAXPROCS(0), nil)
}

// loadIssue reads the drafts named by ids from q and applies approve and
// issue to each: the first half of prepareIssue.
func (db *DB) loadIssue(ctx context.Context, q querier, ids []string, by order.Actor, forUpdate bool) (*issueBatch, error) {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return nil, muster.Errorf(muster.Invalid, "order %s is named twice", id)
		}
		seen[id] = true
	}
	var err error
	var loaded []IssuedOrder
	if db.dialect == postgres && !forUpdate {
		err = db.readTx(ctx, func(tx *dbTx) error {
			if err := db.planForBatches(ctx, tx); err != nil {
				return err
			}
			loaded, err = db.loadOrders(ctx, tx, ids, false)
			return err
		})
	} else {
		loaded, err = db.loadOrders(ctx, q, ids, forUpdate)
	}
	if err != nil {
		return nil, err
	}
	b := &issueBatch{now: db.now().UTC().Truncate(time.Millisecond),
		out: make([]IssuedOrder, 0, len(loaded)), records: make([]order.Record, 0, 2*len(loaded))}
	for _, o := range loaded {
		approve, err := o.Apply(order.EventApprove, by, b.now, "")
		if err != nil {
			return nil, fmt.Errorf("order %s: %w", o.Code, err)
		}
		issue, err := o.Apply(order.EventIssue, order.SystemActor, b.now, "")
		if err != nil {
			return nil, fmt.Errorf("order %s: %w", o.Code, err)
		}
		o.IssuedAt = b.now
		b.records = append(b.records, approve, issue)
		b.out = append(b.out, IssuedOrder{Order: o.Order})
	}
	return b, nil
}

// signIssue signs the orders of b on up to workers cores, each with the
// log index its issue event will have if the log holds first leaves
// when b is written, and encodes their log leaves: the second half of
// prepareIssue.
func (db *DB) signIssue(ctx context.Context, q querier, b *issueBatch, first uint64, addresseeRef func(registry.Owner) string, workers int, share *coreShare) error {
	// The signed claims carry the log index of the issue event, so the
	// leaves' places are worked out before signing.
	b.first = first
	keys := map[string]signingKey{}
	for i := range b.out {
		o := &b.out[i]
		key, ok := keys[o.Authority]
		if !ok {
			k, priv, err := db.signingKey(ctx, q, o.Authority, b.now)
			if err != nil {
				return err
			}
			signer, err := qr.NewSigner(k.ID, priv)
			if err != nil {
				return err
			}
			key = signingKey{k.ID, signer}
			keys[o.Authority] = key
		}
		o.KeyID, o.LogIndex = key.id, first+uint64(2*i+1)
	}
	var err error
	b.leaves, err = db.signAll(b.out, b.records, keys, addresseeRef, workers, share)
	return err
}

// writeIssue writes a prepared batch in tx. It fails with a conflict,
// writing nothing, if the log has grown since the batch was prepared.
func (db *DB) writeIssue(ctx context.Context, tx *dbTx, b *issueBatch) error {
	if err := db.planForBatches(ctx, tx); err != nil {
		return err
	}
	tl := db.transparencyLog(tx)
	size, err := tl.Size(ctx) // on PostgreSQL, locks the log's head until commit
	if err != nil {
		return err
	}
	if size != b.first {
		return muster.Errorf(muster.Conflict, "the transparency log grew from %d to %d leaves while the batch was signed", b.first, size)
	}
	if err := db.markIssued(ctx, tx, b.out, b.now); err != nil {
		return err
	}
	outbox := make([][]any, len(b.out))
	for i, o := range b.out {
		outbox[i] = []any{o.ID, "order.issued", "pending", b.now}
	}
	if err := db.insertMany(ctx, tx, "outbox", []string{"order_id", "topic", "state", "created_at"}, outbox); err != nil {
		return err
	}
	if _, err := tl.AppendEncoded(ctx, b.leaves); err != nil {
		return fmt.Errorf("transparency log: %w", err)
	}
	return db.insertEventPairs(ctx, tx, b.records, b.first)
}

// planForBatches tells PostgreSQL, for the rest of the transaction tx, how
// to run the statements of a batch of a few thousand orders:
//   - join them to their rows through the indexes: on tables of a few
//     hundred thousand rows the planner judged hashing the whole table
//     cheaper, and then read all of orders (the issue UPDATE) or persons
//     (reading the drafts) for every batch (muster bench issue --orders
//     100000: from 12,300 to 14,300 orders/s);
//   - with no parallel workers: reading a batch's drafts was planned as a
//     parallel scan, three processes for work one does in a third less
//     time (12 ms instead of 34 for 5,000 drafts among 100,000 orders),
//     taking the cores the signing needs;
//   - with room for the rows a statement changed, which the statement-level
//     triggers read: 4 MB held a little less than a batch's orders, and
//     the rest went to a temporary file (5 % of the server's time while
//     issuing, by perf).
func (db *DB) planForBatches(ctx context.Context, tx *dbTx) error {
	if db.dialect != postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
		set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '32MB', true)`)
	return err
}

// markIssued writes the issued orders' new state and signature, refusing
// the batch if any order changed since it was read: on SQLite one UPDATE
// per 500 orders (a statement per row cost a third of issuing).
func (db *DB) markIssued(ctx context.Context, tx *dbTx, orders []IssuedOrder, now time.Time) error {
	if db.dialect == postgres {
		return db.markIssuedUnnest(ctx, tx, orders, now)
	}
	const per = 500
	rows := make([][]any, 0, per)
	for start := 0; start < len(orders); start += per {
		chunk := orders[start:min(start+per, len(orders))]
		rows = rows[:0]
		for _, o := range chunk {
			rows = append(rows, []any{o.ID, o.Seq - 2, o.Seq, string(o.State), o.ApprovedBy, int64(o.LogIndex), o.KeyID, o.Signed})
		}
		values, args := db.rowsQuery(rows)
		args = append(args, now)
		res, err := db.execBatch(ctx, tx, len(chunk) == per, `WITH v(id, old_seq, seq, state, approved_by, log_index, key_id, signed) AS (`+values+`)
			UPDATE orders SET state = v.state, seq = v.seq, approved_by = v.approved_by, issued_at = ?,
				key_id = v.key_id, log_index = v.log_index, signed = v.signed
			FROM v WHERE orders.id = v.id AND orders.seq = v.old_seq`, args...)
		if err != nil {
			return fmt.Errorf("issue orders: %w", err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
			return muster.Errorf(muster.Conflict, "%d of %d orders changed meanwhile; try again", int64(len(chunk))-n, len(chunk))
		}
	}
	return nil
}

// markIssuedUnnest is markIssued on PostgreSQL: one UPDATE joining the
// orders to arrays of their new values, one array parameter per column.
// Its text does not grow with the rows, so the server parses and plans it
// once instead of binding thousands of parameters into a VALUES list. The
// arrays are unnested side by side in a select list, which streams their
// rows: unnest of several arrays in FROM is a table function, whose rows
// the server first copies into a tuple store (about 4 % of the machine's
// time while issuing, by perf).
func (db *DB) markIssuedUnnest(ctx context.Context, tx *dbTx, orders []IssuedOrder, now time.Time) error {
	n := len(orders)
	ids, states, approvedBy, keyIDs, signed := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	oldSeqs, seqs, logIndexes := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, o := range orders {
		ids[i], oldSeqs[i], seqs[i], states[i] = o.ID, o.Seq-2, o.Seq, string(o.State)
		approvedBy[i], logIndexes[i], keyIDs[i], signed[i] = o.ApprovedBy, int64(o.LogIndex), o.KeyID, o.Signed
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET state = v.state, seq = v.seq, approved_by = v.approved_by, issued_at = $9,
			key_id = v.key_id, log_index = v.log_index, signed = v.signed
		FROM (SELECT unnest($1::text[]) AS id, unnest($2::bigint[]) AS old_seq, unnest($3::bigint[]) AS seq, unnest($4::text[]) AS state,
				unnest($5::text[]) AS approved_by, unnest($6::bigint[]) AS log_index, unnest($7::text[]) AS key_id, unnest($8::text[]) AS signed) AS v
		WHERE orders.id = v.id AND orders.seq = v.old_seq`,
		ids, oldSeqs, seqs, states, approvedBy, logIndexes, keyIDs, signed, now)
	if err != nil {
		return fmt.Errorf("issue orders: %w", err)
	}
	if got, _ := res.RowsAffected(); got != int64(n) {
		return muster.Errorf(muster.Conflict, "%d of %d orders changed meanwhile; try again", int64(n)-got, n)
	}
	return nil
}

type signingKey struct {
	id     string
	signer *qr.Signer
}

// signAll signs the orders' QR payloads and encodes the log leaves of
// their approve and issue records on up to workers cores: this is the
// CPU-bound part of issuing, and the orders are independent. The workers
// take the orders in small pieces, each with a share of the cores if
// share is not nil.
func (db *DB) signAll(orders []IssuedOrder, records []order.Record, keys map[string]signingKey, addresseeRef func(registry.Owner) string, workers int, share *coreShare) ([]tlog.EncodedLeaf, error) {
	const piece = 16
	leaves := make([]tlog.EncodedLeaf, len(records))
	workers = min(workers, max(1, len(orders)/(4*piece)))
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				start := int(next.Add(piece)) - piece
				if start >= len(orders) {
					return
				}
				share.take()
				err := db.signRange(orders[start:min(start+piece, len(orders))], records[2*start:], leaves[2*start:], keys, addresseeRef)
				share.give()
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return leaves, errors.Join(errs...)
}

// signRange signs orders and encodes the leaves of their records (two
// per order) into leaves.
func (db *DB) signRange(orders []IssuedOrder, records []order.Record, leaves []tlog.EncodedLeaf, keys map[string]signingKey, addresseeRef func(registry.Owner) string) error {
	// The approver and the system sign every order of a batch: their keyed
	// hashes are worked out once per range, not twice per order.
	actorRefs := map[string]string{}
	actorRef := func(name string) string {
		ref, ok := actorRefs[name]
		if !ok {
			ref = db.actorRef(name)
			actorRefs[name] = ref
		}
		return ref
	}
	approveData, issueData := make(map[string]string, orderLogFields), make(map[string]string, orderLogFields)
	for i := range orders {
		o := &orders[i]
		signed, err := keys[o.Authority].signer.Encode(claimsOf(o.Order, addresseeRef(o.Addressee), o.LogIndex))
		if err != nil {
			return fmt.Errorf("sign order %s: %w", o.Code, err)
		}
		o.Signed = signed
		approve, issue := records[2*i], records[2*i+1]
		pair, err := tlog.Encode(orderLogEntry(approveData, o.Order, approve, "", actorRef(approve.Actor)),
			orderLogEntry(issueData, o.Order, issue, signed, actorRef(issue.Actor)))
		if err != nil {
			return fmt.Errorf("order %s: %w", o.Code, err)
		}
		leaves[2*i], leaves[2*i+1] = pair[0], pair[1]
	}
	return nil
}

// coreShare shares the cores between the stages of IssueBatches. Its
// writer is the one stage that cannot run in parallel, so it takes a core
// whenever it works, without waiting; the reading and signing take what
// is left, a small piece of work at a time, and every core while the
// writer waits for them. Go has no goroutine priorities; without this the
// writer got a third of the machine beside two signers and a reader, and
// the pipeline ran at its pace.
type coreShare struct {
	mu   sync.Mutex
	cond sync.Cond
	free int
}

func newCoreShare(cores int) *coreShare {
	c := &coreShare{free: cores}
	c.cond.L = &c.mu
	return c
}

// take waits for a core for a piece of parallel work. A nil share always
// has one.
func (c *coreShare) take() {
	if c == nil {
		return
	}
	c.mu.Lock()
	for c.free <= 0 {
		c.cond.Wait()
	}
	c.free--
	c.mu.Unlock()
}

// give returns the core taken by take.
func (c *coreShare) give() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.free++
	c.mu.Unlock()
	c.cond.Signal()
}

// reserve takes a core for the writer at once; the parallel work holding
// it gives it back at the end of its piece.
func (c *coreShare) reserve() {
	c.mu.Lock()
	c.free--
	c.mu.Unlock()
}

// claimsOf is what the QR code of an order says publicly.
func claimsOf(o order.Order, addresseeRef string, logIndex uint64) qr.Claims {
	c := qr.Claims{OrderID: o.ID, Code: string(o.Code), Kind: string(o.Kind), AddresseeRef: addresseeRef,
		Where: qr.Place{Text: o.Place.Text, Area: o.Place.Area}, Deadline: o.Deadline, Authority: o.Authority,
		IssuedAt: o.IssuedAt, LogIndex: logIndex}
	for _, it := range o.Items {
		c.What = append(c.What, qr.Item{Type: it.Type, Quantity: it.Quantity, Unit: it.Unit})
	}
	return c
}

// AddresseeRef is the short reference to an addressee printed in a QR
// code: a keyed hash, so muster can tell whether an order names a given
// person and nobody else can recover the person from it.
func (db *DB) AddresseeRef(o registry.Owner) string {
	return hex.EncodeToString(db.keys.Index("order.addressee", o.String())[:8])
}

// SignReceipt signs the handover receipt of a requisition: what was handed
// over, where and when, with the authority's current key and the log
// index of the handover event, so that the owner holds proof that the
// authority took the items.
func (db *DB) SignReceipt(ctx context.Context, o IssuedOrder, handover StoredEvent) (string, error) {
	key, priv, err := db.signingKey(ctx, db.sql, o.Authority, db.now().UTC())
	if err != nil {
		return "", err
	}
	c := claimsOf(o.Order, db.AddresseeRef(o.Addressee), handover.LogIndex)
	c.Kind, c.Deadline, c.IssuedAt = qr.KindReceipt, time.Time{}, handover.At
	return qr.Encode(c, key.ID, priv)
}
