package order

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// byEvent is, for each event, an actor allowed to cause it in the walks.
var byEvent = map[Event]Actor{
	EventApprove: approver, EventIssue: SystemActor, EventNotify: SystemActor,
	EventAcknowledge: AddresseeActor, EventClaim: AddresseeActor, EventAppeal: AddresseeActor,
	EventExempt: reviewer, EventDefer: reviewer, EventRejectClaim: reviewer,
	EventUphold: second, EventDismiss: second,
	EventFulfil: officer, EventReturn: officer, EventRelease: officer,
	EventCompensate: treasury, EventClose: SystemActor, EventCancel: approver,
}

// walkRecords drafts o, approves and issues it, then applies events one
// minute apart, and returns the order and its whole history.
func walkRecords(t *testing.T, o Order, events ...Event) (Order, []Record) {
	t.Helper()
	o, rec, err := Draft(o, drafter, now)
	if err != nil {
		t.Fatal(err)
	}
	history := []Record{rec}
	at := now
	for _, e := range append([]Event{EventApprove, EventIssue}, events...) {
		at = at.Add(time.Minute)
		if e == EventDefer {
			rec, err = o.Defer(byEvent[e], o.Deadline.AddDate(0, 0, 30), at, "")
		} else {
			rec, err = o.Apply(e, byEvent[e], at, "")
		}
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		history = append(history, rec)
	}
	return o, history
}

func walk(t *testing.T, o Order, events ...Event) Order {
	t.Helper()
	o, _ = walkRecords(t, o, events...)
	return o
}

// TestReplay walks orders along every path to a final state and checks
// that their histories replay to the orders' facts.
func TestReplay(t *testing.T) {
	paths := []struct {
		name   string
		base   func() Order
		events []Event
		end    State
	}{
		{"requisition returned", goodRequisition, []Event{EventNotify, EventAcknowledge, EventFulfil, EventReturn, EventCompensate, EventClose}, StateClosed},
		{"call-up released", goodCallUp, []Event{EventNotify, EventFulfil, EventRelease, EventCompensate, EventClose}, StateClosed},
		{"exempted", goodCallUp, []Event{EventNotify, EventClaim, EventExempt}, StateExempted},
		{"deferred then served", goodCallUp, []Event{EventNotify, EventAcknowledge, EventClaim, EventDefer, EventFulfil, EventRelease}, StateReleased},
		{"appeal upheld", goodCallUp, []Event{EventNotify, EventClaim, EventRejectClaim, EventAppeal, EventUphold}, StateUpheld},
		{"appeal dismissed then handed over", goodRequisition, []Event{EventNotify, EventClaim, EventRejectClaim, EventAppeal, EventDismiss, EventFulfil}, StateFulfilled},
		{"deferral appealed", goodCallUp, []Event{EventNotify, EventClaim, EventDefer, EventAppeal}, StateAppealed},
		{"cancelled with a claim pending", goodCallUp, []Event{EventNotify, EventClaim, EventCancel}, StateCancelled},
		{"issued only", goodCallUp, nil, StateIssued},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			o, history := walkRecords(t, p.base(), p.events...)
			if o.State != p.end {
				t.Fatalf("ended in %s, want %s", o.State, p.end)
			}
			f, err := Replay(o.Kind, history)
			if err != nil {
				t.Fatal(err)
			}
			if f != o.Facts() {
				t.Errorf("replayed %+v, order %+v", f, o.Facts())
			}
			if err := o.CheckHistory(history); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestReplayDetects tampers with a good history, one way per case, and
// checks that replay names the record that gives it away.
func TestReplayDetects(t *testing.T) {
	o, good := walkRecords(t, goodCallUp(), EventNotify, EventClaim, EventRejectClaim, EventAppeal, EventDismiss, EventFulfil)
	// good: 1 draft, 2 approve, 3 issue, 4 notify, 5 claim, 6 reject_claim,
	// 7 appeal, 8 dismiss, 9 fulfil.
	cases := []struct {
		name   string
		tamper func([]Record) []Record
		words  []string
	}{
		{"empty", func([]Record) []Record { return nil }, []string{"empty"}},
		{"skipped notify", func(h []Record) []Record { return append(h[:3:3], h[4:]...) }, []string{"record 5", "missing"}},
		{"skipped and renumbered", func(h []Record) []Record {
			h = append(h[:3:3], h[4:]...)
			for i := range h {
				h[i].Seq = int64(i + 1)
			}
			return h
		}, []string{"record 4 (claim)", "starts from notified but the order was issued"}},
		{"forged edge", func(h []Record) []Record {
			h[3].From, h[3].To, h[3].Event = StateIssued, StateAcknowledged, EventAcknowledge
			return h
		}, []string{"record 4", "cannot acknowledge an order that is issued"}},
		{"approved by the drafter", func(h []Record) []Record { h[1].Actor = "dora"; return h }, []string{"record 2", "two-person rule"}},
		{"approved by an officer", func(h []Record) []Record { h[1].Role = auth.Officer; return h }, []string{"record 2", "role officer may not approve"}},
		{"appeal decided by the claim reviewer", func(h []Record) []Record { h[7].Actor = "rakia"; return h }, []string{"record 8", "another reviewer"}},
		{"claim made by an officer", func(h []Record) []Record { h[4].Role, h[4].Actor = auth.Officer, "omar"; return h }, []string{"record 5", "role officer may not claim"}},
		{"wrong destination", func(h []Record) []Record { h[5].To = StateExempted; return h }, []string{"record 6", "ends in exempted but reject_claim leads to claim_rejected"}},
		{"back-dated", func(h []Record) []Record { h[6].At = h[5].At.Add(-time.Second); return h }, []string{"record 7", "dated before"}},
		{"other order", func(h []Record) []Record { h[2].OrderID = "01OTHER"; return h }, []string{"record 3", "belongs to order 01OTHER"}},
		{"repeated", func(h []Record) []Record { return append(h[:5:5], h[4:]...) }, []string{"record 5", "number 6"}},
		{"deadline on a non-deferral", func(h []Record) []Record { h[5].Deadline = now.AddDate(1, 0, 0); return h }, []string{"record 6", "deferral"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.tamper(append([]Record(nil), good...))
			_, err := Replay(o.Kind, h)
			wantKind(t, err, muster.Invalid, c.words...)
		})
	}
	// Truncating the history is a valid shorter history; only the order
	// row, which has moved on, gives it away.
	if err := o.CheckHistory(good[:8]); err == nil || !strings.Contains(err.Error(), "counts 9 events") {
		t.Errorf("truncated history: %v", err)
	}
	edited := o
	edited.State = StateCancelled
	edited.ApprovedBy = "dora"
	if err := edited.CheckHistory(good); muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("edited order row: %v", err)
	}
	other := o
	other.ID = "01OTHER"
	if err := other.CheckHistory(good); err == nil || !strings.Contains(err.Error(), "history is that of order") {
		t.Errorf("someone else's history: %v", err)
	}
	// A requisition-only event in a call-up's history.
	c, h := walkRecords(t, goodCallUp(), EventNotify, EventFulfil, EventRelease)
	h[len(h)-1].Event, h[len(h)-1].To = EventReturn, StateReturned
	if _, err := Replay(c.Kind, h); err == nil || !strings.Contains(err.Error(), "requisition orders only") {
		t.Errorf("return of a call-up: %v", err)
	}
}
