package area

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

func TestNewTree(t *testing.T) {
	areas := []Area{
		{Code: "NE.DS.D01", Name: "D01", Level: "department", Parent: "NE.DS"},
		{Code: "NE", Name: "Niger", Level: "country"},
		{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE"},
		{Code: "NE.DF", Name: "Diffa", Level: "region", Parent: "NE"},
	}
	tree, err := NewTree(areas)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		code, root string
		want       bool
	}{
		{"NE.DS.D01", "NE.DS", true},
		{"NE.DS.D01", "NE", true},
		{"NE.DS", "NE.DS", true},
		{"NE.DS.D01", "NE.DF", false},
		{"NE", "NE.DS", false},
		{"NE.XX", "NE", false},
		{"NE.DS", "NE.XX", false},
	}
	for _, c := range cases {
		if got := tree.Within(c.code, c.root); got != c.want {
			t.Errorf("Within(%s, %s) = %v, want %v", c.code, c.root, got, c.want)
		}
	}
	if p := tree.Path("NE.DS.D01"); p != "/NE/NE.DS/NE.DS.D01/" {
		t.Errorf("Path = %q", p)
	}
	if d := tree.Depth("NE.DS.D01"); d != 2 {
		t.Errorf("Depth = %d, want 2", d)
	}
	var order []string
	for _, a := range tree.Areas() {
		order = append(order, a.Code)
	}
	if strings.Join(order, " ") != "NE NE.DF NE.DS NE.DS.D01" {
		t.Errorf("Areas order = %v: parents must come first", order)
	}
}

func TestNewTreeRefuses(t *testing.T) {
	cases := map[string][]Area{
		"missing parent": {{Code: "NE"}, {Code: "NE.DS", Parent: "NE.XX"}},
		"cycle":          {{Code: "A", Parent: "B"}, {Code: "B", Parent: "C"}, {Code: "C", Parent: "A"}},
		"self parent":    {{Code: "A", Parent: "A"}},
		"duplicate":      {{Code: "NE"}, {Code: "NE"}},
	}
	for name, areas := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := NewTree(areas); muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := Area{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE", Label: &Point{12.8, 3.5}}
	if errs := good.Validate(); len(errs) != 0 {
		t.Fatalf("good area: %v", errs)
	}
	cases := []struct {
		name  string
		edit  func(*Area)
		field string
	}{
		{"bad code", func(a *Area) { a.Code = "NE DS" }, "code"},
		{"empty name", func(a *Area) { a.Name = " " }, "name"},
		{"empty level", func(a *Area) { a.Level = "" }, "level"},
		{"own parent", func(a *Area) { a.Parent = a.Code }, "parent"},
		{"negative population", func(a *Area) { a.Population = -1 }, "population"},
		{"latitude out of range", func(a *Area) { a.Label = &Point{91, 0} }, "latitude"},
		{"geometry not a surface", func(a *Area) { a.Geometry = json.RawMessage(`{"type":"Point","coordinates":[1,2]}`) }, "geometry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := good
			c.edit(&a)
			errs := a.Validate()
			if len(errs) != 1 || errs[0].Field != c.field {
				t.Errorf("errors = %v, want one on %s", errs, c.field)
			}
		})
	}
}

func TestGeometry(t *testing.T) {
	square := json.RawMessage(`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}`)
	if err := ValidateGeometry(square); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    Point
		want bool
	}{
		{Point{Lat: 2, Lon: 2}, true},
		{Point{Lat: 5, Lon: 5}, false}, // in the hole
		{Point{Lat: 11, Lon: 5}, false},
	} {
		if got := Contains(square, c.p); got != c.want {
			t.Errorf("Contains(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	multi := json.RawMessage(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6],[5,5]]]]}`)
	if !Contains(multi, Point{Lat: 5.5, Lon: 5.5}) || Contains(multi, Point{Lat: 3, Lon: 3}) {
		t.Error("MultiPolygon containment wrong")
	}
	for name, bad := range map[string]string{
		"not json":     `{`,
		"open ring":    `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`,
		"short ring":   `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`,
		"out of range": `{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}`,
		"no ring":      `{"type":"Polygon","coordinates":[]}`,
		"line":         `{"type":"LineString","coordinates":[[0,0],[1,1]]}`,
	} {
		if err := ValidateGeometry(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if (name == "not json" || name == "line") && Contains(json.RawMessage(bad), Point{Lat: 0.5, Lon: 0.5}) {
			t.Errorf("%s: contains a point", name)
		}
	}
}

func TestHASCParent(t *testing.T) {
	for code, want := range map[string]string{"NE.DS.D01": "NE.DS", "NE.DS": "NE", "NE": "", ".X": ""} {
		if got := HASCParent(code); got != want {
			t.Errorf("HASCParent(%q) = %q, want %q", code, got, want)
		}
	}
}
