package proposal

import (
	"testing"
	"time"

	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/registry"
)

var (
	now  = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	tree = func() *area.Tree {
		t, err := area.NewTree([]area.Area{
			{Code: "NE", Name: "Niger", Level: "country"},
			{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE", Label: &area.Point{Lat: 13.05, Lon: 3.2}},
			{Code: "NE.DF", Name: "Diffa", Level: "region", Parent: "NE"},
		})
		if err != nil {
			panic(err)
		}
		return t
	}()
)

func needFor(id, typ, skill string) need.Need {
	return need.Need{ID: id, Type: typ, Skill: skill, Quantity: 10, Area: "NE.DS", Priority: 3,
		Deadline: now.AddDate(0, 1, 0)}
}

func res(id, typ string, q float64, unit string) registry.Resource {
	return registry.Resource{ResourceID: id, Type: typ, Quantity: q, Unit: unit, Area: "NE.DS"}
}

func TestBuilderAppliesPolicy(t *testing.T) {
	needs := []need.Need{needFor("N1", "vehicle", ""), needFor("N2", "food.millet", ""), needFor("N3", "", "driver")}
	b := NewBuilder(policy.Default(), tree, needs, now)
	if classes, skills := b.Classes(); len(classes) != 2 || len(skills) != 1 || skills[0] != "driver" {
		t.Fatalf("classes %v skills %v", classes, skills)
	}
	add := func(owner string, org *registry.Organisation, rs []registry.Resource, given Given) {
		t.Helper()
		if err := b.AddOwner(owner, org, rs, given); err != nil {
			t.Fatal(err)
		}
	}
	// A household's only car: never taken.
	add("p1", nil, []registry.Resource{res("R-CAR", "vehicle.car", 1, "unit")}, nil)
	// A transporter with three trucks: two may go, the last one stays.
	add("p2", nil, []registry.Resource{res("R-T1", "vehicle.truck", 1, "unit"), res("R-T2", "vehicle.truck", 1, "unit"),
		res("R-T3", "vehicle.truck", 1, "unit")}, nil)
	// ...and one with two trucks, one of which an earlier order took:
	// requisition does not change ownership, so the other is the last.
	add("p3", nil, []registry.Resource{res("R-U1", "vehicle.truck", 1, "unit"), res("R-U2", "vehicle.truck", 1, "unit")},
		Given{res("old", "vehicle.truck", 1, "unit")})
	// A clinic's pickup, and an ambulance: protected.
	add("org:CLINIC", &registry.Organisation{OrgID: "CLINIC", Kind: "clinic"}, []registry.Resource{res("R-P", "vehicle.pickup", 1, "unit")}, nil)
	add("org:TRANS", &registry.Organisation{OrgID: "TRANS", Kind: "company"}, []registry.Resource{res("R-A", "vehicle.ambulance", 1, "unit"),
		res("R-B", "vehicle.bus", 1, "unit"), res("R-C", "vehicle.bus", 1, "unit")}, nil)
	// A household's 4 t of millet: a quarter may go, in kilograms.
	add("p4", nil, []registry.Resource{res("R-M", "food.millet", 4, "t")}, nil)

	avail := map[string]float64{}
	for _, c := range b.Candidates {
		avail[c.ID] = c.Available
		if c.Point != (area.Point{Lat: 13.05, Lon: 3.2}) {
			t.Errorf("%s placed at %v, want the area's label", c.ID, c.Point)
		}
	}
	want := map[string]float64{"R-T1": 1, "R-T2": 1, "R-B": 1, "R-C": 1, "R-M": 1000}
	if len(avail) != len(want) {
		t.Errorf("candidates %v, want %v", avail, want)
	}
	for id, q := range want {
		if avail[id] != q {
			t.Errorf("%s available %g, want %g (all: %v)", id, avail[id], q, avail)
		}
	}
	if e := b.Excluded; e.ProtectedOrganisation != 1 || e.ProtectedType != 1 || e.OwnerLimit != 4 {
		t.Errorf("excluded %+v", e)
	}

	reservist := registry.Person{NationalID: "NE1", BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Area: "NE.DS",
		Skills: []string{"cook", "driver"}, Status: registry.Reservist}
	old := reservist
	old.BirthDate = time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	noSkill := reservist
	noSkill.Skills = []string{"cook"}
	for i, p := range []registry.Person{reservist, old, noSkill} {
		if err := b.AddPerson(p, []string{"p10", "p11", "p12"}[i], 0); err != nil {
			t.Fatal(err)
		}
	}
	last := b.Candidates[len(b.Candidates)-1]
	if last.ID != "p10" || last.Type != "skill.driver" || last.Available != 1 || b.Excluded.NotLiable != 1 {
		t.Errorf("person candidates: last %+v, excluded %+v", last, b.Excluded)
	}
	an, err := b.Needs(needs)
	if err != nil {
		t.Fatal(err)
	}
	prop, err := allocate.Allocate(an, b.Candidates, allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight})
	if err != nil {
		t.Fatal(err)
	}
	if len(prop.Shortfalls) != 2 || prop.Shortfalls[0].Missing != 6 || prop.Shortfalls[1].Missing != 9 {
		t.Errorf("shortfalls %+v", prop.Shortfalls)
	}
	noLabel := needFor("N4", "vehicle", "")
	noLabel.Area = "NE.DF"
	if _, err := b.Needs([]need.Need{noLabel}); err == nil {
		t.Error("a need with no location was accepted")
	}
}
