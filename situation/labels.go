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

// layoutLabels places every region's block at its label point (or the
// centre of its shape), moved apart vertically where blocks would overlap,
// as happens with a capital district inside its region.
func (m mapDrawing) layoutLabels(regions []Region, shapes [][]polygon) []label {
	var ls []label
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
		ls = append(ls, newLabel(i, r, x, y, m.proj.path(shapes[i]) == ""))
	}
	separate(ls, m.proj)
	return ls
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
		if math.Hypot(l.x-l.anchorX, l.y-l.anchorY) > l.h/2 {
			s.WriteString(`<line x1="` + num(l.anchorX) + `" y1="` + num(l.anchorY) + `" x2="` + num(l.x) + `" y2="` + num(l.y) + `" stroke="#555" stroke-width="0.8"/>`)
		}
		s.WriteString(`<circle cx="` + num(l.anchorX) + `" cy="` + num(l.anchorY) + `" r="2" fill="#555"/>`)
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

// legend explains the fill, the circles and the figures of a label.
func legend(s *svg, l MapLabels, top, width float64) {
	s.WriteString(`<g class="legend" fill="#1a1a1a">`)
	x := mapPad
	y := top + 12
	s.text(x, y, `font-weight="bold"`, l.FillRate)
	x += textWidth(l.FillRate, labelFont) + 10
	classes := []string{"0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"}
	for i, c := range classes {
		s.WriteString(`<rect x="` + num(x) + `" y="` + num(y-9) + `" width="14" height="10" fill="` + fillScale[i] + `" stroke="#888" stroke-width="0.5"/>`)
		s.text(x+18, y, "", c)
		x += 18 + textWidth(c, labelFont) + 10
	}
	s.WriteString(`<rect x="` + num(x) + `" y="` + num(y-9) + `" width="14" height="10" fill="` + fillNoNeed + `" stroke="#888" stroke-width="0.5"/>`)
	s.text(x+18, y, "", "–")

	// Circles of 1, 10 and 50 fatalities, as on the map.
	x, y = mapPad, top+legendRow+12
	s.text(x, y, `font-weight="bold"`, l.Incidents+" ("+l.Fatalities+")")
	x += textWidth(l.Incidents+" ("+l.Fatalities+")", labelFont) + 10
	for _, f := range []int{0, 10, 50} {
		r := radius(f)
		s.WriteString(`<circle cx="` + num(x+r) + `" cy="` + num(y-4) + `" r="` + num(r) + `" fill="` + incidentFill + `" fill-opacity="0.45" stroke="` + incidentLine + `" stroke-width="0.6"/>`)
		s.text(x+2*r+4, y, "", itoa(f))
		x += 2*r + 4 + textWidth(itoa(f), labelFont) + 12
	}

	// What the figures under a region's name mean, in one text each so that
	// the browser, not an estimate, lays them out.
	y = top + 2*legendRow + 12
	s.WriteString(`<text x="` + num(mapPad) + `" y="` + num(y) + `"><tspan font-weight="bold">12 · 45 %</tspan> = ` +
		escape(l.OpenNeeds+" · "+l.FillRate) + `</text>`)
	s.WriteString(`<text x="` + num(float64(width)/2) + `" y="` + num(y) + `"><tspan font-weight="bold"><tspan fill="` + incidentFill +
		`">●</tspan> 30 · 55</tspan> = ` + escape(l.Incidents+" · "+l.Fatalities) + `</text>`)
	s.WriteString("</g>")
}
