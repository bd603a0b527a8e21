package situation

import (
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/muster-org/muster"
)

// seriesColours: the first series (incidents) in the map's red, then dark
// grey and colour-blind-safe blues and oranges.
var seriesColours = []string{incidentFill, "#404040", "#2c7fb8", "#e66101", "#5e3c99", "#1b9e77"}

const (
	chartLeft   = 46.0
	chartRight  = 12.0
	chartTop    = 30.0
	chartBottom = 34.0
)

// WeeklyChart draws one group of bars per week, one bar per series, with a
// y axis of round ticks and the weeks' Monday dates under the x axis. Every
// series needs one value per week; NaN is a missing value (no bar) and a
// negative or infinite value is an error.
func WeeklyChart(weeks []time.Time, series []Series, opt ChartOptions) (template.HTML, error) {
	width, height := opt.Width, opt.Height
	if width <= 0 {
		width = 720
	}
	if height <= 0 {
		height = 240
	}
	top := 0.0
	for _, sr := range series {
		if len(sr.Values) != len(weeks) {
			return "", muster.Errorf(muster.Invalid, "situation: series %q has %d values for %d weeks", sr.Name, len(sr.Values), len(weeks))
		}
		for i, v := range sr.Values {
			if v < 0 || math.IsInf(v, 0) {
				return "", muster.Errorf(muster.Invalid, "situation: series %q, week %s: value %v is not a count", sr.Name, weeks[i].Format(time.DateOnly), v)
			}
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	step := niceStep(top / 5)
	top = math.Max(step, math.Ceil(top/step)*step)

	plotX, plotY := chartLeft, chartTop
	plotW, plotH := float64(width)-chartLeft-chartRight, float64(height)-chartTop-chartBottom
	yOf := func(v float64) float64 { return plotY + plotH - v/top*plotH }

	var s svg
	s.open(width, height, opt.Title, "situation-chart")
	s.text(4, 16, `font-size="14" font-weight="bold"`, opt.Title)
	chartLegend(&s, series, float64(width)-chartRight, 16)

	// y axis: grid lines at each tick, the label rotated along the axis.
	s.WriteString(`<g class="y-axis" fill="#444" text-anchor="end">`)
	for v := 0.0; v <= top+step/2; v += step {
		y := yOf(v)
		s.WriteString(`<line x1="` + num(plotX) + `" x2="` + num(plotX+plotW) + `" y1="` + num(y) + `" y2="` + num(y) + `" stroke="#ddd" stroke-width="1"/>`)
		s.text(plotX-5, y+4, "", tickLabel(v))
	}
	if opt.YLabel != "" {
		s.WriteString(`<text transform="translate(11 ` + num(plotY+plotH/2) + `) rotate(-90)" text-anchor="middle">` + escape(opt.YLabel) + `</text>`)
	}
	s.WriteString("</g>")

	if len(weeks) > 0 {
		bars(&s, weeks, series, plotX, plotY, plotW, yOf)
		weekAxis(&s, weeks, plotX, plotY+plotH, plotW)
	}
	s.WriteString(`<line x1="` + num(plotX) + `" x2="` + num(plotX+plotW) + `" y1="` + num(plotY+plotH) + `" y2="` + num(plotY+plotH) + `" stroke="#444" stroke-width="1"/>`)
	s.close()
	return template.HTML(s.String()), nil
}

// bars draws each week's group, with a tooltip naming the week and every
// series' value.
func bars(s *svg, weeks []time.Time, series []Series, plotX, plotY, plotW float64, yOf func(float64) float64) {
	group := plotW / float64(len(weeks))
	n := max(1, len(series))
	bar := math.Min(28, group*0.8/float64(n))
	base := yOf(0)
	for i, w := range weeks {
		tip := []string{w.Format(time.DateOnly) + " (" + isoWeek(w) + ")"}
		for _, sr := range series {
			tip = append(tip, sr.Name+": "+valueLabel(sr.Values[i]))
		}
		s.WriteString(`<g class="week">`)
		s.title(strings.Join(tip, "\n"))
		// An invisible full-height rectangle makes the whole column hoverable.
		s.WriteString(`<rect x="` + num(plotX+float64(i)*group) + `" y="` + num(plotY) + `" width="` + num(group) + `" height="` + num(base-plotY) + `" fill="#fff" fill-opacity="0"/>`)
		x0 := plotX + float64(i)*group + (group-bar*float64(n))/2
		for j, sr := range series {
			v := sr.Values[i]
			if math.IsNaN(v) || v == 0 {
				continue
			}
			y := yOf(v)
			s.WriteString(`<rect x="` + num(x0+float64(j)*bar) + `" y="` + num(y) + `" width="` + num(math.Max(1, bar-1)) + `" height="` + num(base-y) +
				`" fill="` + seriesColours[j%len(seriesColours)] + `"/>`)
		}
		s.WriteString("</g>")
	}
}

// weekAxis writes a tick under every week and the Monday's date under as
// many as fit without overlapping.
func weekAxis(s *svg, weeks []time.Time, plotX, axisY, plotW float64) {
	group := plotW / float64(len(weeks))
	stride := max(1, int(math.Ceil((textWidth("2026-11-02", labelFont)+8)/group)))
	s.WriteString(`<g class="x-axis" fill="#444" text-anchor="middle">`)
	for i, w := range weeks {
		x := plotX + (float64(i)+0.5)*group
		s.WriteString(`<line x1="` + num(x) + `" x2="` + num(x) + `" y1="` + num(axisY) + `" y2="` + num(axisY+4) + `" stroke="#444"/>`)
		if i%stride == 0 {
			s.text(x, axisY+16, "", w.Format(time.DateOnly))
			s.text(x, axisY+28, `fill="#777" font-size="10"`, isoWeek(w))
		}
	}
	s.WriteString("</g>")
}

func chartLegend(s *svg, series []Series, right, y float64) {
	x := right
	s.WriteString(`<g class="legend" fill="#1a1a1a">`)
	for j := len(series) - 1; j >= 0; j-- {
		name := series[j].Name
		x -= textWidth(name, labelFont)
		s.text(x, y, "", name)
		x -= 16
		s.WriteString(`<rect x="` + num(x) + `" y="` + num(y-9) + `" width="12" height="10" fill="` + seriesColours[j%len(seriesColours)] + `"/>`)
		x -= 14
	}
	s.WriteString("</g>")
}

// niceStep rounds a raw tick interval up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return math.Max(m*p, 1) // counts: never a fractional tick
		}
	}
	return 10 * p
}

func tickLabel(v float64) string { return num(v) }

func valueLabel(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return num(v)
}
