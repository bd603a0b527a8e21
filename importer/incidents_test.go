package importer

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/incident"
	"github.com/muster-org/muster/sqlstore"
)

// importIncidents adapts Incidents to the shape of the other imports.
func importIncidents(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
	return Incidents(ctx, store.(IncidentStore), path, opts)
}

// seedIncidentAreas loads the test hierarchy plus two geometries: Agadez
// (a box) and the department of Ouallam in Tillabéri.
func seedIncidentAreas(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	mustImport(t, db, Areas, "areas.csv")
	mustImport(t, db, Areas, "incidents_areas.geojson")
}

func storedIncidents(t *testing.T, db *sqlstore.DB) map[string]incident.Incident {
	t.Helper()
	list, err := db.RecentIncidents(context.Background(), "", time.Time{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]incident.Incident{}
	for _, in := range list {
		out[in.ID] = in
	}
	return out
}

func TestImportIncidents(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		seedIncidentAreas(t, db)
		sum, problems := run(t, db, importIncidents, "incidents.csv", Options{})
		if len(problems) > 0 || sum.Imported != 5 || sum.Rejected != 0 {
			t.Fatalf("summary %+v, problems %q", sum, problems)
		}
		got := storedIncidents(t, db)
		areas := map[string]string{}
		for id, in := range got {
			areas[id] = in.Area
		}
		want := map[string]string{
			"NIG9001": "NE.TL.D01", // admin2 Ouallam under admin1 Tillaberi
			"NIG9002": "NE.DF",     // admin2 Bosso is no area: admin1 Diffa
			"NIG9003": "NE.DS",     // DOSSO, any case
			"NIG9004": "NE.AG",     // no names: by its point in Agadez's geometry
			"NIG9005": "NE.AG",     // admin1 Agadez
		}
		if !reflect.DeepEqual(areas, want) {
			t.Errorf("areas %v, want %v", areas, want)
		}
		first := got["NIG9001"]
		wantFirst := incident.Incident{ID: "NIG9001", Date: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), EventType: "Battles",
			SubEventType: "Armed clash", Actor1: "Military Forces of Niger (2023-)", Admin1: "Tillaberi", Admin2: "Ouallam",
			Location: "Tondikiwindi", Lat: 14.9612, Lon: 1.6103, Fatalities: 3, Area: "NE.TL.D01",
			Notes: `On 2 November 2026, soldiers clashed with an armed group near Tondikiwindi; 3 reported killed, "several" wounded.`}
		if !reflect.DeepEqual(first, wantFirst) {
			t.Errorf("NIG9001 stored as\n%+v\nwant\n%+v", first, wantFirst)
		}
		if d := got["NIG9002"].Date; !d.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("ACLED's \"01 November 2026\" read as %v", d)
		}
		if typ := got["NIG9003"].EventType; typ != "Protests" {
			t.Errorf("PROTESTS stored as %q, want ACLED's spelling", typ)
		}

		// The same file again, then a newer version of one event: updated,
		// never duplicated.
		run(t, db, importIncidents, "incidents.csv", Options{})
		sum, problems = run(t, db, importIncidents, "incidents_update.csv", Options{})
		if len(problems) > 0 || sum.Imported != 1 {
			t.Fatalf("update: %+v %q", sum, problems)
		}
		got = storedIncidents(t, db)
		if len(got) != 5 || got["NIG9001"].Fatalities != 5 || got["NIG9001"].Notes != "Revised: 5 killed." {
			t.Errorf("after re-imports: %d incidents, NIG9001 = %+v", len(got), got["NIG9001"])
		}
	})
}

func TestImportIncidentsReportsEveryBadRow(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		seedIncidentAreas(t, db)
		sum, problems := run(t, db, importIncidents, "incidents_bad.csv", Options{})
		want := []string{
			`incidents_bad.csv:2: event_date: "2026/11/02" is not a date (YYYY-MM-DD or "02 November 2026")`,
			`incidents_bad.csv:3: event_type: "Skirmish" is not an ACLED event type (Battles, Violence against civilians, Explosions/Remote violence, Protests, Riots, Strategic developments)`,
			`incidents_bad.csv:4: latitude: "north" is not a number`,
			`incidents_bad.csv:5: fatalities: must be a whole number from 0 to 100000`,
			`incidents_bad.csv:6: fatalities: "3.5" is not a whole number`,
			`incidents_bad.csv:8: event_id_cnty: "NIG9106" appears twice in the file (first on line 7)`,
			`incidents_bad.csv:9: event_date: 2026-12-30 is after today (2026-11-25)`,
			`incidents_bad.csv:10: admin1: maps to no area: admin2 "Maiduguri" and admin1 "Borno" are no area's name, and 11.8500, 13.1600 lies in no area's geometry`,
			`incidents_bad.csv:11: event_id_cnty: is empty`,
			`incidents_bad.csv:12: the row has a different number of fields than the header (11)`,
			`incidents_bad.csv:13: latitude: 95 is outside -90..90`,
		}
		if !reflect.DeepEqual(problems, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
		}
		if sum.Imported != 1 || sum.Rejected != 11 {
			t.Errorf("summary %+v", sum)
		}
		if got := storedIncidents(t, db); len(got) != 1 || got["NIG9106"].Area != "NE.DS" {
			t.Errorf("stored %+v, want the one good row", got)
		}
	})
}

func TestImportIncidentsStrictAndDryRun(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		seedIncidentAreas(t, db)
		sum, problems := run(t, db, importIncidents, "incidents_bad.csv", Options{Strict: true})
		if sum.Imported != 0 || sum.Rejected != 11 || len(problems) != 11 {
			t.Errorf("strict: %+v, %d problems", sum, len(problems))
		}
		sum, _ = run(t, db, importIncidents, "incidents.csv", Options{DryRun: true})
		if sum.Imported != 0 || sum.Valid != 5 {
			t.Errorf("dry run: %+v", sum)
		}
		if got := storedIncidents(t, db); len(got) != 0 {
			t.Errorf("strict and dry runs stored %d incidents", len(got))
		}
		sum, _ = run(t, db, importIncidents, "incidents.csv", Options{Strict: true, BatchSize: 2})
		if sum.Imported != 5 {
			t.Errorf("strict run of a good file in batches of 2: %+v", sum)
		}
	})
}

func TestImportIncidentsFileErrors(t *testing.T) {
	db := sqlstore.OpenTest(t, filepath.Join(t.TempDir(), "muster.db"))
	seedIncidentAreas(t, db)
	empty := filepath.Join(t.TempDir(), "empty.csv")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		empty:                                    "the file is empty",
		"testdata/incidents_missing_columns.csv": `testdata/incidents_missing_columns.csv:1: not an ACLED export: required column(s) event_date, latitude, fatalities missing`,
		"testdata/nonexistent.csv":               "testdata/nonexistent.csv: no such file or directory",
		"testdata/persons_unknown_column.csv":    "required column(s) event_id_cnty, event_date, event_type, latitude, longitude, fatalities missing",
	} {
		_, err := Incidents(context.Background(), db, file, Options{})
		if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want invalid containing %q", file, err, want)
		}
	}
}
