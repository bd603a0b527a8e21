package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestBenchAll runs the suite at its small scale through the binary, on
// SQLite and, when MUSTER_TEST_POSTGRES is set, on PostgreSQL too, and
// checks the table's shape: the machine named, every benchmark's rows,
// each with a positive figure, its floor and ratio where it has one, and
// a verdict; the file written is what was printed.
func TestBenchAll(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every benchmark; not in -short")
	}
	t.Parallel()
	e := newSQLiteEnv(t)
	e.extra = []string{"TMPDIR=" + t.TempDir()}
	out := filepath.Join(t.TempDir(), "bench.md")
	args := []string{"bench", "all", "--scale", "small", "--out", out}
	databases := []string{"SQLite"}
	if dsn := os.Getenv("MUSTER_TEST_POSTGRES"); dsn != "" {
		args = append(args, "--postgres", dsn)
		databases = append(databases, "PostgreSQL")
	}
	r := e.mustRun(0, args...)
	written, err := os.ReadFile(out)
	if err != nil || string(written) != r.stdout {
		t.Fatalf("--out file differs from stdout (%v):\n%s", err, written)
	}
	lines := lines(r.stdout)
	if !strings.HasPrefix(lines[0], "`muster bench all --scale small`") || !strings.HasPrefix(lines[2], "Machine: ") ||
		!strings.Contains(lines[2], " cores, ") || !strings.Contains(lines[2], "go1.") {
		t.Fatalf("no heading naming the scale and the machine\n%s", r)
	}
	var header []string
	seen := map[string]int{}
	for _, line := range lines[3:] {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			header = cells
			continue
		}
		if cells[0] == "---" {
			continue
		}
		if len(cells) != len(header) {
			t.Fatalf("row %q has %d cells, the header %d", line, len(cells), len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = cells[i]
		}
		seen[row["bench"]+" "+row["database"]]++
		if v, err := strconv.ParseFloat(strings.ReplaceAll(row["value"], ",", ""), 64); err != nil || v <= 0 {
			t.Errorf("%s: value %q is not a positive number", line, row["value"])
		}
		if row["bare floor"] != "—" {
			if ratio, err := strconv.ParseFloat(row["ratio"], 64); err != nil || ratio <= 0 {
				t.Errorf("%s: a floor but ratio %q", line, row["ratio"])
			}
		}
		if want := []string{"yes", "no"}; row["target"] == "—" {
			if row["met?"] != "—" {
				t.Errorf("%s: no target but a verdict", line)
			}
		} else if !slices.Contains(want, row["met?"]) {
			t.Errorf("%s: verdict %q", line, row["met?"])
		}
	}
	if want := []string{"bench", "database", "figure", "value", "unit", "bare floor", "ratio", "target", "met?"}; !slices.Equal(header, want) {
		t.Fatalf("header %v, want %v", header, want)
	}
	for _, db := range databases {
		for _, b := range []string{"import", "issue", "verify", "lookup", "ledger"} {
			if seen[b+" "+db] != 1 {
				t.Errorf("%d rows of %s on %s, want 1\n%s", seen[b+" "+db], b, db, r.stdout)
			}
		}
	}
	if seen["allocate none"] != 2 {
		t.Errorf("%d allocation rows, want 2", seen["allocate none"])
	}
	if r := e.run("bench", "all", "--scale", "huge"); r.code != exitInvalid {
		t.Errorf("--scale huge: want exit 2, got\n%s", r)
	}
}
