package situation

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// svg accumulates markup. Every text and attribute value goes through
// escape, so names from data files cannot break out of the document.
type svg struct{ strings.Builder }

// open writes the root element; the title is both the first child <title>
// and the aria-label, which screen readers announce for role="img".
func (s *svg) open(width, height int, title, class string) {
	s.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	s.WriteString(itoa(width) + " " + itoa(height))
	s.WriteString(`" width="` + itoa(width) + `" height="` + itoa(height) + `" role="img" class="` + escape(class) + `"`)
	s.WriteString(` aria-label="` + escape(title) + `" font-family="sans-serif" font-size="11">`)
	s.WriteString("<title>" + escape(title) + "</title>")
}

func (s *svg) close() { s.WriteString("</svg>") }

// text writes a <text> element at (x, y) with extra attributes attrs
// (already escaped) and the escaped content.
func (s *svg) text(x, y float64, attrs, content string) {
	s.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"`)
	if attrs != "" {
		s.WriteString(" " + attrs)
	}
	s.WriteString(">" + escape(content) + "</text>")
}

// title writes a <title> child, which browsers show as a tooltip.
func (s *svg) title(t string) { s.WriteString("<title>" + escape(t) + "</title>") }

// escape makes s safe as XML text and attribute value, and as HTML when
// the SVG is inlined: the five special characters become references and
// characters XML cannot carry at all (control characters, invalid UTF-8)
// are dropped.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(r)
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfffe || r == 0xffff || (r >= 0xd800 && r < 0xe000):
			continue
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safeHref returns href when it is a relative reference or an http(s)
// URL, and "" otherwise: a "javascript:" link must never reach the page.
func safeHref(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil || href == "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https":
		return href
	}
	return ""
}

// num formats a coordinate with at most one decimal: enough at screen
// resolution and short.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

func itoa(i int) string { return strconv.Itoa(i) }

func pad2(i int) string {
	if i < 10 {
		return "0" + itoa(i)
	}
	return itoa(i)
}

// percent formats a 0..1 share as "45 %"; "–" when there is none.
func percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return itoa(int(math.Round(f*100))) + " %"
}

// textWidth estimates the width in px of s at the given font size; SVG
// has no layout engine we can ask, and an average glyph of 0.58 em is
// close enough for placing labels and boxes.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.58
}
