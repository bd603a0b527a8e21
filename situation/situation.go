// Package situation draws the situational picture server-side as SVG: a map of the country
// with its regions and what is happening in each, and a weekly chart. Pure: no store, no HTTP.
//
// The SVG is meant to be inlined in an HTML page (it needs no JavaScript
// and loads nothing). Every piece of text that comes from data is escaped
// here, so the result is safe to hand to html/template as template.HTML.
package situation

import (
	"encoding/json"
	"time"

	"github.com/muster-org/muster/area"
)

// Region is one region of the map and what is happening in it.
type Region struct {
	Code, Name string
	Geometry   json.RawMessage // GeoJSON Polygon or MultiPolygon (area.Area.Geometry), may be nil
	Label      *area.Point     // where to write the region's name and figures (area.Area.Label)
	OpenNeeds  int
	FillRate   float64        // 0..1: share of requested quantity covered; math.NaN() when no need
	Orders     map[string]int // issued orders by state name (order.State strings)
	Overdue    int            // orders past their deadline without an answer
	Incidents  int            // conflict incidents in the window
	Fatalities int
	Href       string // link when the region is clicked ("" for none)
}

// Point is one incident.
type Point struct {
	Lat, Lon   float64
	Fatalities int
	Title      string // tooltip text (<title>), e.g. "2026-11-02 Battles, Tillabéri: 3 fatalities"
}

// MapLabels are the legend's words in the page's language.
type MapLabels struct{ OpenNeeds, FillRate, Incidents, Fatalities, Orders string }

// MapOptions set the map's title, size and words.
type MapOptions struct {
	Title  string
	Width  int // px; the height follows the country's aspect ratio; 0 → 720
	Labels MapLabels
}

// Series is one line of a weekly chart: one value per week.
type Series struct {
	Name   string
	Values []float64
}

// ChartOptions set the chart's title, axis label and size.
type ChartOptions struct {
	Title, YLabel string
	Width, Height int // 0 → 720×240
}

// defaultLabels fill the words a caller left empty, so that a legend never
// shows a bare number.
func (l MapLabels) withDefaults() MapLabels {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&l.OpenNeeds, "Open needs")
	def(&l.FillRate, "Fill rate")
	def(&l.Incidents, "Incidents")
	def(&l.Fatalities, "Fatalities")
	def(&l.Orders, "Orders")
	return l
}

// isoWeek formats the ISO week of t as "2026-W45".
func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return itoa(y) + "-W" + pad2(w)
}
