package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/importer"
	"github.com/muster-org/muster/sqlstore"
)

// importIncidents is `muster import incidents FILE`: conflict incidents
// from an ACLED CSV export, its columns as ACLED names them. It goes
// through the same problem printing, summary and exit codes as the other
// imports.
func importIncidents(ctx context.Context, store importer.Store, path string, opts importer.Options) (importer.Summary, error) {
	s, ok := store.(importer.IncidentStore)
	if !ok {
		return importer.Summary{}, fmt.Errorf("import incidents: the database cannot hold incidents")
	}
	return importer.Incidents(ctx, s, path, opts)
}

// loadDemoIncidents writes the demo's synthetic incidents (demo.Incidents)
// as an ACLED export, data-dir/demo-incidents.csv, and imports that file
// the way an operator imports a real export. A rejected row is a fault of
// the generator, so it fails the demo.
func loadDemoIncidents(ctx context.Context, db *sqlstore.DB, dataDir string, c demo.Config, out io.Writer) error {
	in, err := demo.Incidents(c.Seed, c.Today)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dataDir, "demo-incidents.csv")
	var b bytes.Buffer
	if err := demo.WriteIncidentsCSV(&b, in); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	var problems []string
	sum, err := importer.Incidents(ctx, db, path, importer.Options{Today: c.Today, Reject: func(p importer.Problem) {
		problems = append(problems, p.String())
	}})
	if err == nil && len(problems) > 0 {
		err = fmt.Errorf("demo incidents: %d rows rejected: %s", len(problems), strings.Join(problems, "; "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo incidents: %d synthetic ACLED-shaped events over the last %d weeks, imported from %s\n",
		sum.Imported, demo.IncidentWeeks, path)
	return nil
}
