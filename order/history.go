package order

import (
	"fmt"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// Record is one event of an order's history as the store keeps it: the
// order's Seq-th event, from which state to which, by whom and when.
// Deadline is set by deferrals only: the new deadline they grant. Actor is
// a user name, "system" or "addressee", never the addressee's identity.
// Note is free text for the file (a claim's grounds may be medical): it
// stays in the store and must not go into the public transparency log.
type Record struct {
	OrderID  string    `json:"order_id"`
	Seq      int64     `json:"seq"`
	Event    Event     `json:"event"`
	From     State     `json:"from"`
	To       State     `json:"to"`
	Actor    string    `json:"actor"`
	Role     auth.Role `json:"role"`
	At       time.Time `json:"at"`
	Deadline time.Time `json:"deadline,omitzero"`
	Note     string    `json:"note,omitempty"`
}

// actor rebuilds who caused the event. Only the addressee acts as a
// citizen, so a citizen record is the addressee's.
func (r Record) actor() Actor {
	return Actor{Role: r.Role, Name: r.Actor, IsAddressee: r.Role == Citizen}
}

// Replay rebuilds the facts of an order of the given kind from its whole
// history, checking every record against the lifecycle as if it happened
// now: numbering from 1 without gaps, one order, time never going back,
// each record starting where the last ended, and each transition legal
// for its actor (roles, two-person rule, independent review). A history
// edited behind muster's back — a record removed, forged or altered —
// fails with an Invalid error naming the first bad record.
func Replay(kind Kind, records []Record) (Facts, error) {
	f := Facts{Kind: kind}
	if len(records) == 0 {
		return f, muster.Errorf(muster.Invalid, "order history is empty")
	}
	id := records[0].OrderID
	bad := func(r Record, format string, args ...any) error {
		return muster.Errorf(muster.Invalid, "history of order %s, record %d (%s): %s", id, r.Seq, r.Event, fmt.Sprintf(format, args...))
	}
	for i, r := range records {
		switch {
		case r.OrderID != id:
			return f, bad(r, "belongs to order %s", r.OrderID)
		case r.Seq != int64(i+1):
			return f, bad(r, "is number %d in the history, so a record is missing or repeated", i+1)
		case i > 0 && r.At.Before(records[i-1].At):
			return f, bad(r, "is dated before the record before it")
		case r.From != f.State:
			return f, bad(r, "starts from %s but the order was %s", stateName(r.From), stateName(f.State))
		case (r.Event == EventDefer) != !r.Deadline.IsZero():
			return f, bad(r, "only a deferral, and every deferral, sets a deadline")
		}
		to, err := Transition(f, r.Event, r.actor())
		if err != nil {
			return f, bad(r, "%s", muster.ErrorMessage(err))
		}
		if to != r.To {
			return f, bad(r, "ends in %s but %s leads to %s", stateName(r.To), r.Event, to)
		}
		f = f.next(r.Event, r.actor(), to)
	}
	return f, nil
}

func stateName(s State) string {
	if s == StateNone {
		return "(none)"
	}
	return string(s)
}

// CheckHistory replays o's history and checks that it ends where o is: in
// its state, with its drafter, approver and claim reviewer, after o.Seq
// events. It is how an audit finds an order row edited directly in the
// database.
func (o Order) CheckHistory(records []Record) error {
	f, err := Replay(o.Kind, records)
	if err != nil {
		return err
	}
	switch {
	case records[0].OrderID != o.ID:
		return muster.Errorf(muster.Invalid, "order %s: the history is that of order %s", o.ID, records[0].OrderID)
	case int64(len(records)) != o.Seq:
		return muster.Errorf(muster.Invalid, "order %s: it counts %d events but its history has %d", o.ID, o.Seq, len(records))
	case f != o.Facts():
		return muster.Errorf(muster.Invalid, "order %s: it is %s (drafted by %q, approved by %q, claim reviewed by %q) but its history says %s (%q, %q, %q)",
			o.ID, stateName(o.State), o.DraftedBy, o.ApprovedBy, o.ReviewedBy, stateName(f.State), f.DraftedBy, f.ApprovedBy, f.ReviewedBy)
	}
	return nil
}
