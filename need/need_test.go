package need

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

func goodNeed() Need {
	return Need{
		ID: "N-DOSSO-0001", Unit: "3e bataillon", Type: "vehicle.truck", Quantity: 4,
		Area: "NE.DS", Deadline: time.Date(2026, 12, 20, 8, 0, 0, 0, time.UTC), Priority: 4,
		Justification: "transport of the battalion to Diffa", LegalBasis: "Décret 2026-114, art. 3",
		CreatedAt: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC),
	}
}

func TestValidate(t *testing.T) {
	if errs := goodNeed().Validate(); len(errs) != 0 {
		t.Fatalf("good need: %v", errs)
	}
	cases := []struct {
		name   string
		change func(*Need)
		field  string
	}{
		{"bad id", func(n *Need) { n.ID = "x y" }, "need_id"},
		{"no unit", func(n *Need) { n.Unit = " " }, "unit"},
		{"type and skill", func(n *Need) { n.Skill = "driver" }, "type"},
		{"neither type nor skill", func(n *Need) { n.Type = "" }, "type"},
		{"unknown type", func(n *Need) { n.Type = "vehicle.spaceship" }, "type"},
		{"bad skill", func(n *Need) { n.Type, n.Skill = "", "Driver!" }, "skill"},
		{"zero quantity", func(n *Need) { n.Quantity = 0 }, "quantity"},
		{"fractional trucks", func(n *Need) { n.Quantity = 1.5 }, "quantity"},
		{"fractional vehicles", func(n *Need) { n.Type, n.Quantity = "vehicle", 2.5 }, "quantity"},
		{"fractional persons", func(n *Need) { n.Type, n.Skill, n.Quantity = "", "nurse", 0.5 }, "quantity"},
		{"no area", func(n *Need) { n.Area = "" }, "area"},
		{"bad point", func(n *Need) { n.Point = &area.Point{Lat: 100, Lon: 2} }, "point"},
		{"no deadline", func(n *Need) { n.Deadline = time.Time{} }, "deadline"},
		{"deadline before filing", func(n *Need) { n.Deadline = n.CreatedAt.Add(-time.Hour) }, "deadline"},
		{"priority 0", func(n *Need) { n.Priority = 0 }, "priority"},
		{"priority 6", func(n *Need) { n.Priority = 6 }, "priority"},
		{"no justification", func(n *Need) { n.Justification = "" }, "justification"},
		{"no legal basis", func(n *Need) { n.LegalBasis = "" }, "legal_basis"},
		{"long legal basis", func(n *Need) { n.LegalBasis = strings.Repeat("x", MaxLegalBasis+1) }, "legal_basis"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := goodNeed()
			c.change(&n)
			errs := n.Validate()
			if len(errs) != 1 || errs[0].Field != c.field {
				t.Fatalf("errors %v, want one on %s", errs, c.field)
			}
			if err := n.Err(); muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), c.field) {
				t.Errorf("Err() = %v, want Invalid naming %s", err, c.field)
			}
		})
	}
}

func TestFractionalFuelIsFine(t *testing.T) {
	n := goodNeed()
	n.Type, n.Quantity = "fuel.diesel", 1250.5
	if errs := n.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
}

func TestAllocationTypeAndMatches(t *testing.T) {
	n := goodNeed()
	if got := n.AllocationType(); got != "vehicle.truck" {
		t.Errorf("AllocationType = %q", got)
	}
	n.Type, n.Skill = "", "driver"
	if got := n.AllocationType(); got != "skill.driver" {
		t.Errorf("AllocationType = %q", got)
	}
	for _, c := range []struct {
		need, resource string
		want           bool
	}{
		{"vehicle.truck", "vehicle.truck", true},
		{"vehicle", "vehicle.truck", true},
		{"vehicle", "vehicles.truck", false},
		{"vehicle.truck", "vehicle.tanker", false},
		{"fuel", "food.millet", false},
	} {
		if got := Matches(c.need, c.resource); got != c.want {
			t.Errorf("Matches(%q, %q) = %v", c.need, c.resource, got)
		}
	}
}

func TestRemainingAndState(t *testing.T) {
	n := goodNeed()
	n.Filled = 3
	if n.Remaining() != 1 {
		t.Errorf("Remaining = %g", n.Remaining())
	}
	n.Filled = 5
	if n.Remaining() != 0 {
		t.Errorf("Remaining overfilled = %g", n.Remaining())
	}
	if _, err := ParseState("closed"); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("ParseState(closed) = %v", err)
	}
	if s, err := ParseState("filled"); err != nil || s != Filled {
		t.Errorf("ParseState(filled) = %v, %v", s, err)
	}
}
