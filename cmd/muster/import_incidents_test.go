package main

import (
	"slices"
	"strings"
	"testing"
)

func TestImportIncidents(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		importGood(e, 1)
		e.mustRun(0, "import", "areas", fixture("incidents_areas.geojson")) // Agadez's and Ouallam's shapes

		r := e.mustRun(0, "import", "incidents", fixture("incidents.csv"))
		if lastLine(r.stdout) != "imported 5, rejected 0" || r.stderr != "" {
			t.Fatalf("good file: unexpected output\n%s", r)
		}
		if n := e.count("SELECT COUNT(*) FROM incidents i JOIN areas a ON a.id = i.area_id WHERE a.code = 'NE.AG'"); n != 2 {
			t.Errorf("%d incidents placed in Agadez, want 2 (one by name, one by its point)", n)
		}
		// A newer export of one event updates it, and nothing is duplicated.
		r = e.mustRun(0, "import", "incidents", fixture("incidents_update.csv"))
		if lastLine(r.stdout) != "imported 1, rejected 0" {
			t.Errorf("update: unexpected output\n%s", r)
		}
		if n := e.count("incidents"); n != 5 {
			t.Errorf("%d incidents after the update, want 5", n)
		}
		if n := e.count("SELECT fatalities FROM incidents WHERE event_id = 'NIG9001'"); n != 5 {
			t.Errorf("NIG9001 has %d fatalities after the update, want 5", n)
		}

		bad := fixture("incidents_bad.csv")
		r = e.mustRun(3, "import", "incidents", bad)
		if lastLine(r.stdout) != "imported 1, rejected 11" {
			t.Errorf("bad file: unexpected output\n%s", r)
		}
		want := slices.DeleteFunc(lineRange(2, 13), func(l int) bool { return l == 7 }) // line 7 is the good row
		if got := checkProblems(t, bad, r.stderr); !slices.Equal(got, want) {
			t.Errorf("stderr names lines %v, want %v\n%s", got, want, r)
		}
		if n := e.count("incidents"); n != 6 {
			t.Errorf("%d incidents after the bad file, want 6", n)
		}

		r = e.mustRun(2, "import", "incidents", fixture("incidents_missing_columns.csv"))
		if !strings.Contains(r.stderr, "required column(s) event_date, latitude, fatalities missing") {
			t.Errorf("missing columns: want one error naming them all\n%s", r)
		}
		r = e.mustRun(0, "import", "--dry-run", "incidents", fixture("incidents.csv"))
		if !strings.HasPrefix(r.stdout, "dry run: 5 rows valid, nothing written\n") {
			t.Errorf("--dry-run: unexpected output\n%s", r)
		}
	})
}

// TestDemoIncidents checks that the demo loads its synthetic incidents
// through the importer, mostly in the three regions of the insurgencies,
// and that loading it again updates them rather than adding more.
func TestDemoIncidents(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		r := e.mustRun(0, "demo", "--persons", "200", "--orders", "0")
		if !strings.Contains(r.stdout, "demo incidents: ") || !strings.Contains(r.stdout, "over the last 12 weeks, imported from ") {
			t.Errorf("no incidents line\n%s", r)
		}
		n := e.count("incidents")
		if n < 200 || n > 600 {
			t.Fatalf("%d incidents after the demo, want a few hundred", n)
		}
		hot := e.count(`SELECT COUNT(*) FROM incidents i JOIN areas a ON a.id = i.area_id
			WHERE a.path LIKE '/NE/NE.TL/%' OR a.path LIKE '/NE/NE.DF/%' OR a.path LIKE '/NE/NE.TH/%'`)
		if hot*100 < n*70 {
			t.Errorf("%d of %d incidents in Tillabéri, Diffa and Tahoua, want most", hot, n)
		}
		e.mustRun(0, "demo", "--persons", "200", "--orders", "0")
		if again := e.count("incidents"); again != n {
			t.Errorf("%d incidents after loading the demo twice, want %d", again, n)
		}
	})
}
