package incident

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

// Mapper finds the area of an incident in a hierarchy. ACLED names the
// first and second administrative levels (admin1, admin2) in its own
// spelling, without codes, so names are compared case- and
// accent-insensitively: "TILLABERI" is Tillabéri.
type Mapper struct {
	tree *area.Tree
	// byName holds, per depth below a root (1: regions, 2: departments),
	// the codes of the areas with a given normalized name.
	byName [3]map[string][]string
	shapes []shape // areas with a geometry, deepest first
}

// shape is an area's geometry with its bounding box, so that most
// point-in-polygon tests end on four comparisons.
type shape struct {
	code                           string
	depth                          int
	geometry                       json.RawMessage
	minLon, minLat, maxLon, maxLat float64
}

// NewMapper indexes the tree's names and geometries.
func NewMapper(tree *area.Tree) *Mapper {
	m := &Mapper{tree: tree}
	for i := range m.byName {
		m.byName[i] = map[string][]string{}
	}
	for _, a := range tree.Areas() {
		if d := tree.Depth(a.Code); d >= 1 && d < len(m.byName) {
			key := normalize(a.Name)
			m.byName[d][key] = append(m.byName[d][key], a.Code)
		}
		if s, ok := newShape(a, tree.Depth(a.Code)); ok {
			m.shapes = append(m.shapes, s)
		}
	}
	slices.SortStableFunc(m.shapes, func(a, b shape) int { return cmp.Compare(b.depth, a.depth) })
	return m
}

func newShape(a area.Area, depth int) (shape, bool) {
	if len(a.Geometry) == 0 {
		return shape{}, false
	}
	var g struct {
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal(a.Geometry, &g) != nil {
		return shape{}, false
	}
	s := shape{code: a.Code, depth: depth, geometry: a.Geometry,
		minLon: math.Inf(1), minLat: math.Inf(1), maxLon: math.Inf(-1), maxLat: math.Inf(-1)}
	// Every position is a [lon, lat] array at some nesting depth; the box
	// only needs them all, whatever the nesting.
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var pos []float64
		if json.Unmarshal(raw, &pos) == nil && len(pos) >= 2 {
			s.minLon, s.maxLon = math.Min(s.minLon, pos[0]), math.Max(s.maxLon, pos[0])
			s.minLat, s.maxLat = math.Min(s.minLat, pos[1]), math.Max(s.maxLat, pos[1])
			return
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			for _, x := range list {
				walk(x)
			}
		}
	}
	walk(g.Coordinates)
	return s, s.minLon <= s.maxLon
}

// Map returns the code of the incident's area: the area of the second
// level named admin2 (among the children of the admin1 area when that
// one is known), else the area of the first level named admin1, else the
// deepest area whose geometry contains the point. An incident that maps
// to no area is an error that says what was tried.
func (m *Mapper) Map(in Incident) (string, error) {
	region := m.unique(1, in.Admin1, "")
	if code := m.unique(2, in.Admin2, region); code != "" {
		return code, nil
	}
	if region != "" {
		return region, nil
	}
	p := area.Point{Lat: in.Lat, Lon: in.Lon}
	for _, s := range m.shapes {
		if p.Lon >= s.minLon && p.Lon <= s.maxLon && p.Lat >= s.minLat && p.Lat <= s.maxLat && area.Contains(s.geometry, p) {
			return s.code, nil
		}
	}
	return "", muster.Errorf(muster.Invalid, "maps to no area: admin2 %q and admin1 %q are no area's name, and %.4f, %.4f lies in no area's geometry",
		in.Admin2, in.Admin1, in.Lat, in.Lon)
}

// unique returns the one area at depth whose name is name, within parent
// when parent is set; "" when there is none or more than one, since
// guessing between namesakes would misplace the incident.
func (m *Mapper) unique(depth int, name, parent string) string {
	if strings.TrimSpace(name) == "" {
		return ""
	}
	var found []string
	for _, code := range m.byName[depth][normalize(name)] {
		if parent == "" || m.tree.Within(code, parent) {
			found = append(found, code)
		}
	}
	if len(found) != 1 {
		return ""
	}
	return found[0]
}

// normalize folds a place name for comparison: accents removed, lower
// case, and any run of spaces, hyphens, apostrophes or other punctuation
// made one space ("Tillabéri", "TILLABERI" and "tillaberi" are equal).
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}
