package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestAllocationRound runs a mobilization round from the CLI on the demo
// country: needs filed, a proposal, its review, drafted orders approved by
// a second officer.
func TestAllocationRound(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		runDemo(e, "--persons", "3000")
		common := []string{"--unit", "3e bataillon", "--area", "NE.DS", "--deadline", "2030-01-15", "--priority", "4",
			"--justification", "renfort", "--legal-basis", "Décret 2026-114"}
		e.mustRun(0, append([]string{"needs", "add", "--as", "officer", "--id", "N-VEH", "--type", "vehicle", "--quantity", "2"}, common...)...)
		e.mustRun(0, append([]string{"needs", "add", "--as", "officer", "--id", "N-DRV", "--skill", "driver", "--quantity", "2"}, common...)...)
		if r := e.run("allocate", "--as", "officer", "--scope", "NE.DS"); r.code != 2 || !strings.Contains(r.stderr, "--propose") {
			t.Errorf("allocate without --propose: %s", r)
		}
		if r := e.run("allocate", "--as", "registrar.dosso", "--scope", "NE.DS", "--propose"); r.code != 6 {
			t.Errorf("allocate as a registrar: %s", r)
		}
		r := e.mustRun(0, "allocate", "--as", "officer", "--scope", "NE.DS", "--needs", "N-VEH,N-DRV", "--propose", "--quiet")
		m := regexp.MustCompile(`^proposal (P-\S+) under policy \S+: 2 needs, (\d+) candidates, (\d+) lines, 0 shortfalls`).FindStringSubmatch(r.stdout)
		if m == nil || m[3] != "4" {
			t.Fatalf("allocate: want a proposal of 4 lines and no shortfall, got\n%s", r)
		}
		id := m[1]
		e.mustRun(0, "proposals", "reject", "--as", "officer", id, "1")
		r = e.mustRun(0, "proposals", "accept", "--as", "officer", id)
		if !strings.Contains(r.stdout, "0 pending, 3 accepted, 1 rejected") {
			t.Errorf("accept: %s", r)
		}
		r = e.mustRun(0, "proposals", "orders", "--as", "officer", "--authority", "NE-MOB", id)
		if !strings.Contains(r.stdout, "drafted 3 orders in batch "+id) {
			t.Fatalf("proposal orders: %s", r)
		}
		if r := e.run("orders", "approve", "--as", "officer", "--batch", id); r.code != 6 {
			t.Errorf("approve by the drafting officer: want exit 6, got\n%s", r)
		}
		r = e.mustRun(0, "orders", "approve", "--as", "approver", "--batch", id)
		if !strings.Contains(r.stdout, "3") {
			t.Errorf("approve: %s", r)
		}
		r = e.mustRun(0, "proposals", "show", id)
		if strings.Count(r.stdout, "drafted") != 3 {
			t.Errorf("proposal after drafting: %s", r)
		}
		r = e.mustRun(0, "needs", "list", "--state", "filled")
		if len(lines(r.stdout)) != 2 { // header and N-DRV; N-VEH lost a line
			t.Errorf("filled needs: %s", r)
		}
	})
}
