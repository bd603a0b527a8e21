package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestBenchSoak runs a 10-second soak through the binary: every answer
// right, memory within its bounds, a sample a second in the table.
func TestBenchSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("drives load for 10 s; not in -short")
	}
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		e.extra = []string{"TMPDIR=" + t.TempDir()}
		r := e.mustRun(0, "bench", "soak", "--duration", "10s", "--sample", "1s", "--rate", "50", "--persons", "1000", "--orders", "200")
		if !strings.Contains(r.stdout, "bench soak: 10s at 50 req/s from 4 clients over 1000 persons and 200 orders") {
			t.Errorf("no heading naming the run\n%s", r)
		}
		samples := 0
		for _, line := range lines(r.stdout) {
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if len(cells) != 6 || !strings.HasPrefix(line, "| ") || strings.Contains(line, "t (s)") {
				continue
			}
			samples++
			if errs := strings.TrimSpace(cells[2]); errs != "0" {
				t.Errorf("sample %q: %s errors", line, errs)
			}
			if heap, err := strconv.ParseFloat(strings.TrimSpace(cells[3]), 64); err != nil || heap <= 0 {
				t.Errorf("sample %q: heap %q", line, cells[3])
			}
		}
		if samples < 9 {
			t.Errorf("%d samples in 10 s at one a second\n%s", samples, r)
		}
		if !strings.Contains(r.stdout, "\nno errors, no growth beyond the bounds") || !strings.Contains(r.stdout, "errors 0\n") {
			t.Errorf("no verdict\n%s", r)
		}
		if r := e.run("bench", "soak", "--duration", "2s", "--sample", "1s"); r.code != exitInvalid {
			t.Errorf("a run of 2 samples: want exit 2\n%s", r)
		}
	})
}
