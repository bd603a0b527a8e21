// Package importer loads areas and the registry from files: CSV for
// persons, organisations and resources, CSV or GeoJSON for areas. It
// reports every bad row with its file, line and column, imports the good
// ones in batches, and holds only a batch and a fingerprint per row in
// memory, whatever the file's size. It knows storage only through the
// Store interface.
package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// Store is what the importer writes to.
type Store interface {
	AreaTree(ctx context.Context) (*area.Tree, error)
	SaveAreas(ctx context.Context, areas []area.Area) error
	UpsertPersons(ctx context.Context, persons []registry.Person) error
	UpsertOrganisations(ctx context.Context, orgs []registry.Organisation) error
	UpsertResources(ctx context.Context, resources []registry.Resource) error
	ExistingNationalIDs(ctx context.Context, ids []string) (map[string]bool, error)
	ExistingOrgIDs(ctx context.Context, ids []string) (map[string]bool, error)
}

// Options change how a file is imported.
type Options struct {
	// Strict imports nothing when any row is bad.
	Strict bool
	// DryRun validates only: nothing is written.
	DryRun bool
	// Today is the reference for dates (no birth date after it); zero
	// means the current day.
	Today time.Time
	// BatchSize is the number of rows written per transaction
	// (DefaultBatchSize when zero).
	BatchSize int
	// Reject is called for every problem, in file order (CSV rows are
	// reported a batch at a time).
	Reject func(Problem)
	// Progress is called now and then with the number of bytes read.
	Progress func(bytesRead int64)
}

func (o Options) today() time.Time {
	if o.Today.IsZero() {
		return time.Now()
	}
	return o.Today
}

// DefaultBatchSize is the number of rows an import writes per
// transaction: large enough that the random inserts into the national-ID
// index of a big registry touch each index page several times per commit
// rather than once (see docs/PERFORMANCE.md), and small enough to keep an
// import's heap under 300 MB.
const DefaultBatchSize = 50000

func (o Options) batchSize() int {
	if o.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

// Problem is one thing wrong with one row (or feature) of a file.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`    // CSV line, 1 is the header
	Feature int    `json:"feature,omitempty"` // GeoJSON feature, from 1
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as FILE:LINE: COLUMN: message.
func (p Problem) String() string {
	where := p.File
	switch {
	case p.Line > 0:
		where = fmt.Sprintf("%s:%d", p.File, p.Line)
	case p.Feature > 0:
		where = fmt.Sprintf("%s: feature %d", p.File, p.Feature)
	}
	if p.Column == "" {
		return where + ": " + p.Message
	}
	return where + ": " + p.Column + ": " + p.Message
}

// Summary is the outcome of one import.
type Summary struct {
	File     string `json:"file"`
	Kind     string `json:"kind"`
	Imported int    `json:"imported"`
	Rejected int    `json:"rejected"`
	// Valid counts the rows that passed every check; it differs from
	// Imported in a dry run and in a strict run with rejections.
	Valid  int  `json:"valid"`
	DryRun bool `json:"dry_run,omitempty"`
	Strict bool `json:"strict,omitempty"`
}

func (s Summary) String() string {
	return fmt.Sprintf("imported %d, rejected %d", s.Imported, s.Rejected)
}
