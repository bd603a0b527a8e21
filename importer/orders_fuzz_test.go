package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

func FuzzOrdersCSV(f *testing.F) {
	fuzzImport(f, func(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
		return Orders(ctx, store.(OrderStore), path, order.Actor{Role: auth.Officer, Name: "fuzz"}, opts)
	}, "orders.csv")
}

// FuzzAreasGeoJSON feeds arbitrary bytes to the area import as a GeoJSON
// file: it never panics, a file-level refusal is an error, and every
// refused feature is named by its number.
func FuzzAreasGeoJSON(f *testing.F) {
	for _, s := range []string{"areas.geojson"} {
		b, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"NE.DS.D99","name":"X","level":"department"},"geometry":null}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}]}`))
	dir := f.TempDir()
	db := sqlstore.OpenTest(f, filepath.Join(dir, "fuzz.db"))
	ctx := context.Background()
	if _, err := Areas(ctx, db, filepath.Join("testdata", "areas.csv"), Options{Today: today}); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "input.geojson")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		problems := 0
		opts := Options{Today: today, DryRun: true, Reject: func(p Problem) {
			problems++
			if p.File != path || p.Feature < 1 || p.Message == "" {
				t.Errorf("problem without a feature or message: %+v", p)
			}
		}}
		sum, err := Areas(ctx, db, path, opts)
		if err != nil {
			return
		}
		if sum.Imported != 0 || sum.Valid < 0 || sum.Rejected > problems {
			t.Errorf("dry run summary %+v with %d problems", sum, problems)
		}
	})
}
