package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goodImports are the good fixtures in an order that satisfies their
// references, with the rows each holds.
var goodImports = []struct {
	kind, file string
	rows       int
}{
	{"areas", "areas.csv", 5},
	{"persons", "persons.csv", 4},
	{"organisations", "organisations.csv", 3},
	{"resources", "resources.csv", 3},
}

// importGood imports the good fixtures of the first n kinds.
func importGood(e *env, n int) {
	e.t.Helper()
	for _, g := range goodImports[:n] {
		e.mustRun(0, "import", g.kind, fixture(g.file))
	}
}

func TestImportGoodFiles(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		for _, g := range goodImports {
			r := e.mustRun(0, "import", g.kind, fixture(g.file))
			if want := "imported " + strconv.Itoa(g.rows) + ", rejected 0"; lastLine(r.stdout) != want {
				t.Errorf("import %s: want last line %q, got\n%s", g.kind, want, r)
			}
			if r.stderr != "" {
				t.Errorf("import %s: want no stderr, got\n%s", g.kind, r)
			}
			if n := e.count(g.kind); n != g.rows {
				t.Errorf("import %s: %d rows in the table, want %d", g.kind, n, g.rows)
			}
		}
	})
}

// csvHeader is the first row of a fixture.
func csvHeader(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, err := csv.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		t.Fatal(err)
	}
	return header
}

// checkProblems checks that every stderr line is FILE:LINE: COLUMN:
// message or FILE:LINE: message, with FILE the path as given and COLUMN
// one of the file's, and returns the distinct lines named.
func checkProblems(t *testing.T, path, stderr string) []int {
	t.Helper()
	header := csvHeader(t, path)
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(path) + `:([1-9][0-9]*): (\S.*)$`)
	column := regexp.MustCompile(`^([a-z_]+): \S`)
	var named []int
	for _, l := range lines(stderr) {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("stderr line is not FILE:LINE: [COLUMN: ]message with FILE %s: %q", path, l)
			continue
		}
		if c := column.FindStringSubmatch(m[2]); c != nil && !slices.Contains(header, c[1]) {
			t.Errorf("stderr line names %q, which is not a column of %s: %q", c[1], path, l)
		}
		n, _ := strconv.Atoi(m[1])
		if !slices.Contains(named, n) {
			named = append(named, n)
		}
	}
	slices.Sort(named)
	return named
}

func lineRange(from, to int) []int {
	var r []int
	for i := from; i <= to; i++ {
		r = append(r, i)
	}
	return r
}

func TestImportBadFiles(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		kind, file         string
		before             int // good kinds imported first
		imported, rejected int
		lines              []int // the lines reported
	}{
		{"areas", "areas_bad.csv", 1, 2, 6, lineRange(4, 9)},
		{"persons", "persons_bad.csv", 1, 2, 10, lineRange(3, 12)},
		{"organisations", "organisations_bad.csv", 1, 1, 3, lineRange(2, 4)},
		{"resources", "resources_bad.csv", 3, 1, 10, lineRange(3, 12)},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			onBackends(t, func(t *testing.T, e *env) {
				importGood(e, c.before)
				before := e.count(c.kind)
				path := fixture(c.file)
				r := e.mustRun(3, "import", c.kind, path)
				want := "imported " + strconv.Itoa(c.imported) + ", rejected " + strconv.Itoa(c.rejected)
				if lastLine(r.stdout) != want {
					t.Errorf("want last stdout line %q, got\n%s", want, r)
				}
				if got := checkProblems(t, path, r.stderr); !slices.Equal(got, c.lines) {
					t.Errorf("stderr names lines %v, want %v\n%s", got, c.lines, r)
				}
				if n := e.count(c.kind); n != before+c.imported {
					t.Errorf("%d %s after the import, want %d + %d", n, c.kind, before, c.imported)
				}
			})
		})
	}
}

func TestImportStrictAndDryRun(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		importGood(e, 1)
		bad, good := fixture("persons_bad.csv"), fixture("persons.csv")

		r := e.mustRun(3, "import", "--strict", "persons", bad)
		if !strings.Contains(r.stdout, "strict: nothing imported") || lastLine(r.stdout) != "imported 0, rejected 10" {
			t.Errorf("--strict: want the strict notice and \"imported 0, rejected 10\", got\n%s", r)
		}
		checkProblems(t, bad, r.stderr)
		if n := e.count("persons"); n != 0 {
			t.Fatalf("--strict with a bad file wrote %d persons", n)
		}

		r = e.mustRun(0, "import", "--dry-run", "persons", good)
		if !strings.HasPrefix(r.stdout, "dry run: 4 rows valid, nothing written\n") || lastLine(r.stdout) != "imported 0, rejected 0" {
			t.Errorf("--dry-run: unexpected output\n%s", r)
		}
		r = e.mustRun(3, "import", "--dry-run", "persons", bad)
		if !strings.HasPrefix(r.stdout, "dry run: 2 rows valid") || lastLine(r.stdout) != "imported 0, rejected 10" {
			t.Errorf("--dry-run on a bad file: unexpected output\n%s", r)
		}
		if n := e.count("persons"); n != 0 {
			t.Fatalf("--dry-run wrote %d persons", n)
		}

		// --strict with a good file imports it all.
		r = e.mustRun(0, "import", "--strict", "persons", good)
		if lastLine(r.stdout) != "imported 4, rejected 0" {
			t.Errorf("--strict on a good file: unexpected output\n%s", r)
		}
		if n := e.count("persons"); n != 4 {
			t.Fatalf("%d persons after a strict import of 4", n)
		}
	})
}

func TestImportJSON(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		importGood(e, 1)
		for _, c := range []struct {
			args []string
			code int
			want map[string]any
		}{
			{[]string{"persons", fixture("persons_bad.csv")}, 3,
				map[string]any{"file": fixture("persons_bad.csv"), "kind": "persons", "imported": 2.0, "rejected": 10.0, "valid": 2.0}},
			{[]string{"--dry-run", "persons", fixture("persons.csv")}, 0,
				map[string]any{"imported": 0.0, "rejected": 0.0, "valid": 4.0, "dry_run": true}},
			{[]string{"--strict", "persons", fixture("persons_bad.csv")}, 3,
				map[string]any{"imported": 0.0, "rejected": 10.0, "valid": 2.0, "strict": true}},
		} {
			r := e.mustRun(c.code, append([]string{"import", "--json"}, c.args...)...)
			var got map[string]any
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%v: stdout is not JSON: %v\n%s", c.args, err, r)
			}
			if dec.More() {
				t.Errorf("%v: stdout holds more than one JSON value\n%s", c.args, r)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%v: %s is %v, want %v\n%s", c.args, k, got[k], v, r)
				}
			}
		}
	})
}

// TestImportUnusable covers the runs that cannot import at all: exit 2,
// nothing on stdout, the reason on stderr.
func TestImportUnusable(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		importGood(e, 1)
		for _, c := range []struct {
			name   string
			args   []string
			stderr []string // substrings of stderr
		}{
			{"unknown column", []string{"persons", fixture("persons_unknown_column.csv")}, []string{`"shoe_size"`, fixture("persons_unknown_column.csv")}},
			{"missing column", []string{"persons", fixture("persons_missing_column.csv")}, []string{`"birth_date"`}},
			{"missing file", []string{"persons", fixture("no_such_file.csv")}, []string{fixture("no_such_file.csv")}},
			{"unknown kind", []string{"people", fixture("persons.csv")}, []string{`"people"`}},
			{"unknown flag", []string{"--bogus", "persons", fixture("persons.csv")}, []string{"--bogus"}},
			{"one argument", []string{"persons"}, []string{"2 arg"}},
		} {
			r := e.run(append([]string{"import"}, c.args...)...)
			if r.code != 2 || r.stdout != "" {
				t.Errorf("%s: want exit 2 and no stdout, got\n%s", c.name, r)
			}
			for _, s := range c.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("%s: stderr does not mention %s\n%s", c.name, s, r)
				}
			}
		}
		if n := e.count("persons"); n != 0 {
			t.Errorf("%d persons written by failed imports", n)
		}
	})
}

func TestReimport(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		for range 2 {
			for _, g := range goodImports {
				r := e.mustRun(0, "import", g.kind, fixture(g.file))
				if want := "imported " + strconv.Itoa(g.rows) + ", rejected 0"; lastLine(r.stdout) != want {
					t.Errorf("import %s: want %q, got\n%s", g.kind, want, r)
				}
			}
		}
		for _, g := range goodImports {
			if n := e.count(g.kind); n != g.rows {
				t.Errorf("%d %s after importing the same file twice, want %d", n, g.kind, g.rows)
			}
		}
	})
}

// TestSealedAtRest checks that no personal value of persons.csv is found
// in clear in the SQLite files, while non-personal values are.
func TestSealedAtRest(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	importGood(e, 2)
	db := e.sqlDB()
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var stored []byte
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(e.dbPath() + suffix)
		if err != nil && !(suffix != "" && os.IsNotExist(err)) {
			t.Fatal(err)
		}
		stored = append(stored, data...)
	}
	if !bytes.Contains(stored, []byte("reservist")) || !bytes.Contains(stored, []byte("Tillabéri")) {
		t.Fatal("sanity: the non-personal values reservist and Tillabéri are not in the database files")
	}

	f, err := os.Open(fixture("persons.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	personal := []string{"national_id", "given_name", "family_name", "birth_date", "phone"}
	checked := 0
	for _, row := range rows[1:] {
		for i, col := range rows[0] {
			if !slices.Contains(personal, col) || row[i] == "" {
				continue
			}
			checked++
			if bytes.Contains(stored, []byte(row[i])) {
				t.Errorf("%s %q is stored in clear", col, row[i])
			}
		}
	}
	if checked < 15 {
		t.Fatalf("sanity: only %d personal values checked", checked)
	}
}
