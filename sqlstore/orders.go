package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
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
			if err := db.insertOrder(ctx, tx, o); err != nil {
				return fmt.Errorf("order %d: %w", i+1, err)
			}
			out = append(out, o)
			records = append(records, rec)
			entries = append(entries, db.logEntry(o, rec, ""))
		}
		return db.recordEvents(ctx, tx, records, entries)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) insertOrder(ctx context.Context, tx *sql.Tx, o order.Order) error {
	var personID, orgID *int64
	var areaID, authorityID int64
	switch o.Addressee.Kind {
	case registry.OwnerPerson:
		var id int64
		err := tx.QueryRowContext(ctx, db.rebind(`SELECT id, area_id FROM persons WHERE nid_index = ?`), db.NationalIDIndex(o.Addressee.ID)).Scan(&id, &areaID)
		if err != nil {
			return notFound(err, "addressee %s is not in the registry", o.Addressee)
		}
		personID = &id
	default:
		var id int64
		err := tx.QueryRowContext(ctx, db.rebind(`SELECT id, area_id FROM organisations WHERE org_id = ?`), o.Addressee.ID).Scan(&id, &areaID)
		if err != nil {
			return notFound(err, "addressee %s is not in the registry", o.Addressee)
		}
		orgID = &id
	}
	if err := tx.QueryRowContext(ctx, db.rebind(`SELECT id FROM authorities WHERE code = ?`), o.Authority).Scan(&authorityID); err != nil {
		return notFound(err, "no authority %s", o.Authority)
	}
	body, err := json.Marshal(details{Items: o.Items, Place: o.Place, LegalBasis: o.LegalBasis, Reason: o.Reason})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO orders (id, code, kind, addressee_person_id, addressee_org_id, area_id,
		authority_id, state, seq, deadline, details, drafted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		o.ID, string(o.Code), string(o.Kind), personID, orgID, areaID, authorityID, string(o.State), o.Seq,
		o.Deadline.UTC(), string(body), o.DraftedBy, o.CreatedAt.UTC())
	if err != nil && isUniqueViolation(err) {
		return muster.Errorf(muster.Conflict, "order %s already exists", o.ID)
	}
	return err
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
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO order_events (order_id, seq, event, from_state, to_state, actor, role, at, deadline, note, log_index)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.OrderID, r.Seq, string(r.Event), string(r.From), string(r.To), r.Actor,
			string(r.Role), r.At.UTC(), deadline, note, first+uint64(i)); err != nil {
			return fmt.Errorf("order event: %w", err)
		}
	}
	return nil
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
		for _, id := range ids {
			o, err := db.loadOrder(ctx, tx, id)
			if err != nil {
				return err
			}
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
		for i := range out {
			o := &out[i]
			key, priv, err := db.signingKey(ctx, tx, o.Authority, now)
			if err != nil {
				return err
			}
			o.KeyID, o.LogIndex = key.ID, size+uint64(2*i+1)
			o.Signed, err = qr.Encode(claimsOf(o.Order, addresseeRef(o.Addressee), o.LogIndex), key.ID, priv)
			if err != nil {
				return fmt.Errorf("sign order %s: %w", o.Code, err)
			}
			entries = append(entries, db.logEntry(o.Order, records[2*i], ""), db.logEntry(o.Order, records[2*i+1], o.Signed))
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE orders SET state = ?, seq = ?, approved_by = ?, issued_at = ?,
				key_id = ?, log_index = ?, signed = ? WHERE id = ? AND seq = ?`), string(o.State), o.Seq, o.ApprovedBy, now,
				o.KeyID, o.LogIndex, o.Signed, o.ID, o.Seq-2); err != nil {
				return fmt.Errorf("order %s: %w", o.Code, err)
			}
			if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO outbox (order_id, topic, state, created_at) VALUES (?, 'order.issued', 'pending', ?)`),
				o.ID, now); err != nil {
				return err
			}
		}
		return db.recordEvents(ctx, tx, records, entries)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
