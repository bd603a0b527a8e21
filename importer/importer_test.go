package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/sqlstore"
)

var today = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func eachDB(t *testing.T, test func(t *testing.T, db *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, sqlstore.OpenTest(t, filepath.Join(t.TempDir(), "muster.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("MUSTER_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("MUSTER_TEST_POSTGRES is not set: PostgreSQL tests skipped")
		}
		test(t, sqlstore.OpenTest(t, dsn))
	})
}

type importFunc func(context.Context, Store, string, Options) (Summary, error)

// run imports a testdata file and returns its summary and problems as
// FILE:LINE: COLUMN: message strings with the directory stripped.
func run(t *testing.T, db *sqlstore.DB, f importFunc, file string, opts Options) (Summary, []string) {
	t.Helper()
	var problems []string
	opts.Today = today
	opts.Reject = func(p Problem) { problems = append(problems, strings.TrimPrefix(p.String(), "testdata/")) }
	sum, err := f(context.Background(), db, filepath.Join("testdata", file), opts)
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return sum, problems
}

func mustImport(t *testing.T, db *sqlstore.DB, f importFunc, file string) {
	t.Helper()
	if sum, problems := run(t, db, f, file, Options{}); sum.Rejected > 0 {
		t.Fatalf("%s: %v", file, problems)
	}
}

func TestImportGoodFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for _, c := range []struct {
			f    importFunc
			file string
			want int
		}{
			{Areas, "areas.csv", 5}, {Persons, "persons.csv", 4}, {Organisations, "organisations.csv", 3}, {Resources, "resources.csv", 3},
		} {
			// Twice: a re-import updates and never duplicates.
			for range 2 {
				sum, problems := run(t, db, c.f, c.file, Options{})
				if sum.Imported != c.want || sum.Rejected != 0 || len(problems) > 0 {
					t.Fatalf("%s: %v, problems %v", c.file, sum, problems)
				}
			}
		}
		tree, _ := db.AreaTree(ctx)
		if !tree.Within("NE.DF", "NE") {
			t.Error("NE.DF did not get NE as its parent from its HASC code")
		}
		page, _ := db.ListPersons(ctx, sqlstore.PersonFilter{Within: "NE"})
		if len(page.Items) != 4 {
			t.Errorf("%d persons after two imports, want 4", len(page.Items))
		}
		p, err := db.Person(ctx, "NE0000000003", "NE")
		if err != nil || p.FamilyName != "Ɗanjuma" || p.Skills[0] != "mechanic" || p.Language != "ha" {
			t.Errorf("person = %+v, %v", p, err)
		}
		res, _ := db.ListResources(ctx, sqlstore.ResourceFilter{Within: "NE"})
		if len(res.Items) != 3 || res.Items[1].Quantity != 5000.5 {
			t.Errorf("resources = %+v", res.Items)
		}
	})
}

func TestImportReportsEveryBadRow(t *testing.T) {
	cases := []struct {
		name     string
		f        importFunc
		file     string
		imported int
		problems []string
	}{
		{"areas", Areas, "areas_bad.csv", 2, []string{
			"areas_bad.csv:4: parent: unknown area \"NE.NOPE\"",
			"areas_bad.csv:5: parent: parent NE.XX was rejected",
			"areas_bad.csv:6: code: \"bad code!\" is not a valid area code (letters, digits, '.', '-', '_'; at most 40)",
			"areas_bad.csv:7: latitude: latitude and longitude go together: give both or neither",
			"areas_bad.csv:8: code: \"NE.ZI\" appears twice in the file (first at line 2)",
			"areas_bad.csv:9: name: is empty",
			"areas_bad.csv:9: population: is negative",
		}},
		{"areas geojson", Areas, "areas.geojson", 2, []string{
			"areas.geojson: feature 3: geometry: geometry type \"Point\" is not Polygon or MultiPolygon",
		}},
		{"persons", Persons, "persons_bad.csv", 2, []string{
			"persons_bad.csv:3: area: unknown area \"NE.XX\"",
			"persons_bad.csv:4: birth_date: \"03/02/1990\" is not a date in the form YYYY-MM-DD",
			"persons_bad.csv:5: birth_date: 2099-01-01 is in the future",
			"persons_bad.csv:6: national_id: \"NE1000000001\" appears twice in the file (first on line 2)",
			"persons_bad.csv:7: phone: \"0022790\" is not an E.164 number such as +22790123456",
			"persons_bad.csv:8: sex: \"X\" is not F or M",
			"persons_bad.csv:9: status: \"conscript\" is not one of civilian, reservist, active, retired",
			"persons_bad.csv:10: rank: a civilian has no rank",
			"persons_bad.csv:11: national_id: is empty",
			"persons_bad.csv:12: the row has a different number of fields than the header (10)",
		}},
		{"organisations", Organisations, "organisations_bad.csv", 1, []string{
			"organisations_bad.csv:2: protected_reason: a protected organisation needs a reason",
			"organisations_bad.csv:3: kind: \"bank\" is not a known kind (company, cooperative, ngo, clinic, hospital, ministry, school, transporter, utility, religious)",
			"organisations_bad.csv:4: protected: \"perhaps\" is not a yes/no value (true, false, yes, no, 1, 0)",
		}},
		{"resources", Resources, "resources_bad.csv", 1, []string{
			"resources_bad.csv:3: owner: unknown owner person:NE9999999999: import the person first",
			"resources_bad.csv:4: owner: unknown owner org:ORG-404: import the organisation first",
			"resources_bad.csv:5: type: \"vehicle.spaceship\" is not in the resource taxonomy (for example vehicle.truck, fuel.diesel, food.millet, building.warehouse, equipment.generator, service.medical)",
			"resources_bad.csv:6: quantity: -20 is negative",
			"resources_bad.csv:7: unit: \"kg\" is not a unit of fuel.diesel (l)",
			"resources_bad.csv:8: quantity: 1.5 is not a whole number of vehicle.truck",
			"resources_bad.csv:9: longitude: is missing: latitude and longitude go together",
			"resources_bad.csv:10: owner: \"someone\" is not person:<national_id> or org:<org_id>",
			"resources_bad.csv:11: quantity: \"one\" is not a number",
			"resources_bad.csv:12: latitude: 95 is outside -90..90",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *sqlstore.DB) {
				mustImport(t, db, Areas, "areas.csv")
				mustImport(t, db, Organisations, "organisations.csv")
				mustImport(t, db, Persons, "persons.csv")
				sum, problems := run(t, db, c.f, c.file, Options{})
				if sum.Imported != c.imported {
					t.Errorf("imported %d, want %d", sum.Imported, c.imported)
				}
				if sum.Rejected != rejectedRows(c.problems) {
					t.Errorf("rejected %d, want %d", sum.Rejected, rejectedRows(c.problems))
				}
				// In file order, checks against the store included.
				want := c.problems
				if !reflect.DeepEqual(problems, want) {
					t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
				}
			})
		})
	}
}

func TestStrictAndDryRun(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustImport(t, db, Areas, "areas.csv")
		sum, problems := run(t, db, Persons, "persons_bad.csv", Options{Strict: true})
		if sum.Imported != 0 || sum.Rejected != 10 || len(problems) != 10 {
			t.Errorf("strict: %+v, %d problems", sum, len(problems))
		}
		sum, _ = run(t, db, Persons, "persons.csv", Options{DryRun: true})
		if sum.Imported != 0 || sum.Valid != 4 {
			t.Errorf("dry run: %+v", sum)
		}
		page, _ := db.ListPersons(ctx, sqlstore.PersonFilter{Within: "NE"})
		if len(page.Items) != 0 {
			t.Errorf("strict and dry runs wrote %d persons", len(page.Items))
		}
		sum, _ = run(t, db, Persons, "persons.csv", Options{Strict: true})
		if sum.Imported != 4 {
			t.Errorf("strict run of a good file: %+v", sum)
		}
	})
}

func TestFileErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		mustImport(t, db, Areas, "areas.csv")
		empty := filepath.Join(t.TempDir(), "empty.csv")
		os.WriteFile(empty, nil, 0o600)
		for file, want := range map[string]string{
			"testdata/persons_unknown_column.csv": `testdata/persons_unknown_column.csv:1: "shoe_size" is not a column of persons`,
			"testdata/persons_missing_column.csv": `testdata/persons_missing_column.csv:1: required column "birth_date" is missing`,
			"testdata/nonexistent.csv":            "testdata/nonexistent.csv: no such file or directory",
			empty:                                 "the file is empty",
		} {
			_, err := Persons(context.Background(), db, file, Options{})
			if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want invalid containing %q", file, err, want)
			}
		}
	})
}

func TestLargeFileInBatches(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		mustImport(t, db, Areas, "areas.csv")
		path := filepath.Join(t.TempDir(), "many.csv")
		var b strings.Builder
		b.WriteString("national_id,given_name,family_name,sex,birth_date,area,status\n")
		const n = 5000
		for i := range n {
			fmt.Fprintf(&b, "NE%010d,Amadou,Hamani,M,1980-01-01,NE.TL,civilian\n", i)
		}
		os.WriteFile(path, []byte(b.String()), 0o600)
		var progress int64
		sum, err := Persons(context.Background(), db, path, Options{Today: today, BatchSize: 700, Progress: func(n int64) { progress = n }})
		if err != nil || sum.Imported != n {
			t.Fatalf("%+v, %v", sum, err)
		}
		if progress != int64(b.Len()) {
			t.Errorf("progress ended at %d bytes, file has %d", progress, b.Len())
		}
		var total int
		f := sqlstore.PersonFilter{Within: "NE.TL", Limit: 1000}
		for {
			page, err := db.ListPersons(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			total += len(page.Items)
			if page.Next == 0 {
				break
			}
			f.After = page.Next
		}
		if total != n {
			t.Errorf("%d persons stored, want %d", total, n)
		}
	})
}

// rejectedRows counts the distinct positions (FILE:LINE or FILE: feature
// N) in problems: a row is rejected once however many problems it has.
func rejectedRows(problems []string) int {
	seen := map[string]bool{}
	for _, p := range problems {
		end := strings.Index(p, ": ")
		if strings.Contains(p, ": feature ") {
			end = strings.Index(p[end+2:], ": ") + end + 2
		}
		seen[p[:end]] = true
	}
	return len(seen)
}
