package importer

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/trust"
)

func TestImportOrders(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustImport(t, db, Areas, "areas.csv")
		mustImport(t, db, Persons, "persons.csv")
		mustImport(t, db, Organisations, "organisations.csv")
		if err := db.CreateAuthority(ctx, sqlstore.Authority{Code: "NE-MOB-DS", Name: "Mobilisation Dosso", Area: "NE"}); err != nil {
			t.Fatal(err)
		}
		key, priv := trust.GenerateKey("NE-MOB-DS", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
		if err := db.AddKey(ctx, key, priv); err != nil {
			t.Fatal(err)
		}
		officer := order.Actor{Role: auth.Officer, Name: "officer"}
		drafter := func(ctx context.Context, _ Store, path string, opts Options) (Summary, error) {
			return Orders(ctx, db, path, officer, opts)
		}
		sum, problems := run(t, db, drafter, "orders.csv", Options{})
		want := []string{
			"orders.csv:4: addressee: person:NE0000009999 is not in the registry",
			"orders.csv:5: items: \"vehicle.truck:two\": \"two\" is not a number",
			"orders.csv:6: addressee: a call-up is addressed to a person, not \"org\"",
			"orders.csv:6: area: unknown area \"NE.XX\"",
			"orders.csv:7: kind: \"draft_order\" is not an order kind (call_up, requisition)",
			"orders.csv:8: deadline: \"10/01/2027\" is not a time (RFC 3339, YYYY-MM-DDTHH:MM or YYYY-MM-DD, UTC)",
		}
		if sum.Imported != 2 || sum.Rejected != 5 {
			t.Errorf("summary %+v", sum)
		}
		if !reflect.DeepEqual(problems, want) {
			t.Errorf("problems:\n%q\nwant:\n%q", problems, want)
		}
		drafts, err := db.ListOrders(ctx, sqlstore.OrderFilter{State: order.StateDraft, Kind: order.Requisition})
		if err != nil || len(drafts) != 1 || len(drafts[0].Items) != 2 || drafts[0].Items[1].Quantity != 500 {
			t.Errorf("requisition drafts = %+v, %v", drafts, err)
		}
	})
}
