package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/tlog"
)

// citizenTopics are the events the addressee is told about: a decision
// on their claim or appeal, a deferral, a cancellation, compensation.
var citizenTopics = map[order.Event]string{
	order.EventExempt: "order.decided", order.EventDefer: "order.decided", order.EventRejectClaim: "order.decided",
	order.EventUphold: "order.decided", order.EventDismiss: "order.decided",
	order.EventCancel: "order.changed", order.EventCompensate: "order.compensated",
}

// Change is one event to apply to an order.
type Change struct {
	Event order.Event
	Actor order.Actor
	Note  string    // may hold personal details: stored sealed, never logged
	Until time.Time // the new deadline of a deferral
	// Condition is the items' condition at handover (fulfil) or at
	// return (a registry condition, or order.Lost).
	Condition string
	// Ground is the code of the policy ground a claim rests on
	// (medical, sole_caregiver...); a claim must give one.
	Ground string
	// Rates, on return or release, compute the compensation owed; the
	// rates of the policy in force when nil.
	Rates *order.Rates
}

// prepare checks what the change takes from the policy in force: a
// claim's ground, and the rates of a return or release. The ground is
// written into the event's sealed note, not the log: a medical ground is
// health data.
func (db *DB) prepare(ctx context.Context, c Change) (Change, error) {
	needsPolicy := c.Event == order.EventClaim || (c.Rates == nil && (c.Event == order.EventReturn || c.Event == order.EventRelease))
	if !needsPolicy {
		if c.Ground != "" {
			return c, muster.Errorf(muster.Invalid, "ground: only a claim rests on a ground, not %s", c.Event)
		}
		return c, nil
	}
	p, _, err := db.ActivePolicy(ctx)
	if err != nil {
		return c, err
	}
	if c.Rates == nil {
		r := p.Rates()
		c.Rates = &r
	}
	if c.Event == order.EventClaim {
		g, ok := p.Ground(c.Ground)
		if !ok {
			codes := make([]string, 0, len(p.Grounds()))
			for _, g := range p.Grounds() {
				codes = append(codes, g.Code)
			}
			if c.Ground == "" {
				return c, muster.Errorf(muster.Invalid, "ground: a claim names its ground, one of %s", strings.Join(codes, ", "))
			}
			return c, muster.Errorf(muster.Invalid, "ground: %q is not a ground of policy %s (%s)", c.Ground, p.Version, strings.Join(codes, ", "))
		}
		c.Note = strings.TrimSpace(fmt.Sprintf("ground: %s (%s)\n%s", g.Code, g.Kind, c.Note))
	}
	return c, nil
}

// ApplyOrderEvent moves an order through its lifecycle: the transition is
// checked (state, role, independence of reviewers), and the order row, the
// event, its log leaf and any message to the addressee are written in one
// transaction. within scopes the order to a jurisdiction ("" for all).
func (db *DB) ApplyOrderEvent(ctx context.Context, idOrCode, within string, c Change) (IssuedOrder, error) {
	found, err := db.Order(ctx, idOrCode, within)
	if err != nil {
		return IssuedOrder{}, err
	}
	if c, err = db.prepare(ctx, c); err != nil {
		return IssuedOrder{}, err
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	var out IssuedOrder
	err = db.inTx(ctx, func(tx *dbTx) error {
		o, err := db.loadOrder(ctx, tx, found.ID)
		if err != nil {
			return err
		}
		var rec order.Record
		if c.Event == order.EventDefer {
			rec, err = o.Defer(c.Actor, c.Until.UTC(), now, c.Note)
		} else {
			rec, err = o.Apply(c.Event, c.Actor, now, c.Note)
		}
		if err != nil {
			return fmt.Errorf("order %s: %w", o.Code, err)
		}
		if err := db.settle(ctx, tx, &o, c, now); err != nil {
			return err
		}
		if err := db.bookOrderCompensation(ctx, tx, o, c.Event); err != nil {
			return err
		}
		body, err := json.Marshal(details{Items: o.Items, Place: o.Place, LegalBasis: o.LegalBasis, Reason: o.Reason, Compensation: o.Compensation})
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE orders SET state = ?, seq = ?, approved_by = ?, reviewed_by = ?, deadline = ?, details = ?
			WHERE id = ? AND seq = ?`), string(o.State), o.Seq, o.ApprovedBy, o.ReviewedBy, o.Deadline.UTC(), string(body), o.ID, o.Seq-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return muster.Errorf(muster.Conflict, "order %s changed meanwhile; try again", o.Code)
		}
		if topic, ok := citizenTopics[c.Event]; ok {
			if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO outbox (order_id, topic, state, created_at) VALUES (?, ?, 'pending', ?)`),
				o.ID, topic, now); err != nil {
				return err
			}
		}
		out = o
		return db.recordEvents(ctx, tx, []order.Record{rec}, []tlog.Entry{db.logEntry(o.Order, rec, "")})
	})
	return out, err
}

// settle records what a handover, return or release means for the items:
// their condition at handover, and the compensation owed once they are
// back (or released), computed from the policy's rates.
func (db *DB) settle(ctx context.Context, tx *dbTx, o *IssuedOrder, c Change, now time.Time) error {
	switch c.Event {
	case order.EventFulfil:
		if c.Condition != "" {
			for i := range o.Items {
				o.Items[i].Condition = c.Condition
			}
		}
	case order.EventReturn, order.EventRelease:
		var handedOver time.Time
		err := tx.QueryRowContext(ctx, db.rebind(`SELECT at FROM order_events WHERE order_id = ? AND event = ? ORDER BY seq DESC LIMIT 1`),
			o.ID, string(order.EventFulfil)).Scan(&handedOver)
		if err != nil {
			return notFound(err, "order %s has no handover to count from", o.Code)
		}
		condition := c.Condition
		if c.Event == order.EventRelease && o.Kind == order.Requisition && condition == "" {
			condition = order.Lost // released requisitioned items are not coming back
		}
		comp, err := order.Compensate(o.Order, handedOver.UTC(), now, condition, *c.Rates)
		if err != nil {
			return fmt.Errorf("order %s: %w", o.Code, err)
		}
		o.Compensation = &comp
	}
	return nil
}
