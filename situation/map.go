package situation

import (
	"cmp"
	"encoding/json"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// The fill scale is ColorBrewer's YlGnBu in five classes of fill rate:
// sequential, readable by the colour-blind, and far from the red of the
// incidents drawn on top. A region without any need is grey.
var (
	fillScale     = []string{"#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"}
	fillNoNeed    = "#e3e3e3"
	incidentFill  = "#d7191c"
	incidentLine  = "#99000d"
	outlineFill   = "#f5f5f2"
	outlineStroke = "#4d4d4d"
)

const (
	mapPad        = 8.0
	mapTitleBand  = 26.0
	legendRow     = 20.0
	minRadius     = 2.0 // px: an incident without fatalities still shows
	radiusPerRoot = 1.6 // px per square root of a fatality: area ∝ fatalities
	labelFont     = 11.0
	labelLine     = 13.0
)

// fillClass is the index in fillScale of a fill rate, -1 when there is no need.
func fillClass(f float64) int {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return -1
	}
	return min(len(fillScale)-1, max(0, int(f*float64(len(fillScale)))))
}

func fillColour(f float64) string {
	if c := fillClass(f); c >= 0 {
		return fillScale[c]
	}
	return fillNoNeed
}

// radius of an incident's circle: its area grows with the fatalities.
func radius(fatalities int) float64 {
	return math.Max(minRadius, radiusPerRoot*math.Sqrt(float64(max(0, fatalities))))
}

// Map draws the country outline, its regions filled by fill rate, the
// incidents as circles whose area follows their fatalities, each region's
// name and figures at its label point, and a legend. A region without
// geometry is drawn as a box in its fill colour at its label point. The
// outline and geometries are GeoJSON; a malformed one is an error naming
// the region. Incidents outside the map's box are not drawn.
func Map(outline json.RawMessage, regions []Region, points []Point, opt MapOptions) (template.HTML, error) {
	width := opt.Width
	if width <= 0 {
		width = 720
	}
	labels := opt.Labels.withDefaults()
	country, err := parseShape(outline)
	if err != nil {
		return "", muster.Errorf(muster.Invalid, "situation: country outline: %v", err)
	}
	shapes := make([][]polygon, len(regions))
	for i, r := range regions {
		if shapes[i], err = parseShape(r.Geometry); err != nil {
			return "", muster.Errorf(muster.Invalid, "situation: region %s: %v", r.Code, err)
		}
	}

	box := newBounds()
	box.addShape(country)
	if box.empty {
		for i, r := range regions {
			box.addShape(shapes[i])
			if r.Label != nil {
				box.add(r.Label.Lon, r.Label.Lat)
			}
		}
		for _, p := range points {
			if validLonLat(p.Lon, p.Lat) {
				box.add(p.Lon, p.Lat)
			}
		}
	}

	mapWidth := float64(width) - 2*mapPad
	var proj projection
	mapHeight := 40.0 // room for the "no map" line when there is nothing to draw
	if !box.empty {
		proj = newProjection(box, mapWidth, mapPad, mapTitleBand)
		mapHeight = math.Ceil(proj.height)
	}
	key := planLegend(labels, float64(width))
	height := int(mapTitleBand + mapHeight + 8 + float64(key.rows)*legendRow + mapPad)

	var s svg
	s.open(width, height, opt.Title, "situation-map")
	s.text(mapPad, 18, `font-size="14" font-weight="bold"`, opt.Title)
	if box.empty {
		s.text(float64(width)/2, mapTitleBand+24, `text-anchor="middle" fill="#777"`, "–")
	} else {
		m := mapDrawing{s: &s, proj: proj, labels: labels}
		m.outline(country)
		m.regionShapes(regions, shapes)
		m.outlineStroke(country)
		ls := m.layoutLabels(regions, shapes, points)
		m.badges(regions, ls)
		m.incidents(points)
		m.labelTexts(regions, ls)
	}
	key.draw(&s, mapTitleBand+mapHeight+8)
	s.close()
	return template.HTML(s.String()), nil
}

func validLonLat(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && math.Abs(lon) <= 180 && math.Abs(lat) <= 90
}

type mapDrawing struct {
	s      *svg
	proj   projection
	labels MapLabels
}

func (m mapDrawing) outline(country []polygon) {
	if d := m.proj.path(country); d != "" {
		m.s.WriteString(`<path class="country" d="` + d + `" fill="` + outlineFill + `"/>`)
	}
}

func (m mapDrawing) outlineStroke(country []polygon) {
	if d := m.proj.path(country); d != "" {
		m.s.WriteString(`<path d="` + d + `" fill="none" stroke="` + outlineStroke + `" stroke-width="1.2" stroke-linejoin="round"/>`)
	}
}

// regionShapes draws one path per region that has a geometry, with a
// tooltip of all its figures and its link.
func (m mapDrawing) regionShapes(regions []Region, shapes [][]polygon) {
	for i, r := range regions {
		d := m.proj.path(shapes[i])
		if d == "" {
			continue
		}
		m.openLink(r)
		m.s.WriteString(`<path class="region" data-code="` + escape(r.Code) + `" d="` + d + `" fill="` + fillColour(r.FillRate) +
			`" stroke="#fff" stroke-width="1" stroke-linejoin="round">`)
		m.s.title(m.tooltip(r))
		m.s.WriteString("</path>")
		m.closeLink(r)
	}
}

func (m mapDrawing) openLink(r Region) {
	if h := safeHref(r.Href); h != "" {
		m.s.WriteString(`<a href="` + escape(h) + `">`)
	}
}

func (m mapDrawing) closeLink(r Region) {
	if safeHref(r.Href) != "" {
		m.s.WriteString("</a>")
	}
}

// tooltip lists every figure of a region, one per line.
func (m mapDrawing) tooltip(r Region) string {
	lines := []string{r.Name + " (" + r.Code + ")",
		m.labels.OpenNeeds + ": " + itoa(r.OpenNeeds),
		m.labels.FillRate + ": " + percent(r.FillRate),
	}
	if orders := orderSummary(r.Orders, r.Overdue); orders != "" {
		lines = append(lines, m.labels.Orders+": "+orders)
	}
	lines = append(lines, m.labels.Incidents+": "+itoa(r.Incidents), m.labels.Fatalities+": "+itoa(r.Fatalities))
	return strings.Join(lines, "\n")
}

// orderSummary writes the orders by state in lifecycle order, then states
// it does not know, then the overdue count: "issued 3, notified 5, overdue 1".
func orderSummary(orders map[string]int, overdue int) string {
	var parts []string
	known := map[string]bool{}
	for _, st := range order.States {
		known[string(st)] = true
		if n := orders[string(st)]; n > 0 {
			parts = append(parts, string(st)+" "+itoa(n))
		}
	}
	var other []string
	for st, n := range orders {
		if !known[st] && n > 0 {
			other = append(other, st+" "+itoa(n))
		}
	}
	slices.Sort(other)
	parts = append(parts, other...)
	if overdue > 0 {
		parts = append(parts, "overdue "+itoa(overdue))
	}
	return strings.Join(parts, ", ")
}

// incidents draws the largest circles first so that small ones stay
// visible on top of them.
func (m mapDrawing) incidents(points []Point) {
	order := make([]int, 0, len(points))
	for i, p := range points {
		if !validLonLat(p.Lon, p.Lat) {
			continue
		}
		x, y := m.proj.xy(p.Lon, p.Lat)
		if x < m.proj.offX-1 || x > m.proj.offX+m.proj.width+1 || y < m.proj.offY-1 || y > m.proj.offY+m.proj.height+1 {
			continue
		}
		order = append(order, i)
	}
	if len(order) == 0 {
		return
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(points[b].Fatalities, points[a].Fatalities) })
	m.s.WriteString(`<g class="incidents" fill="` + incidentFill + `" fill-opacity="0.45" stroke="` + incidentLine + `" stroke-opacity="0.7" stroke-width="0.6">`)
	for _, i := range order {
		p := points[i]
		x, y := m.proj.xy(p.Lon, p.Lat)
		m.s.WriteString(`<circle cx="` + num(x) + `" cy="` + num(y) + `" r="` + num(radius(p.Fatalities)) + `">`)
		m.s.title(p.Title)
		m.s.WriteString("</circle>")
	}
	m.s.WriteString("</g>")
}
