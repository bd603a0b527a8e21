package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/proposal"
	"github.com/muster-org/muster/registry"
)

// TestProposalRound runs a round: needs filed, candidates read from the
// registry under the policy, allocation, review, and drafted orders.
func TestProposalRound(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db) // areas, persons NE0001 (Dosso) and NE0002 (Diffa), authority NE-MOB-DS
		driver := person("NE0003", "NE.DS")
		driver.Skills = []string{"driver"}
		if err := db.UpsertPersons(ctx, []registry.Person{driver}); err != nil {
			t.Fatal(err)
		}
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{
			{OrgID: "TRANS", Name: "Transports du fleuve", Kind: "company", Area: "NE.DS"},
			{OrgID: "CLINIC", Name: "Clinique", Kind: "clinic", Area: "NE.DS"},
		}); err != nil {
			t.Fatal(err)
		}
		near := &area.Point{Lat: 13.0, Lon: 3.2}
		truck := func(id string, owner registry.Owner) registry.Resource {
			return registry.Resource{ResourceID: id, Owner: owner, Type: "vehicle.truck", Quantity: 1, Unit: "unit", Area: "NE.DS",
				Location: near, Condition: "good", DeclaredValueXOF: 12_000_000}
		}
		org := func(id string) registry.Owner { return registry.Owner{Kind: registry.OwnerOrganisation, ID: id} }
		if err := db.UpsertResources(ctx, []registry.Resource{
			truck("T1", org("TRANS")), truck("T2", org("TRANS")), truck("T3", org("TRANS")),
			truck("C1", org("CLINIC")),
			truck("P1", registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}), // a household's only vehicle
			{ResourceID: "M1", Owner: org("TRANS"), Type: "food.millet", Quantity: 4, Unit: "t", Area: "NE.DS", Location: near,
				Condition: "good", DeclaredValueXOF: 1_000_000},
		}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().AddDate(0, 1, 0).UTC().Truncate(time.Second)
		filed, err := db.FileNeeds(ctx, []need.Need{
			{ID: "N-T", Unit: "3e bataillon", Type: "vehicle.truck", Quantity: 3, Area: "NE.DS", Point: &area.Point{Lat: 13.1, Lon: 3.3},
				Deadline: deadline, Priority: 4, Justification: "transport", LegalBasis: "Décret 2026-114"},
			{ID: "N-M", Unit: "3e bataillon", Type: "food.millet", Quantity: 1500, Area: "NE.DS", Deadline: deadline, Priority: 3,
				Justification: "vivres", LegalBasis: "Décret 2026-114"},
			{ID: "N-D", Unit: "3e bataillon", Skill: "driver", Quantity: 1, Area: "NE.DS", Deadline: deadline, Priority: 3,
				Justification: "conducteur", LegalBasis: "Décret 2026-114"},
		}, "unit")
		if err != nil {
			t.Fatal(err)
		}
		tree, _ := db.AreaTree(ctx)
		p := policy.Default()
		b := proposal.NewBuilder(p, tree, filed, time.Now())
		if err := db.FillBuilder(ctx, "NE.DS", b); err != nil {
			t.Fatal(err)
		}
		ids := map[string]float64{}
		for _, c := range b.Candidates {
			ids[c.ID] += c.Available
		}
		// Two of TRANS's three trucks, half its millet (an organisation),
		// the reservist driver; not the clinic's truck nor the household's.
		if len(ids) != 4 || ids["T1"] != 1 || ids["T2"] != 1 || ids["M1"] != 2000 || b.Excluded.ProtectedOrganisation != 1 {
			t.Fatalf("candidates %v, excluded %+v", ids, b.Excluded)
		}
		needs, err := b.Needs(filed)
		if err != nil {
			t.Fatal(err)
		}
		prop, err := allocate.Allocate(needs, b.Candidates, allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight})
		if err != nil {
			t.Fatal(err)
		}
		sp, err := db.SaveProposal(ctx, prop, "NE.DS", "officer", p.Version, p.Hash, len(needs), len(b.Candidates))
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Proposal(ctx, sp.ID)
		if err != nil || len(got.Lines) != 4 || len(got.Shortfalls) != 1 || got.Shortfalls[0].Need != "N-T" || got.Shortfalls[0].Missing != 1 {
			t.Fatalf("stored proposal %+v %v", got, err)
		}
		// The reviewer rejects the first line, accepts the rest.
		if _, err := db.DecideLines(ctx, sp.ID, []int{1}, false, "officer"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideLines(ctx, sp.ID, []int{1}, true, "officer"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("deciding a decided line: %v", err)
		}
		if _, err := db.DecideLines(ctx, sp.ID, []int{9}, true, "officer"); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("deciding line 9: %v", err)
		}
		got, err = db.DecideLines(ctx, sp.ID, nil, true, "officer")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := db.Need(ctx, "N-M", "")
		if n.State != need.Filled || n.Filled != 1500 {
			t.Errorf("millet need after acceptance: %+v", n)
		}
		officer := order.Actor{Role: auth.Officer, Name: "officer"}
		drafts, err := db.DraftProposalOrders(ctx, sp.ID, "NE-MOB-DS", officer)
		if err != nil {
			t.Fatal(err)
		}
		if len(drafts) != 3 {
			t.Fatalf("%d drafts", len(drafts))
		}
		kinds := map[order.Kind]int{}
		for _, d := range drafts {
			kinds[d.Kind]++
			if d.Kind == order.Requisition && d.Items[0].Type == "food.millet" && (d.Items[0].Quantity != 1.5 || d.Items[0].ValueXOF != 375_000) {
				t.Errorf("millet item %+v", d.Items[0])
			}
			if d.Kind == order.CallUp && d.Addressee.ID != "NE0003" {
				t.Errorf("call-up to %v", d.Addressee)
			}
		}
		if kinds[order.CallUp] != 1 || kinds[order.Requisition] != 2 {
			t.Errorf("kinds %v", kinds)
		}
		if _, err := db.DraftProposalOrders(ctx, sp.ID, "NE-MOB-DS", officer); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("drafting twice: %v", err)
		}
	})
}

func TestDraftFillsDeclaredValues(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{{OrgID: "TRANS", Name: "Transports", Kind: "company", Area: "NE.DS"}}); err != nil {
			t.Fatal(err)
		}
		owner := registry.Owner{Kind: registry.OwnerOrganisation, ID: "TRANS"}
		var rs []registry.Resource
		for _, id := range []string{"T1", "T2"} {
			rs = append(rs, registry.Resource{ResourceID: id, Owner: owner, Type: "vehicle.truck", Quantity: 1, Unit: "unit", Area: "NE.DS",
				Condition: "good", DeclaredValueXOF: 9_000_000})
		}
		if err := db.UpsertResources(ctx, rs); err != nil {
			t.Fatal(err)
		}
		o := callUp("NE0001")
		o.Kind, o.Addressee = order.Requisition, owner
		o.Items = []order.Item{{Type: "vehicle.truck", Quantity: 2, Unit: "unit", ResourceIDs: []string{"T1", "T2"}},
			{Type: "fuel.diesel", Quantity: 100, Unit: "l", ValueXOF: 70_000}}
		drafts, err := db.DraftOrders(ctx, []order.Order{o}, order.Actor{Role: auth.Officer, Name: "officer"})
		if err != nil {
			t.Fatal(err)
		}
		if v := drafts[0].Items[0].ValueXOF; v != 18_000_000 {
			t.Errorf("trucks valued %d, want the declared 18,000,000", v)
		}
		if v := drafts[0].Items[1].ValueXOF; v != 70_000 {
			t.Errorf("a given value was changed to %d", v)
		}
		if o.Items[0].ValueXOF != 0 {
			t.Error("the caller's order was changed")
		}
	})
}
