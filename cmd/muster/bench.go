package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/importer"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/seal"
	"github.com/muster-org/muster/sqlstore"
)

func newBenchCmd(cfg *config) *cobra.Command {
	var profile string
	var profileFile *os.File
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure muster against the bare floor of what it stands on",
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if profile == "" {
				return nil
			}
			var err error
			if profileFile, err = os.Create(profile); err != nil {
				return err
			}
			return pprof.StartCPUProfile(profileFile)
		},
		PersistentPostRunE: func(*cobra.Command, []string) error {
			if profileFile == nil {
				return nil
			}
			pprof.StopCPUProfile()
			return profileFile.Close()
		},
	}
	cmd.PersistentFlags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole run to this file (bench issue labels its issuing phase=issue, for pprof -tagfocus)")
	cmd.AddCommand(newBenchImportCmd(cfg), newBenchIssueCmd(cfg), newBenchVerifyCmd(), newBenchLedgerCmd(cfg), newBenchAllocateCmd(), newBenchLookupCmd(cfg),
		newBenchAllCmd(), newBenchSoakCmd(cfg))
	return cmd
}

func newBenchImportCmd(cfg *config) *cobra.Command {
	var rows int
	var seed int64
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import a generated persons CSV and compare with a bare batched insert of the same rows",
		Long: `Generate a persons CSV of --rows rows (the demo's synthetic persons), import
it through the real path (CSV parsing, validation, sealing, upsert) into a
fresh database, then insert the same rows, sealed beforehand and untimed,
with the bare batched insert of the engine (multi-row INSERT on SQLite,
COPY on PostgreSQL) into another fresh database. Prints rows/s of both and
their ratio, and the import's peak heap.

Uses fresh SQLite files in a temporary directory, or, with --db
postgres://..., fresh schemas in that database (dropped afterwards).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rows <= 0 {
				return usageError("--rows must be positive")
			}
			return benchImport(cmd.Context(), cmd.OutOrStdout(), cfg.db, rows, seed)
		},
	}
	cmd.Flags().IntVar(&rows, "rows", 1_000_000, "rows in the generated file")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the generated persons")
	return cmd
}

// importResult is what bench import measured.
type importResult struct {
	rows               int
	csvBytes           int64
	dialect            string
	realRate, bareRate float64 // rows/s
	realTime, bareTime time.Duration
	peakHeap           uint64
}

func benchImport(ctx context.Context, out io.Writer, dsn string, rows int, seed int64) error {
	r, err := measureImport(ctx, out, dsn, rows, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nbench import: %d persons, %.0f MB CSV, %s, %d CPUs, %s\n", r.rows, float64(r.csvBytes)/1e6, r.dialect, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(out, "| path | seconds | rows/s |\n|---|---:|---:|\n")
	fmt.Fprintf(out, "| import (parse, validate, seal, upsert) | %.2f | %.0f |\n", r.realTime.Seconds(), r.realRate)
	fmt.Fprintf(out, "| bare batched insert (rows sealed beforehand) | %.2f | %.0f |\n", r.bareTime.Seconds(), r.bareRate)
	fmt.Fprintf(out, "ratio import/bare: %.2f; import peak heap: %.0f MB\n", r.realRate/r.bareRate, float64(r.peakHeap)/(1<<20))
	return nil
}

// measureImport generates a persons CSV of rows rows, imports it through
// the real path into a fresh database, then inserts the same rows with
// the engine's bare batched insert into another; progress goes to log.
func measureImport(ctx context.Context, log io.Writer, dsn string, rows int, seed int64) (importResult, error) {
	w, err := newBenchWorkspace(seed)
	if err != nil {
		return importResult{}, err
	}
	defer w.close()
	dir, keys, areas := w.dir, w.keys, w.areas
	cfg := demo.Config{Persons: rows, Seed: seed, Today: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}

	csvPath := filepath.Join(dir, "persons.csv")
	fmt.Fprintf(log, "generating %d persons into %s ...\n", rows, csvPath)
	if err := writePersonsCSV(ctx, csvPath, cfg); err != nil {
		return importResult{}, err
	}
	info, err := os.Stat(csvPath)
	if err != nil {
		return importResult{}, err
	}

	real, err := benchDB(ctx, dsn, dir, "real", keys, areas)
	if err != nil {
		return importResult{}, err
	}
	defer real.close()
	peak := watchHeap()
	start := time.Now()
	sum, err := importer.Persons(ctx, real.db, csvPath, importer.Options{Today: cfg.Today})
	realTime := time.Since(start)
	peakHeap := peak()
	if err != nil {
		return importResult{}, err
	}
	if sum.Imported != rows || sum.Rejected != 0 {
		return importResult{}, fmt.Errorf("bench: import gave %s, want %d rows", sum, rows)
	}

	bare, err := benchDB(ctx, dsn, dir, "bare", keys, areas)
	if err != nil {
		return importResult{}, err
	}
	defer bare.close()
	bareTime, err := bareInsert(ctx, bare.db, cfg)
	if err != nil {
		return importResult{}, err
	}
	return importResult{rows: rows, csvBytes: info.Size(), dialect: real.db.Dialect(), realTime: realTime, bareTime: bareTime,
		realRate: float64(rows) / realTime.Seconds(), bareRate: float64(rows) / bareTime.Seconds(), peakHeap: peakHeap}, nil
}

// writePersonsCSV streams the demo's persons into a CSV file.
func writePersonsCSV(ctx context.Context, path string, cfg demo.Config) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"national_id", "given_name", "family_name", "sex", "birth_date", "phone", "area", "skills", "status", "rank"})
	sink := &personSink{each: func(ps []registry.Person) error {
		for _, p := range ps {
			w.Write([]string{p.NationalID, p.GivenName, p.FamilyName, string(p.Sex), p.BirthDate.Format(registry.DateLayout),
				p.Phone, p.Area, strings.Join(p.Skills, ";"), string(p.Status), p.Rank})
		}
		return w.Error()
	}}
	if _, err := demo.Generate(ctx, cfg, sink, nil); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// bareInsert generates the same persons again and inserts them with the
// bare loop, timing only the inserts.
func bareInsert(ctx context.Context, db *sqlstore.DB, cfg demo.Config) (time.Duration, error) {
	var spent time.Duration
	var pending []registry.Person
	flush := func() error {
		rows, err := db.PersonRows(ctx, pending)
		if err != nil {
			return err
		}
		pending = pending[:0]
		start := time.Now()
		err = db.InsertPersonRowsBare(ctx, rows)
		spent += time.Since(start)
		return err
	}
	sink := &personSink{each: func(ps []registry.Person) error {
		for _, p := range ps {
			pending = append(pending, p)
			if len(pending) == importer.DefaultBatchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}}
	if _, err := demo.Generate(ctx, cfg, sink, nil); err != nil {
		return 0, err
	}
	if len(pending) > 0 {
		if err := flush(); err != nil {
			return 0, err
		}
	}
	return spent, nil
}

// personSink keeps only the persons the generator makes.
type personSink struct{ each func([]registry.Person) error }

func (personSink) Areas(context.Context, []area.Area) error                     { return nil }
func (personSink) Organisations(context.Context, []registry.Organisation) error { return nil }
func (personSink) Resources(context.Context, []registry.Resource) error         { return nil }
func (s *personSink) Persons(_ context.Context, ps []registry.Person) error     { return s.each(ps) }

type benchStore struct {
	db    *sqlstore.DB
	dsn   string // the SQLite file, or the PostgreSQL DSN with its schema
	close func()
}

// benchDB opens a fresh database named name: a SQLite file in dir, or a
// new schema in the PostgreSQL database dsn.
func benchDB(ctx context.Context, dsn, dir, name string, keys *seal.Keyring, areas []area.Area) (*benchStore, error) {
	if !sqlstore.IsPostgres(dsn) {
		path := filepath.Join(dir, name+".db")
		db, err := sqlstore.Open(ctx, path, keys)
		if err != nil {
			return nil, err
		}
		if err := db.SaveAreas(ctx, areas); err != nil {
			db.Close()
			return nil, err
		}
		return &benchStore{db: db, dsn: path, close: func() { db.Close() }}, nil
	}
	schema := fmt.Sprintf("bench_%s_%d", name, time.Now().UnixNano())
	admin, err := sqlstore.Open(ctx, dsn, keys)
	if err != nil {
		return nil, err
	}
	if err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sqlstore.Open(ctx, u.String(), keys)
	if err == nil {
		err = db.SaveAreas(ctx, areas)
	}
	drop := func() {
		if db != nil {
			db.Close()
		}
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	if err != nil {
		drop()
		return nil, err
	}
	return &benchStore{db: db, dsn: u.String(), close: drop}, nil
}

// watchHeap samples the heap in use until the returned function is
// called, which returns the peak.
func watchHeap() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// benchWorkspace is what every benchmark starts from: a temporary
// directory, a fresh sealing key and the demo's areas.
type benchWorkspace struct {
	dir   string
	keys  *seal.Keyring
	areas []area.Area
}

func newBenchWorkspace(seed int64) (*benchWorkspace, error) {
	dir, err := os.MkdirTemp("", "muster-bench-")
	if err != nil {
		return nil, err
	}
	w := &benchWorkspace{dir: dir}
	master := make([]byte, seal.KeySize)
	rand.Read(master)
	if w.keys, err = seal.New(master); err == nil {
		w.areas, err = demo.Areas(seed)
	}
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *benchWorkspace) close() { os.RemoveAll(w.dir) }
