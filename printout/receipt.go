package printout

import "strings"

// RenderReceipt returns the handover receipt as an A4 PDF in lang. The owner
// keeps it: it is what they show to get their property back and to be
// compensated, so both parties sign it and it carries the order's QR code.
func RenderReceipt(r Receipt, lang string) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	d, err := newDoc(lang, titleReceipt, r.At)
	if err != nil {
		return nil, err
	}
	var ids []string
	if r.ID != "" {
		ids = append(ids, d.t(footerReceipt, r.ID))
	}
	ids = append(ids, d.t(footerOrder, r.OrderID), d.loc.formatDateTime(r.At))
	d.footer(strings.Join(ids, " · "))
	if err := d.header(r.Authority, d.t(titleReceipt), d.t(orderCode), r.OrderCode, false, r.QRText); err != nil {
		return nil, err
	}

	d.field(d.t(owner), d.party(r.Owner), 10.5, true)
	d.heading(d.t(handedOver))
	rows := make([][]string, len(r.Items))
	for i, it := range r.Items {
		rows[i] = []string{it.Description, d.loc.formatQuantity(it.Quantity), it.Unit, it.Condition}
	}
	d.table([]column{
		{title: d.t(colDescription), align: "L"},
		{title: d.t(colQuantity), w: 24, align: "R"},
		{title: d.t(colUnit), w: 30, align: "L"},
		{title: d.t(colCondition), w: 50, align: "L"},
	}, rows)
	d.field(d.t(place), r.Place, 10.5, false)
	d.field(d.t(handoverTime), d.loc.formatDateTime(r.At), 11, true)
	d.field(d.t(officer), d.party(r.Officer), 10.5, false)
	d.pdf.SetY(d.pdf.GetY() + 1)
	d.box("", []para{{text: d.t(receiptStatement)}}, true)
	d.signatures([2]string{d.t(signOwner), d.t(signOfficer)}, [2]string{r.Owner.Name, r.Officer.Name})
	return d.bytes()
}

// signatures draws two side-by-side boxes with room to sign by hand and the
// signer's name printed under the line, so a signature cannot be claimed for
// the other party.
func (d *doc) signatures(labels, names [2]string) {
	p := d.pdf
	const gap, h = 8.0, 34.0
	w := (contentW - gap) / 2
	d.room(h)
	y := p.GetY()
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.3)
	for i := range labels {
		x := margin + float64(i)*(w+gap)
		p.Rect(x, y, w, h, "D")
		p.SetFont(sans, "B", 8.5)
		p.SetTextColor(grey, grey, grey)
		p.SetXY(x+3, y+2.5)
		p.CellFormat(w-6, 4, labels[i], "", 0, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
		p.SetLineWidth(0.2)
		p.Line(x+3, y+h-9, x+w-3, y+h-9)
		p.SetLineWidth(0.3)
		// A long name shrinks rather than runs out of its box.
		size := 9.0
		p.SetFont(sans, "", size)
		for size > 6 && p.GetStringWidth(names[i]) > w-6 {
			size -= 0.5
			p.SetFontSize(size)
		}
		p.SetXY(x+3, y+h-8)
		p.CellFormat(w-6, 4.5, names[i], "", 0, "L", false, 0, "")
	}
	p.SetY(y + h + 4)
}
