package situation

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/incident"
)

// TestPreview writes the demo country's map and a weekly chart to the HTML
// file named by SITUATION_PREVIEW, to look at in a browser:
//
//	SITUATION_PREVIEW=/tmp/situation.html go test ./situation/ -run Preview
//	chromium --headless --screenshot=/tmp/x.png --window-size=900,800 file:///tmp/situation.html
func TestPreview(t *testing.T) {
	out := os.Getenv("SITUATION_PREVIEW")
	if out == "" {
		t.Skip("set SITUATION_PREVIEW to a file name to write the preview")
	}
	areas, err := demo.Areas(1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var outline []byte
	var regions []Region
	for _, a := range areas {
		switch {
		case a.Parent == "":
			outline = a.Geometry
		case a.Parent == "NE":
			fill := rng.Float64()
			if a.Code == "NE.AG" {
				fill = math.NaN()
			}
			regions = append(regions, Region{Code: a.Code, Name: a.Name, Geometry: a.Geometry, Label: a.Label,
				OpenNeeds: rng.IntN(30), FillRate: fill, Orders: map[string]int{"issued": rng.IntN(50), "notified": rng.IntN(50)},
				Overdue: rng.IntN(5), Href: "/areas/" + a.Code})
		}
	}
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	incidents, err := demo.Incidents(1, today)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := area.NewTree(areas)
	if err != nil {
		t.Fatal(err)
	}
	mapper := incident.NewMapper(tree)
	var points []Point
	for _, x := range incidents {
		code, err := mapper.Map(x)
		if err != nil {
			t.Fatal(err)
		}
		region := strings.Split(tree.Path(code), "/")[2]
		for i := range regions {
			if regions[i].Code == region {
				regions[i].Incidents++
				regions[i].Fatalities += x.Fatalities
			}
		}
		points = append(points, Point{Lat: x.Lat, Lon: x.Lon, Fatalities: x.Fatalities,
			Title: fmt.Sprintf("%s %s, %s: %d fatalities", x.Date.Format(time.DateOnly), x.EventType, x.Location, x.Fatalities)})
	}
	m, err := Map(outline, regions, points, MapOptions{Title: "Situation — 12 semaines", Labels: MapLabels{
		OpenNeeds: "Besoins ouverts", FillRate: "Taux de couverture", Incidents: "Incidents", Fatalities: "Morts", Orders: "Ordres"}})
	if err != nil {
		t.Fatal(err)
	}
	var weeks []time.Time
	inc, fat := Series{Name: "Incidents"}, Series{Name: "Morts"}
	for _, w := range incident.Weekly(incidents, today.AddDate(0, 0, -7*demo.IncidentWeeks+1), today) {
		weeks = append(weeks, w.Week)
		inc.Values = append(inc.Values, float64(w.Events))
		fat.Values = append(fat.Values, float64(w.Fatalities))
	}
	c, err := WeeklyChart(weeks, []Series{inc, fat}, ChartOptions{Title: "Incidents par semaine", YLabel: "nombre"})
	if err != nil {
		t.Fatal(err)
	}
	page := "<!doctype html><meta charset=utf-8><body style='margin:8px;font-family:sans-serif'>" + string(m) + "<br>" + string(c)
	if err := os.WriteFile(out, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("map %d bytes, chart %d bytes, %d circles", len(m), len(c), strings.Count(string(m), "<circle"))
}
