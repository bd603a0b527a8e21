package sqlstore

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/incident"
)

func testIncident(id, areaCode, date string, fatalities int) incident.Incident {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return incident.Incident{ID: id, Date: d, EventType: "Battles", SubEventType: "Armed clash",
		Actor1: "Unidentified Armed Group (Niger)", Admin1: "Dosso", Admin2: "Dosso D01", Location: "Garankédey",
		Lat: 13.05, Lon: 3.2, Fatalities: fatalities, Notes: `On 2 November, "armed men" <attacked> & left.`, Area: areaCode}
}

func TestIncidentsUpsertAndRecent(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		first := testIncident("NIG1", "NE.DS.D01", "2026-11-02", 3)
		in := []incident.Incident{first, testIncident("NIG2", "NE.DF", "2026-11-08", 0), testIncident("NIG3", "NE.DS", "2026-10-01", 7)}
		if err := db.UpsertIncidents(ctx, in); err != nil {
			t.Fatal(err)
		}
		since := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
		got, err := db.RecentIncidents(ctx, "NE", since, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "NIG2" || !reflect.DeepEqual(got[1], first) {
			t.Fatalf("recent in NE since %s:\n%+v\nwant NIG2 then\n%+v", since.Format(time.DateOnly), got, first)
		}
		// A newer export corrects an event: updated, not duplicated.
		fixed := first
		fixed.Fatalities, fixed.Notes = 5, "revised"
		if err := db.UpsertIncidents(ctx, []incident.Incident{fixed}); err != nil {
			t.Fatal(err)
		}
		got, err = db.RecentIncidents(ctx, "", time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[1].ID != "NIG1" || got[1].Fatalities != 5 || got[1].Notes != "revised" {
			t.Fatalf("after re-import: %+v", got)
		}
		// Dosso's jurisdiction sees its own subtree only; the limit holds.
		got, err = db.RecentIncidents(ctx, "NE.DS", time.Time{}, 1)
		if err != nil || len(got) != 1 || got[0].ID != "NIG1" {
			t.Fatalf("Dosso, limit 1: %+v, %v", got, err)
		}
		if _, err := db.RecentIncidents(ctx, "NE.XX", time.Time{}, 1); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("unknown jurisdiction: %v", err)
		}
	})
}

func TestIncidentsRejected(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		unmapped := testIncident("NIG9", "", "2026-11-02", 0)
		err := db.UpsertIncidents(ctx, []incident.Incident{testIncident("NIG8", "NE.DS", "2026-11-02", 1), unmapped})
		if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "NIG9") {
			t.Fatalf("unmapped incident: %v", err)
		}
		err = db.UpsertIncidents(ctx, []incident.Incident{testIncident("NIG7", "NE.XX", "2026-11-02", 1)})
		if err == nil || !strings.Contains(err.Error(), "NIG7") {
			t.Fatalf("unknown area: %v", err)
		}
		// Nothing of the rejected calls was stored.
		if got, err := db.RecentIncidents(ctx, "", time.Time{}, 10); err != nil || len(got) != 0 {
			t.Fatalf("stored after rejection: %+v, %v", got, err)
		}
	})
}

func TestIncidentCounts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedAreas(t, db)
		in := []incident.Incident{
			testIncident("A", "NE.DS.D01", "2026-11-02", 3), // Monday of week 45
			testIncident("B", "NE.DS", "2026-11-08", 1),     // its Sunday: same week, same region
			testIncident("C", "NE.DS.D01", "2026-11-09", 0), // week 46
			testIncident("D", "NE.DF", "2026-11-04", 10),
			testIncident("E", "NE", "2026-11-05", 2),     // on the root itself
			testIncident("F", "NE.DF", "2026-10-26", 50), // before since
		}
		if err := db.UpsertIncidents(ctx, in); err != nil {
			t.Fatal(err)
		}
		since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		wk45, wk46 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
		got, err := db.IncidentCounts(ctx, "NE", since)
		if err != nil {
			t.Fatal(err)
		}
		want := []IncidentCount{
			{"NE", wk45, 1, 2},
			{"NE.DF", wk45, 1, 10},
			{"NE.DS", wk45, 2, 4},
			{"NE.DS", wk46, 1, 0},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("counts in NE:\n%+v\nwant\n%+v", got, want)
		}
		got, err = db.IncidentCounts(ctx, "NE.DS.D01", since)
		want = []IncidentCount{{"NE.DS", wk45, 1, 3}, {"NE.DS", wk46, 1, 0}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("counts in NE.DS.D01: %+v, %v\nwant %+v", got, err, want)
		}
		got, err = db.IncidentCounts(ctx, "NE.DF", time.Time{})
		if err != nil || len(got) != 2 || got[0].Fatalities != 50 {
			t.Fatalf("all of Diffa: %+v, %v", got, err)
		}
	})
}

func TestAreaTreeWithGeometry(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		geom := json.RawMessage(`{"type":"Polygon","coordinates":[[[0,11],[16,11],[16,24],[0,24],[0,11]]]}`)
		areas := []area.Area{{Code: "NE", Name: "Niger", Level: "country", Geometry: geom}, testAreas[1]}
		if err := db.SaveAreas(ctx, areas); err != nil {
			t.Fatal(err)
		}
		tree, err := db.AreaTreeWithGeometry(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ne, _ := tree.Get("NE")
		if !area.Contains(ne.Geometry, area.Point{Lat: 15, Lon: 8}) || tree.Len() != 2 {
			t.Fatalf("tree %v, NE geometry %s", tree, ne.Geometry)
		}
	})
}
