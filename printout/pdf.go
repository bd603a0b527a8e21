package printout

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/muster-org/muster"
	"github.com/skip2/go-qrcode"
)

// The fonts travel in the binary: an office printing orders may be offline,
// and DejaVu has the Hausa and Zarma letters that core PDF fonts lack.
//
//go:embed fonts/DejaVuSans.ttf fonts/DejaVuSans-Bold.ttf fonts/DejaVuSansMono-Bold.ttf
var fontFS embed.FS

const (
	sans = "dejavu"
	mono = "dejavumono"

	pageW    = 210.0 // A4, mm
	pageH    = 297.0
	margin   = 15.0
	contentW = pageW - 2*margin
	bottom   = 22.0 // room for the footer below the page break
	qrSize   = 48.0 // ≥ 35 mm so that a phone camera reads it off paper
	headerW  = contentW - qrSize - 6

	// Colours: dark text, grey for labels and rules, a light fill for boxes.
	// Everything stays legible on a black-and-white photocopy.
	grey  = 90
	light = 238

	codePt = 22 // the short code: read aloud and typed, so big
	codeLH = 9.5
)

// doc is one PDF being written in one language.
type doc struct {
	pdf  *fpdf.Fpdf
	msgs map[msg]string
	loc  locale
}

func newDoc(lang string, title msg, created time.Time) (*doc, error) {
	msgs, ok := catalog[lang]
	if !ok {
		return nil, muster.Errorf(muster.Invalid, "printout: unknown language %q (want one of %s)", lang, strings.Join(Languages(), ", "))
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	// The PDF's dates come from the paper, not the clock, so that the same
	// input gives the same bytes (golden tests, reproducible archives).
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("muster", false)
	pdf.SetCreator("muster printout", false)
	pdf.SetTitle(msgs[title], true)
	pdf.SetLang(lang)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, bottom)
	pdf.SetCellMargin(0)
	// "{nb}" becomes the page count when the PDF is closed. fpdf subsets the
	// font before that, which is safe only because the last page's footer
	// prints its own number, the same digits, in the same font.
	pdf.AliasNbPages("")
	for _, f := range []struct{ family, style, file string }{
		{sans, "", "fonts/DejaVuSans.ttf"},
		{sans, "B", "fonts/DejaVuSans-Bold.ttf"},
		{mono, "B", "fonts/DejaVuSansMono-Bold.ttf"},
	} {
		b, err := fontFS.ReadFile(f.file)
		if err != nil {
			return nil, muster.Wrap(muster.Internal, err, "printout: embedded font")
		}
		pdf.AddUTF8FontFromBytes(f.family, f.style, b)
	}
	return &doc{pdf: pdf, msgs: msgs, loc: locales[lang]}, pdf.Error()
}

// t returns the text of id in the document's language.
func (d *doc) t(id msg, args ...any) string {
	if len(args) == 0 {
		return d.msgs[id]
	}
	return fmt.Sprintf(d.msgs[id], args...)
}

func (d *doc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, muster.Wrap(muster.Internal, err, "printout: write PDF")
	}
	return buf.Bytes(), nil
}

// footer prints the document's identifiers on every page, so that a single
// page found on its own still names its order.
func (d *doc) footer(left string) {
	d.pdf.SetFooterFunc(func() {
		p := d.pdf
		p.SetDrawColor(grey, grey, grey)
		p.SetLineWidth(0.2)
		p.Line(margin, pageH-16, pageW-margin, pageH-16)
		p.SetFont(sans, "", 7.5)
		p.SetTextColor(grey, grey, grey)
		page := d.t(footerPage, p.PageNo(), "{nb}")
		pw := p.GetStringWidth(page) + 2
		lines := p.SplitText(left, contentW-pw-4)
		for i, l := range lines {
			p.SetXY(margin, pageH-14.5+float64(i)*3.5)
			p.CellFormat(contentW-pw, 3.5, l, "", 0, "L", false, 0, "")
		}
		p.SetXY(pageW-margin-pw, pageH-14.5)
		p.CellFormat(pw, 3.5, page, "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
}

// running prints a one-line reminder of the paper's title and code at the top
// of every page after the first, so a loose page can still be matched to
// its order.
func (d *doc) running(s string) {
	d.pdf.SetHeaderFuncMode(func() {
		p := d.pdf
		if p.PageNo() == 1 {
			return
		}
		p.SetFont(sans, "", 7.5)
		p.SetTextColor(grey, grey, grey)
		p.SetXY(margin, 8)
		p.CellFormat(contentW, 3.5, s, "", 0, "L", false, 0, "")
		p.SetDrawColor(grey, grey, grey)
		p.SetLineWidth(0.2)
		p.Line(margin, 12, pageW-margin, 12)
		p.SetTextColor(0, 0, 0)
	}, true)
}

// header draws the top of the first page: authority, title, the short code
// in a box, and the QR code at the top right. It leaves the cursor below.
func (d *doc) header(auth Party, title, codeTitle, code string, hint bool, qrText string) error {
	p := d.pdf
	d.running(title + " · " + code)
	p.AddPage()
	if err := d.qr(qrText, pageW-margin-qrSize, margin, qrSize); err != nil {
		return err
	}
	p.SetFont(sans, "", 7.5)
	p.SetTextColor(grey, grey, grey)
	p.SetXY(pageW-margin-qrSize, margin+qrSize+4) // outside the 4-module quiet zone
	p.CellFormat(qrSize, 3.5, d.t(qrCaption), "", 0, "C", false, 0, "")
	qrBottom := p.GetY() + 3.5

	p.SetXY(margin, margin)
	p.SetTextColor(0, 0, 0)
	p.SetFont(sans, "B", 10.5)
	d.text(margin, headerW, 5, auth.Name)
	if auth.Ref != "" {
		p.SetFont(sans, "", 8)
		p.SetTextColor(grey, grey, grey)
		d.text(margin, headerW, 4, d.t(authorityID, auth.Ref))
		p.SetTextColor(0, 0, 0)
	}
	p.SetY(p.GetY() + 4)
	p.SetFont(sans, "B", 18)
	d.text(margin, headerW, 8, title)

	// The code box: big, fixed-pitch, so it can be read aloud over a phone
	// and typed into USSD without confusing 0 and O.
	y := p.GetY() + 4
	p.SetFont(mono, "B", codePt)
	codeLines := p.SplitText(code, headerW-8)
	h := 6 + float64(len(codeLines))*codeLH + 2
	if hint {
		h += 4
	}
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.5)
	p.Rect(margin, y, headerW, h, "D")
	p.SetFont(sans, "", 8)
	p.SetTextColor(grey, grey, grey)
	p.SetXY(margin+4, y+2)
	p.CellFormat(headerW-8, 4, codeTitle, "", 2, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.SetFont(mono, "B", codePt)
	for _, l := range codeLines {
		p.SetX(margin + 4)
		p.CellFormat(headerW-8, codeLH, l, "", 2, "L", false, 0, "")
	}
	if hint {
		p.SetFont(sans, "", 7.5)
		p.SetTextColor(grey, grey, grey)
		p.SetX(margin + 4)
		p.CellFormat(headerW-8, 4, d.t(codeHint), "", 2, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	p.SetY(max(y+h, qrBottom) + 5)
	return p.Error()
}

// qr draws text as a QR code of the given size, as one vector path: crisp at
// any printer resolution, and with no seams between modules for a scanner
// to trip on.
func (d *doc) qr(text string, x, y, size float64) error {
	code, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return muster.Wrap(muster.Invalid, err, "printout: QR payload does not fit a QR code")
	}
	code.DisableBorder = true // the page margin is the quiet zone
	bits := code.Bitmap()
	m := size / float64(len(bits))
	k := d.pdf.GetConversionRatio()
	var b strings.Builder
	b.WriteString("q 0 g\n")
	for r, row := range bits {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			fmt.Fprintf(&b, "%.3f %.3f %.3f %.3f re\n",
				(x+float64(start)*m)*k, (pageH-y-float64(r+1)*m)*k, float64(c-start)*m*k, m*k)
		}
	}
	b.WriteString("f Q")
	d.pdf.RawWriteStr(b.String())
	return nil
}
