package printout

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Languages returns the codes Render and RenderReceipt accept, official
// language first.
func Languages() []string { return []string{"fr", "en", "ha", "dje"} }

// formatDateTime writes t in its own location: a printed time has no zone
// the reader could convert, so the caller passes local time.
func (l locale) formatDateTime(t time.Time) string {
	return fmt.Sprintf(l.dateTime, t.Day(), l.months[t.Month()-1], t.Year(), t.Format("15:04"))
}

// formatQuantity writes q with at most three decimals, grouped by
// thousands: 2500 → "2 500" in French, "2,500" in English.
func (l locale) formatQuantity(q float64) string {
	s := strconv.FormatFloat(q, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(l.group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(l.decimal)
		b.WriteString(frac)
	}
	return b.String()
}
