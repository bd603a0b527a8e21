package situation

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/demo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// node is an XML element with everything under it, for looking into the
// SVG once encoding/xml has accepted it.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// all returns every element named name below n (n included), in order.
func (n node) all(name string) []node {
	var out []node
	if n.XMLName.Local == name {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.all(name)...)
	}
	return out
}

// parse checks that svg is well-formed XML with an accessible root, and
// returns its tree.
func parse(t *testing.T, svg template.HTML, title string) node {
	t.Helper()
	var root node
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	dec.Strict = true
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	if _, err := dec.Token(); err == nil {
		t.Fatalf("more than one root element:\n%s", svg)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root is %v", root.XMLName)
	}
	if root.attr("role") != "img" || root.attr("aria-label") != title {
		t.Errorf("root role %q, aria-label %q; want img and %q", root.attr("role"), root.attr("aria-label"), title)
	}
	if len(root.Nodes) == 0 || root.Nodes[0].XMLName.Local != "title" || root.Nodes[0].Text != title {
		t.Errorf("the first child is not <title>%s</title>", title)
	}
	for _, tag := range []string{"script", "image", "foreignObject", "use", "style"} {
		if len(root.all(tag)) > 0 {
			t.Errorf("the SVG holds a <%s>: no script and no external resource", tag)
		}
	}
	return root
}

// square is a GeoJSON polygon from lon0,lat0 to lon1,lat1.
func square(lon0, lat0, lon1, lat1 float64) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][]float64{
		{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}}})
	return b
}

// testRegions are two regions with shapes side by side in a 4° × 2° country.
func testRegions() (json.RawMessage, []Region) {
	return square(0, 12, 4, 14), []Region{
		{Code: "XA", Name: "West", Geometry: square(0, 12, 2, 14), Label: &area.Point{Lat: 13, Lon: 1},
			OpenNeeds: 4, FillRate: 0.25, Orders: map[string]int{"issued": 3, "notified": 2, "weird_state": 1}, Overdue: 1,
			Incidents: 2, Fatalities: 7, Href: "/regions/XA"},
		{Code: "XB", Name: "East", Geometry: square(2, 12, 4, 14), OpenNeeds: 0, FillRate: math.NaN()},
	}
}

var testPoints = []Point{
	{Lat: 13.2, Lon: 0.8, Fatalities: 40, Title: "2026-11-02 Battles, Ouallam: 40 fatalities"},
	{Lat: 12.7, Lon: 1.4, Fatalities: 10, Title: "2026-11-03 Attack"},
	{Lat: 13.5, Lon: 3.5, Fatalities: 0, Title: "2026-11-04 Protests"},
	{Lat: 30, Lon: 30, Fatalities: 3, Title: "far outside the map"},
	{Lat: math.NaN(), Lon: 1, Title: "no position"},
}

func golden(t *testing.T, name string, got template.HTML) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the output (run with -update after checking it in a browser):\n%s", path, got)
	}
}

func TestMapStructure(t *testing.T) {
	outline, regions := testRegions()
	svg, err := Map(outline, regions, testPoints, MapOptions{Title: "Situation", Width: 400,
		Labels: MapLabels{OpenNeeds: "Besoins ouverts", FillRate: "Taux de couverture", Incidents: "Incidents", Fatalities: "Morts", Orders: "Ordres"}})
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg, "Situation")
	golden(t, "map.svg", svg)

	if w := root.attr("width"); w != "400" {
		t.Errorf("width %s, want 400", w)
	}
	// The height follows the country: 4° wide at 13°N (cos 0.974) by 2° high.
	var width, height float64
	fmt.Sscanf(root.attr("viewBox"), "0 0 %g %g", &width, &height)
	mapHeight := (400 - 2*mapPad) / (4 * math.Cos(13*math.Pi/180)) * 2
	rows := planLegend(MapLabels{OpenNeeds: "Besoins ouverts", FillRate: "Taux de couverture", Incidents: "Incidents", Fatalities: "Morts"}, 400).rows
	if rows <= 3 {
		t.Errorf("the legend of a 400 px map has %d rows: it should wrap", rows)
	}
	if want := math.Floor(mapTitleBand + math.Ceil(mapHeight) + 8 + float64(rows)*legendRow + mapPad); height != want {
		t.Errorf("height %v, want %v", height, want)
	}

	paths := map[string]node{}
	for _, p := range root.all("path") {
		if p.attr("class") == "region" {
			if _, dup := paths[p.attr("data-code")]; dup {
				t.Errorf("two paths for region %s", p.attr("data-code"))
			}
			paths[p.attr("data-code")] = p
		}
	}
	if len(paths) != 2 {
		t.Fatalf("%d region paths, want one per region", len(paths))
	}
	if fill := paths["XA"].attr("fill"); fill != fillScale[1] {
		t.Errorf("25%% filled region drawn in %s, want the second class %s", fill, fillScale[1])
	}
	if fill := paths["XB"].attr("fill"); fill != fillNoNeed {
		t.Errorf("region without need (NaN fill rate) drawn in %s, want %s", fill, fillNoNeed)
	}
	tip := paths["XA"].all("title")
	wantTip := "West (XA)\nBesoins ouverts: 4\nTaux de couverture: 25 %\nOrdres: issued 3, notified 2, weird_state 1, overdue 1\nIncidents: 2\nMorts: 7"
	if len(tip) != 1 || tip[0].Text != wantTip {
		t.Errorf("tooltip of XA = %q, want %q", tip, wantTip)
	}
	if tip := paths["XB"].all("title"); len(tip) != 1 || !strings.Contains(tip[0].Text, "Taux de couverture: –") {
		t.Errorf("tooltip of XB = %v, want the fill rate shown as –", tip)
	}
	links := root.all("a")
	if len(links) != 2 || links[0].attr("href") != "/regions/XA" {
		t.Errorf("links %v: want XA's shape and label linked, XB not", links)
	}

	// Labels: every region's name and figures at its label point or centre.
	var labels []string
	for _, g := range root.all("g") {
		if g.attr("class") == "region-label" {
			var lines []string
			for _, tx := range g.all("text") {
				lines = append(lines, strings.TrimSpace(textOf(tx)+tx.Text)) // the tspan "●" comes first
			}
			labels = append(labels, strings.Join(lines, " | "))
		}
	}
	want := []string{"West | 4 · 25 % | ● 2 · 7", "East | 0 · –"}
	if fmt.Sprint(labels) != fmt.Sprint(want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	for _, word := range []string{"Taux de couverture", "Incidents (Morts)", "= Besoins ouverts · Taux de couverture", "= Incidents · Morts"} {
		if !strings.Contains(string(svg), word) {
			t.Errorf("the legend lacks %q", word)
		}
	}
}

// TestMapIncidentCircles checks the incidents' circles: only those on the
// map, larger first so that small ones stay visible, their area
// proportional to the fatalities, each with its tooltip.
func TestMapIncidentCircles(t *testing.T) {
	outline, regions := testRegions()
	svg, err := Map(outline, regions, testPoints, MapOptions{Title: "Situation", Width: 400})
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg, "Situation")
	// The point outside the map and the one without a position are not drawn.
	var circles []node
	for _, g := range root.all("g") {
		if g.attr("class") == "incidents" {
			circles = g.all("circle")
		}
	}
	if len(circles) != 3 {
		t.Fatalf("%d incident circles, want 3", len(circles))
	}
	var r40, r10, r0 float64
	fmt.Sscan(circles[0].attr("r"), &r40)
	fmt.Sscan(circles[1].attr("r"), &r10)
	fmt.Sscan(circles[2].attr("r"), &r0)
	if math.Abs(r40/r10-2) > 0.05 || r0 != minRadius {
		t.Errorf("radii %v, %v, %v: want 40 fatalities twice the radius of 10, and the minimum for none", r40, r10, r0)
	}
	if tip := circles[0].all("title"); len(tip) != 1 || tip[0].Text != testPoints[0].Title {
		t.Errorf("circle tooltip %v", tip)
	}

}

// textOf is the text of n's children (tspans).
func textOf(n node) string {
	var b strings.Builder
	for _, c := range n.Nodes {
		b.WriteString(c.Text + textOf(c))
	}
	return b.String()
}

func TestMapEscapesNames(t *testing.T) {
	outline, regions := testRegions()
	nasty := `Tahoua <script>alert("x")</script> & 'co'`
	regions[0].Name = nasty
	regions[0].Code = `X"A`
	regions[1].Href = `javascript:alert(1)`
	regions[0].Href = `/r?a=1&b="2"`
	points := []Point{{Lat: 13, Lon: 1, Fatalities: 1, Title: `<b>&"bold"</b>` + "\x00\x1b bell"}}
	svg, err := Map(outline, regions, points, MapOptions{Title: `Map <of> "X" & Y`, Labels: MapLabels{Incidents: "<i>"}})
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg, `Map <of> "X" & Y`)
	if strings.Contains(string(svg), "<script") || strings.Contains(string(svg), "javascript:") || strings.Contains(string(svg), "<i>") {
		t.Fatalf("unescaped markup or a javascript: link in\n%s", svg)
	}
	var found bool
	for _, tx := range root.all("title") {
		if strings.HasPrefix(tx.Text, nasty+` (X"A)`) {
			found = true
		}
	}
	if !found {
		t.Errorf("the region's name does not read back as %q", nasty)
	}
	if links := root.all("a"); len(links) != 2 || links[0].attr("href") != `/r?a=1&b="2"` {
		t.Errorf("links %v: want only the safe one, twice, its value intact", links)
	}
	if c := root.all("circle"); len(c) == 0 || c[0].all("title")[0].Text != `<b>&"bold"</b> bell` {
		t.Errorf("point title not escaped and cleaned of control characters: %v", c)
	}
}

func TestMapEmptyAndShapeless(t *testing.T) {
	svg, err := Map(nil, nil, nil, MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg, "")
	if root.attr("width") != "720" {
		t.Errorf("default width %s, want 720", root.attr("width"))
	}
	if n := len(root.all("path")) + len(root.all("circle")) - 3; n != 0 { // the legend's three circles
		t.Errorf("an empty map draws %d shapes", n)
	}

	// Regions without geometry, and no outline: boxes at the label points,
	// the map's extent taken from them.
	regions := []Region{
		{Code: "A", Name: "Alpha", Label: &area.Point{Lat: 13, Lon: 1}, FillRate: 0.9, OpenNeeds: 2},
		{Code: "B", Name: "Beta", Label: &area.Point{Lat: 13.05, Lon: 1.05}, FillRate: math.NaN()},
		{Code: "C", Name: "No place at all"},
	}
	svg, err = Map(nil, regions, nil, MapOptions{Title: "T"})
	if err != nil {
		t.Fatal(err)
	}
	root = parse(t, svg, "T")
	var boxes []node
	for _, r := range root.all("rect") {
		if r.attr("class") == "region" {
			boxes = append(boxes, r)
		}
	}
	if len(boxes) != 2 || len(root.all("path")) != 0 {
		t.Fatalf("%d boxes and %d paths, want a box for each region with a label point and no path", len(boxes), len(root.all("path")))
	}
	if boxes[0].attr("fill") != fillScale[4] || boxes[1].attr("fill") != fillNoNeed {
		t.Errorf("box fills %s, %s", boxes[0].attr("fill"), boxes[1].attr("fill"))
	}
	// The two close label points must not give overlapping boxes.
	var x0, y0, w0, h0, x1, y1, w1, h1 float64
	for i, dst := range [][]*float64{{&x0, &y0, &w0, &h0}, {&x1, &y1, &w1, &h1}} {
		for j, a := range []string{"x", "y", "width", "height"} {
			fmt.Sscan(boxes[i].attr(a), dst[j])
		}
	}
	if x0 < x1+w1 && x1 < x0+w0 && y0 < y1+h1 && y1 < y0+h0 {
		t.Errorf("boxes overlap: %v,%v %vx%v and %v,%v %vx%v", x0, y0, w0, h0, x1, y1, w1, h1)
	}
}

func TestMapBadGeometry(t *testing.T) {
	outline, regions := testRegions()
	regions[1].Geometry = json.RawMessage(`{"type":"Point","coordinates":[1,2]}`)
	if _, err := Map(outline, regions, nil, MapOptions{}); muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "XB") {
		t.Errorf("a Point as region geometry: %v, want an invalid error naming XB", err)
	}
	if _, err := Map(json.RawMessage(`{"type":`), nil, nil, MapOptions{}); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("broken outline: %v", err)
	}
	// An outline given as a Feature or FeatureCollection is read through.
	fc := json.RawMessage(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + string(outline) + `}]}`)
	svg, err := Map(fc, nil, nil, MapOptions{})
	if err != nil || !strings.Contains(string(svg), `class="country"`) {
		t.Errorf("FeatureCollection outline: %v", err)
	}
}

// TestMapOfNiger draws the demo country and bounds the size of its outline.
func TestMapOfNiger(t *testing.T) {
	areas, err := demo.Areas(1)
	if err != nil {
		t.Fatal(err)
	}
	var regions []Region
	for _, a := range areas {
		if a.Parent == "NE" {
			regions = append(regions, Region{Code: a.Code, Name: a.Name, Label: a.Label, FillRate: math.NaN()})
		}
	}
	svg, err := Map(areas[0].Geometry, regions, nil, MapOptions{Title: "Niger"})
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg, "Niger")
	country := root.all("path")[0]
	if d := country.attr("d"); len(d) > 4000 || len(d) < 500 {
		t.Errorf("outline path of %d bytes (from %d of GeoJSON): want it simplified to about a pixel, not gone", len(d), len(areas[0].Geometry))
	}
	if len(svg) > 20000 {
		t.Errorf("map of Niger without incidents is %d bytes", len(svg))
	}
	if n := strings.Count(string(svg), `class="region"`); n != 8 {
		t.Errorf("%d region boxes, want 8", n)
	}
}

func TestWeeklyChart(t *testing.T) {
	monday := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	var weeks []time.Time
	for i := range 12 {
		weeks = append(weeks, monday.AddDate(0, 0, 7*i))
	}
	inc := Series{Name: "Incidents", Values: []float64{3, 5, 0, 8, 13, 21, 34, 12, 9, 7, 4, math.NaN()}}
	fat := Series{Name: `Morts <&">`, Values: []float64{1, 0, 0, 2, 40, 17, 6, 3, 3, 2, 1, 0}}
	svg, err := WeeklyChart(weeks, []Series{inc, fat}, ChartOptions{Title: "Par semaine", YLabel: "nombre"})
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg, "Par semaine")
	golden(t, "chart.svg", svg)
	if root.attr("width") != "720" || root.attr("height") != "240" {
		t.Errorf("size %sx%s, want 720x240", root.attr("width"), root.attr("height"))
	}
	var groups []node
	for _, g := range root.all("g") {
		if g.attr("class") == "week" {
			groups = append(groups, g)
		}
	}
	if len(groups) != 12 {
		t.Fatalf("%d week groups, want 12", len(groups))
	}
	bars := 0
	for _, g := range groups {
		bars += len(g.all("rect")) - 1 // each group has a hover area
	}
	if bars != 19 { // 24 values less the zeros and the NaN
		t.Errorf("%d bars, want 19", bars)
	}
	if tip := groups[11].all("title")[0].Text; tip != "2026-11-23 (2026-W48)\nIncidents: –\nMorts <&\">: 0" {
		t.Errorf("last week's tooltip %q", tip)
	}
	var ticks []string
	for _, g := range root.all("g") {
		if g.attr("class") == "y-axis" {
			for _, tx := range g.all("text") {
				ticks = append(ticks, tx.Text)
			}
		}
	}
	if fmt.Sprint(ticks) != "[0 10 20 30 40 nombre]" {
		t.Errorf("y ticks %v", ticks)
	}
	if !strings.Contains(string(svg), ">2026-09-07<") || !strings.Contains(string(svg), ">2026-W37<") {
		t.Error("the first week's date and ISO week are not under the axis")
	}
}

func TestWeeklyChartEmptyAndBad(t *testing.T) {
	svg, err := WeeklyChart(nil, nil, ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parse(t, svg, "")
	week := []time.Time{time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)}
	svg, err = WeeklyChart(week, []Series{{Name: "zero", Values: []float64{0}}}, ChartOptions{Width: 300, Height: 150})
	if err != nil {
		t.Fatal(err)
	}
	parse(t, svg, "")
	for name, s := range map[string]Series{
		"too few values": {Name: "a", Values: nil},
		"negative":       {Name: "a", Values: []float64{-1}},
		"infinite":       {Name: "a", Values: []float64{math.Inf(1)}},
	} {
		if _, err := WeeklyChart(week, []Series{s}, ChartOptions{}); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("%s: %v, want an invalid error", name, err)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0: 1, 0.3: 1, 1: 1, 1.5: 2, 3: 5, 7: 10, 16.8: 20, 42: 50, 120: 200} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}

func TestSimplify(t *testing.T) {
	// A straight line with jitter below the tolerance keeps its two ends.
	var pts [][2]float64
	for i := range 101 {
		pts = append(pts, [2]float64{float64(i), 0.2 * math.Sin(float64(i))})
	}
	if got := simplify(pts, 0.7); len(got) != 2 {
		t.Errorf("simplified to %d points, want 2", len(got))
	}
	// A corner is kept.
	got := simplify([][2]float64{{0, 0}, {5, 0}, {10, 0}, {10, 5}, {10, 10}}, 0.7)
	if !bytes.Equal([]byte(fmt.Sprint(got)), []byte("[[0 0] [10 0] [10 10]]")) {
		t.Errorf("corner simplified to %v", got)
	}
}
