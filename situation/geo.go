package situation

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// polygon is a list of rings of [lon, lat] positions, the outer one first.
type polygon [][][2]float64

// parseShape reads a GeoJSON Polygon or MultiPolygon. For a country
// outline it also accepts the Feature or FeatureCollection around it,
// which is how outlines are usually published. Empty input is no shape.
func parseShape(raw json.RawMessage) ([]polygon, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var g struct {
		Type        string            `json:"type"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Geometry    json.RawMessage   `json:"geometry"`
		Features    []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %v", err)
	}
	var out []polygon
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, fmt.Errorf("bad Polygon coordinates: %v", err)
		}
		out = append(out, toPolygon(p))
	case "MultiPolygon":
		var mp [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &mp); err != nil {
			return nil, fmt.Errorf("bad MultiPolygon coordinates: %v", err)
		}
		for _, p := range mp {
			out = append(out, toPolygon(p))
		}
	case "Feature":
		return parseShape(g.Geometry)
	case "FeatureCollection":
		for _, f := range g.Features {
			ps, err := parseShape(f)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		}
	default:
		return nil, fmt.Errorf("geometry type %q is not Polygon or MultiPolygon", g.Type)
	}
	for _, p := range out {
		for _, ring := range p {
			for _, pos := range ring {
				if math.IsNaN(pos[0]) || math.IsNaN(pos[1]) || math.Abs(pos[0]) > 180 || math.Abs(pos[1]) > 90 {
					return nil, fmt.Errorf("position %v is not a longitude, latitude pair", pos)
				}
			}
		}
	}
	return out, nil
}

func toPolygon(rings [][][]float64) polygon {
	p := make(polygon, 0, len(rings))
	for _, ring := range rings {
		r := make([][2]float64, 0, len(ring))
		for _, pos := range ring {
			if len(pos) >= 2 {
				r = append(r, [2]float64{pos[0], pos[1]})
			}
		}
		p = append(p, r)
	}
	return p
}

// bounds is a longitude/latitude box.
type bounds struct {
	minLon, minLat, maxLon, maxLat float64
	empty                          bool
}

func newBounds() bounds {
	return bounds{minLon: math.Inf(1), minLat: math.Inf(1), maxLon: math.Inf(-1), maxLat: math.Inf(-1), empty: true}
}

func (b *bounds) add(lon, lat float64) {
	b.minLon, b.maxLon = math.Min(b.minLon, lon), math.Max(b.maxLon, lon)
	b.minLat, b.maxLat = math.Min(b.minLat, lat), math.Max(b.maxLat, lat)
	b.empty = false
}

func (b *bounds) addShape(ps []polygon) {
	for _, p := range ps {
		for _, ring := range p {
			for _, pos := range ring {
				b.add(pos[0], pos[1])
			}
		}
	}
}

// projection is equirectangular with longitudes shrunk by the cosine of
// the mean latitude, which keeps a country of Niger's size undistorted to
// a few percent. y grows downwards, as in SVG.
type projection struct {
	b             bounds
	kx, scale     float64
	offX, offY    float64
	width, height float64
}

// newProjection fits b into width px starting at (offX, offY); the height
// follows. A box without extent (one point) gets a degree around it.
func newProjection(b bounds, width, offX, offY float64) projection {
	if b.maxLon-b.minLon < 1e-6 {
		b.minLon, b.maxLon = b.minLon-0.5, b.maxLon+0.5
	}
	if b.maxLat-b.minLat < 1e-6 {
		b.minLat, b.maxLat = b.minLat-0.5, b.maxLat+0.5
	}
	kx := math.Cos((b.minLat + b.maxLat) / 2 * math.Pi / 180)
	scale := width / ((b.maxLon - b.minLon) * kx)
	// A very tall country would make a map taller than it is wide; cap the
	// height at 1.4 times the width and centre it.
	if h := (b.maxLat - b.minLat) * scale; h > 1.4*width {
		scale = 1.4 * width / (b.maxLat - b.minLat)
		offX += (width - (b.maxLon-b.minLon)*kx*scale) / 2
	}
	return projection{b: b, kx: kx, scale: scale, offX: offX, offY: offY,
		width: (b.maxLon - b.minLon) * kx * scale, height: (b.maxLat - b.minLat) * scale}
}

func (p projection) xy(lon, lat float64) (x, y float64) {
	return p.offX + (lon-p.b.minLon)*p.kx*p.scale, p.offY + (p.b.maxLat-lat)*p.scale
}

// path projects polygons to an SVG path: integer pixels, relative moves,
// rings simplified to about one pixel (Douglas–Peucker) and rings that
// shrink below a pixel dropped. Niger's 10 m outline goes from 18 kB of
// GeoJSON to about 2 kB of path.
func (p projection) path(ps []polygon) string {
	var b strings.Builder
	for _, poly := range ps {
		for _, ring := range poly {
			pts := make([][2]float64, len(ring))
			for i, pos := range ring {
				x, y := p.xy(pos[0], pos[1])
				pts[i] = [2]float64{x, y}
			}
			pts = simplify(pts, 0.7)
			var ints [][2]int
			for _, q := range pts {
				pt := [2]int{int(math.Round(q[0])), int(math.Round(q[1]))}
				if n := len(ints); n > 0 && ints[n-1] == pt {
					continue
				}
				ints = append(ints, pt)
			}
			if n := len(ints); n > 1 && ints[0] == ints[n-1] {
				ints = ints[:n-1]
			}
			if len(ints) < 3 {
				continue
			}
			b.WriteString("M" + itoa(ints[0][0]) + " " + itoa(ints[0][1]) + "l")
			for i := 1; i < len(ints); i++ {
				if i > 1 {
					b.WriteByte(' ')
				}
				b.WriteString(itoa(ints[i][0]-ints[i-1][0]) + " " + itoa(ints[i][1]-ints[i-1][1]))
			}
			b.WriteString("z")
		}
	}
	return b.String()
}

// simplify is Douglas–Peucker with tolerance eps (px), iterative so that a
// long ring cannot exhaust the stack.
func simplify(pts [][2]float64, eps float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	stack := [][2]int{{0, len(pts) - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		far, farD := -1, eps
		for i := s[0] + 1; i < s[1]; i++ {
			if d := segmentDistance(pts[i], pts[s[0]], pts[s[1]]); d > farD {
				far, farD = i, d
			}
		}
		if far >= 0 {
			keep[far] = true
			stack = append(stack, [2]int{s[0], far}, [2]int{far, s[1]})
		}
	}
	out := pts[:0:0]
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

func segmentDistance(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// centroid is the area-weighted centre of the largest outer ring, where a
// region without a label point gets its name written.
func centroid(ps []polygon) (lon, lat float64, ok bool) {
	best := 0.0
	for _, p := range ps {
		if len(p) == 0 || len(p[0]) < 3 {
			continue
		}
		ring := p[0]
		var a, cx, cy float64
		for i := range ring {
			j := (i + 1) % len(ring)
			cross := ring[i][0]*ring[j][1] - ring[j][0]*ring[i][1]
			a += cross
			cx += (ring[i][0] + ring[j][0]) * cross
			cy += (ring[i][1] + ring[j][1]) * cross
		}
		if math.Abs(a) > best {
			best = math.Abs(a)
			lon, lat, ok = cx/(3*a), cy/(3*a), true
		}
	}
	return lon, lat, ok
}
