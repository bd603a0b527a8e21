// Package report writes the fund's public report (a fund.Report) as a
// light HTML page with server-side SVG charts, and as CSV with an HXL
// hashtag row. It only formats: every figure comes from the report, so the
// HTML, the CSV and the JSON (the report itself) cannot disagree. It
// imports no storage and serves nothing.
package report

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/muster-org/muster/fund"
)

//go:embed fund.html
var files embed.FS

var page = template.Must(template.New("fund.html").ParseFS(files, "fund.html"))

// Lang returns the language to write in for an asked-for one: itself if
// the report is written in it, else the default (French).
func Lang(asked string) string {
	if slices.Contains(Languages, asked) {
		return asked
	}
	return Languages[0]
}

// view is what the HTML template reads: the report, its language and its
// charts, with the formatting methods the template calls.
type view struct {
	R          fund.Report
	Lang       string
	OK         bool
	RootHex    string
	Months     chart
	Programmes chart
}

// T returns the message key in the view's language.
func (v view) T(key string) string { return messages[v.Lang][key] }

// Amount formats an amount of the fund's currency.
func (v view) Amount(n int64) string { return Amount(n, v.Lang) }

// Num formats an amount without its currency, for tables whose caption
// gives it.
func (v view) Num(n int64) string {
	return strings.TrimSuffix(Amount(n, v.Lang), "\u00a0"+fund.Currency)
}

// Channel names a channel.
func (v view) Channel(c fund.Channel) string { return messages[v.Lang][string(c)] }

// Programme names a programme.
func (v view) Programme(p fund.ProgrammeTotals) string { return programmeName(p, v.Lang) }

// Check words a check.
func (v view) Check(name string) string { return checkLabel(v.Lang, name) }

// HTML writes the report as an HTML page in lang (see Lang).
func HTML(w io.Writer, r fund.Report, lang string) error {
	lang = Lang(lang)
	v := view{R: r, Lang: lang, OK: r.OK(), RootHex: hex.EncodeToString(r.Checkpoint.RootHash),
		Months: monthChart(r.Months, lang), Programmes: programmeChart(r.Programmes, lang)}
	return page.Execute(w, v)
}

// Amount formats n units of the fund's currency with the thousands
// separator of lang: "1 250 000 XOF" (narrow no-break spaces) in French,
// "1,250,000 XOF" in English.
func Amount(n int64, lang string) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	sep := ","
	if lang == "fr" {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return sign + b.String() + "\u00a0" + fund.Currency
}

func programmeName(p fund.ProgrammeTotals, lang string) string {
	if p.Slug == fund.CompensationProgramme {
		return messages[lang]["prog_compensation"]
	}
	if p.Name != "" {
		return p.Name
	}
	return p.Slug
}

// Text writes the report's headline figures for a terminal, in English,
// and every check that fails.
func Text(w io.Writer, r fund.Report) error {
	t := r.Totals
	fmt.Fprintf(w, "fund report at log size %d (root %s)\n", r.Checkpoint.Size, hex.EncodeToString(r.Checkpoint.RootHash))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, row := range []struct {
		label string
		v     int64
	}{{"contributions", t.Contributions}, {"allocated", t.Allocated}, {"spent", t.Spent}, {"compensation owed", t.CompensationOwed},
		{"compensation paid", t.CompensationPaid}, {"held", t.Held}, {"unallocated", t.Unallocated}, {"programmes", t.Programmes},
		{"compensation outstanding", t.Outstanding}} {
		fmt.Fprintf(tw, "  %s\t%s\t\n", row.label, Amount(row.v, "en"))
	}
	for _, p := range r.Programmes {
		fmt.Fprintf(tw, "  programme %s\t%s\t\n", p.Slug, Amount(p.Balance, "en"))
	}
	tw.Flush()
	fmt.Fprintf(w, "orders owed compensation: %d, settled: %d\n", t.OrdersOwed, t.OrdersSettled)
	if r.OK() {
		_, err := fmt.Fprintf(w, "all %d checks hold\n", len(r.Checks))
		return err
	}
	for _, c := range r.Checks {
		if !c.Holds {
			fmt.Fprintf(w, "check failed: %s: %d ≠ %d\n", c.Name, c.Left, c.Right)
		}
	}
	return nil
}

// Cache keeps the latest report computed. A report is a function of its
// checkpoint (it counts the transfers logged before it), so one computed at
// the same checkpoint, for the same store, is reused; for a minute only, so
// that a programme added since, with no transfer yet, appears. The zero
// value is an empty cache.
type Cache struct {
	mu     sync.Mutex
	store  any
	cp     fund.Checkpoint
	report fund.Report
	at     time.Time
}

// CacheTTL is how long a cached report is served.
const CacheTTL = time.Minute

// Get returns the cached report of store at cp, or computes and keeps it.
// Concurrent callers wait for one computation.
func (c *Cache) Get(store any, cp fund.Checkpoint, now time.Time, compute func() (fund.Report, error)) (fund.Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.store == store && c.cp.Size == cp.Size && bytes.Equal(c.cp.RootHash, cp.RootHash) && c.cp.Note == cp.Note && now.Sub(c.at) < CacheTTL {
		return c.report, nil
	}
	r, err := compute()
	if err != nil {
		return fund.Report{}, err
	}
	c.store, c.cp, c.report, c.at = store, cp, r, now
	return r, nil
}

// CSVHeader and CSVTags are the CSV report's header row and its HXL
// hashtag row. The CSV is long: one figure per row, so that every section
// of the report fits the same five columns.
var (
	CSVHeader = []string{"section", "key", "label", "measure", "value"}
	CSVTags   = []string{"#meta+section", "#meta+key", "#meta+label", "#indicator+measure", "#value"}
)

// CSV writes the report, figure by figure: the checkpoint, the totals,
// then each month, channel, programme and check, and the named
// contributions (key: date, label: name, measure: channel).
func CSV(w io.Writer, r fund.Report) error {
	cw := csv.NewWriter(w)
	rows := [][]string{CSVHeader, CSVTags,
		{"checkpoint", "", "", "size", strconv.FormatUint(r.Checkpoint.Size, 10)},
		{"checkpoint", "", "", "root_hash", base64.StdEncoding.EncodeToString(r.Checkpoint.RootHash)},
		{"checkpoint", "", "", "signed", strconv.FormatBool(r.Checkpoint.Note != "")},
	}
	add := func(section, key, label string, figures ...any) {
		for i := 0; i+1 < len(figures); i += 2 {
			rows = append(rows, []string{section, safe(key), safe(label), figures[i].(string), strconv.FormatInt(figures[i+1].(int64), 10)})
		}
	}
	t := r.Totals
	add("total", "", "", "contributions", t.Contributions, "allocated", t.Allocated, "spent", t.Spent,
		"compensation_owed", t.CompensationOwed, "compensation_paid", t.CompensationPaid, "held", t.Held,
		"unallocated", t.Unallocated, "programmes", t.Programmes, "outstanding", t.Outstanding,
		"orders_owed", t.OrdersOwed, "orders_settled", t.OrdersSettled,
		"transfers", r.Transfers, "unclassified", r.Unclassified, "outside", r.Outside)
	for _, m := range r.Months {
		add("month", m.Month, "", "contributions", m.Contributions, "allocated", m.Allocated, "spent", m.Spent,
			"compensation_owed", m.CompensationOwed, "compensation_paid", m.CompensationPaid)
	}
	for _, c := range r.Channels {
		add("channel", string(c.Channel), "", "contributions", c.Contributions, "spent", c.Spent, "compensation_paid", c.CompensationPaid,
			"moved_in", c.MovedIn, "moved_out", c.MovedOut, "held", c.Held)
	}
	for _, p := range r.Programmes {
		add("programme", p.Slug, p.Name, "allocated", p.Allocated, "spent", p.Spent, "balance", p.Balance)
	}
	for _, c := range r.Checks {
		holds := int64(0)
		if c.Holds {
			holds = 1
		}
		add("check", c.Name, "", "left", c.Left, "right", c.Right, "holds", holds)
	}
	for _, n := range r.Named {
		add("named", n.Date, n.Name, string(n.Channel), n.Amount)
	}
	return cw.WriteAll(rows)
}

// safe keeps a text cell from being read as a formula by a spreadsheet
// (CSV injection): a contributor's or programme's name is outside input.
func safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
