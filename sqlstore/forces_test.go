package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/campaign"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

func TestForceTargets(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		var persons []registry.Person
		for i := range 10 {
			persons = append(persons, person(fmt.Sprintf("NE1%03d", i), "NE.DS"))
		}
		if err := db.UpsertPersons(ctx, persons); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []ForceTarget{
			{Code: "x y", Name: "n", Scope: "NE", Target: 1},
			{Code: "FDS", Name: "n", Scope: "NE", Target: 0},
			{Code: "FDS", Name: "n", Scope: "NE.XX", Target: 10},
		} {
			if _, err := db.SetForceTarget(ctx, bad); muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if _, err := db.SetForceTarget(ctx, ForceTarget{Code: "BN3", Name: "3e bataillon", Scope: "NE.DS", Target: 100, Base: 80, UpdatedBy: "officer"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetForceTarget(ctx, ForceTarget{Code: "FDF", Name: "Diffa", Scope: "NE.DF", Target: 10, UpdatedBy: "officer"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateCampaign(ctx, Campaign{Name: "c", Scope: "NE.DS", Force: "NOPE", Targets: campaign.Targets{{Count: 1}}}); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("campaign for an unknown force: %v", err)
		}
		c, err := db.CreateCampaign(ctx, Campaign{Name: "Renfort", Scope: "NE.DS", Force: "BN3", Targets: campaign.Targets{{Count: 6}}})
		if err != nil {
			t.Fatal(err)
		}
		all := func(registry.Person) (bool, error) { return true, nil }
		if _, err := db.FreezeCampaign(ctx, c.ID, "p", "h", campaign.NoBeacon, all); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.DrawCampaign(ctx, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		selected, _, err := db.CampaignSelected(ctx, c.ID)
		if err != nil || len(selected) != 6 {
			t.Fatalf("%d selected, %v", len(selected), err)
		}
		var drafts []order.Order
		for _, p := range selected {
			o := callUp(p.NationalID)
			drafts = append(drafts, o)
		}
		officer := order.Actor{Role: auth.Officer, Name: "officer"}
		out, err := db.DraftBatch(ctx, c.ID, drafts, officer)
		if err != nil {
			t.Fatal(err)
		}
		approver := order.Actor{Role: auth.Approver, Name: "approver"}
		if _, err := db.ApproveOrders(ctx, []string{out[0].ID, out[1].ID}, approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		for _, e := range []order.Event{order.EventNotify, order.EventAcknowledge} {
			actor := order.SystemActor
			if e == order.EventAcknowledge {
				actor = order.AddresseeActor
			}
			if _, err := db.ApplyOrderEvent(ctx, out[0].ID, "", Change{Event: e, Actor: actor}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.ForceTargets(ctx, "NE.DS")
		if err != nil || len(got) != 1 {
			t.Fatalf("Dosso's force targets: %+v %v", got, err)
		}
		f := got[0]
		if f.Reported != 1 || f.Pending != 5 || f.Strength != 81 || f.Shortfall != 14 {
			t.Errorf("BN3: %+v", f)
		}
		if all, _ := db.ForceTargets(ctx, ""); len(all) != 2 {
			t.Errorf("all force targets: %+v", all)
		}
		// Updating keeps the code and changes the figures.
		if _, err := db.SetForceTarget(ctx, ForceTarget{Code: "BN3", Name: "3e bataillon", Scope: "NE.DS", Target: 120, Base: 80}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ForceTargets(ctx, "NE.DS"); got[0].Shortfall != 34 {
			t.Errorf("after raising the target: %+v", got[0])
		}
	})
}
