package main

import (
	"strings"
	"testing"
)

func TestNeeds(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		importGood(e, 1) // areas
		e.mustRun(0, "users", "add", "--name", "unit.dosso", "--role", "requester", "--area", "NE.DS", "--generate-password")
		e.mustRun(0, "users", "add", "--name", "reg.dosso", "--role", "registrar", "--area", "NE.DS", "--generate-password")

		r := e.run("needs", "import", "--as", "unit.dosso", fixture("needs.csv"))
		if r.code != 3 || lastLine(r.stdout) != "imported 2, rejected 6" ||
			!strings.Contains(r.stderr, "needs.csv:5: area: NE.DF is outside your jurisdiction NE.DS") {
			t.Errorf("needs import: want exit 3, 2 imported, line 5 outside the jurisdiction, got\n%s", r)
		}
		r = e.mustRun(0, "needs", "add", "--as", "unit.dosso", "--id", "DS-100", "--unit", "3e bataillon", "--skill", "driver",
			"--quantity", "5", "--area", "NE.DS.D01", "--deadline", "2030-02-01", "--justification", "conducteurs",
			"--legal-basis", "Décret 2026-114")
		if !strings.HasPrefix(r.stdout, "filed need DS-100: 5 skill.driver in NE.DS.D01") {
			t.Errorf("needs add: %s", r)
		}
		for _, c := range []struct {
			name   string
			args   []string
			code   int
			stderr string
		}{
			{"outside", []string{"--area", "NE.DF", "--type", "vehicle"}, 2, "outside the jurisdiction"},
			{"registrar", []string{"--as", "reg.dosso", "--type", "vehicle"}, 6, "needs the role requester"},
			{"half a point", []string{"--type", "vehicle", "--lat", "13"}, 2, "--lat and --lon go together"},
			{"bad deadline", []string{"--type", "vehicle", "--deadline", "demain"}, 2, "--deadline"},
			{"fractional trucks", []string{"--type", "vehicle.truck", "--quantity", "1.5"}, 2, "quantity: vehicle.truck is counted in whole items"},
		} {
			args := []string{"needs", "add", "--as", "unit.dosso", "--unit", "u", "--quantity", "2", "--area", "NE.DS",
				"--deadline", "2030-02-01", "--justification", "j", "--legal-basis", "l"}
			r := e.run(append(args, c.args...)...)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("%s: want exit %d and %q, got\n%s", c.name, c.code, c.stderr, r)
			}
		}
		r = e.mustRun(0, "needs", "list", "--state", "open")
		got := lines(r.stdout)
		if len(got) != 4 || !strings.HasPrefix(got[1], "DS-001") || !strings.Contains(got[3], "skill.driver") {
			t.Errorf("needs list: %s", r)
		}
		e.mustRun(0, "needs", "cancel", "--as", "unit.dosso", "DS-001")
		if r := e.run("needs", "cancel", "--as", "unit.dosso", "DS-001"); r.code != 5 {
			t.Errorf("second cancel: want exit 5 (conflict), got\n%s", r)
		}
		r = e.mustRun(0, "needs", "list", "--json", "--state", "cancelled")
		if !strings.Contains(r.stdout, `"need_id":"DS-001"`) || len(lines(r.stdout)) != 1 {
			t.Errorf("cancelled: %s", r)
		}
	})
}
