package situation

// legendItem is one piece of the map's legend: its width (estimated) and
// how to draw it with its baseline at y.
type legendItem struct {
	width float64
	draw  func(s *svg, x, y float64)
}

// legendPlan is the legend laid out in rows: each section (fill scale,
// circle sizes, the key to the figures) starts a row and wraps when the
// map is too narrow for it.
type legendPlan struct {
	rows   int
	placed []struct {
		item legendItem
		x    float64
		row  int
	}
}

// planLegend lays out the legend of a map width px wide.
func planLegend(l MapLabels, width float64) legendPlan {
	swatch := func(fill, text string) legendItem {
		return legendItem{18 + textWidth(text, labelFont), func(s *svg, x, y float64) {
			s.WriteString(`<rect x="` + num(x) + `" y="` + num(y-9) + `" width="14" height="10" fill="` + fill + `" stroke="#888" stroke-width="0.5"/>`)
			s.text(x+18, y, "", text)
		}}
	}
	heading := func(text string) legendItem {
		return legendItem{textWidth(text, labelFont+0.5), func(s *svg, x, y float64) { s.text(x, y, `font-weight="bold"`, text) }}
	}
	fill := []legendItem{heading(l.FillRate)}
	for i, c := range []string{"0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"} {
		fill = append(fill, swatch(fillScale[i], c))
	}
	fill = append(fill, swatch(fillNoNeed, "–"))

	// Circles of 0, 10 and 50 fatalities, drawn as on the map.
	circles := []legendItem{heading(l.Incidents + " (" + l.Fatalities + ")")}
	for _, f := range []int{0, 10, 50} {
		r := radius(f)
		circles = append(circles, legendItem{2*r + 4 + textWidth(itoa(f), labelFont), func(s *svg, x, y float64) {
			s.WriteString(`<circle cx="` + num(x+r) + `" cy="` + num(y-4) + `" r="` + num(r) + `" fill="` + incidentFill +
				`" fill-opacity="0.45" stroke="` + incidentLine + `" stroke-width="0.6"/>`)
			s.text(x+2*r+4, y, "", itoa(f))
		}})
	}

	// What the figures under a region's name mean.
	needsKey := "= " + l.OpenNeeds + " · " + l.FillRate
	incidentsKey := "= " + l.Incidents + " · " + l.Fatalities
	keys := []legendItem{
		{textWidth("12 · 45 % "+needsKey, labelFont), func(s *svg, x, y float64) {
			s.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"><tspan font-weight="bold">12 · 45 %</tspan> ` + escape(needsKey) + `</text>`)
		}},
		{textWidth("● 30 · 55 "+incidentsKey, labelFont), func(s *svg, x, y float64) {
			s.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"><tspan font-weight="bold"><tspan fill="` + incidentFill +
				`">●</tspan> 30 · 55</tspan> ` + escape(incidentsKey) + `</text>`)
		}},
	}

	var p legendPlan
	right := width - mapPad
	for _, section := range [][]legendItem{fill, circles, keys} {
		x := mapPad
		for i, it := range section {
			if i > 0 && x+it.width > right {
				p.rows++
				x = mapPad + 12 // a continuation is indented under its heading
			}
			p.placed = append(p.placed, struct {
				item legendItem
				x    float64
				row  int
			}{it, x, p.rows})
			x += it.width + 12
		}
		p.rows++
	}
	return p
}

// draw writes the legend with its first row's top at top.
func (p legendPlan) draw(s *svg, top float64) {
	s.WriteString(`<g class="legend" fill="#1a1a1a">`)
	for _, it := range p.placed {
		it.item.draw(s, it.x, top+float64(it.row)*legendRow+12)
	}
	s.WriteString("</g>")
}
