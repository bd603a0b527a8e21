package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/trust"
)

// birth is the birth date of the persons person() makes.
var birth = time.Date(1991, 5, 17, 0, 0, 0, 0, time.UTC)

var wat = time.FixedZone("WAT", 3600)

func TestCitizenLookup(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{{OrgID: "ORG-1", Name: "Transports", Kind: "transporter", Area: "NE.DS"}}); err != nil {
			t.Fatal(err)
		}
		issued := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-1"})
		draft, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001")}, officer)
		if err != nil {
			t.Fatal(err)
		}
		svc := db.Citizens(wat)
		o := issued[0]
		v, err := svc.Lookup(ctx, citizen.USSD, "+22790000000", o.Code, birth)
		if err != nil {
			t.Fatal(err)
		}
		want := citizen.OrderView{Code: o.Code, Kind: order.CallUp, State: order.StateIssued, Items: "driver",
			Place: "Caserne de Dosso", Deadline: o.Deadline.In(wat), Authority: "Direction régionale de la mobilisation, Dosso",
			LegalBasis: "Loi n° 2026-01, art. 4", Verified: true, Actions: []citizen.Action{citizen.Acknowledge, citizen.Claim}}
		if v.Deadline.Location() != wat || !v.Deadline.Equal(want.Deadline) {
			t.Errorf("deadline %v, want %v in WAT", v.Deadline, want.Deadline)
		}
		v.Deadline, want.Deadline = time.Time{}, time.Time{}
		if !viewsEqual(v, want) {
			t.Errorf("view =\n%+v\nwant\n%+v", v, want)
		}
		for _, tc := range []struct {
			name  string
			code  order.Code
			birth time.Time
		}{
			{"wrong birth date", o.Code, birth.AddDate(0, 0, 1)},
			{"unknown code", order.NewCode(), birth},
			{"not yet issued", draft[0].Code, birth},
			{"addressed to an organisation", issued[1].Code, birth},
		} {
			if _, err := svc.Lookup(ctx, citizen.Web, "127.0.0.1", tc.code, tc.birth); !errors.Is(err, citizen.ErrNoMatch) {
				t.Errorf("%s: %v, want ErrNoMatch", tc.name, err)
			}
		}

		// A revoked key leaves the order readable but unverified.
		keys, _ := db.Keys(ctx)
		if err := db.RevokeKey(ctx, keys[0].ID, time.Now().Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if v, err := db.Citizens(wat).Lookup(ctx, citizen.USSD, "+22790000000", o.Code, birth); err != nil || v.Verified {
			t.Errorf("after revocation: verified %v, %v; want false", v.Verified, err)
		}
	})
}

func viewsEqual(a, b citizen.OrderView) bool {
	return a.Code == b.Code && a.Kind == b.Kind && a.State == b.State && a.Items == b.Items && a.Place == b.Place &&
		a.Deadline.Equal(b.Deadline) && a.Authority == b.Authority && a.LegalBasis == b.LegalBasis &&
		a.Verified == b.Verified && slices.Equal(a.Actions, b.Actions) && (a.Compensation == nil) == (b.Compensation == nil)
}

// TestCitizenActs walks an order through the addressee's actions: the
// first one notifies the issued order, each is an event by the addressee
// noting the channel, and what the state does not allow is ErrNotAllowed.
func TestCitizenActs(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		o := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"})[0]
		svc := db.Citizens(wat)
		act := func(ch citizen.Channel, a citizen.Action, ground string) (citizen.OrderView, error) {
			return svc.Act(ctx, ch, "+22790000000", o.Code, birth, a, ground)
		}
		if _, err := act(citizen.USSD, citizen.Appeal, ""); !errors.Is(err, citizen.ErrNotAllowed) {
			t.Errorf("appeal of an issued order: %v, want ErrNotAllowed", err)
		}
		if _, err := svc.Act(ctx, citizen.USSD, "x", o.Code, birth.AddDate(1, 0, 0), citizen.Acknowledge, ""); !errors.Is(err, citizen.ErrNoMatch) {
			t.Errorf("acknowledge with a wrong date: %v, want ErrNoMatch", err)
		}
		v, err := act(citizen.USSD, citizen.Acknowledge, "")
		if err != nil || v.State != order.StateAcknowledged || !slices.Equal(v.Actions, []citizen.Action{citizen.Claim}) {
			t.Fatalf("acknowledge: %+v, %v", v, err)
		}
		if _, err := act(citizen.SMS, citizen.Acknowledge, ""); !errors.Is(err, citizen.ErrNotAllowed) {
			t.Errorf("acknowledging twice: %v, want ErrNotAllowed", err)
		}
		if _, err := act(citizen.Web, citizen.Claim, "astrology"); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("claim on an unknown ground: %v, want Invalid", err)
		}
		if v, err = act(citizen.Web, citizen.Claim, "medical"); err != nil || v.State != order.StateClaimed || len(v.Actions) != 0 {
			t.Fatalf("claim: %+v, %v", v, err)
		}
		events, err := db.OrderEvents(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events[3:] {
			got = append(got, string(e.Event)+" by "+e.Actor+": "+e.Note)
		}
		wantEvents := []string{
			"notify by system: the addressee opened the order via ussd",
			"acknowledge by addressee: via ussd",
			"claim by addressee: ground: medical (exemption)\nvia web",
		}
		if !slices.Equal(got, wantEvents) {
			t.Errorf("events after issue:\n%q\nwant\n%q", got, wantEvents)
		}
	})
}

func TestCitizenVerifyAndGrounds(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		o := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"})[0]
		draft, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001")}, officer)
		if err != nil {
			t.Fatal(err)
		}
		svc := db.Citizens(wat)
		v, err := svc.Verify(ctx, o.Code)
		want := citizen.VerifyView{Kind: order.CallUp, Authority: "Direction régionale de la mobilisation, Dosso", State: order.StateIssued, Deadline: o.Deadline.In(wat)}
		if err != nil || v != want {
			t.Errorf("Verify = %+v, %v\nwant %+v", v, err, want)
		}
		for name, code := range map[string]order.Code{"unknown": order.NewCode(), "draft": draft[0].Code} {
			if _, err := svc.Verify(ctx, code); !errors.Is(err, citizen.ErrNoMatch) {
				t.Errorf("Verify(%s) = %v, want ErrNoMatch", name, err)
			}
		}

		grounds := svc.Grounds(ctx)
		if len(grounds) == 0 || grounds[0].Code != "medical" || grounds[0].Kind != citizen.Exemption {
			t.Fatalf("grounds = %+v", grounds)
		}
		for _, l := range citizen.Languages {
			if grounds[0].Labels[l] == "" {
				t.Errorf("ground medical has no label in %s", l)
			}
		}
		if again := svc.Grounds(ctx); &again[0] != &grounds[0] {
			t.Error("grounds read again although the policy did not change")
		}
		if _, ok := svc.PreferredLanguage(ctx, "+22790112233"); ok {
			t.Error("a preferred language without a registry field for it")
		}
		k := svc.FormKey()
		if len(k) != 32 || !bytes.Equal(k, db.Citizens(nil).FormKey()) || strings.Count(string(k), "\x00") == 32 {
			t.Errorf("form key %x: want 32 stable bytes", k)
		}
	})
}

// TestCitizenCompensation follows an order's compensation as its
// addressee sees it: none before the return; after the return, what the
// default policy computes (a truck's day of use and its damage), owed and
// unpaid; then part paid, the payment undone, and paid in full. At every
// step the view agrees with the fund's own reading (DB.Payable).
func TestCitizenCompensation(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		req := callUp("NE0001")
		req.Kind, req.Items = order.Requisition, []order.Item{{Type: "vehicle.truck", Quantity: 1, Unit: "unit", ValueXOF: 12_000_000}}
		legacy := req
		drafted, err := db.DraftOrders(ctx, []order.Order{req, legacy}, officer)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{drafted[0].ID, drafted[1].ID}
		issued, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef)
		if err != nil {
			t.Fatal(err)
		}
		svc := db.Citizens(wat)
		lookup := func(code order.Code) citizen.OrderView {
			t.Helper()
			v, err := svc.Lookup(ctx, citizen.Web, "127.0.0.1", code, birth)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		o := issued[0]
		if v := lookup(o.Code); v.Compensation != nil {
			t.Errorf("an issued order shows a compensation: %+v", *v.Compensation)
		}
		for _, id := range ids {
			for _, c := range []Change{
				{Event: order.EventNotify, Actor: officer},
				{Event: order.EventFulfil, Actor: officer, Condition: "good"},
				{Event: order.EventReturn, Actor: officer, Condition: "fair"}, // the policy in force: the default
			} {
				if _, err := db.ApplyOrderEvent(ctx, id, "", c); err != nil {
					t.Fatalf("%s: %v", c.Event, err)
				}
			}
		}
		returned, err := db.Order(ctx, o.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		// One day of a truck at 45,000, and one step of damage (good → fair)
		// at 10% of its 12,000,000.
		const owed = 45_000 + 1_200_000
		if returned.Compensation == nil || returned.Compensation.AmountXOF != owed || len(returned.Compensation.Lines) != 2 {
			t.Fatalf("compensation computed at the return: %+v", returned.Compensation)
		}

		// check looks the order up and holds its compensation to want and
		// to the fund's payable.
		check := func(step string, want citizen.CompensationView, state order.State) {
			t.Helper()
			v := lookup(o.Code)
			if v.State != state || v.Compensation == nil {
				t.Fatalf("%s: state %s, compensation %+v", step, v.State, v.Compensation)
			}
			got := *v.Compensation
			if got.OwedXOF != want.OwedXOF || got.PaidXOF != want.PaidXOF || got.Settled != want.Settled || got.Days != 1 ||
				!slices.Equal(got.Lines, returned.Compensation.Lines) {
				t.Errorf("%s: compensation %+v, want %+v with the order's lines", step, got, want)
			}
			p, err := db.Payable(ctx, o.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Owed != got.OwedXOF || p.Paid != got.PaidXOF || p.Settled != got.Settled {
				t.Errorf("%s: the citizen sees %+v, the fund's payable is %+v", step, got, p)
			}
		}
		check("returned", citizen.CompensationView{OwedXOF: owed}, order.StateReturned)

		if _, err := db.RecordContribution(ctx, fund.Contribution{Key: "c1", Channel: fund.MobileMoney, Amount: 2_000_000}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyFund(ctx, mustFund(t)(fund.Allocate(fund.Allocation{Key: "a1", Programme: fund.CompensationProgramme, Amount: 2_000_000}))); err != nil {
			t.Fatal(err)
		}
		pay := func(key string, amount int64) {
			t.Helper()
			if _, err := db.PayCompensation(ctx, fund.Payment{Key: key, Order: string(o.Code), Channel: fund.MobileMoney, Amount: amount, Reference: "MM-" + key}, treasurer, ""); err != nil {
				t.Fatalf("payment %s: %v", key, err)
			}
		}
		pay("p1", 500_000)
		check("part paid", citizen.CompensationView{OwedXOF: owed, PaidXOF: 500_000}, order.StateReturned)
		if _, err := db.UndoFund(ctx, fund.PaymentTransferID("p1"), "paid to the wrong wallet"); err != nil {
			t.Fatal(err)
		}
		check("payment undone", citizen.CompensationView{OwedXOF: owed}, order.StateReturned)
		pay("p2", 245_000)
		pay("p3", 0) // the rest
		check("paid in full", citizen.CompensationView{OwedXOF: owed, PaidXOF: owed, Settled: true}, order.StateCompensated)
		mustCheck(t, db)

		// An order returned before the fund existed has no payable: it
		// owes what was computed, and nothing is paid.
		old := issued[1]
		for _, q := range []string{`DELETE FROM ledger_transfers WHERE id = ?`, `DELETE FROM ledger_accounts WHERE id = ?`} {
			arg := fund.OwedTransferID(old.ID)
			if strings.Contains(q, "accounts") {
				arg = fund.PayableAccount(old.ID)
			}
			if _, err := db.sql.ExecContext(ctx, db.rebind(q), arg); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := db.Payable(ctx, old.ID, ""); err != nil || p.Owed != 0 {
			t.Fatalf("the payable was not removed: %+v, %v", p, err)
		}
		v := lookup(old.Code)
		if c := v.Compensation; c == nil || c.OwedXOF != owed || c.PaidXOF != 0 || c.Settled || len(c.Lines) != 2 {
			t.Errorf("order without a payable: compensation %+v, want %d owed and nothing paid", c, owed)
		}
	})
}

// benchCitizenDB is a SQLite database with one call-up to a person,
// issued.
func benchCitizenDB(b *testing.B) (*DB, IssuedOrder) {
	db := OpenTest(b, b.TempDir()+"/muster.db")
	ctx := context.Background()
	if err := db.SaveAreas(ctx, testAreas); err != nil {
		b.Fatal(err)
	}
	if err := db.UpsertPersons(ctx, []registry.Person{person("NE0001", "NE.DS.D01")}); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateAuthority(ctx, Authority{Code: "NE-MOB-DS", Name: "Dosso", Area: "NE.DS"}); err != nil {
		b.Fatal(err)
	}
	key, priv := trust.GenerateKey("NE-MOB-DS", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	if err := db.AddKey(ctx, key, priv); err != nil {
		b.Fatal(err)
	}
	drafts, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001")}, officer)
	if err != nil {
		b.Fatal(err)
	}
	issued, err := db.ApproveOrders(ctx, []string{drafts[0].ID}, approver, db.AddresseeRef)
	if err != nil {
		b.Fatal(err)
	}
	return db, issued[0]
}

// BenchmarkCitizenLookup measures one look-up with the second factor, as
// every USSD screen that shows an order makes, on SQLite, in parallel.
func BenchmarkCitizenLookup(b *testing.B) {
	db, o := benchCitizenDB(b)
	ctx := context.Background()
	svc := db.Citizens(wat)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Lookup(ctx, citizen.USSD, "+22790000000", o.Code, birth); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCitizenLookupCompensation measures the look-up of a released
// order with its compensation part paid, in a ledger of 20,000 other
// transfers, against DB.Payable's reading of the same figures: the
// look-up reads the payable by key, Payable scans the transfers.
func BenchmarkCitizenLookupCompensation(b *testing.B) {
	db, o := benchCitizenDB(b)
	ctx := context.Background()
	for _, c := range []Change{{Event: order.EventNotify, Actor: officer}, {Event: order.EventFulfil, Actor: officer},
		{Event: order.EventRelease, Actor: officer}} {
		if _, err := db.ApplyOrderEvent(ctx, o.ID, "", c); err != nil {
			b.Fatal(err)
		}
	}
	var batch []ledger.Transfer
	for i := range 20_000 {
		batch = append(batch, mustFund(b)(fund.Contribute(fund.Contribution{Key: fmt.Sprintf("c%d", i), Channel: fund.MobileMoney, Amount: 100}))...)
	}
	batch = append(batch, mustFund(b)(fund.Allocate(fund.Allocation{Key: "a", Programme: fund.CompensationProgramme, Amount: 1_000}))...)
	if _, err := db.ApplyFund(ctx, batch); err != nil {
		b.Fatal(err)
	}
	if _, err := db.PayCompensation(ctx, fund.Payment{Key: "p", Order: o.ID, Channel: fund.MobileMoney, Amount: 1_000}, treasurer, ""); err != nil {
		b.Fatal(err)
	}
	svc := db.Citizens(wat)
	b.Run("lookup", func(b *testing.B) {
		for b.Loop() {
			if v, err := svc.Lookup(ctx, citizen.USSD, "+22790000000", o.Code, birth); err != nil || v.Compensation.PaidXOF != 1_000 {
				b.Fatal(v.Compensation, err)
			}
		}
	})
	b.Run("payable", func(b *testing.B) {
		for b.Loop() {
			if p, err := db.Payable(ctx, o.ID, ""); err != nil || p.Paid != 1_000 {
				b.Fatal(p, err)
			}
		}
	})
}
