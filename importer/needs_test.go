package importer

import (
	"context"
	"reflect"
	"testing"

	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/sqlstore"
)

func TestImportNeeds(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustImport(t, db, Areas, "areas.csv")
		filer := func(ctx context.Context, _ Store, path string, opts Options) (Summary, error) {
			return Needs(ctx, db, path, "requester.dosso", "NE.DS", opts)
		}
		sum, problems := run(t, db, filer, "needs.csv", Options{})
		want := []string{
			`needs.csv:4: quantity: vehicle.truck is counted in whole items`,
			`needs.csv:5: area: NE.DF is outside your jurisdiction NE.DS`,
			`needs.csv:6: longitude: is missing: latitude and longitude go together`,
			`needs.csv:7: priority: "high" is not a whole number from 1 to 5`,
			`needs.csv:8: need_id: "DS-001" appears twice in the file (first on line 2)`,
			`needs.csv:9: type: give a resource type or a skill, not both`,
			`needs.csv:9: deadline: 2020-01-15T00:00:00Z is not after the need's filing at 2026-11-25T00:00:00Z`,
			`needs.csv:9: area: unknown area "NE.ZZ"`,
		}
		if !reflect.DeepEqual(problems, want) {
			t.Errorf("problems:\n%q\nwant:\n%q", problems, want)
		}
		if sum.Imported != 2 || sum.Rejected != 6 {
			t.Errorf("summary %+v", sum)
		}
		page, err := db.ListNeeds(ctx, sqlstore.NeedFilter{})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("stored %+v %v", page, err)
		}
		n := page.Items[0]
		if n.ID != "DS-001" || n.Point == nil || n.Point.Lat != 13.05 || n.State != need.Open || n.FiledBy != "requester.dosso" {
			t.Errorf("DS-001 stored as %+v", n)
		}
		if s := page.Items[1]; s.Skill != "driver" || s.Type != "" || s.Quantity != 6 {
			t.Errorf("DS-002 stored as %+v", s)
		}
	})
}
