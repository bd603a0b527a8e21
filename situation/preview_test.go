package situation

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/demo"
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
				Overdue: rng.IntN(5), Incidents: rng.IntN(60), Fatalities: rng.IntN(200), Href: "/areas/" + a.Code})
		}
	}
	var points []Point
	for i := 0; i < 300; i++ {
		r := regions[[]int{6, 6, 6, 1, 1, 5, 5, 3}[i%8]]
		lat := r.Label.Lat + rng.NormFloat64()*0.6
		lon := r.Label.Lon + rng.NormFloat64()*0.6
		f := int(rng.ExpFloat64() * 3)
		points = append(points, Point{Lat: lat, Lon: lon, Fatalities: f, Title: fmt.Sprintf("Battles, %s: %d fatalities", r.Name, f)})
	}
	m, err := Map(outline, regions, points, MapOptions{Title: "Situation — 12 semaines", Labels: MapLabels{
		OpenNeeds: "Besoins ouverts", FillRate: "Taux de couverture", Incidents: "Incidents", Fatalities: "Morts", Orders: "Ordres"}})
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	var weeks []time.Time
	inc, fat := Series{Name: "Incidents"}, Series{Name: "Morts"}
	for i := 0; i < 12; i++ {
		weeks = append(weeks, monday.AddDate(0, 0, 7*i))
		inc.Values = append(inc.Values, float64(rng.IntN(40)))
		fat.Values = append(fat.Values, float64(rng.IntN(90)))
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
