package printout

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/qr"
)

var (
	update  = flag.Bool("update", false, "rewrite the golden text files in testdata/")
	samples = flag.String("samples", "", "also write every rendered PDF to this directory, for review")
)

// docs renders the three fixture papers in lang.
func docs(t *testing.T, lang string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for name, render := range map[string]func() ([]byte, error){
		"requisition": func() ([]byte, error) { return Render(requisitionOrder(), lang) },
		"callup":      func() ([]byte, error) { return Render(callUpOrder(), lang) },
		"receipt":     func() ([]byte, error) { return RenderReceipt(handoverReceipt(), lang) },
	} {
		b, err := render()
		if err != nil {
			t.Fatalf("%s %s: %v", name, lang, err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("%s %s: output is not a PDF", name, lang)
		}
		out[name] = b
		if *samples != "" {
			if err := os.WriteFile(filepath.Join(*samples, name+"_"+lang+".pdf"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// pdfText returns the text layer of a PDF with runs of white space folded to
// one space, or skips the test when poppler's pdftotext is not installed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(pdfLines(t, pdf)), " ")
}

// pdfLines returns the text layer of a PDF line by line, without blank
// lines, in the order the text was drawn (-raw): that order is ours, where
// pdftotext's reading order would shift with every millimetre of layout.
func pdfLines(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed: cannot read the PDF text layer")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(strings.Trim(l, "\f")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestRenderTextLayer(t *testing.T) {
	// What a reader must find on each paper, per language. The codes, the
	// formatted deadline and the language's own words prove the catalog
	// and the date formats reach the page.
	want := map[string]map[string][]string{
		"fr": {
			"requisition": {"ORDRE DE RÉQUISITION", "Fondement juridique", "Date limite", "25 novembre 2026 à 08:00", "Vérifier l'authenticité", "2 500", "12,5", "10 décembre 2026 à 23:59", "1048577"},
			"callup":      {"ORDRE D'APPEL", "Lieu de présentation", "Ɗanladi Ɓawa Ƙanƙara", "réf. P-7Q2M"},
			"receipt":     {"REÇU DE REMISE", "Signature du propriétaire", "Signature de l'agent", "Lt. Moussa Abdou Harouna", "24 novembre 2026 à 10:15"},
		},
		"en": {
			"requisition": {"REQUISITION ORDER", "Legal basis", "Deadline", "25 November 2026 at 08:00", "How to check this order is genuine", "2,500", "12.5"},
			"callup":      {"CALL-UP ORDER", "Report to"},
			"receipt":     {"HANDOVER RECEIPT", "Owner's signature", "Condition"},
		},
		"ha": {
			"requisition": {"UMARNIN MIƘA KAYA", "Tushen doka", "25 ga Nuwamba 2026, ƙarfe 08:00", "Haƙƙoƙin ƴan ƙasa", "ɗaukaka ƙara"},
			"callup":      {"UMARNIN KIRA ZUWA HIDIMA", "Maɓalli", "kuɗi"},
			"receipt":     {"RASITIN MIƘA KAYA", "Sa hannun mai kaya"},
		},
		"dje": {
			"requisition": {"JINAYEY NOOYAŊ LORDI", "Sariya", "25 Noowanbur 2026, 08:00"},
			"callup":      {"CEYAŊ LORDI", "Nungu kaŋ ni ga koy"},
			"receipt":     {"SEEDA TIRA", "Jinay koy kambe daŋ"},
		},
	}
	for _, lang := range Languages() {
		t.Run(lang, func(t *testing.T) {
			for name, pdf := range docs(t, lang) {
				text := pdfText(t, pdf)
				code := requisitionOrder().Code
				if name == "callup" {
					code = callUpOrder().Code
				}
				for _, w := range append([]string{code}, want[lang][name]...) {
					if !strings.Contains(text, w) {
						t.Errorf("%s %s: text layer lacks %q\n%s", name, lang, w, text)
					}
				}
			}
		})
	}
}

// TestLettersRender puts every letter Hausa and Zarma add to the Latin
// alphabet on the page in both cases and reads them back: a glyph missing
// from the embedded font would come back as nothing or as a box.
func TestLettersRender(t *testing.T) {
	letters := []string{"Ɓ", "ɓ", "Ɗ", "ɗ", "Ƙ", "ƙ", "Ƴ", "ƴ", "Ɲ", "ɲ", "Ŋ", "ŋ", "Ɛ", "ɛ", "Ɔ", "ɔ", "ã", "ẽ", "ĩ", "õ", "ũ", "Ž"}
	o := callUpOrder()
	o.Reason = strings.Join(letters, " ")
	for _, lang := range []string{"ha", "dje"} {
		pdf, err := Render(o, lang)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, pdf)
		for _, l := range letters {
			if !strings.Contains(text, l) {
				t.Errorf("%s: letter %s missing from the text layer", lang, l)
			}
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	if got, want := len(catalog), len(Languages()); got != want {
		t.Errorf("catalog has %d languages, Languages() lists %d", got, want)
	}
	for _, lang := range Languages() {
		msgs, ok := catalog[lang]
		if !ok {
			t.Errorf("no catalog for %s", lang)
			continue
		}
		if _, ok := locales[lang]; !ok {
			t.Errorf("no locale for %s", lang)
		}
		for id := range numMsgs {
			s, ok := msgs[id]
			switch {
			case !ok || strings.TrimSpace(s) == "":
				t.Errorf("%s: message %d is missing", lang, id)
			case verbs(s) != verbs(catalog["fr"][id]):
				t.Errorf("%s: message %d has verbs %q, French has %q", lang, id, verbs(s), verbs(catalog["fr"][id]))
			}
		}
		if len(msgs) != int(numMsgs) {
			t.Errorf("%s: %d messages, want %d", lang, len(msgs), numMsgs)
		}
	}
}

// verbs lists the fmt verbs of s in order, so a translation cannot drop or
// swap an argument.
func verbs(s string) string {
	var v []string
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			v = append(v, s[i:i+2])
			i++
		}
	}
	return strings.Join(v, " ")
}

func TestUnknownLanguage(t *testing.T) {
	for _, lang := range []string{"", "de", "FR", "hau"} {
		if _, err := Render(requisitionOrder(), lang); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("Render(%q) error = %v, want invalid", lang, err)
		}
		if _, err := RenderReceipt(handoverReceipt(), lang); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("RenderReceipt(%q) error = %v, want invalid", lang, err)
		}
	}
}

func TestValidation(t *testing.T) {
	orders := map[string]func(*Order){
		"no code":         func(o *Order) { o.Code = "" },
		"no QR":           func(o *Order) { o.QRText = "" },
		"QR too long":     func(o *Order) { o.QRText = strings.Repeat("MU1:", 2000) },
		"bad kind":        func(o *Order) { o.Kind = "draft" },
		"no id":           func(o *Order) { o.ID = "" },
		"no authority":    func(o *Order) { o.Authority = Party{} },
		"no addressee":    func(o *Order) { o.Addressee = Party{} },
		"no place":        func(o *Order) { o.Place = "" },
		"no deadline":     func(o *Order) { o.Deadline = time.Time{} },
		"no legal basis":  func(o *Order) { o.LegalBasis = "" },
		"no issue time":   func(o *Order) { o.IssuedAt = time.Time{} },
		"no key":          func(o *Order) { o.KeyID = "" },
		"no items":        func(o *Order) { o.Items = nil },
		"zero quantity":   func(o *Order) { o.Items[1].Quantity = 0 },
		"no description":  func(o *Order) { o.Items[0].Description = "" },
		"call-up no work": func(o *Order) { o.Kind = CallUp },
	}
	for name, breakIt := range orders {
		t.Run(name, func(t *testing.T) {
			o := requisitionOrder()
			breakIt(&o)
			if _, err := Render(o, "fr"); muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("error = %v, want invalid", err)
			}
		})
	}
	receipts := map[string]func(*Receipt){
		"no code":    func(r *Receipt) { r.OrderCode = "" },
		"no QR":      func(r *Receipt) { r.QRText = "" },
		"no owner":   func(r *Receipt) { r.Owner = Party{} },
		"no officer": func(r *Receipt) { r.Officer = Party{} },
		"no items":   func(r *Receipt) { r.Items = nil },
		"no time":    func(r *Receipt) { r.At = time.Time{} },
	}
	for name, breakIt := range receipts {
		t.Run("receipt "+name, func(t *testing.T) {
			r := handoverReceipt()
			breakIt(&r)
			if _, err := RenderReceipt(r, "fr"); muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("error = %v, want invalid", err)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, niamey)
	for lang, want := range map[string]string{
		"fr":  "25 novembre 2026 à 08:00",
		"en":  "25 November 2026 at 08:00",
		"ha":  "25 ga Nuwamba 2026, ƙarfe 08:00",
		"dje": "25 Noowanbur 2026, 08:00",
	} {
		if got := locales[lang].formatDateTime(at); got != want {
			t.Errorf("%s: date %q, want %q", lang, got, want)
		}
	}
	for q, want := range map[float64]string{1: "1", 12.5: "12,5", 2500: "2 500", 1234567.125: "1 234 567,125", 0.25: "0,25", 100: "100"} {
		if got := locales["fr"].formatQuantity(q); got != want {
			t.Errorf("fr quantity %v = %q, want %q", q, got, want)
		}
	}
	if got := locales["en"].formatQuantity(2500.5); got != "2,500.5" {
		t.Errorf("en quantity = %q", got)
	}
}

// TestDeterministic checks that the same input gives the same bytes: the
// PDF dates come from the paper, and nothing else may depend on the clock
// or on map order.
func TestDeterministic(t *testing.T) {
	a, err := Render(requisitionOrder(), "fr")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := Render(requisitionOrder(), "fr")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two renders of the same order differ")
		}
	}
}

// TestGolden compares the text layer with reviewed files in testdata/, which
// double as the plain-text copy translators review. Run with -update after
// a deliberate change and read the diff.
func TestGolden(t *testing.T) {
	for _, lang := range Languages() {
		for name, pdf := range docs(t, lang) {
			text := pdfLines(t, pdf)
			golden := filepath.Join("testdata", name+"_"+lang+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != text {
				t.Errorf("%s: text layer differs from %s (run go test -update and review the diff)\ngot:\n%s", name+"_"+lang, golden, text)
			}
		}
	}
}

// decodeQR renders page 1 of pdf at 100 dpi, as a cheap office scan would,
// and reads the QR code off the picture.
func decodeQR(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) not installed: cannot rasterize the PDF")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", f, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	r, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img, err := png.Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	text, err := qr.ReadImage(img)
	if err != nil {
		t.Fatalf("no QR code read off the page: %v", err)
	}
	return text
}

func TestQRScans(t *testing.T) {
	for _, lang := range []string{"fr", "ha"} {
		pdfs := docs(t, lang)
		for name, qr := range map[string]string{
			"requisition": requisitionOrder().QRText,
			"callup":      callUpOrder().QRText,
			"receipt":     handoverReceipt().QRText,
		} {
			if got := decodeQR(t, pdfs[name]); got != qr {
				t.Errorf("%s %s: QR reads %q, want %q", name, lang, got, qr)
			}
		}
	}
}

// TestManyItems checks that a long requisition flows onto more pages with
// the table header repeated and every page numbered.
func TestManyItems(t *testing.T) {
	o := requisitionOrder()
	for i := range 60 {
		o.Items = append(o.Items, Item{Description: fmt.Sprintf("Groupe électrogène n° %d (20 kVA)", i+1), Quantity: 1, Unit: "unité"})
	}
	pdf, err := Render(o, "fr")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, w := range []string{"Page 1/3", "Page 3/3", "Groupe électrogène n° 60", "Vérifier l'authenticité"} {
		if !strings.Contains(text, w) {
			t.Errorf("text layer lacks %q", w)
		}
	}
	if n := strings.Count(text, "Désignation"); n < 2 {
		t.Errorf("table header printed %d times, want it on every page", n)
	}
	if got := decodeQR(t, pdf); got != o.QRText {
		t.Errorf("QR reads %q", got)
	}
	if *samples != "" {
		if err := os.WriteFile(filepath.Join(*samples, "many_fr.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
