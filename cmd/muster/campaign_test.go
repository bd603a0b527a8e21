package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCampaign runs a campaign from creation to drafted orders on the demo
// country, then checks its draw from the published files alone, and that
// an altered list does not check.
func TestCampaign(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		runDemo(e, "--persons", "3000")
		e.mustRun(0, "forces", "set", "--as", "officer", "--code", "BN3", "--name", "3e bataillon", "--scope", "NE.DS", "--target", "100", "--strength", "90")
		r := e.mustRun(0, "campaign", "create", "--as", "officer", "--name", "Rappel, Dosso", "--scope", "NE.DS",
			"--target", "NE.DS:driver:3", "--target", "NE.DS::5", "--condition", `person.age >= 20`, "--force", "BN3")
		id := regexp.MustCompile(`created campaign (C-\S+)`).FindStringSubmatch(r.stdout)
		if id == nil {
			t.Fatalf("campaign create: %s", r)
		}
		for _, c := range []struct {
			name   string
			args   []string
			code   int
			stderr string
		}{
			{"bad target", []string{"--target", "NE.DS:5"}, 2, "AREA:SKILL:COUNT"},
			{"bad condition", []string{"--target", "NE.DS::5", "--condition", "person.shoe_size > 3"}, 2, "--condition"},
			{"outside", []string{"--target", "NE.DS::5", "--scope", "NE"}, 0, ""},
			{"registrar", []string{"--target", "NE.DS::5", "--as", "registrar.dosso"}, 6, "needs the role officer"},
		} {
			args := append([]string{"campaign", "create", "--as", "officer", "--name", "x", "--scope", "NE.DS"}, c.args...)
			if r := e.run(args...); r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("%s: want exit %d and %q, got\n%s", c.name, c.code, c.stderr, r)
			}
		}
		if r := e.run("campaign", "draw", "--as", "officer", id[1]); r.code != 5 {
			t.Errorf("draw before freeze: want exit 5, got\n%s", r)
		}
		if r := e.run("campaign", "freeze", "--as", "officer", id[1]); r.code != 2 || !strings.Contains(r.stderr, "--beacon is required") {
			t.Errorf("freeze without a beacon: want exit 2, got\n%s", r)
		}
		const beacon = "drand quicknet round 24000000"
		r = e.mustRun(0, "campaign", "freeze", "--as", "officer", "--beacon", beacon, id[1])
		if !strings.Contains(r.stdout, "frozen under policy") || !strings.Contains(r.stdout, beacon) {
			t.Errorf("freeze: %s", r)
		}
		if r := e.run("campaign", "draw", "--as", "officer", id[1]); r.code != 2 || !strings.Contains(r.stderr, "its value is required") {
			t.Errorf("draw without the beacon's value: want exit 2, got\n%s", r)
		}
		if r := e.run("campaign", "draw", "--as", "officer", "--beacon-value", "xyz", id[1]); r.code != 2 || !strings.Contains(r.stderr, "--beacon-value") {
			t.Errorf("draw with a bad beacon value: want exit 2, got\n%s", r)
		}
		r = e.mustRun(0, "campaign", "draw", "--as", "officer", "--beacon-value", "A0A1A2A3", id[1])
		if !strings.Contains(r.stdout, "drawn: 8 selected") {
			t.Errorf("draw: %s", r)
		}
		r = e.mustRun(0, "campaign", "verify", id[1])
		if !strings.Contains(r.stdout, "beacon: "+beacon+" gave a0a1a2a3") {
			t.Errorf("verify does not show the beacon: %s", r)
		}
		dir := filepath.Join(t.TempDir(), "published")
		e.mustRun(0, "campaign", "publish", id[1], "-o", dir)
		list, err := os.ReadFile(filepath.Join(dir, "list.csv"))
		if err != nil {
			t.Fatal(err)
		}
		ref := strings.Split(lines(string(list))[1], ",")[0]
		r = e.mustRun(0, "campaign", "verify", "--dir", dir, "--ref", ref)
		if !strings.Contains(r.stdout, "verifies") || !strings.Contains(r.stdout, ref+": rank ") {
			t.Errorf("verify --dir: %s", r)
		}
		// Someone drops a person from the published list.
		rows := lines(string(list))
		altered := strings.Join(append(rows[:1], rows[2:]...), "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, "list.csv"), []byte(altered), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := e.run("campaign", "verify", "--dir", dir); r.code != 1 || !strings.Contains(r.stderr, "verification failed") {
			t.Errorf("altered list: want exit 1, got\n%s", r)
		}
		r = e.mustRun(0, "campaign", "orders", "--as", "officer", id[1], "--authority", "NE-MOB", "--place", "Caserne de Dosso",
			"--place-area", "NE.DS", "--deadline", "2030-01-10T08:00", "--legal-basis", "Décret 2026-114")
		if !strings.Contains(r.stdout, "drafted 8 call-up orders in batch "+id[1]) {
			t.Errorf("campaign orders: %s", r)
		}
		r = e.mustRun(0, "forces", "list")
		if f := strings.Fields(lines(r.stdout)[1]); len(f) != 7 || f[0] != "BN3" || f[2] != "100" || f[3] != "90" || f[5] != "8" || f[6] != "2" {
			t.Errorf("forces list: want BN3 with 90 strong, 8 called up pending, 2 short; got\n%s", r)
		}
		r = e.mustRun(0, "campaign", "list")
		if !strings.Contains(r.stdout, id[1]) || !strings.Contains(r.stdout, "drawn") {
			t.Errorf("campaign list: %s", r)
		}
	})
}
