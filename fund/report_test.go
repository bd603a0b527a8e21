package fund

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/tlog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// scenario is a small fund over two months: contributions by every
// channel (one reversed), two programmes, spending, a move, compensation
// owed on two orders and one of them paid in two parts.
func scenario(t testing.TB) *ledger.Book {
	t.Helper()
	b := newBook(t, "agriculture", "military-equipment")
	nov, dec := t0, t0.AddDate(0, 1, 0)
	must := func(batch []ledger.Transfer, err error) {
		t.Helper()
		if err == nil {
			_, err = apply(b, batch)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	must(Contribute(Contribution{Key: "c1", Channel: Cash, Amount: 400_000, At: nov}))
	must(Contribute(Contribution{Key: "c2", Channel: Bank, Amount: 1_000_000, At: nov}))
	must(Contribute(Contribution{Provider: "orange-money", ProviderTx: "TX1", Channel: MobileMoney, Amount: 25_000, At: nov}))
	must(Contribute(Contribution{Key: "c3", Channel: Bank, Amount: 70_000, At: nov}))
	c3, _ := b.Transfer("ctb:c3")
	must([]ledger.Transfer{c3.Reversal("ctb:c3:bounced", nov, "cheque bounced")}, nil)
	must(Allocate(Allocation{Key: "a1", Programme: "agriculture", Amount: 600_000, At: nov}))
	must(Allocate(Allocation{Key: "a2", Programme: "military-equipment", Amount: 500_000, At: nov}))
	must(Allocate(Allocation{Key: "a3", Programme: CompensationProgramme, Amount: 200_000, At: nov}))
	must(Spend(Spending{Key: "s1", Programme: "agriculture", Channel: Cash, Amount: 350_000, Memo: "seed", At: nov}))
	must(Move(Movement{Key: "m1", From: Bank, To: MobileMoney, Amount: 100_000, At: dec}))
	must(Spend(Spending{Key: "s2", Programme: "military-equipment", Channel: Bank, Amount: 480_000, Memo: "radios", At: dec}))
	must(Owe(order1, 150_000, dec))
	must(Owe("01JD5Q0W8XK3M9T7R2B4C6N8PB", 90_000, dec))
	must(Pay(Payment{Key: "p1", Order: order1, Channel: MobileMoney, Amount: 100_000, At: dec}))
	must(Pay(Payment{Key: "p2", Order: order1, Channel: Bank, Amount: 50_000, At: dec}))
	return b
}

func TestReportScenario(t *testing.T) {
	b := scenario(t)
	cp := Checkpoint{Size: 42, RootHash: bytes.Repeat([]byte{7}, 32)}
	r, err := Compute(b.Transfers(), b.Accounts(), cp)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if !c.Holds {
			t.Errorf("check %s: %d ≠ %d", c.Name, c.Left, c.Right)
		}
	}
	want := Totals{Contributions: 1_425_000, Allocated: 1_300_000, Spent: 830_000, CompensationOwed: 240_000, CompensationPaid: 150_000,
		Held: 445_000, Unallocated: 125_000, Programmes: 320_000, Outstanding: 90_000, OrdersOwed: 2, OrdersSettled: 1}
	if r.Totals != want {
		t.Errorf("totals\n got %+v\nwant %+v", r.Totals, want)
	}
	compareBalances(t, r, b)
	if len(r.Months) != 2 || r.Months[0].Month != "2026-11" || r.Months[1].CompensationPaid != 150_000 {
		t.Errorf("months %+v", r.Months)
	}
	golden(t, "report.golden.json", r)
}

// compareBalances checks the report's balances against the book's.
func compareBalances(t *testing.T, r Report, b *ledger.Book) {
	t.Helper()
	for _, c := range r.Channels {
		if got := b.Balance(HoldingAccount(c.Channel)); got != c.Held {
			t.Errorf("channel %s holds %d in the report, %d in the ledger", c.Channel, c.Held, got)
		}
	}
	for _, p := range r.Programmes {
		if got := b.Balance(ProgrammeAccount(p.Slug)); got != p.Balance || p.Balance < 0 {
			t.Errorf("programme %s holds %d in the report, %d in the ledger", p.Slug, p.Balance, got)
		}
	}
	if got := b.Balance(UnallocatedAccount); got != r.Totals.Unallocated {
		t.Errorf("unallocated %d in the report, %d in the ledger", r.Totals.Unallocated, got)
	}
	if got := b.Balance(CompensationExpense); got != r.Totals.Outstanding {
		t.Errorf("outstanding %d in the report, expense %d in the ledger", r.Totals.Outstanding, got)
	}
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		t.Errorf("%s differs from the report (go test -update rewrites it); got\n%s", path, got)
	}
}

// TestReportDetects checks that a transfer outside the use cases, or a
// forged amount, fails a check instead of vanishing from the totals.
func TestReportDetects(t *testing.T) {
	b := scenario(t)
	base := b.Transfers()
	tests := []struct {
		name   string
		extra  ledger.Transfer
		failed string
	}{
		{"money out of a holding to nowhere known", ledger.Transfer{ID: "x1", Debit: "expense:misc", Credit: HoldingAccount(Bank), Amount: 5, Currency: Currency, At: t0},
			"in_minus_out_equals_held"},
		{"unallocated straight to a holding", ledger.Transfer{ID: "x2", Debit: HoldingAccount(Cash), Credit: ProgrammeAccount(CompensationProgramme), Amount: 5, Currency: Currency, At: t0},
			"every_transfer_classified"},
		{"one leg of a payment reversed", ledger.Transfer{ID: "x4", Debit: HoldingAccount(Bank), Credit: PayableAccount(order1), Amount: 50_000, Currency: Currency, At: t0, Reverses: "pay:p2"},
			"outstanding_equals_compensation_expense"},
		{"overflowing amount", ledger.Transfer{ID: "x3", Debit: HoldingAccount(Cash), Credit: UnallocatedAccount, Amount: math.MaxInt64, Currency: Currency, At: t0},
			"no_sum_overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(append(base[:len(base):len(base)], tc.extra), nil, Checkpoint{})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() {
				t.Fatal("every check holds")
			}
			for _, c := range r.Checks {
				if c.Name == tc.failed && c.Holds {
					t.Errorf("check %s holds", tc.failed)
				}
			}
		})
	}
	// Transfers between accounts outside the fund are counted apart.
	r, _ := Compute(append(base, ledger.Transfer{ID: "o", Debit: "asset:x", Credit: "income:y", Amount: 9, Currency: Currency, At: t0}), nil, Checkpoint{})
	if !r.OK() || r.Outside != 1 {
		t.Errorf("outside transfer: ok %v, outside %d", r.OK(), r.Outside)
	}
	if err := NewTally().AddFlow(Flow{Debit: "fund:cash:cash", Credit: UnallocatedAccount, Month: "2026-13", Amount: 1, Count: 1}); err == nil {
		t.Error("month 2026-13 accepted")
	}
	if err := NewTally().AddFlow(Flow{Debit: "fund:cash:cash", Credit: UnallocatedAccount, Month: "2026-11", Amount: 0, Count: 1}); err == nil {
		t.Error("zero flow accepted")
	}
}

// TestReportRandom applies thousands of random use cases (with retries
// and reversals) to a book; the report of its transfers must pass every
// check and agree with every balance, and so must the report of the same
// transfers aggregated into flows and of their log leaves.
func TestReportRandom(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			b := newBook(t, "agriculture", "health", "military-equipment")
			randomOps(t, rng, b, 3000)
			transfers := b.Transfers()
			r, err := Compute(transfers, b.Accounts(), Checkpoint{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK() {
				t.Fatalf("checks fail: %+v", r.Checks)
			}
			compareBalances(t, r, b)

			// The same transfers as flows, as a store aggregates them.
			type key struct{ d, c, m string }
			flows := map[key]*Flow{}
			for _, tr := range transfers {
				k := key{tr.Debit, tr.Credit, Month(tr.At)}
				if flows[k] == nil {
					flows[k] = &Flow{Debit: tr.Debit, Credit: tr.Credit, Month: k.m}
				}
				flows[k].Amount += tr.Amount
				flows[k].Count++
			}
			tally := NewTally()
			for _, f := range flows {
				if err := tally.AddFlow(*f); err != nil {
					t.Fatal(err)
				}
			}
			if got := tally.Report(b.Accounts(), Checkpoint{}); !sameJSON(got, r) {
				t.Error("the report of flows differs from the report of transfers")
			}

			// The same transfers read back from their log leaves.
			var leaves [][]byte
			for _, tr := range transfers {
				e := tlog.Entry{Kind: LeafKind, Subject: tr.ID, Event: "applied", At: tr.At.Truncate(time.Millisecond),
					Data: map[string]string{"debit": tr.Debit, "credit": tr.Credit, "amount": strconv.FormatInt(tr.Amount, 10), "currency": tr.Currency}}
				leaves = append(leaves, e.MarshalLeaf())
			}
			leaves = append(leaves, (&tlog.Entry{Kind: "order.event", Event: "issue", At: t0}).MarshalLeaf())
			if got, err := ReportFromLeaves(leaves, b.Accounts(), Checkpoint{}); err != nil || !sameJSON(got, r) {
				t.Errorf("the report recomputed from log leaves differs: %v", err)
			}
			if _, err := ReportFromLeaves([][]byte{[]byte("{")}, nil, Checkpoint{}); err == nil {
				t.Error("a malformed leaf is accepted")
			}
		})
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// randomOps applies n random use cases to b, some refused (overdrafts),
// some retried, some reversed, over a few months.
func randomOps(t testing.TB, rng *rand.Rand, b *ledger.Book, n int) {
	progs := []string{"agriculture", "health", "military-equipment", CompensationProgramme}
	var orders []string
	var applied []ledger.Transfer
	for i := range n {
		at := t0.Add(time.Duration(i) * 37 * time.Minute)
		key := "k" + strconv.Itoa(i)
		ch := Channels[rng.IntN(len(Channels))]
		amount := 1 + rng.Int64N(100_000)
		var batch []ledger.Transfer
		var err error
		switch op := rng.IntN(10); {
		case op < 3:
			batch, err = Contribute(Contribution{Key: key, Channel: ch, Amount: amount, At: at})
		case op < 5:
			batch, err = Allocate(Allocation{Key: key, Programme: progs[rng.IntN(len(progs))], Amount: amount, At: at})
		case op < 6:
			batch, err = Spend(Spending{Key: key, Programme: progs[rng.IntN(3)], Channel: ch, Amount: amount, Memo: "m", At: at})
		case op < 7:
			o := fmt.Sprintf("01JD5Q0W8XK3M9T7R2B4C%05d", i)
			orders = append(orders, o)
			batch, err = Owe(o, amount, at)
		case op < 8 && len(orders) > 0:
			batch, err = Pay(Payment{Key: key, Order: orders[rng.IntN(len(orders))], Channel: ch, Amount: 1 + amount/4, At: at})
		case op < 9:
			batch, err = Move(Movement{Key: key, From: ch, To: Channels[(slicesIndex(ch)+1)%3], Amount: amount / 3, At: at})
		case len(applied) > 0:
			if rng.IntN(2) == 0 { // a retry
				batch = []ledger.Transfer{applied[rng.IntN(len(applied))]}
			} else {
				// A correction undoes a whole use case: both legs of a
				// payment, or the report's identities break (as
				// TestReportDetects shows).
				x := applied[rng.IntN(len(applied))]
				var group []ledger.Transfer
				for _, y := range applied {
					if y.ID == x.ID || (x.Linked != "" && y.Linked == x.Linked) {
						group = append(group, y)
					}
				}
				batch, err = Undo(group, at, "correction")
			}
		}
		if err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
		if got, err := apply(b, batch); err == nil {
			applied = append(applied, got...)
		}
	}
	if len(applied) < n/3 {
		t.Fatalf("only %d of %d operations applied: the mix is too often refused to test much", len(applied), n)
	}
}

func slicesIndex(c Channel) int {
	for i, x := range Channels {
		if x == c {
			return i
		}
	}
	return -1
}

// BenchmarkTally counts 1 M transfers (a mix of every use case) into a
// report and reports transfers per second.
func BenchmarkTally(b *testing.B) {
	book := newBook(b, "agriculture", "health", "military-equipment")
	randomOps(b, rand.New(rand.NewPCG(1, 2)), book, 20_000)
	transfers := book.Transfers()
	accounts := book.Accounts()
	const total = 1_000_000
	b.ReportAllocs()
	for b.Loop() {
		tally := NewTally()
		for i := range total {
			if err := tally.Add(transfers[i%len(transfers)]); err != nil {
				b.Fatal(err)
			}
		}
		tally.Report(accounts, Checkpoint{})
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "transfers/s")
}
