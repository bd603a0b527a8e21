package importer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// column is one column a kind of record may have.
type column[T any] struct {
	name     string
	required bool
	set      func(rec *T, value string) error
}

// kind describes how to import one kind of record from CSV.
type kind[T any] struct {
	name    string
	columns []column[T]
	key     func(*T) string
	area    func(*T) string
	// validate checks one record's own fields.
	validate func(*T) []registry.FieldError
	// check looks at a batch of valid rows against the store and returns
	// problems by row index; nil when the kind needs no such check.
	check func(ctx context.Context, rows []row[T]) (map[int][]Problem, error)
	write func(ctx context.Context, recs []T) error
	// prepare, when set, does the CPU work of write on the reading
	// goroutine and returns the database work for the writing one.
	prepare func(ctx context.Context, recs []T) (func(context.Context) error, error)
}

type row[T any] struct {
	line int
	rec  T
}

// batch is the unit passed from the reading stage to the writing stage.
type batch struct {
	rows  int
	write func(context.Context) error
}

// importCSV runs the two stages of an import: one goroutine reads,
// parses, validates and checks rows against the store; the caller's
// goroutine writes the batches it hands over, so that parsing and writing
// use both cores.
func importCSV[T any](ctx context.Context, k kind[T], tree *area.Tree, path string, opts Options) (Summary, error) {
	sum := Summary{File: path, Kind: k.name, DryRun: opts.DryRun, Strict: opts.Strict}
	if opts.Strict && !opts.DryRun {
		// Strict: a first pass that writes nothing decides.
		dry := opts
		dry.DryRun = true
		s, err := importCSV(ctx, k, tree, path, dry)
		if err != nil || s.Rejected > 0 {
			s.DryRun, s.Strict = false, true
			return s, err
		}
		opts.Reject = nil // already reported: none
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	var readErr error
	var counts Summary
	go func() {
		defer close(batches)
		counts, readErr = readCSV(ctx, k, tree, path, opts, func(b batch) bool {
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	var writeErr error
	for b := range batches {
		if writeErr != nil || opts.DryRun {
			continue // drain so that the reader ends
		}
		if err := b.write(ctx); err != nil {
			writeErr = fmt.Errorf("%s: writing %s: %w", path, k.name, err)
			cancel()
			continue
		}
		sum.Imported += b.rows
	}
	sum.Rejected, sum.Valid = counts.Rejected, counts.Valid
	if writeErr != nil {
		return sum, writeErr
	}
	return sum, readErr
}

// readCSV is the reading stage. It returns counts of rejected and valid
// rows; emit hands over a batch and reports false when the import stops.
func readCSV[T any](ctx context.Context, k kind[T], tree *area.Tree, path string, opts Options, emit func(batch) bool) (Summary, error) {
	var sum Summary
	f, err := openInput(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	counter := &countingReader{r: f, progress: opts.Progress}
	r := csv.NewReader(bufio.NewReaderSize(counter, 256<<10))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sum, muster.Errorf(muster.Invalid, "%s: the file is empty; it needs a header row", path)
		}
		return sum, muster.Errorf(muster.Invalid, "%s:1: cannot read the header row: %v", path, err)
	}
	setters, err := mapHeader(k, header, path)
	if err != nil {
		return sum, err
	}
	// Problems wait for the end of their batch, where the checks against
	// the store add theirs, and go out sorted: in file order.
	var held []Problem
	reject := func(p Problem) { held = append(held, p) }
	report := func() {
		slices.SortStableFunc(held, func(a, b Problem) int { return a.Line - b.Line })
		for _, p := range held {
			if opts.Reject != nil {
				opts.Reject(p)
			}
		}
		held = held[:0]
	}
	defer report()
	seen := newFingerprints()
	var pending []row[T]
	var checkErr error
	flush := func() bool {
		if len(pending) == 0 {
			return true
		}
		var problems map[int][]Problem
		if k.check != nil {
			if problems, checkErr = k.check(ctx, pending); checkErr != nil {
				return false
			}
		}
		recs := make([]T, 0, len(pending))
		for i, rw := range pending {
			if ps := problems[i]; len(ps) > 0 {
				for _, p := range ps {
					reject(p)
				}
				sum.Rejected++
				continue
			}
			recs = append(recs, rw.rec)
		}
		sum.Valid += len(recs)
		pending = pending[:0]
		report()
		if len(recs) == 0 || opts.DryRun {
			return true
		}
		b := batch{rows: len(recs), write: func(ctx context.Context) error { return k.write(ctx, recs) }}
		if k.prepare != nil {
			if b.write, checkErr = k.prepare(ctx, recs); checkErr != nil {
				return false
			}
		}
		return emit(b)
	}
	for {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader always moves past the bad record (a quote left
			// open runs to the end of the file), so going on is safe.
			reject(Problem{File: path, Line: pe.StartLine, Message: csvMessage(pe, len(header))})
			sum.Rejected++
			continue
		} else if err != nil {
			return sum, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		var rec T
		ps := parseRecord(k, setters, record, &rec, path, line)
		ps = merge(ps, validate(k, &rec, tree, path, line))
		if key := k.key(&rec); len(ps) == 0 && key != "" {
			if first, dup := seen.add(key, line); dup {
				ps = append(ps, Problem{File: path, Line: line, Column: k.columns[0].name,
					Message: fmt.Sprintf("%q appears twice in the file (first on line %d)", key, first)})
			}
		}
		if len(ps) > 0 {
			for _, p := range ps {
				reject(p)
			}
			sum.Rejected++
			continue
		}
		pending = append(pending, row[T]{line: line, rec: rec})
		if len(pending) >= opts.batchSize() && !flush() {
			break
		}
	}
	if checkErr == nil {
		flush()
	}
	if checkErr != nil {
		return sum, fmt.Errorf("%s: checking rows: %w", path, checkErr)
	}
	counter.report()
	return sum, ctx.Err()
}

func csvMessage(pe *csv.ParseError, want int) string {
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Sprintf("the row has a different number of fields than the header (%d)", want)
	}
	return "malformed CSV: " + pe.Err.Error()
}

// mapHeader maps each header cell to its column; unknown, repeated or
// missing required columns are errors that stop the import.
func mapHeader[T any](k kind[T], header []string, path string) ([]*column[T], error) {
	setters := make([]*column[T], len(header))
	found := map[string]bool{}
	var known []string
	for _, c := range k.columns {
		known = append(known, c.name)
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		idx := slices.IndexFunc(k.columns, func(c column[T]) bool { return c.name == name })
		if idx < 0 {
			return nil, muster.Errorf(muster.Invalid, "%s:1: %q is not a column of %s (columns: %s)", path, h, k.name, strings.Join(known, ", "))
		}
		if found[name] {
			return nil, muster.Errorf(muster.Invalid, "%s:1: column %q appears twice", path, name)
		}
		found[name] = true
		setters[i] = &k.columns[idx]
	}
	for _, c := range k.columns {
		if c.required && !found[c.name] {
			return nil, muster.Errorf(muster.Invalid, "%s:1: required column %q is missing", path, c.name)
		}
	}
	return setters, nil
}

func parseRecord[T any](k kind[T], setters []*column[T], record []string, rec *T, path string, line int) []Problem {
	var ps []Problem
	for i, v := range record {
		c := setters[i]
		v = strings.TrimSpace(v)
		if v == "" {
			if c.required {
				ps = append(ps, Problem{File: path, Line: line, Column: c.name, Message: "is empty"})
			}
			continue
		}
		if err := c.set(rec, v); err != nil {
			ps = append(ps, Problem{File: path, Line: line, Column: c.name, Message: err.Error()})
		}
	}
	return ps
}

func validate[T any](k kind[T], rec *T, tree *area.Tree, path string, line int) []Problem {
	var ps []Problem
	for _, fe := range k.validate(rec) {
		ps = append(ps, Problem{File: path, Line: line, Column: fe.Field, Message: fe.Message})
	}
	if code := k.area(rec); code != "" {
		if _, ok := tree.Get(code); !ok {
			ps = append(ps, Problem{File: path, Line: line, Column: "area", Message: fmt.Sprintf("unknown area %q", code)})
		}
	}
	return ps
}

// merge adds to what parsing found the problems validation found in other
// columns: a value that did not parse needs one message, not two.
func merge(parsed, validated []Problem) []Problem {
	for _, v := range validated {
		if !slices.ContainsFunc(parsed, func(p Problem) bool { return p.Column == v.Column }) {
			parsed = append(parsed, v)
		}
	}
	return parsed
}

// fingerprints remembers the keys seen in a file as 64-bit hashes with
// their line: 12 bytes a row instead of the keys themselves.
type fingerprints struct {
	seed  maphash.Seed
	lines map[uint64]int32
}

func newFingerprints() *fingerprints {
	return &fingerprints{seed: maphash.MakeSeed(), lines: make(map[uint64]int32)}
}

func (f *fingerprints) add(key string, line int) (first int, dup bool) {
	h := maphash.String(f.seed, key)
	if l, ok := f.lines[h]; ok {
		return int(l), true
	}
	f.lines[h] = int32(line)
	return 0, false
}

type countingReader struct {
	r        io.Reader
	n, last  int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && c.n-c.last >= 1<<20 {
		c.report()
	}
	return n, err
}

func (c *countingReader) report() {
	if c.progress != nil {
		c.progress(c.n)
		c.last = c.n
	}
}

// openInput opens a file to import; a missing or unreadable file is the
// caller's mistake, not ours.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, muster.Errorf(muster.Invalid, "%s: %v", path, err)
	}
	return f, nil
}
