package registry

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/area"
)

var today = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func goodPerson() Person {
	return Person{NationalID: "NE0000000001", GivenName: "Ɗahiru", FamilyName: "Ag Moussa", Sex: Male,
		BirthDate: time.Date(1990, 1, 31, 0, 0, 0, 0, time.UTC), Phone: "+22790112233", Area: "NE.AG",
		Skills: []string{"driver", "radio_operator"}, Status: Reservist, Rank: "corporal"}
}

// fieldsOf returns the fields named by errs, in order.
func fieldsOf(errs []FieldError) string {
	var f []string
	for _, e := range errs {
		f = append(f, e.Field)
	}
	return strings.Join(f, ",")
}

func TestPersonValidate(t *testing.T) {
	if errs := goodPerson().Validate(today); len(errs) != 0 {
		t.Fatalf("good person: %v", errs)
	}
	cases := []struct {
		name string
		edit func(*Person)
		want string
	}{
		{"empty id", func(p *Person) { p.NationalID = "" }, "national_id"},
		{"bad id", func(p *Person) { p.NationalID = "NE 12" }, "national_id"},
		{"empty given name", func(p *Person) { p.GivenName = "  " }, "given_name"},
		{"control character", func(p *Person) { p.FamilyName = "Ab\x00" }, "family_name"},
		{"long name", func(p *Person) { p.FamilyName = strings.Repeat("a", 101) }, "family_name"},
		{"bad sex", func(p *Person) { p.Sex = "W" }, "sex"},
		{"no birth date", func(p *Person) { p.BirthDate = time.Time{} }, "birth_date"},
		{"future birth date", func(p *Person) { p.BirthDate = today.AddDate(0, 0, 1) }, "birth_date"},
		{"ancient birth date", func(p *Person) { p.BirthDate = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC) }, "birth_date"},
		{"local phone", func(p *Person) { p.Phone = "90112233" }, "phone"},
		{"phone with spaces", func(p *Person) { p.Phone = "+227 90 11 22 33" }, "phone"},
		{"no area", func(p *Person) { p.Area = "" }, "area"},
		{"bad skill", func(p *Person) { p.Skills = []string{"Driver!"} }, "skills"},
		{"bad status", func(p *Person) { p.Status = "conscript" }, "status"},
		{"unknown rank", func(p *Person) { p.Rank = "marshal" }, "rank"},
		{"civilian with rank", func(p *Person) { p.Status = Civilian }, "rank"},
		{"language name", func(p *Person) { p.Language = "Hausa" }, "language"},
		{"language with region", func(p *Person) { p.Language = "fr-NE" }, "language"},
		{"two problems", func(p *Person) { p.Sex = ""; p.Phone = "1" }, "sex,phone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := goodPerson()
			c.edit(&p)
			if got := fieldsOf(p.Validate(today)); got != c.want {
				t.Errorf("fields = %q, want %q", got, c.want)
			}
		})
	}
	// Born today is fine; no phone is fine.
	p := goodPerson()
	p.BirthDate, p.Phone = today, ""
	if errs := p.Validate(today); len(errs) != 0 {
		t.Errorf("born today, no phone: %v", errs)
	}
}

func TestAge(t *testing.T) {
	p := goodPerson()
	if a := p.Age(time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC)); a != 35 {
		t.Errorf("age the day before the birthday = %d, want 35", a)
	}
	if a := p.Age(time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)); a != 36 {
		t.Errorf("age on the birthday = %d, want 36", a)
	}
	// A leap year shifts the day of the year; the birthday does not move.
	p.BirthDate = time.Date(2000, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		on   time.Time
		want int
	}{
		{time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC), 18},
		{time.Date(2018, 2, 28, 0, 0, 0, 0, time.UTC), 17},
		{time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), 19},
		{time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC), 20},
	} {
		if a := p.Age(c.on); a != c.want {
			t.Errorf("born 2000-03-01, age on %s = %d, want %d", c.on.Format("2006-01-02"), a, c.want)
		}
	}
}

func TestOrganisationValidate(t *testing.T) {
	good := Organisation{OrgID: "ORG-1", Name: "Clinique Albarka", Kind: "clinic", Area: "NE.TL", Protected: true, ProtectedReason: "health"}
	if errs := good.Validate(); len(errs) != 0 {
		t.Fatalf("good organisation: %v", errs)
	}
	cases := []struct {
		name string
		edit func(*Organisation)
		want string
	}{
		{"bad id", func(o *Organisation) { o.OrgID = "x" }, "org_id"},
		{"unknown kind", func(o *Organisation) { o.Kind = "bank" }, "kind"},
		{"protected without reason", func(o *Organisation) { o.ProtectedReason = "" }, "protected_reason"},
		{"reason without protection", func(o *Organisation) { o.Protected = false }, "protected_reason"},
		{"no area", func(o *Organisation) { o.Area = "" }, "area"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := good
			c.edit(&o)
			if got := fieldsOf(o.Validate()); got != c.want {
				t.Errorf("fields = %q, want %q", got, c.want)
			}
		})
	}
}

func TestResourceValidate(t *testing.T) {
	good := Resource{ResourceID: "RES-1", Owner: Owner{OwnerPerson, "NE1"}, Type: "fuel.diesel", Quantity: 250.5, Unit: "l",
		Area: "NE.DS", Location: &area.Point{Lat: 13, Lon: 3}, Condition: "good", DeclaredValueXOF: 175000}
	if errs := good.Validate(); len(errs) != 0 {
		t.Fatalf("good resource: %v", errs)
	}
	cases := []struct {
		name string
		edit func(*Resource)
		want string
	}{
		{"unknown type", func(r *Resource) { r.Type = "fuel.kerosene" }, "type"},
		{"negative quantity", func(r *Resource) { r.Quantity = -1 }, "quantity"},
		{"NaN quantity", func(r *Resource) { r.Quantity = math.NaN() }, "quantity"},
		{"fractional vehicle", func(r *Resource) { r.Type, r.Unit, r.Quantity = "vehicle.truck", "unit", 1.5 }, "quantity"},
		{"wrong unit", func(r *Resource) { r.Unit = "kg" }, "unit"},
		{"bad latitude", func(r *Resource) { r.Location = &area.Point{Lat: -91, Lon: 3} }, "latitude"},
		{"bad longitude", func(r *Resource) { r.Location = &area.Point{Lat: 13, Lon: 181} }, "longitude"},
		{"bad condition", func(r *Resource) { r.Condition = "broken" }, "condition"},
		{"negative value", func(r *Resource) { r.DeclaredValueXOF = -5 }, "declared_value_xof"},
		{"no owner", func(r *Resource) { r.Owner = Owner{} }, "owner"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := good
			c.edit(&r)
			if got := fieldsOf(r.Validate()); got != c.want {
				t.Errorf("fields = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseOwner(t *testing.T) {
	for in, want := range map[string]string{"person:NE1234": "person:NE1234", "org:ORG-1": "org:ORG-1"} {
		o, err := ParseOwner(in)
		if err != nil || o.String() != want {
			t.Errorf("ParseOwner(%q) = %v, %v", in, o, err)
		}
	}
	for _, bad := range []string{"", "NE1234", "company:ORG-1", "person:", "person:a b", "org:x"} {
		if _, err := ParseOwner(bad); err == nil {
			t.Errorf("ParseOwner(%q) accepted", bad)
		}
	}
}

func TestParseBoolAndSkills(t *testing.T) {
	for in, want := range map[string]bool{"yes": true, "Oui": true, "1": true, "TRUE": true, "": false, "no": false, "0": false} {
		if got, err := ParseBool(in); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBool("maybe"); err == nil {
		t.Error("ParseBool(maybe) accepted")
	}
	if got := strings.Join(ParseSkills("driver; mechanic,driver  nurse"), "|"); got != "driver|mechanic|nurse" {
		t.Errorf("ParseSkills = %q", got)
	}
}

func TestTaxonomy(t *testing.T) {
	for _, name := range []string{"vehicle.truck", "vehicle.pickup", "fuel.diesel", "food.millet", "building.warehouse", "equipment.generator", "service.medical"} {
		rt, ok := LookupType(name)
		if !ok || len(rt.Units) == 0 || rt.Class() != strings.Split(name, ".")[0] {
			t.Errorf("taxonomy lacks %s or its units: %+v", name, rt)
		}
	}
}
