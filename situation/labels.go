package situation

import (
	"math"
)

// label is a region's block of text: its name, "open needs · fill rate"
// and, when anything happened, "● incidents · fatalities".
type label struct {
	region           int
	lines            []string
	anchorX, anchorY float64 // the label point
	x, y             float64 // centre of the block after moving it off its neighbours
	w, h             float64
	badge            bool // the region has no shape: the block is a box in its fill colour
}

const badgePad = 4.0

// leader is the segment from a box's label point to its nearest edge;
// nil for a block that is not a box or that covers its label point.
func (l label) leader() *[2][2]float64 {
	if !l.badge || l.covers(l.anchorX, l.anchorY) {
		return nil
	}
	ex := math.Min(math.Max(l.anchorX, l.x-l.w/2), l.x+l.w/2)
	ey := math.Min(math.Max(l.anchorY, l.y-l.h/2), l.y+l.h/2)
	return &[2][2]float64{{l.anchorX, l.anchorY}, {ex, ey}}
}

// crosses reports whether two segments intersect.
func crosses(a, b *[2][2]float64) bool {
	side := func(p, q, r [2]float64) float64 {
		return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	}
	d1, d2 := side(b[0], b[1], a[0]), side(b[0], b[1], a[1])
	d3, d4 := side(a[0], a[1], b[0]), side(a[0], a[1], b[1])
	return d1*d2 < 0 && d3*d4 < 0
}

// covers reports whether (x, y) lies within the block.
func (l label) covers(x, y float64) bool {
	return math.Abs(x-l.x) <= l.w/2 && math.Abs(y-l.y) <= l.h/2
}

func newLabel(i int, r Region, x, y float64, badge bool) label {
	l := label{region: i, anchorX: x, anchorY: y, x: x, y: y, badge: badge}
	l.lines = []string{r.Name, itoa(r.OpenNeeds) + " · " + percent(r.FillRate)}
	if r.Incidents > 0 || r.Fatalities > 0 {
		l.lines = append(l.lines, "● "+itoa(r.Incidents)+" · "+itoa(r.Fatalities))
	}
	for j, line := range l.lines {
		size := labelFont
		if j == 0 {
			size = labelFont + 0.5 // the name is bold and a little wider
		}
		l.w = math.Max(l.w, textWidth(line, size))
	}
	l.h = float64(len(l.lines)) * labelLine
	if badge {
		l.w += 2 * badgePad
		l.h += 2 * badgePad
	}
	return l
}

// layoutLabels places every region's block. A region drawn as a shape
// gets its block at its label point (or the centre of its shape), moved
// apart vertically where blocks would overlap, as happens with a capital
// district inside its region. A region without a shape gets a box near
// its label point, where it hides the fewest incidents and no other block.
func (m mapDrawing) layoutLabels(regions []Region, shapes [][]polygon, points []Point) []label {
	var fixed, boxes []label
	for i, r := range regions {
		lon, lat, ok := 0.0, 0.0, false
		if r.Label != nil && validLonLat(r.Label.Lon, r.Label.Lat) {
			lon, lat, ok = r.Label.Lon, r.Label.Lat, true
		} else {
			lon, lat, ok = centroid(shapes[i])
		}
		if !ok {
			continue
		}
		x, y := m.proj.xy(lon, lat)
		l := newLabel(i, r, x, y, m.proj.path(shapes[i]) == "")
		if l.badge {
			boxes = append(boxes, l)
		} else {
			fixed = append(fixed, l)
		}
	}
	separate(fixed, m.proj)
	var circles [][3]float64
	for _, p := range points {
		if validLonLat(p.Lon, p.Lat) {
			x, y := m.proj.xy(p.Lon, p.Lat)
			circles = append(circles, [3]float64{x, y, radius(p.Fatalities)})
		}
	}
	placeBoxes(boxes, fixed, circles, m.proj)
	return append(fixed, boxes...)
}

// placeBoxes puts each box, in turn, at the candidate position around its
// anchor with the lowest cost: incidents hidden (more for larger circles),
// overlap with blocks already placed or with another region's anchor, and
// a little for the distance, so that a box with nothing to hide sits on
// its anchor.
func placeBoxes(boxes, placed []label, circles [][3]float64, p projection) {
	anchors := make([][2]float64, len(boxes))
	for i, b := range boxes {
		anchors[i] = [2]float64{b.anchorX, b.anchorY}
	}
	for i := range boxes {
		b := &boxes[i]
		bestX, bestY, best := b.anchorX, b.anchorY, math.Inf(1)
		try := func(x, y, dist float64) {
			if x-b.w/2 < p.offX || x+b.w/2 > p.offX+p.width || y-b.h/2 < p.offY || y+b.h/2 > p.offY+p.height {
				return
			}
			cost := 0.04 * dist
			for _, c := range circles {
				dx := math.Max(math.Abs(c[0]-x)-b.w/2, 0)
				dy := math.Max(math.Abs(c[1]-y)-b.h/2, 0)
				if dx*dx+dy*dy < c[2]*c[2] {
					cost += 1 + c[2]/3
				}
			}
			for _, o := range placed {
				ox := math.Min(x+b.w/2, o.x+o.w/2) - math.Max(x-b.w/2, o.x-o.w/2) + 3
				oy := math.Min(y+b.h/2, o.y+o.h/2) - math.Max(y-b.h/2, o.y-o.h/2) + 3
				if ox > 0 && oy > 0 {
					cost += 100 + ox*oy
				}
			}
			cand := *b
			cand.x, cand.y = x, y
			lead := cand.leader()
			for j, a := range anchors {
				if j == i {
					continue
				}
				if math.Abs(a[0]-x) < b.w/2+4 && math.Abs(a[1]-y) < b.h/2+4 {
					cost += 30
				}
				if lead != nil && segmentDistance(a, lead[0], lead[1]) < 6 {
					cost += 30 // the leader would seem to point at another region
				}
			}
			for _, o := range placed {
				if other := o.leader(); lead != nil && other != nil && crosses(lead, other) {
					cost += 40
				}
			}
			if cost < best {
				bestX, bestY, best = x, y, cost
			}
		}
		try(b.anchorX, b.anchorY, 0)
		for _, gap := range []float64{6, 18, 34, 54, 78} {
			for k := 0; k < 16; k++ {
				angle := float64(k) * math.Pi / 8
				cos, sin := math.Cos(angle), math.Sin(angle)
				// The box's edge, not its centre, lies gap px from the anchor.
				x := b.anchorX + cos*(gap+b.w/2)
				y := b.anchorY + sin*(gap+b.h/2)
				try(x, y, math.Hypot(x-b.anchorX, y-b.anchorY))
			}
		}
		b.x, b.y = bestX, bestY
		placed = append(placed, *b)
	}
}

// separate pushes overlapping blocks apart along y and keeps them inside
// the map; a few dozen rounds settle a country's regions.
func separate(ls []label, p projection) {
	const gap = 3.0
	for round := 0; round < 60; round++ {
		moved := false
		for i := range ls {
			for j := i + 1; j < len(ls); j++ {
				a, b := &ls[i], &ls[j]
				ox := (a.w+b.w)/2 + gap - math.Abs(a.x-b.x)
				oy := (a.h+b.h)/2 + gap - math.Abs(a.y-b.y)
				if ox <= 0 || oy <= 0 {
					continue
				}
				push := oy/2 + 0.5
				if a.y < b.y || (a.y == b.y && i < j) {
					a.y, b.y = a.y-push, b.y+push
				} else {
					a.y, b.y = a.y+push, b.y-push
				}
				moved = true
			}
		}
		for i := range ls {
			l := &ls[i]
			l.x = math.Min(math.Max(l.x, p.offX+l.w/2), p.offX+p.width-l.w/2)
			l.y = math.Min(math.Max(l.y, p.offY+l.h/2), p.offY+p.height-l.h/2)
		}
		if !moved {
			return
		}
	}
}

// badges draws the boxes that stand for regions without a shape, under
// the incidents so that no incident is hidden; their text comes later.
func (m mapDrawing) badges(regions []Region, ls []label) {
	s := m.s
	for _, l := range ls {
		if !l.badge {
			continue
		}
		r := regions[l.region]
		m.openLink(r)
		s.WriteString(`<g class="region-box">`)
		s.title(m.tooltip(r))
		s.WriteString(`<rect class="region" data-code="` + escape(r.Code) + `" x="` + num(l.x-l.w/2) + `" y="` + num(l.y-l.h/2) +
			`" width="` + num(l.w) + `" height="` + num(l.h) + `" rx="3" fill="` + fillColour(r.FillRate) + `" stroke="#555" stroke-width="0.8"/>`)
		s.WriteString("</g>")
		m.closeLink(r)
	}
}

// labelTexts writes each region's name and figures above everything else,
// with a halo in the colour behind them (white on the map, the box's fill
// on a box) so that they read over incident circles.
func (m mapDrawing) labelTexts(regions []Region, ls []label) {
	s := m.s
	for _, l := range ls {
		r := regions[l.region]
		text, halo := "#1a1a1a", "#fff"
		if l.badge {
			halo = fillColour(r.FillRate)
			if fillClass(r.FillRate) >= 3 {
				text = "#fff"
			}
		}
		m.openLink(r)
		if lead := l.leader(); lead != nil {
			// Over the incidents, ending on a dot ringed in white.
			s.WriteString(`<line x1="` + num(lead[0][0]) + `" y1="` + num(lead[0][1]) + `" x2="` + num(lead[1][0]) + `" y2="` + num(lead[1][1]) +
				`" stroke="#333" stroke-width="1"/><circle cx="` + num(l.anchorX) + `" cy="` + num(l.anchorY) + `" r="2.5" fill="#333" stroke="#fff" stroke-width="1"/>`)
		}
		s.WriteString(`<g class="region-label" data-code="` + escape(r.Code) + `" text-anchor="middle" fill="` + text +
			`" stroke="` + halo + `" stroke-width="3" stroke-linejoin="round" paint-order="stroke">`)
		s.title(m.tooltip(r))
		top := l.y - float64(len(l.lines))*labelLine/2
		for j, line := range l.lines {
			y := top + float64(j)*labelLine + labelLine - 3
			switch {
			case j == 0:
				s.text(l.x, y, `font-weight="bold" font-size="11.5"`, line)
			case j == 2:
				// The incident line starts with a red dot, the map's sign for incidents.
				s.WriteString(`<text x="` + num(l.x) + `" y="` + num(y) + `"><tspan fill="` + incidentFill + `">●</tspan>` + escape(line[len("●"):]) + `</text>`)
			default:
				s.text(l.x, y, "", line)
			}
		}
		s.WriteString("</g>")
		m.closeLink(r)
	}
}
