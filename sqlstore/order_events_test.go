package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/trust"
)

func TestOrderLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		drafts, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001")}, officer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveOrders(ctx, []string{drafts[0].ID}, approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		code := string(drafts[0].Code)
		reviewer1 := order.Actor{Role: auth.Reviewer, Name: "board.one"}
		reviewer2 := order.Actor{Role: auth.Reviewer, Name: "board.two"}
		treasurer := order.Actor{Role: auth.Treasurer, Name: "treasurer"}
		steps := []struct {
			change Change
			want   order.State
			kind   muster.Kind // of the expected error, "" for success
		}{
			{Change{Event: order.EventAcknowledge, Actor: order.AddresseeActor}, "", muster.Conflict}, // not notified yet
			{Change{Event: order.EventNotify, Actor: order.SystemActor}, order.StateNotified, ""},
			{Change{Event: order.EventClaim, Actor: order.AddresseeActor, Note: "4 enfants"}, "", muster.Invalid}, // no ground
			{Change{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "astrology"}, "", muster.Invalid},
			{Change{Event: order.EventAcknowledge, Actor: order.AddresseeActor, Ground: "medical"}, "", muster.Invalid},
			{Change{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "sole_caregiver", Note: "4 enfants"}, order.StateClaimed, ""},
			{Change{Event: order.EventRejectClaim, Actor: order.Actor{Role: auth.Reviewer, Name: approver.Name}}, "", muster.Forbidden},
			{Change{Event: order.EventRejectClaim, Actor: reviewer1}, order.StateClaimRejected, ""},
			{Change{Event: order.EventAppeal, Actor: order.AddresseeActor}, order.StateAppealed, ""},
			{Change{Event: order.EventDismiss, Actor: reviewer1}, "", muster.Forbidden}, // decided the claim
			{Change{Event: order.EventDismiss, Actor: reviewer2}, order.StateDismissed, ""},
			{Change{Event: order.EventFulfil, Actor: officer}, order.StateFulfilled, ""},
			{Change{Event: order.EventRelease, Actor: officer}, order.StateReleased, ""},
			{Change{Event: order.EventCompensate, Actor: officer}, "", muster.Forbidden},
			{Change{Event: order.EventCompensate, Actor: treasurer}, "", muster.Conflict},        // not paid yet
			{Change{Event: order.EventCompensate, Actor: treasurer}, order.StateCompensated, ""}, // paid: see below
			{Change{Event: order.EventClose, Actor: officer}, order.StateClosed, ""},
		}
		for _, s := range steps {
			if s.change.Event == order.EventCompensate && s.kind == "" {
				// Paying the compensation owed records the event.
				if o := payInFull(t, db, code, s.change.Actor); o.State != s.want {
					t.Fatalf("after payment: %s", o.State)
				}
				continue
			}
			o, err := db.ApplyOrderEvent(ctx, code, "NE.DS", s.change)
			if s.kind != "" {
				if muster.ErrorKind(err) != s.kind {
					t.Fatalf("%s by %s: err = %v, want %s", s.change.Event, s.change.Actor.Name, err, s.kind)
				}
				continue
			}
			if err != nil || o.State != s.want {
				t.Fatalf("%s by %s: state %s, err %v; want %s", s.change.Event, s.change.Actor.Name, o.State, err, s.want)
			}
		}
		events, err := db.OrderEvents(ctx, drafts[0].ID)
		if err != nil || len(events) != 12 {
			t.Fatalf("%d events, %v", len(events), err)
		}
		if events[4].Note != "ground: sole_caregiver (exemption)\n4 enfants" {
			t.Errorf("claim note = %q", events[4].Note)
		}
		// The claim's grounds are personal: sealed in the database, absent from the log.
		leaf, _ := db.Log().Leaf(ctx, events[4].LogIndex)
		if string(leaf) == "" || strings.Contains(string(leaf), "caregiver") || strings.Contains(string(leaf), "enfants") {
			t.Errorf("claim leaf %q", leaf)
		}
		signAndVerifyLog(t, db, "after a whole lifecycle")
		// Out of jurisdiction: Diffa cannot act on a Dosso order.
		if _, err := db.ApplyOrderEvent(ctx, code, "NE.DF", Change{Event: order.EventClose, Actor: officer}); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("Diffa acting on a Dosso order: %v", err)
		}
	})
}

func TestOrderDeferral(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		drafts, _ := db.DraftOrders(ctx, []order.Order{callUp("NE0001")}, officer)
		db.ApproveOrders(ctx, []string{drafts[0].ID}, approver, db.AddresseeRef)
		id := drafts[0].ID
		reviewer := order.Actor{Role: auth.Reviewer, Name: "board.one"}
		for _, c := range []Change{
			{Event: order.EventNotify, Actor: order.SystemActor},
			{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "hardship"},
		} {
			if _, err := db.ApplyOrderEvent(ctx, id, "", c); err != nil {
				t.Fatal(err)
			}
		}
		until := drafts[0].Deadline.AddDate(0, 3, 0)
		o, err := db.ApplyOrderEvent(ctx, id, "", Change{Event: order.EventDefer, Actor: reviewer, Until: until})
		if err != nil || o.State != order.StateDeferred || !o.Deadline.Equal(until) {
			t.Fatalf("defer: %+v, %v", o, err)
		}
		back, _ := db.Order(ctx, id, "")
		if !back.Deadline.Equal(until) {
			t.Errorf("stored deadline %v, want %v", back.Deadline, until)
		}
	})
}

func TestRequisitionCompensation(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{{OrgID: "ORG-1", Name: "Transports du Dallol", Kind: "transporter", Area: "NE.DS"}}); err != nil {
			t.Fatal(err)
		}
		req := callUp("NE0001")
		req.Kind, req.Addressee = order.Requisition, registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-1"}
		req.Items = []order.Item{{Type: "vehicle.truck", Quantity: 2, Unit: "unit", ValueXOF: 30_000_000}}
		drafts, err := db.DraftOrders(ctx, []order.Order{req}, officer)
		if err != nil {
			t.Fatal(err)
		}
		id := drafts[0].ID
		if _, err := db.ApproveOrders(ctx, []string{id}, approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		rates := order.Rates{PerDay: map[string]int64{"vehicle.truck": 45_000}, DefaultServicePerDay: 3_000, DamagePercentPerStep: 10}
		for _, c := range []Change{
			{Event: order.EventNotify, Actor: officer},
			{Event: order.EventFulfil, Actor: officer, Condition: "good"},
			{Event: order.EventReturn, Actor: officer, Condition: "poor", Rates: &rates},
		} {
			if _, err := db.ApplyOrderEvent(ctx, id, "", c); err != nil {
				t.Fatalf("%s: %v", c.Event, err)
			}
		}
		o, err := db.Order(ctx, id, "")
		if err != nil || o.Compensation == nil {
			t.Fatalf("order %+v, %v", o.Compensation, err)
		}
		events, _ := db.OrderEvents(ctx, id)
		want, err := order.Compensate(o.Order, events[3].At, events[4].At, "poor", rates)
		if err != nil {
			t.Fatal(err)
		}
		// One day of two trucks, and two steps of damage (good → poor) on their value.
		if o.Compensation.AmountXOF != want.AmountXOF || want.AmountXOF != 2*45_000+6_000_000 {
			t.Errorf("compensation %d, recomputed %d, want %d", o.Compensation.AmountXOF, want.AmountXOF, 2*45_000+6_000_000)
		}
		if o.Items[0].Condition != "good" {
			t.Errorf("handover condition %q not recorded", o.Items[0].Condition)
		}
		// The owner's receipt is signed like an order and names the handover.
		receipt, err := db.SignReceipt(ctx, o, events[3])
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := db.Keys(ctx)
		tl, _ := trust.NewTrustList(keys, 1, time.Now())
		claims, err := qr.Verify(receipt, tl, time.Now())
		if err != nil || claims.Kind != qr.KindReceipt || claims.LogIndex != events[3].LogIndex || !claims.IssuedAt.Equal(events[3].At.Truncate(time.Second)) {
			t.Errorf("receipt claims %+v, %v", claims, err)
		}
	})
}
