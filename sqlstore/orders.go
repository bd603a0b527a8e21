package sqlstore

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/tlog"
)

// IssuedOrder is an order with what issuing added: the signed payload
// printed as its QR code, the key that signed it and the transparency-log
// index of its issue event.
type IssuedOrder struct {
	order.Order
	Signed   string `json:"signed,omitempty"`
	KeyID    string `json:"key_id,omitempty"`
	LogIndex uint64 `json:"log_index,omitempty"`
}

// details is the non-personal body of an order, kept as JSON.
type details struct {
	Items        []order.Item        `json:"items"`
	Place        order.Place         `json:"place"`
	LegalBasis   string              `json:"legal_basis"`
	Reason       string              `json:"reason"`
	Compensation *order.Compensation `json:"compensation,omitempty"`
}

// logEntry is the public record of one order event: the order's id, its
// kind and authority, the transition, the actor's role and a keyed hash of
// the actor's name. No names: not the addressee's, not the officers'; but
// who approved an order cannot be rewritten without the log telling.
func (db *DB) logEntry(o order.Order, r order.Record, signed string) tlog.Entry {
	e := tlog.Entry{
		Kind: "order.event", Subject: o.ID, Event: string(r.Event), At: r.At,
		Data: map[string]string{
			"from": string(r.From), "to": string(r.To), "seq": strconv.FormatInt(r.Seq, 10),
			"kind": string(o.Kind), "authority": o.Authority, "role": string(r.Role),
			"actor_ref": hex.EncodeToString(db.keys.Index("order.actor", r.Actor)[:8]),
		},
	}
	if signed != "" {
		// The log commits to the exact signed order, so a second order
		// signed with a stolen key under the same id stands out.
		e.DataHash = sha256.Sum256([]byte(signed))
	}
	return e
}

// DraftOrders validates and stores new orders as drafts, their draft
// events and log leaves, in one transaction. Addressees and the authority
// must exist.
func (db *DB) DraftOrders(ctx context.Context, drafts []order.Order, by order.Actor) ([]order.Order, error) {
	return db.DraftBatch(ctx, "", drafts, by)
}

// DraftBatch is DraftOrders with the drafts tagged as one batch (a CSV
// file's orders), so that they can be approved together.
func (db *DB) DraftBatch(ctx context.Context, batch string, drafts []order.Order, by order.Actor) ([]order.Order, error) {
	now := db.now().UTC().Truncate(time.Millisecond)
	out := make([]order.Order, 0, len(drafts))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var entries []tlog.Entry
		var records []order.Record
		for i, d := range drafts {
			o, rec, err := order.Draft(d, by, now)
			if err != nil {
				return fmt.Errorf("order %d: %w", i+1, err)
			}
			out = append(out, o)
			records = append(records, rec)
			entries = append(entries, db.logEntry(o, rec, ""))
		}
		if err := db.insertOrders(ctx, tx, batch, out); err != nil {
			return err
		}
		return db.recordEvents(ctx, tx, records, entries)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addressee is where an order's addressee lives in the database.
type addressee struct {
	personID, orgID *int64
	areaID          int64
}

// addressees resolves the addressees of orders, with one query per kind
// of addressee per 500 orders rather than one per order.
func (db *DB) addressees(ctx context.Context, q querier, orders []order.Order) (map[registry.Owner]addressee, error) {
	out := map[registry.Owner]addressee{}
	byIndex := map[string]string{}
	var nids, orgs []any
	for _, o := range orders {
		switch o.Addressee.Kind {
		case registry.OwnerPerson:
			idx := db.NationalIDIndex(o.Addressee.ID)
			if _, ok := byIndex[string(idx)]; !ok {
				byIndex[string(idx)] = o.Addressee.ID
				nids = append(nids, idx)
			}
		default:
			orgs = append(orgs, o.Addressee.ID)
		}
	}
	err := db.inChunksQ(ctx, q, `SELECT id, nid_index, area_id FROM persons WHERE nid_index IN `, nids, func(rows *sql.Rows) error {
		var id, area int64
		var idx []byte
		if err := rows.Scan(&id, &idx, &area); err != nil {
			return err
		}
		out[registry.Owner{Kind: registry.OwnerPerson, ID: byIndex[string(idx)]}] = addressee{personID: &id, areaID: area}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.inChunksQ(ctx, q, `SELECT id, org_id, area_id FROM organisations WHERE org_id IN `, orgs, func(rows *sql.Rows) error {
		var id, area int64
		var orgID string
		if err := rows.Scan(&id, &orgID, &area); err != nil {
			return err
		}
		out[registry.Owner{Kind: registry.OwnerOrganisation, ID: orgID}] = addressee{orgID: &id, areaID: area}
		return nil
	})
	return out, err
}

var orderInsert = []string{"id", "code", "kind", "addressee_person_id", "addressee_org_id", "area_id",
	"authority_id", "state", "seq", "deadline", "details", "drafted_by", "created_at", "batch"}

func (db *DB) insertOrders(ctx context.Context, tx *sql.Tx, batch string, orders []order.Order) error {
	found, err := db.addressees(ctx, tx, orders)
	if err != nil {
		return err
	}
	authorities := map[string]int64{}
	rows := make([][]any, len(orders))
	for i, o := range orders {
		a, ok := found[o.Addressee]
		if !ok {
			return muster.Errorf(muster.NotFound, "order %d: addressee %s is not in the registry", i+1, o.Addressee)
		}
		authorityID, ok := authorities[o.Authority]
		if !ok {
			if err := tx.QueryRowContext(ctx, db.rebind(`SELECT id FROM authorities WHERE code = ?`), o.Authority).Scan(&authorityID); err != nil {
				return notFound(err, "order %d: no authority %s", i+1, o.Authority)
			}
			authorities[o.Authority] = authorityID
		}
		body, err := json.Marshal(details{Items: o.Items, Place: o.Place, LegalBasis: o.LegalBasis, Reason: o.Reason})
		if err != nil {
			return err
		}
		rows[i] = []any{o.ID, string(o.Code), string(o.Kind), a.personID, a.orgID, a.areaID, authorityID,
			string(o.State), o.Seq, o.Deadline.UTC(), string(body), o.DraftedBy, o.CreatedAt.UTC(), batch}
	}
	if err := db.insertMany(ctx, tx, "orders", orderInsert, rows); err != nil {
		if isUniqueViolation(err) {
			return muster.Errorf(muster.Conflict, "an order id or code is already taken; draft again")
		}
		return err
	}
	return nil
}

// insertMany inserts rows with multi-row INSERTs in the caller's
// transaction.
func (db *DB) insertMany(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	per := max(1, min(sqliteRowsPerStatement, 30000/len(cols)))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + placeholders(len(chunk), len(cols))
		if _, err := tx.ExecContext(ctx, db.rebind(q), args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

// recordEvents appends the events' leaves to the transparency log and
// stores each event with its leaf index, in the caller's transaction.
func (db *DB) recordEvents(ctx context.Context, tx *sql.Tx, records []order.Record, entries []tlog.Entry) error {
	if len(records) == 0 {
		return nil
	}
	first, err := db.transparencyLog(tx).Append(ctx, entries...)
	if err != nil {
		return fmt.Errorf("transparency log: %w", err)
	}
	rows := make([][]any, len(records))
	for i, r := range records {
		var note []byte
		if r.Note != "" {
			note = db.keys.Seal([]byte(r.Note), []byte(fmt.Sprintf("order_events.note|%s|%d", r.OrderID, r.Seq)))
		}
		var deadline *time.Time
		if !r.Deadline.IsZero() {
			d := r.Deadline.UTC()
			deadline = &d
		}
		rows[i] = []any{r.OrderID, r.Seq, string(r.Event), string(r.From), string(r.To), r.Actor,
			string(r.Role), r.At.UTC(), deadline, note, first + uint64(i)}
	}
	return db.insertMany(ctx, tx, "order_events", []string{"order_id", "seq", "event", "from_state", "to_state",
		"actor", "role", "at", "deadline", "note", "log_index"}, rows)
}

// ApproveOrders approves drafts and issues them, in one transaction: each
// order is checked against the lifecycle (the approver may not be its
// drafter), signed with its authority's current key, logged, and queued
// for notification. Nothing is written if any order fails.
func (db *DB) ApproveOrders(ctx context.Context, ids []string, by order.Actor, addresseeRef func(registry.Owner) string) ([]IssuedOrder, error) {
	now := db.now().UTC().Truncate(time.Millisecond)
	out := make([]IssuedOrder, 0, len(ids))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var records []order.Record
		var entries []tlog.Entry
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				return muster.Errorf(muster.Invalid, "order %s is named twice", id)
			}
			seen[id] = true
		}
		loaded, err := db.loadOrders(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, o := range loaded {
			approve, err := o.Apply(order.EventApprove, by, now, "")
			if err != nil {
				return fmt.Errorf("order %s: %w", o.Code, err)
			}
			issue, err := o.Apply(order.EventIssue, order.SystemActor, now, "")
			if err != nil {
				return fmt.Errorf("order %s: %w", o.Code, err)
			}
			o.IssuedAt = now
			records = append(records, approve, issue)
			out = append(out, IssuedOrder{Order: o.Order})
		}
		// The signed claims carry the log index of the issue event, so
		// the leaves' places are worked out before signing.
		size, err := db.transparencyLog(tx).Size(ctx)
		if err != nil {
			return err
		}
		keys := map[string]signingKey{}
		for i := range out {
			o := &out[i]
			key, ok := keys[o.Authority]
			if !ok {
				k, priv, err := db.signingKey(ctx, tx, o.Authority, now)
				if err != nil {
					return err
				}
				key = signingKey{k.ID, priv}
				keys[o.Authority] = key
			}
			o.KeyID, o.LogIndex = key.id, size+uint64(2*i+1)
		}
		if err := signAll(out, keys, addresseeRef); err != nil {
			return err
		}
		outbox := make([][]any, 0, len(out))
		for i := range out {
			o := &out[i]
			entries = append(entries, db.logEntry(o.Order, records[2*i], ""), db.logEntry(o.Order, records[2*i+1], o.Signed))
			outbox = append(outbox, []any{o.ID, "order.issued", "pending", now})
		}
		if err := db.markIssued(ctx, tx, out, now); err != nil {
			return err
		}
		if err := db.insertMany(ctx, tx, "outbox", []string{"order_id", "topic", "state", "created_at"}, outbox); err != nil {
			return err
		}
		return db.recordEvents(ctx, tx, records, entries)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// markIssued writes the issued orders' new state and signature, refusing
// the batch if any order changed since it was read. PostgreSQL gets one
// UPDATE per 500 orders (a round trip per row costs more than the row);
// SQLite, in process, one prepared UPDATE per order.
func (db *DB) markIssued(ctx context.Context, tx *sql.Tx, orders []IssuedOrder, now time.Time) error {
	if db.dialect == postgres {
		const per = 500
		for start := 0; start < len(orders); start += per {
			chunk := orders[start:min(start+per, len(orders))]
			var b strings.Builder
			args := make([]any, 0, 8*len(chunk))
			for i, o := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&b, "($%d::text, $%d::bigint, $%d::bigint, $%d::text, $%d::text, $%d::bigint, $%d::text, $%d::text)",
					n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
				args = append(args, o.ID, o.Seq-2, o.Seq, string(o.State), o.ApprovedBy, int64(o.LogIndex), o.KeyID, o.Signed)
			}
			args = append(args, now)
			res, err := tx.ExecContext(ctx, `UPDATE orders AS o SET state = v.state, seq = v.seq, approved_by = v.approved_by,
				issued_at = $`+strconv.Itoa(len(args))+`, key_id = v.key_id, log_index = v.log_index, signed = v.signed
				FROM (VALUES `+b.String()+`) AS v(id, old_seq, seq, state, approved_by, log_index, key_id, signed)
				WHERE o.id = v.id AND o.seq = v.old_seq`, args...)
			if err != nil {
				return fmt.Errorf("issue orders: %w", err)
			}
			if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
				return muster.Errorf(muster.Conflict, "%d of %d orders changed meanwhile; try again", int64(len(chunk))-n, len(chunk))
			}
		}
		return nil
	}
	update, err := tx.PrepareContext(ctx, `UPDATE orders SET state = ?, seq = ?, approved_by = ?, issued_at = ?,
		key_id = ?, log_index = ?, signed = ? WHERE id = ? AND seq = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	for _, o := range orders {
		res, err := update.ExecContext(ctx, string(o.State), o.Seq, o.ApprovedBy, now, o.KeyID, o.LogIndex, o.Signed, o.ID, o.Seq-2)
		if err != nil {
			return fmt.Errorf("order %s: %w", o.Code, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return muster.Errorf(muster.Conflict, "order %s changed meanwhile; try again", o.Code)
		}
	}
	return nil
}

type signingKey struct {
	id   string
	priv ed25519.PrivateKey
}

// signAll signs the orders' QR payloads on every core: signing is the
// CPU-bound part of issuing, and the orders are independent.
func signAll(orders []IssuedOrder, keys map[string]signingKey, addresseeRef func(registry.Owner) string) error {
	refs := make([]string, len(orders))
	for i, o := range orders {
		refs[i] = addresseeRef(o.Addressee) // the caller's function need not be safe for concurrent use
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(orders)/64))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(orders); i += workers {
				o := &orders[i]
				key := keys[o.Authority]
				signed, err := qr.Encode(claimsOf(o.Order, refs[i], o.LogIndex), key.id, key.priv)
				if err != nil {
					errs[w] = fmt.Errorf("sign order %s: %w", o.Code, err)
					return
				}
				o.Signed = signed
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
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
