package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const goodPassword = "correct horse battery staple"

func TestUsers(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		importGood(e, 1)
		add := func(stdin string, args ...string) result {
			return e.runStdin(stdin, append([]string{"users", "add"}, args...)...)
		}
		r := add(goodPassword+"\n", "--name", "reg.dosso", "--role", "registrar", "--area", "NE.DS", "--password-stdin")
		if r.code != 0 || r.stdout != "added reg.dosso (registrar, NE.DS)\n" || r.stderr != "" {
			t.Fatalf("users add: want exit 0 and \"added reg.dosso (registrar, NE.DS)\", got\n%s", r)
		}

		for _, c := range []struct {
			name, stdin string
			args        []string
			code        int
			stderr      string
		}{
			{"same name", goodPassword, []string{"--name", "reg.dosso", "--role", "registrar", "--area", "NE.DS"}, 5, "already exists"},
			{"bad role", goodPassword, []string{"--name", "other", "--role", "king", "--area", "NE.DS"}, 2, `"king"`},
			{"unknown area", goodPassword, []string{"--name", "other", "--role", "registrar", "--area", "NE.ZZ"}, 2, "NE.ZZ"},
			{"short password", "short\n", []string{"--name", "other", "--role", "registrar", "--area", "NE.DS"}, 2, "password"},
			{"empty stdin", "\n", []string{"--name", "other", "--role", "registrar", "--area", "NE.DS"}, 2, "password"},
			{"one-letter name", goodPassword, []string{"--name", "x", "--role", "registrar", "--area", "NE.DS"}, 2, `"x"`},
			{"upper-case name", goodPassword, []string{"--name", "Other", "--role", "registrar", "--area", "NE.DS"}, 2, `"Other"`},
			{"no area", goodPassword, []string{"--name", "other", "--role", "registrar"}, 2, "area"},
			{"argument", goodPassword, []string{"other", "--name", "other", "--role", "registrar", "--area", "NE"}, 2, "other"},
		} {
			r := add(c.stdin, append(c.args, "--password-stdin")...)
			if r.code != c.code || r.stdout != "" || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("%s: want exit %d, no stdout and %s on stderr, got\n%s", c.name, c.code, c.stderr, r)
			}
		}

		r = e.mustRun(0, "users", "add", "--name", "audit.ne", "--role", "auditor", "--area", "NE", "--generate-password")
		if !regexp.MustCompile(`^added audit\.ne \(auditor, NE\)\npassword: [A-Z2-7]{26}\n$`).MatchString(r.stdout) {
			t.Errorf("--generate-password: unexpected output\n%s", r)
		}

		r = e.mustRun(0, "users", "list")
		var got []string
		for _, l := range lines(r.stdout) {
			got = append(got, strings.Join(strings.Fields(l), " "))
		}
		want := []string{"NAME ROLE AREA", "audit.ne auditor NE", "reg.dosso registrar NE.DS"} // by name
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("users list: want\n%s\ngot\n%s", strings.Join(want, "\n"), r)
		}
	})
}

// demoRun is what muster demo printed.
type demoRun struct {
	counts    string            // "A areas, O organisations, P persons, R resources (seed S, DIALECT)"
	persons   int               // P
	passwords map[string]string // officer name → password
	creds     string            // the officer lines
}

var (
	demoLoaded     = regexp.MustCompile(`^demo country loaded in \S+: ((\d+) areas, (\d+) organisations, (\d+) persons, (\d+) resources \(seed (\d+), (sqlite|postgres)\))$`)
	demoOrdersLine = regexp.MustCompile(`^demo orders: \d+ drafted, approved and issued by NE-MOB, some carried through every state of the lifecycle$`)
	demoOfficer    = regexp.MustCompile(`^  (\S+) +(\S+) +(\S+) +([A-Z2-7]{26})$`)
	demoRoundLine  = regexp.MustCompile(`^demo round: 7 needs filed; proposal P-\S+ for Dosso awaits review \(\d+ lines, \d+ short\); campaign C-\S+ drawn in Tillabéri \(\d+ selected\)$`)
	demoNames      = []string{"admin", "registrar.dosso", "registrar.diffa", "officer", "approver", "auditor", "reviewer", "reviewer.appeals", "treasurer", "requester.dosso"}
)

// runDemo runs muster demo with args and parses its output.
func runDemo(e *env, args ...string) demoRun {
	e.t.Helper()
	r := e.mustRun(0, append([]string{"demo"}, args...)...)
	out := lines(r.stdout)
	var d demoRun
	if len(out) == 0 {
		e.t.Fatalf("demo printed nothing\n%s", r)
	}
	m := demoLoaded.FindStringSubmatch(out[0])
	if m == nil {
		e.t.Fatalf("demo: first line is not the counts\n%s", r)
	}
	d.counts = m[1]
	d.persons, _ = strconv.Atoi(m[4])
	d.passwords = map[string]string{}
	for _, l := range out[1:] {
		if strings.HasPrefix(l, "demo officers (also in ") || strings.HasPrefix(l, "demo incidents: ") || demoOrdersLine.MatchString(l) || demoRoundLine.MatchString(l) {
			continue
		}
		o := demoOfficer.FindStringSubmatch(l)
		if o == nil {
			e.t.Fatalf("demo: unexpected line %q\n%s", l, r)
		}
		d.passwords[o[1]] = o[4]
		d.creds += l + "\n"
	}
	for _, n := range demoNames {
		if d.passwords[n] == "" {
			e.t.Fatalf("demo: officer %s missing\n%s", n, r)
		}
	}
	if len(d.passwords) != len(demoNames) {
		e.t.Fatalf("demo: %d officers, want %d\n%s", len(d.passwords), len(demoNames), r)
	}
	return d
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		first := runDemo(e, "--persons", "2000", "--seed", "7")
		second := runDemo(e, "--persons", "2000", "--seed", "7")
		if first.persons != 2000 {
			t.Errorf("demo loaded %d persons, want 2000", first.persons)
		}
		if first.counts != second.counts {
			t.Errorf("the same seed gave different countries:\n%s\n%s", first.counts, second.counts)
		}
		if n := e.count("persons"); n != 2000 {
			t.Errorf("%d persons in the database after loading the demo twice, want 2000", n)
		}
		for _, n := range demoNames {
			if first.passwords[n] == second.passwords[n] {
				t.Errorf("officer %s kept the password of the first run", n)
			}
		}
		if n := e.count("users"); n != len(demoNames) {
			t.Errorf("%d users after loading the demo twice, want %d", n, len(demoNames))
		}

		checkMode(t, filepath.Join(e.dataDir, "muster.key"), 0o600)
		users := filepath.Join(e.dataDir, "demo-users.txt")
		if e.postgres() {
			if _, err := os.Stat(users); !os.IsNotExist(err) {
				t.Errorf("demo with --db wrote %s (err %v)", users, err)
			}
			return
		}
		checkMode(t, users, 0o600)
		checkMode(t, e.dbPath(), 0o600)
		data, err := os.ReadFile(users)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != second.creds {
			t.Errorf("%s does not hold the officers of the last run:\n%s\nwant\n%s", users, data, second.creds)
		}
	})
}

// TestDemoUsersFileMode checks that demo-users.txt, which holds
// passwords, ends up 0600 even when it existed with a looser mode.
func TestDemoUsersFileMode(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	if err := os.MkdirAll(e.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(e.dataDir, "demo-users.txt")
	if err := os.WriteFile(users, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	runDemo(e, "--persons", "10")
	checkMode(t, users, 0o600)
}

func TestDemoBadFlags(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	for _, args := range [][]string{{"--persons", "-1"}, {"--persons", "many"}, {"extra"}} {
		if r := e.run(append([]string{"demo"}, args...)...); r.code != 2 || r.stdout != "" {
			t.Errorf("demo %v: want exit 2 and no stdout, got\n%s", args, r)
		}
	}
}

// TestKeyFileMode checks that muster refuses a key file others may read.
func TestKeyFileMode(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.mustRun(0, "migrate")
	key := filepath.Join(e.dataDir, "muster.key")
	checkMode(t, key, 0o600)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run("migrate")
	if r.code != 1 || !strings.Contains(r.stderr, "chmod 600") {
		t.Errorf("migrate with a 0644 key file: want exit 1 and a hint to chmod 600, got\n%s", r)
	}
}

func TestBenchImport(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.extra = []string{"TMPDIR=" + t.TempDir()} // the bench's scratch files
	r := e.mustRun(0, "bench", "import", "--rows", "3000")
	if !strings.Contains(r.stdout, "bench import: 3000 persons") || !strings.Contains(r.stdout, "rows/s") {
		t.Errorf("bench: no table with rows/s\n%s", r)
	}
	m := regexp.MustCompile(`(?m)^ratio import/bare: ([0-9.]+);`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("bench: no \"ratio import/bare\" line\n%s", r)
	}
	if ratio, err := strconv.ParseFloat(m[1], 64); err != nil || ratio <= 0 {
		t.Errorf("bench: ratio %q is not a positive number", m[1])
	}
	for _, rows := range []string{"0", "-5"} {
		if r := e.run("bench", "import", "--rows", rows); r.code != 2 {
			t.Errorf("bench import --rows %s: want exit 2, got\n%s", rows, r)
		}
	}
}
