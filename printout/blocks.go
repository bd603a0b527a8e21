package printout

// The building blocks of a page below the header: wrapped text, labelled
// fields, tables and boxes. Each one moves to a new page as a whole rather
// than being cut by the footer.

// text writes s wrapped to width w starting at x, one line of height lh at a
// time, and leaves the cursor at x below it.
func (d *doc) text(x, w, lh float64, s string) {
	for _, l := range d.pdf.SplitText(s, w) {
		d.pdf.SetX(x)
		d.pdf.CellFormat(w, lh, l, "", 2, "L", false, 0, "")
	}
}

// height is the height text would take when wrapped to w at line height lh
// in the current font.
func (d *doc) height(s string, w, lh float64) float64 {
	return float64(len(d.pdf.SplitText(s, w))) * lh
}

// room starts a new page unless h millimetres fit above the footer, so that
// a box or a table row is never cut in two.
func (d *doc) room(h float64) {
	if d.pdf.GetY()+h > pageH-bottom {
		d.pdf.AddPage()
	}
}

const (
	labelW  = 44.0
	labelPt = 8.5
	labelLH = 4.2
)

// field prints one labelled value: the label in grey on the left, the value
// wrapped on the right.
func (d *doc) field(label, value string, size float64, bold bool) {
	p := d.pdf
	style := styleFor(bold)
	lh := size * 0.5
	p.SetFont(sans, style, size)
	vh := d.height(value, contentW-labelW, lh)
	p.SetFont(sans, "B", labelPt)
	lh2 := d.height(label, labelW-3, labelLH)
	d.room(max(vh, lh2))
	y := p.GetY()
	// Shift the label down so that its first baseline sits on the value's
	// (fpdf centres text in a cell: baseline = top + h/2 + 0.3 × font size).
	k := p.GetConversionRatio()
	shift := lh/2 + 0.3*size/k - (labelLH/2 + 0.3*labelPt/k)
	p.SetY(y + shift)
	p.SetTextColor(grey, grey, grey)
	d.text(margin, labelW-3, labelLH, label)
	p.SetTextColor(0, 0, 0)
	p.SetXY(margin+labelW, y)
	p.SetFont(sans, style, size)
	d.text(margin+labelW, contentW-labelW, lh, value)
	p.SetY(y + max(vh, lh2+shift) + 2.5)
}

// column is one column of an items table.
type column struct {
	title string
	w     float64 // 0: take the width left over
	align string
}

// table prints rows under a header row, wrapping cells and repeating the
// header when a row moves to a new page.
func (d *doc) table(cols []column, rows [][]string) {
	p := d.pdf
	fixed := 0.0
	for _, c := range cols {
		fixed += c.w
	}
	for i := range cols {
		if cols[i].w == 0 {
			cols[i].w = contentW - fixed
		}
	}
	const lh, pad = 4.8, 1.5
	head := func() {
		p.SetFont(sans, "B", 8.5)
		p.SetFillColor(light, light, light)
		p.SetDrawColor(grey, grey, grey)
		p.SetLineWidth(0.2)
		x := margin
		y := p.GetY()
		for _, c := range cols {
			p.Rect(x, y, c.w, 6.5, "FD")
			p.SetXY(x+pad, y+1)
			p.CellFormat(c.w-2*pad, 4.5, c.title, "", 0, c.align, false, 0, "")
			x += c.w
		}
		p.SetY(y + 6.5)
	}
	d.room(6.5 + lh + 2*pad)
	head()
	p.SetFont(sans, "", 10)
	for _, row := range rows {
		h := 0.0
		for i, c := range cols {
			h = max(h, d.height(row[i], c.w-2*pad, lh))
		}
		h += 2 * pad
		if p.GetY()+h > pageH-bottom {
			p.AddPage()
			head()
			p.SetFont(sans, "", 10)
		}
		x, y := margin, p.GetY()
		for i, c := range cols {
			p.Rect(x, y, c.w, h, "D")
			p.SetXY(x+pad, y+pad)
			for _, l := range p.SplitText(row[i], c.w-2*pad) {
				p.SetX(x + pad)
				p.CellFormat(c.w-2*pad, lh, l, "", 2, c.align, false, 0, "")
			}
			x += c.w
		}
		p.SetY(y + h)
	}
	p.SetY(p.GetY() + 3)
}

// para is one paragraph of a box.
type para struct {
	text   string
	bullet bool // hanging bullet, so wrapped lines align with the text
	bold   bool
}

// box prints paragraphs inside a ruled box, after a bold title when one is
// given; fill shades the box. The box never splits across pages.
func (d *doc) box(title string, paras []para, fill bool) {
	p := d.pdf
	const pad, lh, indent = 3.5, 4.6, 4.0
	w := contentW - 2*pad
	textW := func(q para) float64 {
		if q.bullet {
			return w - indent
		}
		return w
	}
	h := 2*pad - 1
	if title != "" {
		p.SetFont(sans, "B", 10.5)
		h += d.height(title, w, 5.5) + 1
	}
	for _, q := range paras {
		p.SetFont(sans, styleFor(q.bold), 9.5)
		h += d.height(q.text, textW(q), lh) + 1
	}
	d.room(h)
	y := p.GetY()
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.3)
	p.SetFillColor(light, light, light)
	style := "D"
	if fill {
		style = "FD"
	}
	p.Rect(margin, y, contentW, h, style)
	p.SetY(y + pad)
	if title != "" {
		p.SetFont(sans, "B", 10.5)
		d.text(margin+pad, w, 5.5, title)
		p.SetY(p.GetY() + 1)
	}
	for _, q := range paras {
		p.SetFont(sans, styleFor(q.bold), 9.5)
		x := margin + pad
		if q.bullet {
			p.SetX(x)
			p.CellFormat(indent, lh, "•", "", 0, "L", false, 0, "")
			x += indent
		}
		d.text(x, textW(q), lh, q.text)
		p.SetY(p.GetY() + 1)
	}
	p.SetY(y + h + 4)
}

func styleFor(bold bool) string {
	if bold {
		return "B"
	}
	return ""
}
