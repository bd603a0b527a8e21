package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestBenchVerify(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	r := e.mustRun(0, "bench", "verify", "--orders", "400")
	if !strings.Contains(r.stdout, "bench verify: 400 signed orders") || !strings.Contains(r.stdout, "| verify (Base45, zlib, COSE, trust list, Ed25519) |") {
		t.Errorf("bench verify: no table\n%s", r)
	}
	m := regexp.MustCompile(`(?m)^ratio verify/bare verify: ([0-9.]+) \(target 0.80\)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("bench verify: no ratio line\n%s", r)
	}
	// Verifying does at least what bare verification does, and not ten
	// times more.
	if ratio, err := strconv.ParseFloat(m[1], 64); err != nil || ratio <= 0.1 || ratio > 1.5 {
		t.Errorf("bench verify: ratio %q", m[1])
	}
	for _, n := range []string{"0", "-1"} {
		if r := e.run("bench", "verify", "--orders", n); r.code != 2 {
			t.Errorf("bench verify --orders %s: want exit 2, got\n%s", n, r)
		}
	}
}
