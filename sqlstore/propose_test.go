package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/registry"
)

// TestPropose runs the whole allocation sequence in one call: the open
// needs of a scope, the registry under the policy in force, the
// allocator, and the stored proposal.
func TestPropose(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{
			{OrgID: "TRANS", Name: "Transports du fleuve", Kind: "company", Area: "NE.DS"},
			{OrgID: "CLINIC", Name: "Clinique", Kind: "clinic", Area: "NE.DS"},
		}); err != nil {
			t.Fatal(err)
		}
		near := &area.Point{Lat: 13.0, Lon: 3.2}
		truck := func(id, owner string) registry.Resource {
			return registry.Resource{ResourceID: id, Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: owner}, Type: "vehicle.truck",
				Quantity: 1, Unit: "unit", Area: "NE.DS", Location: near, Condition: "good", DeclaredValueXOF: 12_000_000}
		}
		if err := db.UpsertResources(ctx, []registry.Resource{truck("T1", "TRANS"), truck("T2", "TRANS"), truck("T3", "TRANS"),
			truck("C1", "CLINIC")}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().AddDate(0, 1, 0).UTC().Truncate(time.Second)
		n := func(id string, q float64, areaCode string) need.Need {
			return need.Need{ID: id, Unit: "3e bataillon", Type: "vehicle.truck", Quantity: q, Area: areaCode, Deadline: deadline,
				Priority: 4, Justification: "transport", LegalBasis: "Décret 2026-114"}
		}
		if _, err := db.FileNeeds(ctx, []need.Need{n("N-1", 1, "NE.DS"), n("N-2", 2, "NE.DS"), n("N-DF", 1, "NE.DF")}, "unit"); err != nil {
			t.Fatal(err)
		}
		opt := allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight, FairnessWeight: allocate.DefaultFairnessWeight}

		// Only the needs named, of the scope.
		sp, excluded, err := db.Propose(ctx, "NE.DS", []string{"N-1"}, "officer", opt)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Needs != 1 || sp.Candidates != 2 || len(sp.Lines) != 1 || sp.Lines[0].Need != "N-1" || sp.CreatedBy != "officer" ||
			sp.Scope != "NE.DS" || sp.PolicyVersion == "" || excluded.ProtectedOrganisation != 1 {
			t.Fatalf("proposal for N-1: %+v, excluded %+v", sp, excluded)
		}
		stored, err := db.Proposal(ctx, sp.ID)
		if err != nil || len(stored.Lines) != 1 || stored.Lines[0].State != LinePending {
			t.Fatalf("stored proposal %+v, %v", stored, err)
		}

		// Every open need of the scope: two trucks for three wanted.
		sp, _, err = db.Propose(ctx, "NE.DS", nil, "officer", opt)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Needs != 2 || len(sp.Lines) != 2 || len(sp.Shortfalls) != 1 || sp.Shortfalls[0].Missing != 1 {
			t.Errorf("proposal for Dosso: %d needs, lines %+v, shortfalls %+v", sp.Needs, sp.Lines, sp.Shortfalls)
		}

		// A need outside the scope is not found, and so is an empty scope.
		if _, _, err := db.Propose(ctx, "NE.DS", []string{"N-DF"}, "officer", opt); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("a Diffa need in a Dosso proposal: %v", err)
		}
		if _, _, err := db.Propose(ctx, "NE.DS.D01", nil, "officer", opt); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("a scope without needs: %v", err)
		}
	})
}
