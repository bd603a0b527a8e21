package fund

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

const order1 = "01JD5Q0W8XK3M9T7R2B4C6N8PA"

// newBook returns a book holding the fund's standard accounts and the
// given programmes.
func newBook(t testing.TB, programmes ...string) *ledger.Book {
	t.Helper()
	b := ledger.NewBook()
	ids := []string{UnallocatedAccount, CompensationExpense, ProgrammeAccount(CompensationProgramme)}
	for _, c := range Channels {
		ids = append(ids, HoldingAccount(c))
	}
	for _, id := range ids {
		a, ok := Standard(id)
		if !ok {
			t.Fatalf("%s is not a standard account", id)
		}
		if err := b.Open(a); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range programmes {
		a, err := ProgrammeDef{Slug: p, Name: "Programme " + p}.Account()
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Open(a); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// apply applies a use case's transfers as a store would: zero times get
// t0, and a payable is opened on first use.
func apply(b *ledger.Book, batch []ledger.Transfer) ([]ledger.Transfer, error) {
	for i := range batch {
		if batch[i].At.IsZero() {
			batch[i].At = t0
		}
		for _, id := range []string{batch[i].Debit, batch[i].Credit} {
			if a, ok := Standard(id); ok {
				b.Open(a)
			}
		}
	}
	return b.Apply(batch)
}

func TestParse(t *testing.T) {
	tests := []struct {
		id   string
		want Ref
	}{
		{"fund:cash:cash", Ref{Role: Holding, Channel: Cash}},
		{"fund:cash:mobile_money", Ref{Role: Holding, Channel: MobileMoney}},
		{"fund:cash:crypto", Ref{}},
		{"fund:unallocated", Ref{Role: Unallocated}},
		{"programme:agriculture", Ref{Role: Programme, Programme: "agriculture"}},
		{"programme:Agriculture", Ref{}},
		{"programme:", Ref{}},
		{"payable:order:" + order1, Ref{Role: Payable, Order: order1}},
		{"payable:order:a.b", Ref{}},
		{"expense:compensation", Ref{Role: Expense}},
		{"expense:seeds", Ref{}},
		{"income:contributions", Ref{}},
	}
	for _, tc := range tests {
		if got := Parse(tc.id); got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.id, got, tc.want)
		}
	}
}

func TestStandardAccounts(t *testing.T) {
	for _, id := range []string{"fund:cash:bank", UnallocatedAccount, CompensationExpense, "programme:compensation", PayableAccount(order1)} {
		a, ok := Standard(id)
		if !ok {
			t.Errorf("%s is not standard", id)
			continue
		}
		if err := a.Validate(); err != nil || a.Currency != Currency || !ledger.ValidAccountID(a.ID) {
			t.Errorf("%s: %+v, %v", id, a, err)
		}
		if a.NoOverdraft == (a.Kind == ledger.Expense) {
			t.Errorf("%s: every account but the expense refuses overdrafts; got %+v", id, a)
		}
	}
	for _, id := range []string{"programme:agriculture", "fund:cash:crypto", "income:x"} {
		if _, ok := Standard(id); ok {
			t.Errorf("%s is standard; programmes must be added", id)
		}
	}
}

func TestProgrammeDef(t *testing.T) {
	tests := []struct {
		name string
		def  ProgrammeDef
		msg  string // "" for success
	}{
		{"ok", ProgrammeDef{"military-equipment", "Équipement militaire"}, ""},
		{"upper case", ProgrammeDef{"Agri", "x"}, "slug"},
		{"digit first", ProgrammeDef{"1agri", "x"}, "slug"},
		{"too long", ProgrammeDef{strings.Repeat("a", MaxSlugLen+1), "x"}, "slug"},
		{"reserved", ProgrammeDef{"compensation", "x"}, "reserved"},
		{"no name", ProgrammeDef{"agri", "  "}, "name is required"},
		{"control in name", ProgrammeDef{"agri", "a\nb"}, "printable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.def.Account()
			if tc.msg == "" {
				if err != nil || a.ID != "programme:"+tc.def.Slug || !a.NoOverdraft || a.Name != tc.def.Name {
					t.Fatalf("account %+v, %v", a, err)
				}
				return
			}
			if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want invalid with %q", err, tc.msg)
			}
		})
	}
}

// TestUseCases runs each use case against a book and checks the error, or
// the balances it leaves.
func TestUseCases(t *testing.T) {
	type step struct {
		name  string
		batch func() ([]ledger.Transfer, error)
		kind  muster.Kind // of the expected error, "" for success
		msg   string
	}
	contribute := func(key string, ch Channel, amount int64) func() ([]ledger.Transfer, error) {
		return func() ([]ledger.Transfer, error) {
			return Contribute(Contribution{Key: key, Channel: ch, Amount: amount})
		}
	}
	steps := []step{
		{"contribution in cash", contribute("c1", Cash, 100_000), "", ""},
		{"contribution by mobile money", contribute("c2", MobileMoney, 50_000), "", ""},
		{"retry is no new money", contribute("c1", Cash, 100_000), "", ""},
		{"changed retry", contribute("c1", Cash, 100_001), muster.Conflict, "different content"},
		{"bad channel", contribute("c3", "crypto", 5), muster.Invalid, "channel"},
		{"zero amount", contribute("c3", Cash, 0), muster.Invalid, "not a positive"},
		{"bad key", contribute("c 3", Cash, 5), muster.Invalid, "id"},
		{"allocate", func() ([]ledger.Transfer, error) {
			return Allocate(Allocation{Key: "a1", Programme: "agriculture", Amount: 120_000})
		}, "", ""},
		{"allocate more than unallocated", func() ([]ledger.Transfer, error) {
			return Allocate(Allocation{Key: "a2", Programme: "agriculture", Amount: 30_001})
		}, muster.Conflict, "overdraw account fund:unallocated"},
		{"allocate to unknown programme", func() ([]ledger.Transfer, error) {
			return Allocate(Allocation{Key: "a3", Programme: "fisheries", Amount: 1})
		}, muster.NotFound, "programme:fisheries"},
		{"fund compensation", func() ([]ledger.Transfer, error) {
			return Allocate(Allocation{Key: "a4", Programme: CompensationProgramme, Amount: 30_000})
		}, "", ""},
		{"spend", func() ([]ledger.Transfer, error) {
			return Spend(Spending{Key: "s1", Programme: "agriculture", Channel: Cash, Amount: 90_000, Memo: "millet seed, Dosso"})
		}, "", ""},
		{"spend beyond the programme", func() ([]ledger.Transfer, error) {
			return Spend(Spending{Key: "s2", Programme: "agriculture", Channel: MobileMoney, Amount: 30_001, Memo: "more seed"})
		}, muster.Conflict, "overdraw account programme:agriculture"},
		{"spend beyond the holding", func() ([]ledger.Transfer, error) {
			return Spend(Spending{Key: "s3", Programme: "agriculture", Channel: Cash, Amount: 10_001, Memo: "tools"})
		}, muster.Conflict, "overdraw account fund:cash:cash"},
		{"spend without memo", func() ([]ledger.Transfer, error) {
			return Spend(Spending{Key: "s4", Programme: "agriculture", Channel: Cash, Amount: 1})
		}, muster.Invalid, "what it is for"},
		{"spend compensation", func() ([]ledger.Transfer, error) {
			return Spend(Spending{Key: "s5", Programme: CompensationProgramme, Channel: Cash, Amount: 1, Memo: "x"})
		}, muster.Invalid, "fund pay"},
		{"move to the bank", func() ([]ledger.Transfer, error) {
			return Move(Movement{Key: "m1", From: Cash, To: Bank, Amount: 10_000})
		}, "", ""},
		{"move to itself", func() ([]ledger.Transfer, error) {
			return Move(Movement{Key: "m2", From: Bank, To: Bank, Amount: 1})
		}, muster.Invalid, "both bank"},
		{"owe", func() ([]ledger.Transfer, error) { return Owe(order1, 45_000, t0) }, "", ""},
		{"pay part", func() ([]ledger.Transfer, error) {
			return Pay(Payment{Key: "p1", Order: order1, Channel: MobileMoney, Amount: 20_000, Reference: "MP-OUT-1"})
		}, "", ""},
		{"pay more than owed", func() ([]ledger.Transfer, error) {
			return Pay(Payment{Key: "p2", Order: order1, Channel: MobileMoney, Amount: 25_001})
		}, muster.Conflict, "overdraw account payable:order:" + order1},
		{"pay beyond the compensation programme", func() ([]ledger.Transfer, error) {
			return Pay(Payment{Key: "p3", Order: order1, Channel: MobileMoney, Amount: 10_001})
		}, muster.Conflict, "overdraw account programme:compensation"},
		{"pay the rest", func() ([]ledger.Transfer, error) {
			return Pay(Payment{Key: "p4", Order: order1, Channel: Bank, Amount: 10_000})
		}, "", ""},
	}
	b := newBook(t, "agriculture")
	for _, s := range steps {
		batch, err := s.batch()
		if err == nil {
			_, err = apply(b, batch)
		}
		if muster.ErrorKind(err) != s.kind || (s.msg != "" && !strings.Contains(err.Error(), s.msg)) {
			t.Fatalf("%s: err = %v, want %q containing %q", s.name, err, s.kind, s.msg)
		}
	}
	if ps := b.Check(); ps != nil {
		t.Fatalf("book check: %v", ps)
	}
	want := map[string]int64{
		HoldingAccount(Cash): 0, HoldingAccount(Bank): 0, HoldingAccount(MobileMoney): 30_000,
		UnallocatedAccount: 0, ProgrammeAccount("agriculture"): 30_000, ProgrammeAccount(CompensationProgramme): 0,
		PayableAccount(order1): 15_000, CompensationExpense: 15_000,
	}
	for id, w := range want {
		if got := b.Balance(id); got != w {
			t.Errorf("%s = %d, want %d", id, got, w)
		}
	}
}

func TestPayIsLinkedAndPublic(t *testing.T) {
	batch, err := Pay(Payment{Key: "k", Order: order1, Channel: Cash, Amount: 5, At: t0})
	if err != nil || len(batch) != 2 || batch[0].Linked == "" || batch[0].Linked != batch[1].Linked {
		t.Fatalf("pay = %+v, %v", batch, err)
	}
	if _, err := Pay(Payment{Key: "k", Order: order1, Channel: Cash, Amount: 5, Reference: strings.Repeat("x", 300)}); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("long reference: %v", err)
	}
	if got, _ := Owe(order1, 0, t0); got != nil {
		t.Errorf("owing nothing gave %v", got)
	}
	if _, err := Owe("not/an/id", 5, t0); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("bad order id: %v", err)
	}
}

func TestContributionIdentity(t *testing.T) {
	tests := []struct {
		name string
		c    Contribution
		id   string
		msg  string
	}{
		{"treasurer", Contribution{Key: "k1", Channel: Bank, Amount: 5}, "ctb:k1", ""},
		{"provider", Contribution{Provider: "orange-money", ProviderTx: "TX.1", Channel: MobileMoney, Amount: 5}, "mm:orange-money:TX.1", ""},
		{"named", Contribution{Key: "k2", Channel: Cash, Amount: 5, Contributor: "Mariama Hamani"}, "ctb:k2", ""},
		{"padded name", Contribution{Key: "k3", Channel: Cash, Amount: 5, Contributor: " Mariama"}, "", "contributor name"},
		{"provider and key", Contribution{Key: "k", Provider: "orange-money", ProviderTx: "TX", Channel: MobileMoney, Amount: 5}, "", "not a key"},
		{"provider by cash", Contribution{Provider: "orange-money", ProviderTx: "TX", Channel: Cash, Amount: 5}, "", "mobile_money"},
		{"tx without provider", Contribution{Key: "k", ProviderTx: "TX", Channel: Cash, Amount: 5}, "", "needs its provider"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			batch, err := Contribute(tc.c)
			if tc.msg != "" {
				if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err = %v, want %q", err, tc.msg)
				}
				return
			}
			if err != nil || len(batch) != 1 || batch[0].ID != tc.id {
				t.Fatalf("contribute = %+v, %v; want id %s", batch, err, tc.id)
			}
			if tc.c.Contributor != "" && strings.Contains(batch[0].Memo, tc.c.Contributor) {
				t.Errorf("the contributor's name is in the transfer: %+v", batch[0])
			}
		})
	}
}
