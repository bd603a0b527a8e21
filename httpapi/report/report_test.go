package report

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/ledger"
)

var update = flag.Bool("update", false, "rewrite testdata/fund.golden.html")

// sample is a year of a plausible fund: contributions by every channel
// growing after a mobilization is declared, four programmes, spending,
// compensation owed on 40 orders and most of it paid.
func sample(t testing.TB) fund.Report {
	t.Helper()
	b := ledger.NewBook()
	open := func(a ledger.Account, ok bool) {
		if err := b.Open(a); err != nil || !ok {
			t.Fatal(a, err)
		}
	}
	for _, id := range []string{fund.UnallocatedAccount, fund.CompensationExpense, fund.ProgrammeAccount(fund.CompensationProgramme)} {
		open(fund.Standard(id))
	}
	for _, c := range fund.Channels {
		open(fund.Standard(fund.HoldingAccount(c)))
	}
	progs := []fund.ProgrammeDef{{Slug: "military-equipment", Name: "Équipement militaire"}, {Slug: "agriculture", Name: "Agriculture et élevage"},
		{Slug: "health", Name: "Santé des populations déplacées"}}
	for _, p := range progs {
		a, err := p.Account()
		open(a, err == nil)
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	apply := func(batch []ledger.Transfer, err error) {
		t.Helper()
		if err == nil {
			for _, tr := range batch {
				if a, ok := fund.Standard(tr.Credit); ok {
					b.Open(a)
				}
			}
			_, err = b.Apply(batch)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	n := 0
	key := func() string { n++; return "k" + strconv.Itoa(n) }
	for m := range 11 {
		at := start.AddDate(0, m, 0)
		for range 20 + 6*m {
			ch := fund.Channels[rng.IntN(3)]
			apply(fund.Contribute(fund.Contribution{Key: key(), Channel: ch, Amount: 5_000 * (1 + rng.Int64N(200)), At: at}))
		}
		apply(fund.Allocate(fund.Allocation{Key: key(), Programme: progs[m%3].Slug, Amount: 4_000_000 + 400_000*int64(m), At: at}))
		apply(fund.Allocate(fund.Allocation{Key: key(), Programme: fund.CompensationProgramme, Amount: 1_500_000, At: at}))
		for _, p := range progs {
			if bal := b.Balance(fund.ProgrammeAccount(p.Slug)); bal > 0 {
				ch := fund.Channels[rng.IntN(3)]
				amount := min(bal*6/10, b.Balance(fund.HoldingAccount(ch)))
				if amount > 0 {
					apply(fund.Spend(fund.Spending{Key: key(), Programme: p.Slug, Channel: ch, Amount: amount, Memo: "achats", At: at}))
				}
			}
		}
		if m >= 6 {
			for o := range 8 {
				id := fmt.Sprintf("01JD5Q0W8XK3M9T7R2B4C%02d%03d", m, o)
				apply(fund.Owe(id, 90_000+rng.Int64N(400_000), at))
				if o < 6 {
					owed := b.Balance(fund.PayableAccount(id))
					apply(fund.Pay(fund.Payment{Key: key(), Order: id, Channel: fund.MobileMoney, Amount: min(owed, b.Balance(fund.HoldingAccount(fund.MobileMoney))), At: at}))
				}
			}
		}
	}
	r, err := fund.Compute(b.Transfers(), b.Accounts(), fund.Checkpoint{Size: 12_345, RootHash: bytes.Repeat([]byte{0xab}, 32), Note: "muster.example/log\n12345\n..."})
	if err != nil {
		t.Fatal(err)
	}
	r.Named = []fund.Named{{Name: "Coopérative des maraîchers de Dosso", Date: "2026-11-20", Amount: 250_000, Channel: fund.MobileMoney},
		{Name: "<script>alert(1)</script>", Date: "2026-11-19", Amount: 5_000, Channel: fund.Cash},
		{Name: "=HYPERLINK(\"x\")", Date: "2026-11-18", Amount: 1_000, Channel: fund.Bank}}
	if !r.OK() {
		t.Fatalf("sample report fails its checks: %+v", r.Checks)
	}
	return r
}

func TestHTML(t *testing.T) {
	r := sample(t)
	var b bytes.Buffer
	if err := HTML(&b, r, "fr"); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, s := range []string{"<svg", Amount(r.Totals.Contributions, "fr"), "Équipement militaire", "&lt;script&gt;", "Toutes les vérifications",
		"canal Espèces : entrées − sorties ± transferts = détenu", "abababab"} {
		if !strings.Contains(html, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	for _, s := range []string{"<script>", "http", "✗"} {
		if strings.Contains(html, s) {
			t.Errorf("page holds %q", s)
		}
	}
	path := filepath.Join("testdata", "fund.golden.html")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(path); err != nil || !bytes.Equal(want, b.Bytes()) {
		t.Errorf("%s differs from the page (go test -update rewrites it; look at it in a browser): %v", path, err)
	}
	// An unknown language is French; a failing check is shown as such.
	r.Checks[0].Holds = false
	b.Reset()
	HTML(&b, r, "xx")
	if !strings.Contains(b.String(), `lang="fr"`) || !strings.Contains(b.String(), "ATTENTION") {
		t.Error("a failing check is not shown")
	}
}

func TestCSV(t *testing.T) {
	r := sample(t)
	var b bytes.Buffer
	if err := CSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := 2 + 3 + 14 + 5*len(r.Months) + 6*len(r.Channels) + 3*len(r.Programmes) + 3*len(r.Checks) + len(r.Named)
	if len(rows) != wantRows {
		t.Errorf("%d rows, want %d", len(rows), wantRows)
	}
	var named []string
	for _, row := range rows {
		if row[0] == "named" {
			named = append(named, row[2])
		}
	}
	if len(named) != 3 || named[2] != `'=HYPERLINK("x")` || named[1] != "<script>alert(1)</script>" {
		t.Errorf("named rows %q: a formula must be defused", named)
	}
}

func TestAmount(t *testing.T) {
	tests := []struct {
		n          int64
		lang, want string
	}{
		{0, "en", "0\u00a0XOF"},
		{999, "fr", "999\u00a0XOF"},
		{1000, "en", "1,000\u00a0XOF"},
		{1_250_000, "fr", "1\u202f250\u202f000\u00a0XOF"},
		{-45_000, "en", "-45,000\u00a0XOF"},
	}
	for _, tc := range tests {
		if got := Amount(tc.n, tc.lang); got != tc.want {
			t.Errorf("Amount(%d, %s) = %q, want %q", tc.n, tc.lang, got, tc.want)
		}
	}
}

func TestChartScale(t *testing.T) {
	for _, tc := range []struct{ v, want int64 }{{0, 4}, {3, 4}, {7, 10}, {11, 20}, {35, 40}, {45, 50}, {51, 100}, {2_400_000, 4_000_000}} {
		if got := niceCeiling(tc.v); got != tc.want {
			t.Errorf("niceCeiling(%d) = %d, want %d", tc.v, got, tc.want)
		}
	}
	r := sample(t)
	c := monthChart(r.Months, "en")
	for _, rc := range c.Rects {
		if rc.X < 0 || rc.Y < 0 || rc.H < 0 || rc.X+rc.W > float64(c.Width) || rc.Y+rc.H > float64(c.Height) {
			t.Errorf("bar %+v outside the %dx%d chart", rc, c.Width, c.Height)
		}
	}
	if len(c.Rects) != 2*len(r.Months) {
		t.Errorf("%d bars for %d months", len(c.Rects), len(r.Months))
	}
	if compact(2_500_000, "fr") != "2,5 M" || compact(40_000, "en") != "40 k" {
		t.Errorf("compact: %q %q", compact(2_500_000, "fr"), compact(40_000, "en"))
	}
}

func TestCache(t *testing.T) {
	var c Cache
	computed := 0
	compute := func() (fund.Report, error) { computed++; return fund.Report{Transfers: int64(computed)}, nil }
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	cp := fund.Checkpoint{Size: 10, RootHash: []byte{1}}
	storeA, storeB := new(int), new(int)
	for i, step := range []struct {
		store *int
		cp    fund.Checkpoint
		at    time.Duration
		want  int
	}{
		{storeA, cp, 0, 1},
		{storeA, cp, 30 * time.Second, 1}, // same checkpoint: cached
		{storeB, cp, 30 * time.Second, 2}, // another store
		{storeB, fund.Checkpoint{Size: 11, RootHash: []byte{2}}, 31 * time.Second, 3}, // the log grew
		{storeB, fund.Checkpoint{Size: 11, RootHash: []byte{2}}, 2 * time.Minute, 4},  // expired
	} {
		r, err := c.Get(step.store, step.cp, t0.Add(step.at), compute)
		if err != nil || r.Transfers != int64(step.want) {
			t.Errorf("step %d: report %d, %v; want %d", i, r.Transfers, err, step.want)
		}
	}
}

func TestText(t *testing.T) {
	r := sample(t)
	var b bytes.Buffer
	Text(&b, r)
	if !strings.Contains(b.String(), fmt.Sprintf("all %d checks hold", len(r.Checks))) || !strings.Contains(b.String(), "programme agriculture") {
		t.Errorf("text:\n%s", b.String())
	}
	r.Checks[2].Holds = false
	b.Reset()
	Text(&b, r)
	if !strings.Contains(b.String(), "check failed: "+r.Checks[2].Name) {
		t.Errorf("a failing check is not named:\n%s", b.String())
	}
}
