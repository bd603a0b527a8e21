package sqlstore

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// seedDashboard files needs in Dosso and Diffa, fills some through a
// reviewed proposal, and issues orders in several states.
func seedDashboard(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	seedOrders(t, db) // NE0001 lives in NE.DS.D01, NE0002 in NE.DF
	if err := db.UpsertOrganisations(ctx, []registry.Organisation{{OrgID: "TRANS", Name: "Transports", Kind: "company", Area: "NE.DS"}}); err != nil {
		t.Fatal(err)
	}
	near := &area.Point{Lat: 13.0, Lon: 3.2}
	owner := registry.Owner{Kind: registry.OwnerOrganisation, ID: "TRANS"}
	var rs []registry.Resource
	for _, id := range []string{"T1", "T2", "T3"} {
		rs = append(rs, registry.Resource{ResourceID: id, Owner: owner, Type: "vehicle.truck", Quantity: 1, Unit: "unit", Area: "NE.DS",
			Location: near, Condition: "good"})
	}
	rs = append(rs, registry.Resource{ResourceID: "M1", Owner: owner, Type: "food.millet", Quantity: 4, Unit: "t", Area: "NE.DS",
		Location: near, Condition: "good"})
	if err := db.UpsertResources(ctx, rs); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().AddDate(0, 1, 0).UTC().Truncate(time.Second)
	n := func(id, typ string, q float64, areaCode string) need.Need {
		return need.Need{ID: id, Unit: "3e bataillon", Type: typ, Quantity: q, Area: areaCode, Deadline: deadline, Priority: 3,
			Justification: "renfort", LegalBasis: "Décret 2026-114"}
	}
	trucks := n("N-TRUCK", "vehicle.truck", 4, "NE.DS.D01") // two of TRANS's three trucks: half filled
	trucks.Point = &area.Point{Lat: 13.1, Lon: 3.3}
	if _, err := db.FileNeeds(ctx, []need.Need{
		trucks,
		n("N-MILLET", "food.millet", 1500, "NE.DS"), // half of 4 t may be taken: filled
		n("N-FUEL", "fuel.diesel", 100, "NE.DS"),    // no fuel anywhere: nothing filled
		n("N-GONE", "fuel.diesel", 100, "NE.DS"),    // cancelled: not counted
		n("N-DF", "fuel.diesel", 100, "NE.DF"),
	}, "unit"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CancelNeed(ctx, "N-GONE", ""); err != nil {
		t.Fatal(err)
	}
	sp, _, err := db.Propose(ctx, "NE.DS", []string{"N-TRUCK", "N-MILLET"}, "officer", allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideLines(ctx, sp.ID, nil, true, "officer"); err != nil {
		t.Fatal(err)
	}

	// Dosso: a draft, an issued order, a claimed one; Diffa: a notified one.
	drafts, err := db.DraftOrders(ctx, []order.Order{callUp("NE0001"), callUp("NE0001"), callUp("NE0001"), callUp("NE0002")}, officer)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{drafts[1].ID, drafts[2].ID, drafts[3].ID}
	if _, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id     string
		events []Change
	}{
		{drafts[2].ID, []Change{{Event: order.EventNotify, Actor: order.SystemActor},
			{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "sole_caregiver"}}},
		{drafts[3].ID, []Change{{Event: order.EventNotify, Actor: order.SystemActor}}},
	} {
		for _, e := range c.events {
			if _, err := db.ApplyOrderEvent(ctx, c.id, "", e); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestDashboard(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedDashboard(t, db)
		later := time.Now().AddDate(1, 0, 0) // every deadline has passed

		d, err := db.Dashboard(ctx, "NE", later)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Regions) != 2 {
			t.Fatalf("regions of NE: %+v", d.Regions)
		}
		byCode := map[string]RegionFigures{}
		for _, r := range d.Regions {
			byCode[r.Area] = r
		}
		ds, df, all := byCode["NE.DS"], byCode["NE.DF"], d.Within
		if ds.Name != "Dosso" || ds.NeedsOpen != 2 || ds.NeedsFilled != 1 || !approx(ds.FillRate, 0.5) {
			t.Errorf("Dosso needs: %+v", ds)
		}
		if df.NeedsOpen != 1 || df.NeedsFilled != 0 || df.FillRate != 0 {
			t.Errorf("Diffa needs: %+v", df)
		}
		if all.Area != "NE" || all.NeedsOpen != 3 || all.NeedsFilled != 1 || !approx(all.FillRate, 1.5/4) {
			t.Errorf("total needs: %+v", all)
		}
		wantOrders := map[order.State]int{order.StateDraft: 1, order.StateIssued: 1, order.StateClaimed: 1}
		if !sameCounts(ds.Orders, wantOrders) || ds.Overdue != 1 || ds.Claims != 1 || ds.Appeals != 0 {
			t.Errorf("Dosso orders: %+v overdue %d claims %d", ds.Orders, ds.Overdue, ds.Claims)
		}
		if !sameCounts(df.Orders, map[order.State]int{order.StateNotified: 1}) || df.Overdue != 1 {
			t.Errorf("Diffa orders: %+v overdue %d", df.Orders, df.Overdue)
		}
		if all.Overdue != 2 || all.Claims != 1 || all.Orders[order.StateDraft] != 1 {
			t.Errorf("total orders: %+v overdue %d", all.Orders, all.Overdue)
		}

		// Before the deadlines nothing is overdue.
		d, err = db.Dashboard(ctx, "NE", time.Now())
		if err != nil || d.Within.Overdue != 0 {
			t.Errorf("overdue before the deadlines: %+v, %v", d.Within, err)
		}

		// A region's dashboard: its departments, and its own area's needs
		// in the total only.
		d, err = db.Dashboard(ctx, "NE.DS", later)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Regions) != 1 || d.Regions[0].Area != "NE.DS.D01" || d.Regions[0].NeedsOpen != 1 || !approx(d.Regions[0].FillRate, 0.5) ||
			d.Regions[0].Orders[order.StateIssued] != 1 {
			t.Errorf("departments of Dosso: %+v", d.Regions)
		}
		if d.Within.NeedsOpen != 2 || d.Within.NeedsFilled != 1 || d.Within.Orders[order.StateNotified] != 0 {
			t.Errorf("Dosso total: %+v", d.Within)
		}

		// An area without children is its own only region; one without
		// needs has no fill rate.
		d, err = db.Dashboard(ctx, "NE.DF", later)
		if err != nil || len(d.Regions) != 1 || d.Regions[0].Area != "NE.DF" || d.Regions[0].NeedsOpen != 1 || d.Regions[0].Overdue != 1 {
			t.Errorf("Diffa alone: %+v, %v", d.Regions, err)
		}
		if err := db.SaveAreas(ctx, []area.Area{{Code: "NE.TL", Name: "Tillabéri", Level: "region", Parent: "NE"}}); err != nil {
			t.Fatal(err)
		}
		d, err = db.Dashboard(ctx, "NE.TL", later)
		if err != nil || !math.IsNaN(d.Within.FillRate) || !math.IsNaN(d.Regions[0].FillRate) || len(d.Within.Orders) != 0 {
			t.Errorf("an area without needs: %+v, %v", d, err)
		}
		if _, err := db.Dashboard(ctx, "XX", later); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("unknown area: %v", err)
		}
	})
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func sameCounts(got, want map[order.State]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
