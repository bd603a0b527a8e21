package printout

import "strings"

// Render returns the order as an A4 PDF in lang ("fr", "en", "ha" or
// "dje"). It fails with an invalid-kind error when the language is unknown
// or the order lacks what a lawful, checkable paper must show (code, QR,
// place, deadline, legal basis...).
func Render(o Order, lang string) ([]byte, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	title := titleRequisition
	if o.Kind == CallUp {
		title = titleCallUp
	}
	d, err := newDoc(lang, title, o.IssuedAt)
	if err != nil {
		return nil, err
	}
	d.footer(strings.Join([]string{
		d.t(footerOrder, o.ID),
		d.t(footerKey, o.KeyID),
		d.t(footerIssued, d.loc.formatDateTime(o.IssuedAt)),
	}, " · "))
	if err := d.header(o.Authority, d.t(title), d.t(codeLabel), o.Code, true, o.QRText); err != nil {
		return nil, err
	}

	d.field(d.t(addressee), d.party(o.Addressee), 10.5, true)
	if o.Kind == CallUp {
		d.field(d.t(service), o.Service, 10.5, false)
		d.field(d.t(reportTo), o.Place, 10.5, false)
	} else {
		d.heading(d.t(items))
		rows := make([][]string, len(o.Items))
		for i, it := range o.Items {
			rows[i] = []string{it.Description, d.loc.formatQuantity(it.Quantity), it.Unit}
		}
		d.table([]column{
			{title: d.t(colDescription), align: "L"},
			{title: d.t(colQuantity), w: 28, align: "R"},
			{title: d.t(colUnit), w: 40, align: "L"},
		}, rows)
		d.field(d.t(handoverAt), o.Place, 10.5, false)
	}
	d.field(d.t(deadline), d.loc.formatDateTime(o.Deadline), 12, true)
	if o.Reason != "" {
		d.field(d.t(reason), o.Reason, 10, false)
	}
	d.field(d.t(legalBasis), o.LegalBasis, 10, false)

	rights := []para{{text: d.t(rightsCallUp)}}
	if o.Kind == Requisition {
		rights[0].text = d.t(rightsRequisition)
	}
	if !o.AppealBy.IsZero() {
		rights = append(rights, para{text: d.t(appealBy, d.loc.formatDateTime(o.AppealBy)), bold: true})
	}
	d.pdf.SetY(d.pdf.GetY() + 1)
	d.box("", rights, true)

	check := []para{{text: d.t(verifyQR), bullet: true}}
	if o.Verify.USSD != "" {
		check = append(check, para{text: d.t(verifyUSSD, o.Verify.USSD), bullet: true})
	}
	if o.Verify.SMS != "" {
		check = append(check, para{text: d.t(verifySMS, o.Verify.SMS), bullet: true})
	}
	if o.Verify.URL != "" {
		check = append(check, para{text: d.t(verifyURL, o.Verify.URL), bullet: true})
	}
	check = append(check,
		para{text: d.t(verifyLog, o.LogIndex), bullet: true},
		para{text: d.t(warning), bold: true})
	d.box(d.t(verifyTitle), check, false)
	return d.bytes()
}

// party writes a name and its reference on one line. The reference alone
// stands in when there is no name.
func (d *doc) party(p Party) string {
	switch {
	case p.Ref == "":
		return p.Name
	case p.Name == "":
		return d.t(ref, p.Ref)
	}
	return p.Name + " — " + d.t(ref, p.Ref)
}

// heading prints a grey section title above a table.
func (d *doc) heading(s string) {
	p := d.pdf
	p.SetFont(sans, "B", 8.5)
	d.room(4.5 + 20) // keep the title with the table's first rows
	p.SetTextColor(grey, grey, grey)
	d.text(margin, contentW, 4.5, s)
	p.SetTextColor(0, 0, 0)
	p.SetY(p.GetY() + 1)
}
