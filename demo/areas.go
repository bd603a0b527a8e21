package demo

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/muster-org/muster/area"
)

// The reference data is embedded so that `muster demo` needs no file at
// run time; SOURCES.md says where it comes from.
//
//go:embed niger/regions.csv niger/country.geojson niger/SOURCES.md
var niger embed.FS

// Sources returns the provenance and licence notes of the embedded data
// (niger/SOURCES.md), for a CLI to show next to a generated demo.
func Sources() string {
	b, _ := niger.ReadFile("niger/SOURCES.md")
	return string(b)
}

// regionShape says how a region is subdivided and how far its synthetic
// label points may stray from the region's own (in degrees). The counts
// follow the real division: 63 departments holding 261 communes, plus the 5
// arrondissements of Niamey.
type regionShape struct {
	departments, communes int
	spread                float64
}

var regionShapes = map[string]regionShape{
	"NE.AG": {6, 15, 2.5},
	"NE.DF": {6, 12, 1.3},
	"NE.DS": {8, 43, 0.8},
	"NE.MA": {8, 47, 0.7},
	"NE.NI": {5, 0, 0.05}, // 5 arrondissements, which are the leaves
	"NE.TH": {12, 43, 1.2},
	"NE.TL": {13, 45, 1.0},
	"NE.ZI": {10, 56, 1.3},
}

// capitalRegion is the capital district, where ministries sit and few farm.
const capitalRegion = "NE.NI"

// countryLabel is where a map writes "Niger".
var countryLabel = area.Point{Lat: 17.6, Lon: 8.08}

// leaf is an area where persons live (a commune or a Niamey arrondissement)
// with what the record generators need about it.
type leaf struct {
	code   string
	region string
	label  area.Point
	jitter float64           // radius around label that stays inside the country
	groups [numPools]float64 // cumulative shares of the naming pools
	town   string            // real town the leaf's organisations are named after
}

// country is the area hierarchy plus the indexes the generators draw from.
type country struct {
	areas  []area.Area
	leaves []leaf
	cum    []int64 // cumulative leaf populations, for drawing a leaf by population
	total  int64
}

// Areas returns just the area hierarchy for a seed: the country, its 8
// regions and the synthetic departments and communes, parents before
// children. Generate sends exactly these areas for the same seed.
func Areas(seed int64) ([]area.Area, error) {
	c, err := buildCountry(seed)
	if err != nil {
		return nil, err
	}
	return c.areas, nil
}

type region struct {
	code, name, level string
	label             area.Point
	population        int64
}

func readRegions() ([]region, error) {
	b, err := niger.ReadFile("niger/regions.csv")
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("demo: regions.csv: %v", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"hasc", "name", "type", "latitude", "longitude", "population_2012"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("demo: regions.csv has no %s column", h)
		}
	}
	var out []region
	for _, r := range rows[1:] {
		lat, err1 := strconv.ParseFloat(r[col["latitude"]], 64)
		lon, err2 := strconv.ParseFloat(r[col["longitude"]], 64)
		pop, err3 := strconv.ParseInt(r[col["population_2012"]], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("demo: regions.csv: bad number in %v", r)
		}
		out = append(out, region{r[col["hasc"]], r[col["name"]], r[col["type"]], area.Point{Lat: lat, Lon: lon}, pop})
	}
	return out, nil
}

// readOutline returns the country's GeoJSON geometry and its outer ring.
func readOutline() (json.RawMessage, [][]float64, error) {
	b, err := niger.ReadFile("niger/country.geojson")
	if err != nil {
		return nil, nil, err
	}
	var fc struct {
		Features []struct {
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) != 1 {
		return nil, nil, fmt.Errorf("demo: country.geojson is not one feature: %v", err)
	}
	var g struct {
		Type        string        `json:"type"`
		Coordinates [][][]float64 `json:"coordinates"`
	}
	if err := json.Unmarshal(fc.Features[0].Geometry, &g); err != nil || g.Type != "Polygon" || len(g.Coordinates) == 0 {
		return nil, nil, fmt.Errorf("demo: country.geojson geometry is not a Polygon: %v", err)
	}
	return fc.Features[0].Geometry, g.Coordinates[0], nil
}

func buildCountry(seed int64) (*country, error) {
	regions, err := readRegions()
	if err != nil {
		return nil, err
	}
	geom, ring, err := readOutline()
	if err != nil {
		return nil, err
	}
	rng := newRand(seed, streamAreas)
	c := &country{}
	ne := area.Area{Code: "NE", Name: "Niger", Level: "country", Label: ptr(countryLabel), Geometry: geom}
	for _, r := range regions {
		ne.Population += r.population
	}
	c.areas = append(c.areas, ne)
	for _, r := range regions {
		shape, ok := regionShapes[r.code]
		if !ok {
			return nil, fmt.Errorf("demo: region %s has no subdivision plan", r.code)
		}
		if !area.Contains(geom, r.label) {
			return nil, fmt.Errorf("demo: label point of %s lies outside the country", r.code)
		}
		c.areas = append(c.areas, area.Area{Code: r.code, Name: r.name, Level: r.level, Parent: "NE", Label: ptr(r.label), Population: r.population})
		towns := regionTowns[r.code]
		addLeaf := func(a area.Area, dept int) {
			c.areas = append(c.areas, a)
			c.total += a.Population
			c.cum = append(c.cum, c.total)
			c.leaves = append(c.leaves, leaf{
				code: a.Code, region: r.code, label: *a.Label,
				jitter: safeRadius(ring, *a.Label, shape.spread/6),
				groups: groupsAt(r.code, r.label, *a.Label),
				town:   towns[dept%len(towns)],
			})
		}
		deptPops := apportion(r.population, randomWeights(rng, shape.departments), 0)
		if shape.communes == 0 { // Niamey: the arrondissements are the leaves
			for i, pop := range deptPops {
				addLeaf(area.Area{
					Code: fmt.Sprintf("%s.A%02d", r.code, i+1), Name: fmt.Sprintf("%s A%02d (synthetic)", r.name, i+1),
					Level: "arrondissement", Parent: r.code, Population: pop,
					Label: ptr(jitterInside(rng, geom, ring, r.label, shape.spread)),
				}, i)
			}
			continue
		}
		fweights := make([]float64, len(deptPops))
		for i, p := range deptPops {
			fweights[i] = float64(p)
		}
		perDept := apportion(int64(shape.communes), fweights, 1)
		for i, pop := range deptPops {
			dept := area.Area{
				Code: fmt.Sprintf("%s.D%02d", r.code, i+1), Name: fmt.Sprintf("%s D%02d (synthetic)", r.name, i+1),
				Level: "department", Parent: r.code, Population: pop,
				Label: ptr(jitterInside(rng, geom, ring, r.label, shape.spread)),
			}
			c.areas = append(c.areas, dept)
			for j, cpop := range apportion(pop, randomWeights(rng, int(perDept[i])), 0) {
				addLeaf(area.Area{
					Code: fmt.Sprintf("%s.C%02d", dept.Code, j+1), Name: fmt.Sprintf("%s D%02d C%02d (synthetic)", r.name, i+1, j+1),
					Level: "commune", Parent: dept.Code, Population: cpop,
					Label: ptr(jitterInside(rng, geom, ring, *dept.Label, shape.spread/3)),
				}, i)
			}
		}
	}
	return c, nil
}

func ptr(p area.Point) *area.Point { return &p }

// randomWeights gives n weights between 0.4 and 1.6, so that subdivisions
// differ in size without any being negligible.
func randomWeights(rng *rand.Rand, n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.4 + 1.2*rng.Float64()
	}
	return w
}

// apportion splits total into len(weights) whole parts proportional to the
// weights (largest remainder), each at least floor, summing exactly to total.
func apportion(total int64, weights []float64, floor int64) []int64 {
	out := make([]int64, len(weights))
	rest := total - floor*int64(len(weights))
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	frac := make([]float64, len(weights))
	given := int64(0)
	for i, w := range weights {
		exact := float64(rest) * w / sum
		out[i] = int64(exact)
		frac[i] = exact - float64(out[i])
		given += out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return frac[order[a]] > frac[order[b]] })
	for k := 0; given < rest; k++ {
		out[order[k%len(order)]]++
		given++
	}
	for i := range out {
		out[i] += floor
	}
	return out
}

// jitterInside draws a point within radius degrees of center that the
// country polygon contains, rounded to 4 decimals (about 11 m); it falls
// back to center, which the caller knows to be inside.
func jitterInside(rng *rand.Rand, geom json.RawMessage, ring [][]float64, center area.Point, radius float64) area.Point {
	for range 200 {
		theta := 2 * math.Pi * rng.Float64()
		r := radius * math.Sqrt(rng.Float64())
		p := area.Point{
			Lat: round(center.Lat+r*math.Sin(theta), 1e4),
			// A degree of longitude is shorter than one of latitude away
			// from the equator; widen it so the scatter looks round on a map.
			Lon: round(center.Lon+r*math.Cos(theta)/math.Cos(center.Lat*math.Pi/180), 1e4),
		}
		// area.Contains is the authority but parses the GeoJSON on every
		// call (about 0.7 ms); the same even-odd test on the ring parsed
		// once discards the misses cheaply first.
		if insideRing(ring, p) && area.Contains(geom, p) {
			return p
		}
	}
	return center
}

// insideRing is the even-odd rule of area.Contains for one ring.
func insideRing(ring [][]float64, p area.Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
		if (yi > p.Lat) != (yj > p.Lat) && p.Lon < (xj-xi)*(p.Lat-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

func round(x, scale float64) float64 { return math.Round(x*scale) / scale }

// safeRadius is how far (in degrees, in the same plane as area.Contains)
// a point may move from p and stay inside ring: at most want, and 90% of
// the distance to the border. Resource locations are drawn within it, so
// that millions of them need no polygon test each.
func safeRadius(ring [][]float64, p area.Point, want float64) float64 {
	d := math.Inf(1)
	for i := 1; i < len(ring); i++ {
		d = math.Min(d, segmentDistance(p.Lon, p.Lat, ring[i-1][0], ring[i-1][1], ring[i][0], ring[i][1]))
	}
	r := math.Min(want, 0.9*d)
	if r < 1e-3 { // too close to the border for rounding to be safe
		return 0
	}
	return r
}

func segmentDistance(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// near draws a location within the leaf's safe radius of its label point,
// rounded to 5 decimals (about 1 m).
func (l *leaf) near(rng *rand.Rand) *area.Point {
	theta := 2 * math.Pi * rng.Float64()
	r := l.jitter * math.Sqrt(rng.Float64())
	return &area.Point{Lat: round(l.label.Lat+r*math.Sin(theta), 1e5), Lon: round(l.label.Lon+r*math.Cos(theta), 1e5)}
}

// pickLeaf draws a leaf with probability proportional to its population.
func (c *country) pickLeaf(rng *rand.Rand) *leaf {
	v := rng.Int64N(c.total)
	i := sort.Search(len(c.cum), func(i int) bool { return c.cum[i] > v })
	return &c.leaves[i]
}

// pickGroup draws a naming pool for a resident of the leaf.
func (l *leaf) pickGroup(rng *rand.Rand) int {
	u := rng.Float64()
	for i, c := range l.groups {
		if u < c {
			return i
		}
	}
	return numPools - 1
}
