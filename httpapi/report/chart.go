package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/muster-org/muster/fund"
)

// A chart is drawn on the server as SVG shapes, so that the page needs no
// script and no font or library from elsewhere, and a slow phone shows it
// as soon as the HTML arrives.

// chart is an SVG drawing: rectangles, lines and text, in user units.
type chart struct {
	Width, Height int
	Rects         []rect
	Lines         []line
	Texts         []text
}

type rect struct {
	X, Y, W, H float64
	Class      string
	Title      string // shown on hover, and read by screen readers
}

type line struct{ X1, Y1, X2, Y2 float64 }

type text struct {
	X, Y          float64
	Anchor, Class string
	Text          string
}

// monthChart draws, for each month, money in (contributions) beside money
// out (spending and compensation paid), on one scale with four ticks.
func monthChart(months []fund.MonthTotals, lang string) chart {
	const width, height, left, bottom, top, right = 880, 240, 76, 28, 12, 8
	c := chart{Width: width, Height: height}
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	base := float64(height - bottom)
	var peak int64
	for _, m := range months {
		peak = max(peak, m.Contributions, m.Spent+m.CompensationPaid)
	}
	scale := niceCeiling(peak)
	for i := 0; i <= 4; i++ {
		y := base - plotH*float64(i)/4
		c.Lines = append(c.Lines, line{left, y, width - right, y})
		c.Texts = append(c.Texts, text{X: left - 6, Y: y + 4, Anchor: "end", Class: "tick", Text: compact(scale*int64(i)/4, lang)})
	}
	if len(months) == 0 {
		return c
	}
	group := plotW / float64(len(months))
	bar := math.Min(group*0.36, 36)
	every := (len(months) + 11) / 12 // at most twelve month labels
	for i, m := range months {
		mid := left + group*(float64(i)+0.5)
		in, out := max(m.Contributions, 0), max(m.Spent+m.CompensationPaid, 0)
		hIn, hOut := plotH*float64(in)/float64(scale), plotH*float64(out)/float64(scale)
		c.Rects = append(c.Rects,
			rect{X: mid - bar - 1, Y: base - hIn, W: bar, H: hIn, Class: "in", Title: m.Month + " " + messages[lang]["in"] + ": " + Amount(in, lang)},
			rect{X: mid + 1, Y: base - hOut, W: bar, H: hOut, Class: "out", Title: m.Month + " " + messages[lang]["out"] + ": " + Amount(out, lang)})
		if i%every == 0 {
			c.Texts = append(c.Texts, text{X: mid, Y: base + 17, Anchor: "middle", Class: "tick", Text: m.Month})
		}
	}
	return c
}

// programmeChart draws a bar per programme: what was allocated to it, with
// what it spent drawn over it, and its balance at the end.
func programmeChart(ps []fund.ProgrammeTotals, lang string) chart {
	const width, row, labelW, valueW = 880, 30, 250, 120
	c := chart{Width: width, Height: row*len(ps) + 8}
	var peak int64
	for _, p := range ps {
		peak = max(peak, p.Allocated, p.Spent)
	}
	scale := float64(niceCeiling(peak))
	barW := float64(width - labelW - valueW)
	for i, p := range ps {
		y := float64(i*row + 4)
		name := programmeName(p, lang)
		wa, ws := barW*float64(max(p.Allocated, 0))/scale, barW*float64(max(p.Spent, 0))/scale
		c.Texts = append(c.Texts, text{X: labelW - 8, Y: y + 17, Anchor: "end", Class: "label", Text: shorten(name, 28)})
		c.Rects = append(c.Rects,
			rect{X: labelW, Y: y + 3, W: wa, H: row - 10, Class: "allocated", Title: name + " — " + messages[lang]["allocated"] + ": " + Amount(p.Allocated, lang)},
			rect{X: labelW, Y: y + 3, W: ws, H: row - 10, Class: "spent", Title: name + " — " + messages[lang]["spent"] + ": " + Amount(p.Spent, lang)})
		c.Texts = append(c.Texts, text{X: width - 4, Y: y + 17, Anchor: "end", Class: "value", Text: Amount(p.Balance, lang)})
	}
	return c
}

// niceCeiling is the smallest 1, 2 or 5 × 10ⁿ at least v (and at least 1),
// so that the chart's four ticks fall on round numbers.
func niceCeiling(v int64) int64 {
	if v <= 4 {
		return 4
	}
	p := int64(1)
	for p <= v/10 {
		p *= 10
	}
	for _, m := range []int64{1, 2, 4, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// compact writes an amount for a tick: 2 500 000 as "2,5 M" in French.
func compact(v int64, lang string) string {
	switch {
	case v >= 1_000_000_000:
		return decimal(v, 1_000_000_000, lang) + " G"
	case v >= 1_000_000:
		return decimal(v, 1_000_000, lang) + " M"
	case v >= 10_000:
		return decimal(v, 1_000, lang) + " k"
	}
	return strconv.FormatInt(v, 10)
}

func decimal(v, unit int64, lang string) string {
	s := strconv.FormatFloat(float64(v)/float64(unit), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
