package citizen

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// A text message is sent in the GSM 7-bit alphabet when every character is
// in it, and in UCS-2 otherwise: one character outside, a Hausa ƙ or a
// French ç, and the whole message switches, which cuts a segment from 160
// characters to 70 (and from 153 to 67 in a message of several segments).
// A USSD screen has the same 160-septet budget and the same switch, down to
// about 80 characters, too few for a menu, so the USSD channel folds its
// screens into the GSM alphabet (FoldGSM7).

// gsmBasic is the GSM 03.38 default alphabet, one septet each (the escape
// code 0x1B left out: it is not a character).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: two septets each (escape
// and code).
const gsmExtension = "\f^{}\\[~]|€"

// gsmSeptets is the number of septets each GSM character takes.
var gsmSeptets = func() map[rune]int {
	m := make(map[rune]int, len(gsmBasic)+len(gsmExtension))
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// gsmASCII is gsmSeptets for ASCII (0: not GSM), the fast path for the
// bulk of every text.
var gsmASCII = func() (t [0x80]int8) {
	for r := range t {
		t[r] = int8(gsmSeptets[rune(r)])
	}
	return t
}()

// gsmFolds replaces characters that have no GSM form and no decomposition
// to one: the hooked letters of Hausa and the letters of Zarma become the
// plain letters people write when their phone has no hooks, and
// typographic punctuation becomes its plain form.
var gsmFolds = map[rune]string{
	'ƙ': "k", 'Ƙ': "K", 'ɗ': "d", 'Ɗ': "D", 'ɓ': "b", 'Ɓ': "B", 'ƴ': "y", 'Ƴ': "Y",
	'ŋ': "n", 'Ŋ': "N", 'ɲ': "ny", 'Ɲ': "Ny", 'ɛ': "e", 'Ɛ': "E", 'ɔ': "o", 'Ɔ': "O",
	'œ': "oe", 'Œ': "OE",
	'‘': "'", '’': "'", '‛': "'", 'ʼ': "'", '`': "'", '´': "'",
	'“': "\"", '”': "\"", '„': "\"", '«': "\"", '»': "\"",
	'–': "-", '—': "-", '‑': "-", '…': "...", '\t': " ",
	'°': "o", 'º': "o", 'ª': "a", // n° is written no
}

// FoldGSM7 returns s written in the GSM 7-bit alphabet: characters of the
// alphabet are kept, hooked and accented letters lose their marks (ƙ→k,
// ê→e, ç→c), typographic quotes and dashes become plain ones, spaces of
// any kind become a space, and what is left (other scripts, symbols,
// control characters) becomes '?', so that nothing vanishes unseen.
func FoldGSM7(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 0x80 && gsmASCII[r] != 0 {
			b.WriteByte(byte(r))
			continue
		}
		if _, ok := gsmSeptets[r]; ok {
			b.WriteRune(r)
			continue
		}
		if f, ok := gsmFolds[r]; ok {
			b.WriteString(f)
			continue
		}
		if unicode.IsSpace(r) {
			b.WriteByte(' ')
			continue
		}
		b.WriteString(foldMarks(r))
	}
	return b.String()
}

// foldMarks decomposes r and keeps its GSM base letters: é is in the GSM
// alphabet already, ê becomes e, ž becomes z.
func foldMarks(r rune) string {
	var out []rune
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if gsmSeptets[d] != 1 {
			return "?"
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// GSM7Septets returns the number of septets s takes in the GSM 7-bit
// alphabet, and false when s has a character outside it.
func GSM7Septets(s string) (int, bool) {
	n := 0
	for _, r := range s {
		if r < 0x80 && gsmASCII[r] != 0 {
			n += int(gsmASCII[r])
			continue
		}
		w, ok := gsmSeptets[r]
		if !ok {
			return 0, false
		}
		n += w
	}
	return n, true
}

// SMSEncoding is how a text message is sent.
type SMSEncoding string

// The two encodings of a text message.
const (
	GSM7 SMSEncoding = "gsm-7"
	UCS2 SMSEncoding = "ucs-2"
)

// Segment sizes: a message that fits one segment uses all of it; a longer
// one is sent in parts that each lose room to the concatenation header.
const (
	gsmSingle  = 160 // septets
	gsmPart    = 153
	ucs2Single = 70 // UTF-16 code units
	ucs2Part   = 67
)

// SMSSegments returns the encoding a text message needs and the number of
// segments it is billed and sent as. An escape pair of the GSM extension
// table and a UTF-16 surrogate pair are never split across segments, as
// phones do. An empty message is still one segment.
func SMSSegments(s string) (SMSEncoding, int) {
	if _, ok := GSM7Septets(s); ok {
		var widths []int
		for _, r := range s {
			widths = append(widths, gsmSeptets[r])
		}
		return GSM7, countSegments(widths, gsmSingle, gsmPart)
	}
	var widths []int
	for _, r := range s {
		widths = append(widths, utf16.RuneLen(r))
	}
	return UCS2, countSegments(widths, ucs2Single, ucs2Part)
}

// countSegments packs characters of the given widths into segments of part
// units, after checking whether they all fit one single segment.
func countSegments(widths []int, single, part int) int {
	total := 0
	for _, w := range widths {
		total += w
	}
	if total <= single {
		return 1
	}
	segments, used := 1, 0
	for _, w := range widths {
		if used+w > part {
			segments, used = segments+1, 0
		}
		used += w
	}
	return segments
}
