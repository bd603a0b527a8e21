package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// TestAddresseeOrders: the orders of one person or organisation, newest
// first, within a jurisdiction, and none of anyone else's.
func TestAddresseeOrders(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{{OrgID: "TRANS", Name: "Transports du fleuve", Kind: "company", Area: "NE.DS"}}); err != nil {
			t.Fatal(err)
		}
		requisition := order.Order{Kind: order.Requisition, Addressee: registry.Owner{Kind: registry.OwnerOrganisation, ID: "TRANS"},
			Items: []order.Item{{Type: "vehicle.truck", Quantity: 1, Unit: "unit"}}, Place: order.Place{Text: "Dosso", Area: "NE.DS"},
			Deadline: time.Now().Add(72 * time.Hour), LegalBasis: "Loi n° 2026-01", Authority: "NE-MOB-DS", Reason: "Transport"}
		var ids []string
		for i, o := range []order.Order{callUp("NE0001"), callUp("NE0002"), requisition, callUp("NE0001")} {
			at := time.Date(2026, 3, 1, 8, i, 0, 0, time.UTC)
			db.SetClock(func() time.Time { return at })
			drafts, err := db.DraftOrders(ctx, []order.Order{o}, officer)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, drafts[0].ID)
		}
		db.SetClock(time.Now)
		for _, c := range []struct {
			owner  registry.Owner
			within string
			want   []string
		}{
			{registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, "", []string{ids[3], ids[0]}},
			{registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, "NE.DS", []string{ids[3], ids[0]}},
			{registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, "NE.DF", nil},
			{registry.Owner{Kind: registry.OwnerPerson, ID: "NE0002"}, "NE", []string{ids[1]}},
			{registry.Owner{Kind: registry.OwnerOrganisation, ID: "TRANS"}, "NE.DS", []string{ids[2]}},
			{registry.Owner{Kind: registry.OwnerPerson, ID: "NE9999"}, "", nil},
		} {
			got, err := db.AddresseeOrders(ctx, c.owner, c.within, 10)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for _, o := range got {
				if o.Addressee != c.owner {
					t.Errorf("%s within %q: order %s is addressed to %s", c.owner, c.within, o.ID, o.Addressee)
				}
				gotIDs = append(gotIDs, o.ID)
			}
			if len(gotIDs) != len(c.want) || len(gotIDs) > 0 && (gotIDs[0] != c.want[0] || gotIDs[len(gotIDs)-1] != c.want[len(c.want)-1]) {
				t.Errorf("%s within %q: %v, want %v", c.owner, c.within, gotIDs, c.want)
			}
		}
		if got, err := db.AddresseeOrders(ctx, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, "", 1); err != nil || len(got) != 1 || got[0].ID != ids[3] {
			t.Errorf("limit 1: %v %v", got, err)
		}
		if _, err := db.AddresseeOrders(ctx, registry.Owner{Kind: "ship", ID: "X"}, "", 1); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("an unknown kind of addressee: %v", err)
		}
	})
}
