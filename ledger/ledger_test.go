package ledger

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture returns a book with the accounts of a small fund: contributions
// come in from income to cash, cash is allocated to programmes (no
// overdraft) and spent, and compensation is owed on a payable.
func fixture(t testing.TB) *Book {
	t.Helper()
	b := NewBook()
	for _, a := range []Account{
		{ID: "fund:cash", Kind: Asset, Currency: "XOF", NoOverdraft: true, Name: "Fund cash"},
		{ID: "income:contributions", Kind: Income, Currency: "XOF"},
		{ID: "programme:agriculture", Kind: Liability, Currency: "XOF", NoOverdraft: true},
		{ID: "expense:agriculture", Kind: Expense, Currency: "XOF"},
		{ID: "payable:order:01JABC", Kind: Liability, Currency: "XOF"},
		{ID: "equity:opening", Kind: Equity, Currency: "XOF"},
		{ID: "fund:euro", Kind: Asset, Currency: "EUR"},
	} {
		if err := b.Open(a); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func tr(id, debit, credit string, amount int64) Transfer {
	return Transfer{ID: id, Debit: debit, Credit: credit, Amount: amount, Currency: "XOF", At: t0}
}

// contribution is 1000 XOF given to the fund.
var contribution = tr("c1", "fund:cash", "income:contributions", 1000)

func TestApplyRules(t *testing.T) {
	rev := contribution.Reversal("r1", t0.Add(time.Hour), "typo")
	tests := []struct {
		name  string
		prior []Transfer
		batch []Transfer
		kind  muster.Kind // "" for success
		msg   string
	}{
		{"contribution", nil, []Transfer{contribution}, "", ""},
		{"zero amount", nil, []Transfer{tr("x", "fund:cash", "income:contributions", 0)}, muster.Invalid, "not positive"},
		{"negative amount", nil, []Transfer{tr("x", "fund:cash", "income:contributions", -5)}, muster.Invalid, "not positive"},
		{"same account", nil, []Transfer{tr("x", "fund:cash", "fund:cash", 5)}, muster.Invalid, "same account"},
		{"unknown debit", nil, []Transfer{tr("x", "fund:nope", "income:contributions", 5)}, muster.NotFound, "fund:nope"},
		{"unknown credit", nil, []Transfer{tr("x", "fund:cash", "income:nope", 5)}, muster.NotFound, "income:nope"},
		{"malformed account", nil, []Transfer{tr("x", "cash", "income:contributions", 5)}, muster.Invalid, "account id"},
		{"empty id", nil, []Transfer{tr("", "fund:cash", "income:contributions", 5)}, muster.Invalid, "id must be"},
		{"long id", nil, []Transfer{tr(strings.Repeat("a", MaxIDLen+1), "fund:cash", "income:contributions", 5)}, muster.Invalid, "id must be"},
		{"id with space", nil, []Transfer{tr("a b", "fund:cash", "income:contributions", 5)}, muster.Invalid, "id must be"},
		{"currency mismatch", nil, []Transfer{tr("x", "fund:euro", "income:contributions", 5)}, muster.Invalid, "currency"},
		{"bad currency", nil, []Transfer{{ID: "x", Debit: "fund:cash", Credit: "income:contributions", Amount: 5, Currency: "xof", At: t0}}, muster.Invalid, "currency"},
		{"no time", nil, []Transfer{{ID: "x", Debit: "fund:cash", Credit: "income:contributions", Amount: 5, Currency: "XOF"}}, muster.Invalid, "no time"},
		{"control in memo", nil, []Transfer{{ID: "x", Debit: "fund:cash", Credit: "income:contributions", Amount: 5, Currency: "XOF", At: t0, Memo: "a\nb"}}, muster.Invalid, "memo"},
		{"retry is a no-op", []Transfer{contribution}, []Transfer{contribution}, "", ""},
		{"retry in another zone", []Transfer{contribution}, []Transfer{func() Transfer { c := contribution; c.At = c.At.In(time.FixedZone("x", 3600)); return c }()}, "", ""},
		{"retry with other amount", []Transfer{contribution}, []Transfer{func() Transfer { c := contribution; c.Amount++; return c }()}, muster.Conflict, "different content"},
		{"retry with other memo", []Transfer{contribution}, []Transfer{func() Transfer { c := contribution; c.Memo = "x"; return c }()}, muster.Conflict, "different content"},
		{"duplicate within batch", nil, []Transfer{contribution, contribution}, "", ""},
		{"overdraft", nil, []Transfer{tr("x", "expense:agriculture", "fund:cash", 1)}, muster.Conflict, "overdraw account fund:cash"},
		{"overdraft of liability", []Transfer{contribution}, []Transfer{tr("x", "programme:agriculture", "fund:cash", 1)}, muster.Conflict, "overdraw account programme:agriculture"},
		{"allocate then spend", []Transfer{contribution}, []Transfer{tr("a", "equity:opening", "programme:agriculture", 600), tr("s", "programme:agriculture", "fund:cash", 600)}, "", ""},
		{"spend before funds arrive", nil, []Transfer{tr("s", "expense:agriculture", "fund:cash", 10), contribution}, muster.Conflict, "batch[0]"},
		{"overflow", []Transfer{tr("big", "fund:cash", "income:contributions", 1<<62)}, []Transfer{tr("x", "fund:cash", "income:contributions", 1<<62)}, muster.Invalid, "overflow"},
		{"reversal", []Transfer{contribution}, []Transfer{rev}, "", ""},
		{"reversal in same batch", nil, []Transfer{contribution, rev}, "", ""},
		{"reversal of unknown", nil, []Transfer{rev}, muster.NotFound, "unknown transfer c1"},
		{"reversal not mirrored", []Transfer{contribution}, []Transfer{func() Transfer { r := rev; r.Amount = 999; return r }()}, muster.Invalid, "mirror"},
		{"reversal not swapped", []Transfer{contribution}, []Transfer{func() Transfer { r := rev; r.Debit, r.Credit = r.Credit, r.Debit; return r }()}, muster.Invalid, "mirror"},
		{"second reversal", []Transfer{contribution, rev}, []Transfer{contribution.Reversal("r2", t0, "")}, muster.Conflict, "already reversed by r1"},
		{"reverses itself", nil, []Transfer{func() Transfer { c := contribution; c.Reverses = c.ID; return c }()}, muster.Invalid, "itself"},
		{"linked group reopened", []Transfer{func() Transfer { c := contribution; c.Linked = "g"; return c }()}, []Transfer{func() Transfer { c := tr("c2", "fund:cash", "income:contributions", 1); c.Linked = "g"; return c }()}, muster.Conflict, "link group g"},
		{"linked retry", []Transfer{func() Transfer { c := contribution; c.Linked = "g"; return c }()}, []Transfer{func() Transfer { c := contribution; c.Linked = "g"; return c }()}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := fixture(t)
			if _, err := b.Apply(tc.prior); err != nil {
				t.Fatalf("prior: %v", err)
			}
			before, n := snapshot(b), b.Len()
			applied, err := b.Apply(tc.batch)
			if got := muster.ErrorKind(err); got != tc.kind {
				t.Fatalf("kind %q, want %q (err %v)", got, tc.kind, err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("error %q does not mention %q", err, tc.msg)
				}
				if applied != nil || b.Len() != n || snapshot(b) != before {
					t.Errorf("failed batch changed the book")
				}
			}
			if ps := b.Check(); ps != nil {
				t.Errorf("Check: %v", ps)
			}
		})
	}
}

// snapshot renders every balance, to compare a book before and after.
func snapshot(b *Book) string {
	var s strings.Builder
	for _, a := range b.Accounts() {
		s.WriteString(a.ID + "=" + itoa(int(b.Balance(a.ID))) + ";")
	}
	return s.String()
}

func TestApplyReturnsOnlyNew(t *testing.T) {
	b := fixture(t)
	c2 := tr("c2", "fund:cash", "income:contributions", 5)
	if got, err := b.Apply([]Transfer{contribution}); err != nil || len(got) != 1 {
		t.Fatalf("first: %v %v", got, err)
	}
	got, err := b.Apply([]Transfer{contribution, c2, c2})
	if err != nil || len(got) != 1 || got[0].ID != "c2" {
		t.Fatalf("retry: %v %v", got, err)
	}
	if b.Balance("fund:cash") != 1005 || b.Balance("income:contributions") != 1005 {
		t.Errorf("balances %d %d", b.Balance("fund:cash"), b.Balance("income:contributions"))
	}
}

func TestBalanceConventions(t *testing.T) {
	b := fixture(t)
	batch := []Transfer{contribution,
		tr("a", "equity:opening", "programme:agriculture", 0+400),
		tr("s", "expense:agriculture", "fund:cash", 300)}
	if _, err := b.Apply(batch); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"fund:cash": 700, "income:contributions": 1000, "programme:agriculture": 400,
		"equity:opening": -400, "expense:agriculture": 300, "payable:order:01JABC": 0, "nope:x": 0}
	for id, w := range want {
		if got := b.Balance(id); got != w {
			t.Errorf("Balance(%s) = %d, want %d", id, got, w)
		}
	}
}

func TestOpen(t *testing.T) {
	b := fixture(t)
	for _, tc := range []struct {
		a    Account
		kind muster.Kind
	}{
		{Account{ID: "fund:cash", Kind: Asset, Currency: "XOF", NoOverdraft: true, Name: "Fund cash"}, ""},
		{Account{ID: "fund:cash", Kind: Asset, Currency: "XOF"}, muster.Conflict},
		{Account{ID: "fund", Kind: Asset, Currency: "XOF"}, muster.Invalid},
		{Account{ID: "Fund:cash", Kind: Asset, Currency: "XOF"}, muster.Invalid},
		{Account{ID: "fund::cash", Kind: Asset, Currency: "XOF"}, muster.Invalid},
		{Account{ID: "fund:cash:", Kind: Asset, Currency: "XOF"}, muster.Invalid},
		{Account{ID: "fund:ca sh", Kind: Asset, Currency: "XOF"}, muster.Invalid},
		{Account{ID: "fund:x", Kind: "cash", Currency: "XOF"}, muster.Invalid},
		{Account{ID: "fund:x", Kind: Asset, Currency: "CFA franc"}, muster.Invalid},
		{Account{ID: "payable:order:01JXYZ", Kind: Liability, Currency: "XOF"}, ""},
	} {
		if got := muster.ErrorKind(b.Open(tc.a)); got != tc.kind {
			t.Errorf("Open(%+v) = %q, want %q", tc.a, got, tc.kind)
		}
	}
}

func TestCheckFindsCorruption(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(b *Book)
		want    string
	}{
		{"balance drift", func(b *Book) { b.accounts["fund:cash"].debits += 7 }, "account fund:cash: debits 1007"},
		{"lost credit", func(b *Book) { b.accounts["income:contributions"].credits = 0 }, "total debits 1300 differ from total credits 300"},
		{"overdrawn", func(b *Book) {
			b.log = append(b.log, tr("z", "expense:agriculture", "fund:cash", 5000))
			b.index["z"] = len(b.log) - 1
			b.accounts["expense:agriculture"].debits += 5000
			b.accounts["fund:cash"].credits += 5000
			b.total += 5000
		}, "no-overdraft account has balance -4300"},
		{"edited transfer", func(b *Book) { b.log[0].Amount = 1 }, "account fund:cash: debits 1000, but its transfers debit 1"},
		{"double reversal", func(b *Book) {
			b.log = append(b.log, contribution.Reversal("r1", t0, ""), contribution.Reversal("r2", t0, ""))
			b.index["r1"], b.index["r2"] = 2, 3
		}, "c1 is already reversed by r1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := fixture(t)
			if _, err := b.Apply([]Transfer{contribution, tr("s", "expense:agriculture", "fund:cash", 300)}); err != nil {
				t.Fatal(err)
			}
			tc.corrupt(b)
			var got []string
			for _, p := range b.Check() {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("Check() = %q, want a problem containing %q", got, tc.want)
			}
		})
	}
}
