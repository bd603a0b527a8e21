package demo

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/incident"
)

var incidentsDay = time.Date(2026, 11, 25, 15, 30, 0, 0, time.UTC)

func TestIncidentsDeterministic(t *testing.T) {
	a, err := Incidents(1, incidentsDay)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Incidents(1, incidentsDay)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed and day gave different incidents")
	}
	c, _ := Incidents(2, incidentsDay)
	if reflect.DeepEqual(a, c) {
		t.Fatal("seeds 1 and 2 gave the same incidents")
	}
}

func TestIncidentsPlausible(t *testing.T) {
	in, err := Incidents(1, incidentsDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) < 200 || len(in) > 600 {
		t.Fatalf("%d incidents, want a few hundred", len(in))
	}
	areas, err := Areas(1)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := area.NewTree(areas)
	if err != nil {
		t.Fatal(err)
	}
	mapper := incident.NewMapper(tree)
	first := time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC) // 12 weeks: 84 days up to the 25th of November
	byRegion := map[string]int{}
	types := map[string]int{}
	fatalities := 0
	ids := map[string]bool{}
	for _, x := range in {
		if errs := x.Validate(); len(errs) > 0 {
			t.Fatalf("%s is invalid: %v", x.ID, errs)
		}
		if ids[x.ID] || !strings.HasPrefix(x.ID, "DEMO-") {
			t.Fatalf("id %s repeated or not marked as a demo", x.ID)
		}
		ids[x.ID] = true
		if x.Date.Before(first) || x.Date.After(incidentsDay) {
			t.Errorf("%s dated %s, outside %s..%s", x.ID, x.Date.Format(time.DateOnly), first.Format(time.DateOnly), incidentsDay.Format(time.DateOnly))
		}
		code, err := mapper.Map(x)
		if err != nil {
			t.Fatalf("%s: %v", x.ID, err)
		}
		// The synthetic department is named, so the incident lands in it.
		if tree.Depth(code) != 2 {
			t.Errorf("%s mapped to %s, want its department", x.ID, code)
		}
		if !area.Contains(areas[0].Geometry, area.Point{Lat: x.Lat, Lon: x.Lon}) {
			t.Errorf("%s at %v, %v lies outside Niger", x.ID, x.Lat, x.Lon)
		}
		byRegion[strings.Split(tree.Path(code), "/")[2]]++
		types[x.EventType]++
		fatalities += x.Fatalities
	}
	if hot := byRegion["NE.TL"] + byRegion["NE.DF"] + byRegion["NE.TH"]; hot*100 < len(in)*70 {
		t.Errorf("Tillabéri, Diffa and Tahoua hold %d of %d incidents, want most: %v", hot, len(in), byRegion)
	}
	if len(types) != len(incident.EventTypes) {
		t.Errorf("event types %v, want all six", types)
	}
	if fatalities < len(in) || fatalities > 5*len(in) {
		t.Errorf("%d fatalities over %d incidents", fatalities, len(in))
	}
	weekly := incident.Weekly(in, first, incidentsDay)
	if len(weekly) != 13 { // 84 days starting on a Thursday touch 13 ISO weeks
		t.Errorf("%d weeks", len(weekly))
	}
}

func TestWriteIncidentsCSV(t *testing.T) {
	in, err := Incidents(1, incidentsDay)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteIncidentsCSV(&b, in[:3]); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !reflect.DeepEqual(rows[0], acledHeader) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	r := rows[1]
	if r[col["event_id_cnty"]] != in[0].ID || r[col["event_date"]] != in[0].Date.Format(time.DateOnly) ||
		r[col["admin2"]] != in[0].Admin2 || r[col["country"]] != "Niger" {
		t.Errorf("first row %v for %+v", r, in[0])
	}
}
