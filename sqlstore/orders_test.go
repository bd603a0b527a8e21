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
	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/trust"
)

var (
	officer  = order.Actor{Role: auth.Officer, Name: "officer.dosso"}
	approver = order.Actor{Role: auth.Approver, Name: "approver.dosso"}
)

// seedOrders prepares a registry, an authority with a key, and returns the
// key for trust-list checks.
func seedOrders(t *testing.T, db *DB) trust.Key {
	t.Helper()
	ctx := context.Background()
	seedAreas(t, db)
	if err := db.UpsertPersons(ctx, []registry.Person{person("NE0001", "NE.DS.D01"), person("NE0002", "NE.DF")}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAuthority(ctx, Authority{Code: "NE-MOB-DS", Name: "Direction régionale de la mobilisation, Dosso", Area: "NE.DS"}); err != nil {
		t.Fatal(err)
	}
	key, priv := trust.GenerateKey("NE-MOB-DS", time.Now().Add(-time.Hour), time.Now().AddDate(2, 0, 0))
	if err := db.AddKey(ctx, key, priv); err != nil {
		t.Fatal(err)
	}
	return key
}

func callUp(nid string) order.Order {
	return order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: nid},
		Items:    []order.Item{{Type: "driver", Quantity: 1}},
		Place:    order.Place{Text: "Caserne de Dosso", Area: "NE.DS"},
		Deadline: time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second), LegalBasis: "Loi n° 2026-01, art. 4",
		Authority: "NE-MOB-DS", Reason: "Renfort logistique"}
}

func TestOrderIssuance(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		key := seedOrders(t, db)
		drafts, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001"), callUp("NE0002")}, officer)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{drafts[0].ID, drafts[1].ID}

		// Two-person rule: the drafter may not approve.
		self := order.Actor{Role: auth.Approver, Name: officer.Name}
		if _, err := db.ApproveOrders(ctx, ids, self, db.AddresseeRef); muster.ErrorKind(err) != muster.Forbidden {
			t.Fatalf("drafter approving: err = %v, want forbidden", err)
		}
		issued, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApproveOrders(ctx, []string{ids[0], ids[0]}, approver, db.AddresseeRef); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("an order named twice: err = %v, want invalid", err)
		}
		// Approving again is an illegal transition, and nothing changes.
		if _, err := db.ApproveOrders(ctx, ids[:1], approver, db.AddresseeRef); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("approving an issued order: err = %v, want conflict", err)
		}

		tl, err := trust.NewTrustList([]trust.Key{key}, 1, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range issued {
			if o.State != order.StateIssued || o.Signed == "" {
				t.Fatalf("order %s: state %s, signed %q", o.Code, o.State, o.Signed)
			}
			claims, err := qr.Verify(o.Signed, tl, time.Now())
			if err != nil {
				t.Fatalf("order %s does not verify: %v", o.Code, err)
			}
			if claims.OrderID != o.ID || claims.LogIndex != o.LogIndex || claims.Code != string(o.Code) {
				t.Errorf("claims %+v do not match order %s", claims, o.ID)
			}
			for _, secret := range []string{"NE0001", "NE0002", "Aïchatou", "Maïga"} {
				if strings.Contains(o.Signed, secret) {
					t.Errorf("signed payload holds %q", secret)
				}
			}
			// The issue leaf is in the log and commits to the signed payload.
			leaf, err := db.Log().Leaf(ctx, o.LogIndex)
			if err != nil {
				t.Fatal(err)
			}
			e, err := tlog.ParseLeaf(leaf)
			if err != nil || e.Event != "issue" || e.Subject != o.ID {
				t.Errorf("leaf %d = %+v, %v", o.LogIndex, e, err)
			}
		}

		// Read back by code, scoped: Dosso sees its order, not Diffa's.
		got, err := db.Order(ctx, strings.ToLower(string(issued[0].Code)), "NE.DS")
		if err != nil || got.Signed != issued[0].Signed || got.Addressee.ID != "NE0001" {
			t.Errorf("Order by code = %+v, %v", got, err)
		}
		if _, err := db.Order(ctx, issued[1].ID, "NE.DS"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("Diffa order read from Dosso: err = %v", err)
		}
		events, err := db.OrderEvents(ctx, issued[0].ID)
		if err != nil || len(events) != 3 || events[2].Event != order.EventIssue || events[2].LogIndex != issued[0].LogIndex {
			t.Errorf("events = %+v, %v", events, err)
		}
		counts, _ := db.CountOrders(ctx, "NE")
		if counts[order.StateIssued] != 2 {
			t.Errorf("counts = %v", counts)
		}
	})
}

func TestLogVerifyFindsChangedRows(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		drafts, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001")}, officer)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := db.ApproveOrders(ctx, []string{drafts[0].ID}, approver, db.AddresseeRef)
		if err != nil {
			t.Fatal(err)
		}
		verifier := signAndVerifyLog(t, db, "of a clean log")
		size, _ := db.Log().Size(ctx)
		root, _ := db.Log().Root(ctx, size)
		proof, err := db.Log().InclusionProof(ctx, issued[0].LogIndex, size)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := db.Log().Leaf(ctx, issued[0].LogIndex)
		if err := tlog.VerifyInclusion(tlog.LeafHash(leaf), issued[0].LogIndex, size, proof, root); err != nil {
			t.Errorf("inclusion proof: %v", err)
		}

		// Somebody changes, in the database, the role that approved.
		if err := db.Exec(ctx, `UPDATE order_events SET role = 'admin' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		_, problems, err := db.VerifyLog(ctx, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) == 0 || !strings.Contains(problems[len(problems)-1].What, "event 2 (approve)") {
			t.Errorf("changed event row not reported: %+v", problems)
		}
		// Somebody rewrites who approved, in both the event and the order row.
		if err := db.Exec(ctx, `UPDATE order_events SET role = 'approver', actor = 'mallory' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(ctx, `UPDATE orders SET approved_by = 'mallory'`); err != nil {
			t.Fatal(err)
		}
		_, problems, err = db.VerifyLog(ctx, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) == 0 || !strings.Contains(problems[len(problems)-1].What, "event 2 (approve)") {
			t.Errorf("rewritten approver not reported: %+v", problems)
		}
		// Somebody rewrites a leaf.
		if err := db.Exec(ctx, `UPDATE log_leaves SET data = data || data WHERE idx = 0`); err != nil {
			t.Fatal(err)
		}
		report, _, err := db.VerifyLog(ctx, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if report == nil || report.OK() {
			t.Errorf("rewritten leaf not reported: %+v", report)
		}
	})
}

// TestApprovalBatchIsAllOrNothing: a batch that fails on its last order
// leaves every order of the batch a draft, no leaf in the log and nothing
// queued; approving the drafts again finishes the work without duplicates.
func TestApprovalBatchIsAllOrNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		var drafts []order.Order
		for range 5 {
			drafts = append(drafts, callUp("NE0001"))
		}
		drafted, err := db.DraftOrders(ctx, drafts, officer)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(drafted))
		for i, o := range drafted {
			ids[i] = o.ID
		}
		if _, err := db.ApproveOrders(ctx, ids[4:], approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		before, _ := db.Log().Size(ctx)
		// The batch names an order that is issued already: it fails at the end.
		if _, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef); muster.ErrorKind(err) != muster.Conflict {
			t.Fatalf("err = %v, want conflict", err)
		}
		after, _ := db.Log().Size(ctx)
		counts, _ := db.CountOrders(ctx, "")
		if after != before || counts[order.StateDraft] != 4 || counts[order.StateIssued] != 1 {
			t.Fatalf("after a failed batch: log %d → %d, counts %v", before, after, counts)
		}
		issued, err := db.ApproveOrders(ctx, ids[:4], approver, db.AddresseeRef)
		if err != nil || len(issued) != 4 {
			t.Fatalf("rerun: %d, %v", len(issued), err)
		}
		counts, _ = db.CountOrders(ctx, "")
		if counts[order.StateIssued] != 5 || counts[order.StateDraft] != 0 {
			t.Errorf("after the rerun: %v", counts)
		}
		var queued int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&queued); err != nil || queued != 5 {
			t.Errorf("outbox holds %d messages, want 5 (%v)", queued, err)
		}
	})
}
