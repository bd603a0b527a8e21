package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/muster-org/muster/citizen"
)

// TestBenchLookup runs bench lookup tiny through the binary: both paths
// answer every look-up as expected, and the table and summary are there.
func TestBenchLookup(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		e.extra = []string{"TMPDIR=" + t.TempDir()} // the bench's scratch files
		r := e.mustRun(0, "bench", "lookup", "--persons", "200", "--orders", "50", "--requests", "500", "--concurrency", "8")
		if !strings.Contains(r.stdout, "bench lookup: 500 look-ups (1 in 10 with a wrong birth date) of 50 orders among 200 persons, 8 clients") {
			t.Errorf("no heading naming the sizes\n%s", r)
		}
		for _, path := range []string{"| POST /c/ (", "| bare net/http, "} {
			cells := tableRow(t, r, path)
			if len(cells) != 9 {
				t.Fatalf("row %q has %d cells, want 9\n%s", path, len(cells), r)
			}
			if rate, err := strconv.ParseFloat(cells[2], 64); err != nil || rate <= 0 {
				t.Errorf("row %q: req/s %q is not a positive number", path, cells[2])
			}
			if cells[8] != "0" {
				t.Errorf("row %q: %s errors, want 0\n%s", path, cells[8], r)
			}
		}
		if !strings.Contains(r.stdout, "\nratio look-up/bare: ") || !strings.Contains(r.stdout, "look-up peak heap: ") {
			t.Errorf("no ratio and heap line\n%s", r)
		}
	})
}

// TestBenchLookupExisting looks up the orders the demo issued in its own
// database: every answer as expected, counted against the issued orders.
func TestBenchLookupExisting(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		e.mustRun(0, "demo", "--persons", "500", "--orders", "40")
		r := e.mustRun(0, "bench", "lookup", "--existing", "--orders", "10", "--requests", "150", "--concurrency", "4")
		if !strings.Contains(r.stdout, "bench lookup --existing: 150 look-ups (1 in 10 with a wrong birth date) of 10 orders, 4 clients") {
			t.Errorf("no heading naming the sizes\n%s", r)
		}
		if cells := tableRow(t, r, "| POST /c/ ("); len(cells) != 9 || cells[8] != "0" {
			t.Errorf("look-up row %q, want 9 cells and 0 errors\n%s", cells, r)
		}
	})
}

// tableRow returns the cells of the output's table row starting with
// prefix, trimmed.
func tableRow(t *testing.T, r result, prefix string) []string {
	t.Helper()
	for _, line := range lines(r.stdout) {
		if strings.HasPrefix(line, prefix) {
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			return cells
		}
	}
	t.Fatalf("no table row starting %q\n%s", prefix, r)
	return nil
}

func TestBenchLookupRefusesSizes(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no persons", []string{"--persons", "0"}, "must be positive"},
		{"negative concurrency", []string{"--concurrency", "-1"}, "must be positive"},
		{"more orders than persons", []string{"--persons", "10", "--orders", "11"}, "at most --persons"},
		{"more look-ups than the per-code limit allows", []string{"--orders", "10", "--requests", "201"}, "at most 20 × --orders"},
	} {
		r := e.run(append([]string{"bench", "lookup"}, tc.args...)...)
		if r.code != exitInvalid || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: want exit 2 naming %q, got\n%s", tc.name, tc.want, r)
		}
	}
}

// TestWrongBirthNeverLocksOut checks the mix of wrong birth dates: about
// one look-up in ten, and never enough on one code for the guard's
// lockout, even at the most look-ups per code the command allows.
func TestWrongBirthNeverLocksOut(t *testing.T) {
	cfg := citizen.DefaultConfig()
	for _, codes := range []int{1, 7, 50, 5000} {
		requests := codes * cfg.PerCode.Burst
		wrong := make([]int, codes)
		total := 0
		for i := range requests {
			if wrongBirth(i, codes) {
				wrong[i%codes]++
				total++
			}
		}
		for code, n := range wrong {
			if n >= cfg.MaxFailures {
				t.Errorf("%d codes: code %d gets %d wrong birth dates, the guard locks at %d", codes, code, n, cfg.MaxFailures)
			}
		}
		if want := requests / wrongBirthEvery; total != want {
			t.Errorf("%d codes: %d of %d look-ups are wrong, want %d", codes, total, requests, want)
		}
	}
}

func TestClientAddrIsNewForEachRequest(t *testing.T) {
	seen := map[string]int{}
	for i := range 200_000 {
		a := clientAddr(i)
		if j, dup := seen[a]; dup {
			t.Fatalf("requests %d and %d share the address %s", j, i, a)
		}
		seen[a] = i
	}
	if got := clientAddr(0); got != "10.0.0.1" {
		t.Errorf("clientAddr(0) = %s, want 10.0.0.1", got)
	}
}
