package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/muster-org/muster/sqlstore"
)

// fuzzImport feeds arbitrary bytes to an import as a file and checks that
// it never panics, that every problem names the file and a line, and that
// the counts add up.
func fuzzImport(f *testing.F, run importFunc, seeds ...string) {
	for _, s := range seeds {
		b, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	db := sqlstore.OpenTest(f, filepath.Join(dir, "fuzz.db"))
	ctx := context.Background()
	for _, file := range []string{"areas.csv", "persons.csv", "organisations.csv"} {
		if _, err := map[string]importFunc{"areas.csv": Areas, "persons.csv": Persons, "organisations.csv": Organisations}[file](
			ctx, db, filepath.Join("testdata", file), Options{Today: today}); err != nil {
			f.Fatal(err)
		}
	}
	path := filepath.Join(dir, "input.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		problems := 0
		opts := Options{Today: today, DryRun: true, Reject: func(p Problem) {
			problems++
			if p.File != path || (p.Line < 2 && p.Feature < 1) || p.Message == "" {
				t.Errorf("problem without a place or message: %+v", p)
			}
		}}
		sum, err := run(ctx, db, path, opts)
		if err != nil {
			return // a file-level error (bad header, empty file) is a fine answer
		}
		if sum.Imported != 0 || sum.Valid < 0 || sum.Rejected > problems {
			t.Errorf("dry run summary %+v with %d problems", sum, problems)
		}
	})
}

func FuzzPersonsCSV(f *testing.F) { fuzzImport(f, Persons, "persons.csv", "persons_bad.csv") }

func FuzzResourcesCSV(f *testing.F) { fuzzImport(f, Resources, "resources.csv", "resources_bad.csv") }

func FuzzOrganisationsCSV(f *testing.F) {
	fuzzImport(f, Organisations, "organisations.csv", "organisations_bad.csv")
}

func FuzzAreasCSV(f *testing.F) { fuzzImport(f, Areas, "areas.csv", "areas_bad.csv") }

func FuzzNeedsCSV(f *testing.F) {
	fuzzImport(f, func(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
		return Needs(ctx, store.(NeedStore), path, "fuzz", "NE.DS", opts)
	}, "needs.csv")
}
