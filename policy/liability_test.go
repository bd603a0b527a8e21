package policy

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

var today = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)

// aged returns a person who is age years old on today, born a month
// before the anniversary so that no test sits on a birthday by accident.
func aged(age int, status registry.Status, rank string, skills ...string) registry.Person {
	return registry.Person{
		NationalID: "NE0000000042", Sex: registry.Male, Area: "NE001001",
		BirthDate: today.AddDate(-age, -1, 0), Status: status, Rank: rank, Skills: skills,
	}
}

func TestLiable(t *testing.T) {
	tests := []struct {
		name   string
		person registry.Person
		want   Liability
	}{
		{"a minor never, even active", aged(17, registry.Active, "private"), Liability{false, "minors_never"}},
		{"active always", aged(58, registry.Active, "colonel"), Liability{true, "active_always"}},
		{"retired private below 55", aged(54, registry.Retired, "private"), Liability{true, "retired_below_retirement_age"}},
		{"retired private at 55", aged(55, registry.Retired, "private"), Liability{false, "retired_past_retirement_age"}},
		{"retired colonel at 59", aged(59, registry.Retired, "colonel"), Liability{true, "retired_below_retirement_age"}},
		{"retired colonel at 61", aged(61, registry.Retired, "colonel"), Liability{false, "retired_past_retirement_age"}},
		{"retired general at 64", aged(64, registry.Retired, "general"), Liability{true, "retired_below_retirement_age"}},
		{"reservist at 50", aged(50, registry.Reservist, "sergeant"), Liability{true, "reservist_18_50"}},
		{"reservist at 51", aged(51, registry.Reservist, "sergeant"), Liability{false, "reservist_over_50"}},
		{"civilian driver at 30", aged(30, registry.Civilian, "", "farmer", "driver"), Liability{true, "civilian_skilled_18_45"}},
		{"civilian driver at 46", aged(46, registry.Civilian, "", "driver"), Liability{false, "civilian_other"}},
		{"civilian farmer at 30", aged(30, registry.Civilian, "", "farmer"), Liability{false, "civilian_other"}},
		{"civilian without skills", aged(30, registry.Civilian, ""), Liability{false, "civilian_other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Default().Liable(tt.person, today)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Liable = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLiableCountsAgeOnTheDayAsked(t *testing.T) {
	p := aged(0, registry.Reservist, "private")
	p.BirthDate = time.Date(2007, 6, 15, 0, 0, 0, 0, time.UTC)
	before, err1 := Default().Liable(p, today.AddDate(0, 0, -1))
	on, err2 := Default().Liable(p, today)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if before.Liable || !on.Liable {
		t.Errorf("the day before the 18th birthday %+v, on it %+v: want not liable, then liable", before, on)
	}
}

func TestLiableNoRuleMatched(t *testing.T) {
	// minimal.yaml has a rule for reservists only.
	got, err := loadFixture(t, "minimal.yaml").Liable(aged(30, registry.Civilian, ""), today)
	if err != nil || got != (Liability{false, NoRule}) {
		t.Errorf("got %+v, %v; want not liable by %s", got, err, NoRule)
	}
}

func TestLiableRejectsIncompletePersons(t *testing.T) {
	noBirth := aged(30, registry.Civilian, "")
	noBirth.BirthDate = time.Time{}
	badStatus := aged(30, "conscript", "")
	tests := []struct {
		name   string
		person registry.Person
		want   string
	}{
		{"no birth date", noBirth, "has no birth date"},
		{"unknown status", badStatus, `status "conscript"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Default().Liable(tt.person, today)
			if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an invalid error containing %q", err, tt.want)
			}
		})
	}
}

// TestRaisingRetirementAge is the change DESIGN.md promises is policy
// alone: the same retired colonel, two versions of the policy that differ
// only in the colonels' retirement age, two answers.
func TestRaisingRetirementAge(t *testing.T) {
	edit := func(data []byte, old, new string) []byte {
		if bytes.Count(data, []byte(old)) != 1 {
			t.Fatalf("default.yaml no longer has exactly one %q", old)
		}
		return bytes.Replace(data, []byte(old), []byte(new), 1)
	}
	raised := edit(DefaultBytes(), "    colonel: 60\n", "    colonel: 63\n")
	raised = edit(raised, `version: "NE-demo-2025.1"`, `version: "NE-demo-2025.2"`)
	newPolicy, err := Parse("raised.yaml", raised)
	if err != nil {
		t.Fatal(err)
	}
	colonel := aged(61, registry.Retired, "colonel")
	before, err1 := Default().Liable(colonel, today)
	after, err2 := newPolicy.Liable(colonel, today)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if before != (Liability{false, "retired_past_retirement_age"}) || after != (Liability{true, "retired_below_retirement_age"}) {
		t.Errorf("before %+v, after %+v: want the raise to make the colonel liable", before, after)
	}
	if Default().RetirementAge("colonel") != 60 || newPolicy.RetirementAge("colonel") != 63 || newPolicy.RetirementAge("captain") != 57 {
		t.Error("only the colonels' retirement age should change")
	}
	if newPolicy.Version == Default().Version || newPolicy.Hash == Default().Hash {
		t.Error("a new policy must carry a new version and hash")
	}
}

func TestRetirementAge(t *testing.T) {
	tests := []struct {
		rank string
		want int
	}{
		{"private", 55}, // not named: the default
		{"", 55},
		{"warrant_officer", 56},
		{"colonel", 60},
		{"general", 65},
		{"admiral", 55}, // not a rank of ours: the default, not a panic
	}
	for _, tt := range tests {
		if got := Default().RetirementAge(tt.rank); got != tt.want {
			t.Errorf("RetirementAge(%q) = %d, want %d", tt.rank, got, tt.want)
		}
	}
}

func TestCompileCondition(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		person  registry.Person
		want    bool
		wantErr string
	}{
		{"skill present", `"driver" in person.skills`, aged(30, registry.Civilian, "", "driver"), true, ""},
		{"skill absent", `"driver" in person.skills`, aged(30, registry.Civilian, "", "cook"), false, ""},
		{"age band and area", `person.age >= 20 && person.age < 35 && person.area.startsWith("NE001")`, aged(30, registry.Civilian, ""), true, ""},
		{"retirement age is visible", `person.age + 5 < retirement_age`, aged(50, registry.Retired, "colonel"), true, ""},
		{"empty", "  ", registry.Person{}, false, "condition: is empty"},
		{"syntax", `person.age >`, registry.Person{}, false, "line 1: CEL: Syntax error"},
		{"not a condition", `person.age`, registry.Person{}, false, "returns int, but it must return bool"},
		{"unknown field", `"driver" in person.skill`, registry.Person{}, false, `"person.skill" is not defined`},
		{"not about a person", `owner.kind == "person"`, registry.Person{}, false, `"owner.kind" is not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Default().CompileCondition(tt.expr)
			if tt.wantErr != "" {
				if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an invalid error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Match(tt.person, today)
			if err != nil || got != tt.want {
				t.Errorf("Match = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestEligible(t *testing.T) {
	drivers, err := Default().CompileCondition(`"driver" in person.skills`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		person registry.Person
		cond   *Condition
		want   bool
	}{
		{"liable driver", aged(30, registry.Reservist, "private", "driver"), drivers, true},
		{"liable, not a driver", aged(30, registry.Reservist, "private", "cook"), drivers, false},
		{"driver, not liable", aged(52, registry.Reservist, "private", "driver"), drivers, false},
		{"no condition: liable is enough", aged(30, registry.Reservist, "private"), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Default().Eligible(tt.person, today, tt.cond)
			if err != nil || got != tt.want {
				t.Errorf("Eligible = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// BenchmarkLiable measures one answer for a campaign's eligible list,
// which asks it of every adult in the registry: the civilian case runs the
// longest rule chain of the default policy.
func BenchmarkLiable(b *testing.B) {
	cases := []struct {
		name   string
		person registry.Person
	}{
		{"active", aged(30, registry.Active, "sergeant")},
		{"civilian", aged(30, registry.Civilian, "", "farmer", "driver")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Default().Liable(c.person, today); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
