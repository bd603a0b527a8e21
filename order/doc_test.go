package order

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/muster-org/muster/auth"
)

var update = flag.Bool("update", false, "rewrite the lifecycle table in LIFECYCLE.md and doc.go from the code")

// renderTable writes the transition table as an aligned Markdown table,
// readable both rendered and as plain text in the package documentation.
func renderTable() []string {
	rows := [][]string{{"from", "event", "to", "kind", "who"}}
	for _, r := range Rules() {
		kind := "any"
		if r.Kind != "" {
			kind = string(r.Kind)
		}
		rows = append(rows, []string{stateName(r.From), string(r.Event), string(r.To), kind, who(r)})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			fmt.Fprintf(&b, "| %s%s ", c, strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
		}
		return b.String() + "|"
	}
	out := []string{line(rows[0])}
	rule := make([]string, len(widths))
	for i, w := range widths {
		rule[i] = strings.Repeat("-", w)
	}
	out = append(out, line(rule))
	for _, row := range rows[1:] {
		out = append(out, line(row))
	}
	return out
}

func who(r Rule) string {
	names := make([]string, len(r.Roles))
	for i, role := range r.Roles {
		names[i] = string(role)
		if role == Citizen {
			names[i] = "addressee"
		}
	}
	s := orList(names)
	if len(r.NotBy) > 0 {
		parties := make([]string, len(r.NotBy))
		for i, p := range r.NotBy {
			parties[i] = string(p)
		}
		s += ", not the " + orList(parties)
	}
	return s
}

func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

const (
	mdBegin = "<!-- BEGIN TABLE: generated from rules in lifecycle.go by go test ./order -update -->"
	mdEnd   = "<!-- END TABLE -->"
)

// TestLifecycleDocs keeps LIFECYCLE.md and the package documentation equal
// to the table in the code, so the documents cannot drift from the code.
func TestLifecycleDocs(t *testing.T) {
	table := renderTable()
	check := func(file string, replace func(lines []string) ([]string, error)) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		next, err := replace(lines)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if got, want := string(raw), strings.Join(next, "\n"); got != want {
			if *update {
				if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			t.Errorf("%s is not the table of lifecycle.go; run go test ./order -update and review the diff", file)
		}
	}
	check("LIFECYCLE.md", func(lines []string) ([]string, error) {
		begin, end := index(lines, mdBegin), index(lines, mdEnd)
		if begin < 0 || end < begin {
			return nil, fmt.Errorf("no %q ... %q block", mdBegin, mdEnd)
		}
		return splice(lines, begin+1, end, table), nil
	})
	check("doc.go", func(lines []string) ([]string, error) {
		// The table is the one preformatted block of the package comment.
		begin := -1
		for i, l := range lines {
			if strings.HasPrefix(l, "//\t") {
				begin = i
				break
			}
		}
		if begin < 0 {
			return nil, fmt.Errorf("no preformatted block")
		}
		end := begin
		for end < len(lines) && strings.HasPrefix(lines[end], "//\t") {
			end++
		}
		block := make([]string, len(table))
		for i, l := range table {
			block[i] = "//\t" + l
		}
		return splice(lines, begin, end, block), nil
	})
}

func index(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

func splice(lines []string, from, to int, mid []string) []string {
	out := append([]string{}, lines[:from]...)
	out = append(out, mid...)
	return append(out, lines[to:]...)
}

// TestRoleNames checks that the pseudo-roles cannot be taken by a user.
func TestRoleNames(t *testing.T) {
	for _, r := range []auth.Role{Citizen, System} {
		if _, err := auth.ParseRole(string(r)); err == nil {
			t.Errorf("auth.ParseRole(%q) succeeded; the pseudo-role must not be a user role", r)
		}
	}
}
