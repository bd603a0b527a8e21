package main

import (
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		text        string
		busy, total float64
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		{"linux", "cpu  1000 20 300 5000 80 5 15 400 0 0\ncpu0 500 10 150 2500 40 2 7 200 0 0\n", 13.40, 64.20},
		{"no steal column", "cpu  1000 20 300 5000 80 5 15\n", 13.40, 64.20},
		{"too short", "cpu  1000 20 300\n", 0, 0},
		{"a core's line first", "cpu0 500 10 150 2500 40 2 7 200 0 0\n", 0, 0},
		{"not a number", "cpu  1000 x 300 5000 80 5 15 400 0 0\n", 0, 0},
		{"empty", "", 0, 0},
	} {
		busy, total := parseProcStat([]byte(c.text))
		if !near(busy, c.busy) || !near(total, c.total) {
			t.Errorf("%s: got busy %v, total %v; want %v, %v", c.name, busy, total, c.busy, c.total)
		}
	}
}

func TestParseProcessStat(t *testing.T) {
	t.Parallel()
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
	for _, c := range []struct {
		name string
		text string
		want float64
	}{
		{"plain", "4242 (muster) R 1 4242 4242 0 -1 4194304 100 0 0 0 1234 566 0 0 20 0 9 0", 18.00},
		{"name with spaces and parentheses", "4242 (my (odd) name) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 9 0", 3.00},
		{"cut short", "4242 (muster) R 1 4242", 0},
		{"no name", "4242 muster R 1 4242 4242 0 -1 4194304 100 0 0 0 1234 566", 0},
	} {
		if got := parseProcessStat([]byte(c.text)); !near(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestCPUAccountCountsWork: a second of spinning shows in this process's
// share and the machine's, where /proc can be read.
func TestCPUAccountCountsWork(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here: the account holds only the collector's share")
	}
	r := readCPU()
	x := 0
	for now := readCPU(); now.process-r.process < 0.3; now = readCPU() {
		for i := range 1_000_000 {
			x ^= i
		}
	}
	a := r.since()
	runtime.KeepAlive(x)
	if a.process < 0.3 || a.busy < a.process-0.05 || a.cores < a.busy || a.cores <= 0 {
		t.Errorf("account after 0.3 s of spinning: %+v", a)
	}
	line := a.perOrder(1000)
	if !regexp.MustCompile(`^[0-9.]+ µs of CPU per order on the whole machine, cores busy [0-9]+ %; muster [0-9.]+ \(garbage collection [0-9.]+\), other processes [0-9.]+$`).MatchString(line) {
		t.Errorf("account reads %q", line)
	}
	if strings.Contains(line, "NaN") || strings.Contains(line, "Inf") {
		t.Errorf("account reads %q", line)
	}
}

// TestBenchIssue: bench issue prints its table, both ratios and where the
// machine's time went while issuing, on both databases.
func TestBenchIssue(t *testing.T) {
	onBackends(t, func(t *testing.T, e *env) {
		r := e.mustRun(0, "bench", "issue", "--orders", "300", "--batch-size", "100")
		for _, want := range []string{"bench issue: 300 orders, batches of 100", "| approve and issue (sign, store, log, queue) |",
			"| bare Ed25519 sign, same payloads, one core |", "| bare Ed25519 verify, same payloads, one core |"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("bench issue: no %q\n%s", want, r)
			}
		}
		if !regexp.MustCompile(`(?m)^ratio issue/bare sign: [0-9.]+ \(target 0.50\); ratio verify/bare verify: [0-9.]+ \(target 0.80\)$`).MatchString(r.stdout) {
			t.Errorf("bench issue: no ratio line\n%s", r)
		}
		account := `[0-9.]+ µs of CPU per order on the whole machine, cores busy [0-9]+ %; muster [0-9.]+ \(garbage collection [0-9.]+\), other processes [0-9.]+`
		if _, err := os.Stat("/proc/stat"); err != nil {
			account = `garbage collection [0-9.]+ µs of CPU per order`
		}
		if !regexp.MustCompile(`(?m)^while issuing: ` + account + `; bare signing [0-9.]+ µs per order$`).MatchString(r.stdout) {
			t.Errorf("bench issue: no account of the machine's time\n%s", r)
		}
	})
}
