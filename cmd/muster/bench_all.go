package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// benchScale is the size of every benchmark of one bench all run.
type benchScale struct {
	importRows                            int
	issueOrders, issueBatch               int
	ledgerTransfers, ledgerBatch          int
	allocNeeds, allocResources, allocRuns int
	lookup                                lookupSizes
}

// benchScales are the sizes bench all knows: small for CI (a minute or
// two), medium for a figure worth writing down (about ten minutes with
// PostgreSQL), large for the issue's national sizes.
var benchScales = map[string]benchScale{
	"small": {importRows: 20_000, issueOrders: 5_000, issueBatch: 1000, ledgerTransfers: 20_000, ledgerBatch: 1000,
		allocNeeds: 1_000, allocResources: 50_000, allocRuns: 5, lookup: lookupSizes{persons: 2_000, orders: 500, requests: 5_000, concurrency: 16}},
	"medium": {importRows: 300_000, issueOrders: 50_000, issueBatch: 5000, ledgerTransfers: 200_000, ledgerBatch: 1000,
		allocNeeds: 10_000, allocResources: 1_000_000, allocRuns: 10, lookup: lookupSizes{persons: 20_000, orders: 5_000, requests: 50_000, concurrency: 32}},
	"large": {importRows: 1_000_000, issueOrders: 100_000, issueBatch: 5000, ledgerTransfers: 1_000_000, ledgerBatch: 1000,
		allocNeeds: 10_000, allocResources: 1_000_000, allocRuns: 30, lookup: lookupSizes{persons: 100_000, orders: 10_000, requests: 100_000, concurrency: 32}},
}

func newBenchAllCmd() *cobra.Command {
	var scale, outFile, pgDSN string
	cmd := &cobra.Command{
		Use:   "all [--scale small|medium|large] [--out FILE.md] [--postgres DSN]",
		Short: "Run every benchmark at one scale, each against its bare floor in the same run, and write one Markdown table",
		Long: `Run bench import, issue (and verify), allocate, lookup and ledger at the
sizes of --scale, on fresh SQLite files in a temporary directory and, with
--postgres postgres://..., on fresh schemas of that database too (dropped
afterwards; allocation needs no database). Each figure is measured with
its bare floor in the same run: the engine's bare batched insert, bare
Ed25519, a bare net/http handler, the exact min-cost flow. The table gives
each figure, its unit, the floor, their ratio, the issue's target and
whether it is met, under a line naming the machine. It goes to stdout and,
with --out, to a file; progress goes to stderr.

small takes a minute or two, medium about ten minutes with PostgreSQL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sz, ok := benchScales[scale]
			if !ok {
				return usageError("--scale %q: small, medium or large", scale)
			}
			if pgDSN != "" && !strings.HasPrefix(pgDSN, "postgres") {
				return usageError("--postgres %q: want a postgres:// DSN", pgDSN)
			}
			var table bytes.Buffer
			err := benchAll(cmd.Context(), &table, cmd.ErrOrStderr(), scale, sz, pgDSN)
			cmd.OutOrStdout().Write(table.Bytes())
			if outFile != "" && table.Len() > 0 {
				if werr := os.WriteFile(outFile, table.Bytes(), 0o644); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&scale, "scale", "small", "small, medium or large")
	cmd.Flags().StringVar(&outFile, "out", "", "also write the Markdown table to this file")
	cmd.Flags().StringVar(&pgDSN, "postgres", "", "also run the database benchmarks on this PostgreSQL database (postgres://...)")
	return cmd
}

// benchRow is one figure of the table.
type benchRow struct {
	bench, database, figure string
	value                   float64
	unit                    string
	floor                   float64 // 0: no bare floor
	floorOf                 string
	target                  string
	met                     string // yes, no, or — without a target
}

func (r benchRow) ratio() string {
	if r.floor == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", r.value/r.floor)
}

func metIf(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// benchAll runs the suite and writes its table to table, progress to log.
// A benchmark that fails stops the suite; the rows measured so far are
// still written.
func benchAll(ctx context.Context, table, log io.Writer, scale string, sz benchScale, pgDSN string) error {
	start := time.Now()
	var rows []benchRow
	databases := []string{""}
	if pgDSN != "" {
		databases = append(databases, pgDSN)
	}
	var failure error
	run := func(name string, f func() ([]benchRow, error)) {
		if failure != nil {
			return
		}
		fmt.Fprintf(log, "== bench %s\n", name)
		got, err := f()
		rows = append(rows, got...)
		if err != nil {
			failure = fmt.Errorf("bench %s: %w", name, err)
		}
	}
	for _, dsn := range databases {
		run("import", func() ([]benchRow, error) { return importRows(ctx, log, dsn, sz.importRows) })
		run("issue", func() ([]benchRow, error) { return issueRows(ctx, log, dsn, sz.issueOrders, sz.issueBatch) })
	}
	run("allocate", func() ([]benchRow, error) { return allocateRows(sz) })
	for _, dsn := range databases {
		run("lookup", func() ([]benchRow, error) { return lookupRows(ctx, log, dsn, sz.lookup) })
		run("ledger", func() ([]benchRow, error) { return ledgerRows(ctx, log, dsn, sz.ledgerTransfers, sz.ledgerBatch) })
	}
	order := []string{"import", "issue", "verify", "allocate", "lookup", "ledger"}
	slices.SortStableFunc(rows, func(a, b benchRow) int { return slices.Index(order, a.bench) - slices.Index(order, b.bench) })
	writeBenchTable(ctx, table, scale, pgDSN, rows, time.Since(start))
	return failure
}

func dbName(dsn string) string {
	if dsn == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

func importRows(ctx context.Context, log io.Writer, dsn string, n int) ([]benchRow, error) {
	r, err := measureImport(ctx, log, dsn, n, 1)
	if err != nil {
		return nil, err
	}
	return []benchRow{{bench: "import", database: dbName(dsn), figure: fmt.Sprintf("import %s persons (parse, validate, seal, upsert)", count(n)),
		value: r.realRate, unit: "rows/s", floor: r.bareRate, floorOf: "bare batched insert", target: "≥ 100,000 rows/s and ≥ 0.50 of the floor",
		met: metIf(r.realRate >= 100_000 && r.realRate >= 0.5*r.bareRate)}}, nil
}

func issueRows(ctx context.Context, log io.Writer, dsn string, n, batch int) ([]benchRow, error) {
	r, err := measureIssue(ctx, log, dsn, n, batch)
	if err != nil {
		return nil, err
	}
	issue, sign, verify, bareVerify := r.rate(r.issueTime), r.rate(r.signTime), r.rate(r.verifyTime), r.rate(r.bareVerifyTime)
	return []benchRow{
		{bench: "issue", database: dbName(dsn), figure: fmt.Sprintf("approve and issue %s orders, batches of %s (sign, store, log, queue)", count(n), count(batch)),
			value: issue, unit: "orders/s", floor: sign, floorOf: "bare Ed25519 sign, one core", target: "≥ 0.50 of the floor", met: metIf(issue >= 0.5*sign)},
		{bench: "verify", database: dbName(dsn), figure: fmt.Sprintf("verify %s signed orders (Base45, zlib, COSE, trust list)", count(n)),
			value: verify, unit: "orders/s", floor: bareVerify, floorOf: "bare Ed25519 verify, one core", target: "≥ 0.80 of the floor", met: metIf(verify >= 0.8*bareVerify)},
	}, nil
}

func allocateRows(sz benchScale) ([]benchRow, error) {
	r, err := measureAllocate(1, sz.allocNeeds, sz.allocResources, sz.allocRuns)
	if err != nil {
		return nil, err
	}
	return []benchRow{
		{bench: "allocate", database: "none", figure: fmt.Sprintf("allocate %s needs × %s candidates (%s lines, %d needs short, peak heap %d MB)",
			count(r.needs), count(r.resources), count(r.lines), r.short, r.peakHeap>>20), value: r.elapsed.Seconds(), unit: "s", target: "—", met: "—"},
		{bench: "allocate", database: "none", figure: fmt.Sprintf("allocation cost, worst of %d small instances (mean %.4f)", r.instances, r.mean),
			value: r.worst, unit: "× optimum", floor: 1, floorOf: "exact min-cost flow", target: "≤ 1.02 of the floor", met: metIf(r.worst <= 1.02)},
	}, nil
}

func lookupRows(ctx context.Context, log io.Writer, dsn string, sz lookupSizes) ([]benchRow, error) {
	r, err := measureLookup(ctx, log, dsn, sz)
	if err != nil {
		return nil, err
	}
	p99 := r.lookups.percentile(0.99)
	row := benchRow{bench: "lookup", database: dbName(dsn),
		figure: fmt.Sprintf("citizen look-ups POST /c/, %s from %d clients (p99 %.1f ms, %d errors)", count(sz.requests), sz.concurrency,
			float64(p99)/float64(time.Millisecond), r.lookups.errors),
		value: r.lookups.rate(), unit: "req/s", floor: r.floor.rate(), floorOf: fmt.Sprintf("bare net/http, %d-byte page", r.pageSize),
		target: "≥ 5,000 req/s with p99 < 20 ms", met: metIf(r.lookups.rate() >= 5000 && p99 < 20*time.Millisecond)}
	if n := r.lookups.errors + r.floor.errors; n > 0 {
		return []benchRow{row}, fmt.Errorf("%d answers were errors; the first: %s", n, r.lookups.firstError+r.floor.firstError)
	}
	return []benchRow{row}, nil
}

func ledgerRows(ctx context.Context, log io.Writer, dsn string, n, batch int) ([]benchRow, error) {
	r, err := measureLedger(ctx, log, dsn, n, batch)
	if err != nil {
		return nil, err
	}
	return []benchRow{{bench: "ledger", database: dbName(dsn),
		figure: fmt.Sprintf("apply %s transfers, batches of %s, with their log leaves (check: %s)", count(n), count(batch), r.checkTime.Round(time.Millisecond)),
		value:  r.rate(), unit: "transfers/s", floor: r.bareRate(), floorOf: "bare batched insert", target: "≥ 20,000 transfers/s",
		met: metIf(r.rate() >= 20_000)}}, nil
}

// writeBenchTable writes the heading naming the machine, then the table.
func writeBenchTable(ctx context.Context, w io.Writer, scale, pgDSN string, rows []benchRow, took time.Duration) {
	fmt.Fprintf(w, "`muster bench all --scale %s`, %s, %s in all.\n\n", scale, time.Now().UTC().Format("2006-01-02 15:04 MST"), took.Round(time.Second))
	fmt.Fprintf(w, "Machine: %s. SQLite: modernc.org/sqlite %s.", machine(), moduleVersion("modernc.org/sqlite"))
	if pgDSN != "" {
		fmt.Fprintf(w, " PostgreSQL: %s.", postgresVersion(ctx, pgDSN))
	}
	fmt.Fprintf(w, "\n\n| bench | database | figure | value | unit | bare floor | ratio | target | met? |\n")
	fmt.Fprintf(w, "| --- | --- | --- | ---: | --- | --- | ---: | --- | --- |\n")
	for _, r := range rows {
		floor := "—"
		if r.floor != 0 {
			floor = fmt.Sprintf("%s (%s)", formatFigure(r.floor), r.floorOf)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.bench, r.database, r.figure, formatFigure(r.value), r.unit,
			floor, r.ratio(), r.target, r.met)
	}
}

// formatFigure writes a figure with thousands separators, or with four
// digits when it is small.
func formatFigure(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.4g", v)
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func count(n int) string { return formatFigure(float64(n)) }

// machine names the CPU (from /proc/cpuinfo), its cores, the OS and Go.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	osName := runtime.GOOS
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		osName += " " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", cpu, runtime.NumCPU(), osName, runtime.GOARCH, runtime.Version())
}

func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if i := slices.IndexFunc(info.Deps, func(m *debug.Module) bool { return m.Path == path }); i >= 0 {
			return info.Deps[i].Version
		}
	}
	return "(version unknown)"
}

func postgresVersion(ctx context.Context, dsn string) string {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "version unknown"
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "version unknown"
	}
	return v
}
