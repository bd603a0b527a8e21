package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/muster-org/muster/registry"
)

// BenchmarkInsertPersonRowsBare measures the floor of a person import on
// SQLite: batches of 2000 sealed rows in a fresh database.
func BenchmarkInsertPersonRowsBare(b *testing.B) {
	benchmarkPersons(b, func(db *DB, ps []registry.Person) error {
		rows, err := db.PersonRows(context.Background(), ps)
		if err != nil {
			return err
		}
		return db.InsertPersonRowsBare(context.Background(), rows)
	})
}

// BenchmarkUpsertPersons measures the store's part of an import.
func BenchmarkUpsertPersons(b *testing.B) {
	benchmarkPersons(b, func(db *DB, ps []registry.Person) error {
		return db.UpsertPersons(context.Background(), ps)
	})
}

func benchmarkPersons(b *testing.B, write func(*DB, []registry.Person) error) {
	db := OpenTest(b, filepath.Join(b.TempDir(), "bench.db"))
	if err := db.SaveAreas(context.Background(), testAreas); err != nil {
		b.Fatal(err)
	}
	batch := make([]registry.Person, 2000)
	n := 0
	for b.Loop() {
		for i := range batch {
			batch[i] = person(fmt.Sprintf("NE%010d", n), "NE.DS.D01")
			n++
		}
		if err := write(db, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
