package sqlstore

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
)

func testNeed(id, areaCode string) need.Need {
	return need.Need{ID: id, Unit: "3e bataillon", Type: "vehicle.truck", Quantity: 4, Area: areaCode,
		Point: &area.Point{Lat: 13.05, Lon: 3.2}, Deadline: time.Date(2030, 1, 15, 8, 0, 0, 0, time.UTC),
		Priority: 4, Justification: "transport", LegalBasis: "Décret 2026-114"}
}

func TestNeedsFileListScope(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		skill := testNeed("N-2", "NE.DF")
		skill.Type, skill.Skill, skill.Point = "", "nurse", nil
		filed, err := db.FileNeeds(ctx, []need.Need{testNeed("N-1", "NE.DS.D01"), skill}, "requester.dosso")
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Need(ctx, "N-1", "NE.DS")
		if err != nil {
			t.Fatal(err)
		}
		got.CreatedAt = got.CreatedAt.Truncate(time.Second)
		want := filed[0]
		want.CreatedAt = want.CreatedAt.Truncate(time.Second)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, want)
		}
		if got.State != need.Open || got.FiledBy != "requester.dosso" {
			t.Errorf("state %s filed by %q", got.State, got.FiledBy)
		}
		// Dosso does not see Diffa's need, and cannot tell it exists.
		if _, err := db.Need(ctx, "N-2", "NE.DS"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("Diffa need from Dosso: %v", err)
		}
		page, err := db.ListNeeds(ctx, NeedFilter{Within: "NE.DS"})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != "N-1" {
			t.Fatalf("Dosso list: %+v, %v", page, err)
		}
		page, err = db.ListNeeds(ctx, NeedFilter{Within: "NE"})
		if err != nil || len(page.Items) != 2 || page.Items[1].Skill != "nurse" || page.Items[1].Point != nil {
			t.Fatalf("national list: %+v, %v", page, err)
		}

		// Re-filing an open need corrects it; a bad need rejects the whole call.
		fix := testNeed("N-1", "NE.DS.D01")
		fix.Quantity = 6
		bad := testNeed("N-3", "NE.DS")
		bad.Priority = 9
		if _, err := db.FileNeeds(ctx, []need.Need{fix, bad}, "requester.dosso"); muster.ErrorKind(err) != muster.Invalid {
			t.Fatalf("bad batch: %v", err)
		}
		if n, _ := db.Need(ctx, "N-1", ""); n.Quantity != 4 {
			t.Errorf("a rejected batch changed N-1: quantity %g", n.Quantity)
		}
		if _, err := db.FileNeeds(ctx, []need.Need{fix}, "requester.dosso"); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.Need(ctx, "N-1", ""); n.Quantity != 6 {
			t.Errorf("corrected quantity %g", n.Quantity)
		}
		unknown := testNeed("N-4", "NE.XX")
		if _, err := db.FileNeeds(ctx, []need.Need{unknown}, "x"); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("unknown area: %v", err)
		}

		// Cancelled needs cannot be re-filed or cancelled again.
		if _, err := db.CancelNeed(ctx, "N-1", "NE.DF"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("cancel out of jurisdiction: %v", err)
		}
		if n, err := db.CancelNeed(ctx, "N-1", "NE.DS"); err != nil || n.State != need.Cancelled {
			t.Fatalf("cancel: %+v %v", n, err)
		}
		if _, err := db.CancelNeed(ctx, "N-1", "NE.DS"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("second cancel: %v", err)
		}
		if _, err := db.FileNeeds(ctx, []need.Need{fix}, "x"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("re-file cancelled: %v", err)
		}
		open, err := db.OpenNeeds(ctx, "NE", nil)
		if err != nil || len(open) != 1 || open[0].ID != "N-2" {
			t.Fatalf("open needs: %+v %v", open, err)
		}
		if _, err := db.OpenNeeds(ctx, "NE", []string{"N-2", "N-1"}); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("open needs naming a cancelled one: %v", err)
		}
	})
}

func TestOpenNeedsPages(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		var needs []need.Need
		for i := range 1203 {
			needs = append(needs, testNeed(fmt.Sprintf("N-%04d", i), "NE.DS"))
		}
		if _, err := db.FileNeeds(ctx, needs, "r"); err != nil {
			t.Fatal(err)
		}
		open, err := db.OpenNeeds(ctx, "NE.DS", nil)
		if err != nil || len(open) != len(needs) {
			t.Fatalf("%d open needs, %v", len(open), err)
		}
		ids := []string{"N-0000", "N-1202", "N-0600"}
		some, err := db.OpenNeeds(ctx, "NE.DS", ids)
		if err != nil || len(some) != 3 {
			t.Fatalf("%+v %v", some, err)
		}
	})
}

// TestFileNeedsWithin: a filer cannot take over a need of another
// jurisdiction by filing its id again; within their own, they may amend.
func TestFileNeedsWithin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		if _, err := db.FileNeeds(ctx, []need.Need{testNeed("N-DF", "NE.DF"), testNeed("N-DS", "NE.DS")}, "seed"); err != nil {
			t.Fatal(err)
		}
		hijack := testNeed("N-DF", "NE.DS.D01")
		_, err := db.FileNeedsWithin(ctx, []need.Need{hijack}, "requester.dosso", "NE.DS")
		if muster.ErrorKind(err) != muster.Forbidden || !strings.Contains(err.Error(), "N-DF was filed outside your jurisdiction") {
			t.Errorf("filing Diffa's need id from Dosso: %v", err)
		}
		if n, err := db.Need(ctx, "N-DF", ""); err != nil || n.Area != "NE.DF" {
			t.Errorf("Diffa's need after the attempt: area %s, %v", n.Area, err)
		}
		amend := testNeed("N-DS", "NE.DS.D01")
		amend.Quantity = 6
		if _, err := db.FileNeedsWithin(ctx, []need.Need{amend}, "requester.dosso", "NE.DS"); err != nil {
			t.Errorf("amending a need of one's own jurisdiction: %v", err)
		}
		if n, _ := db.Need(ctx, "N-DS", ""); n.Quantity != 6 {
			t.Errorf("amended need quantity %g, want 6", n.Quantity)
		}
	})
}
