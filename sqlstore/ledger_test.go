package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
)

var ledgerT0 = time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)

var ledgerAccounts = []ledger.Account{
	{ID: "fund:cash", Kind: ledger.Asset, Currency: "XOF", NoOverdraft: true, Name: "Caisse"},
	{ID: "fund:bank", Kind: ledger.Asset, Currency: "XOF", NoOverdraft: true},
	{ID: "income:contributions", Kind: ledger.Income, Currency: "XOF"},
	{ID: "programme:agriculture", Kind: ledger.Liability, Currency: "XOF", NoOverdraft: true},
	{ID: "expense:seeds", Kind: ledger.Expense, Currency: "XOF"},
	{ID: "equity:opening", Kind: ledger.Equity, Currency: "XOF"},
}

func openLedger(t *testing.T, db *DB, books ...*ledger.Book) {
	t.Helper()
	for _, a := range ledgerAccounts {
		if err := db.OpenLedgerAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		for _, b := range books {
			if err := b.Open(a); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func xfer(id, debit, credit string, amount int64) ledger.Transfer {
	return ledger.Transfer{ID: id, Debit: debit, Credit: credit, Amount: amount, Currency: "XOF", At: ledgerT0, Memo: "memo " + id}
}

func mustCheck(t *testing.T, db *DB) {
	t.Helper()
	ps, err := db.LedgerCheck(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		t.Errorf("ledger check: %s", p)
	}
}

func balance(t *testing.T, db *DB, id string) int64 {
	t.Helper()
	b, err := db.LedgerBalance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func logSize(t *testing.T, db *DB) uint64 {
	t.Helper()
	h, err := (logStore{db: db, q: db.sql}).Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h.Size
}

func TestLedgerAccounts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		openLedger(t, db)
		openLedger(t, db) // again: a no-op
		changed := ledgerAccounts[0]
		changed.NoOverdraft = false
		if err := db.OpenLedgerAccount(ctx, changed); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("reopen with other fields: %v, want conflict", err)
		}
		if err := db.OpenLedgerAccount(ctx, ledger.Account{ID: "bad", Kind: ledger.Asset, Currency: "XOF"}); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("bad id: %v, want invalid", err)
		}
		if _, err := db.LedgerBalance(ctx, "fund:nothing"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("unknown balance: %v, want not_found", err)
		}
		got, err := db.LedgerAccount(ctx, "fund:cash")
		if err != nil || got != ledgerAccounts[0] {
			t.Errorf("account = %+v, %v", got, err)
		}
	})
}

func TestLedgerRules(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		openLedger(t, db)
		in := xfer("c1", "fund:cash", "income:contributions", 1000)
		in.At = ledgerT0.In(time.FixedZone("WAT", 3600)) // same instant, other zone
		applied, err := db.ApplyTransfers(ctx, []ledger.Transfer{in, xfer("c2", "fund:bank", "income:contributions", 500)})
		if err != nil || len(applied) != 2 {
			t.Fatalf("apply = %v, %v", applied, err)
		}
		// A retry, alone or with a new transfer, moves nothing again.
		applied, err = db.ApplyTransfers(ctx, []ledger.Transfer{xfer("c1", "fund:cash", "income:contributions", 1000), xfer("c3", "fund:cash", "income:contributions", 1)})
		if err != nil || len(applied) != 1 || applied[0].ID != "c3" {
			t.Fatalf("retry = %v, %v", applied, err)
		}
		if b := balance(t, db, "fund:cash"); b != 1001 {
			t.Errorf("cash = %d, want 1001", b)
		}
		// A retry with other content is a conflict.
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{xfer("c1", "fund:cash", "income:contributions", 999)}); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("changed retry: %v, want conflict", err)
		}
		// A batch whose last transfer fails leaves nothing behind.
		size := logSize(t, db)
		_, err = db.ApplyTransfers(ctx, []ledger.Transfer{
			xfer("a1", "fund:cash", "income:contributions", 10),
			xfer("a2", "expense:seeds", "fund:cash", 5000), // overdraws cash
		})
		if muster.ErrorKind(err) != muster.Conflict || !strings.Contains(err.Error(), "batch[1]") {
			t.Errorf("overdraft: %v, want conflict at batch[1]", err)
		}
		if b := balance(t, db, "fund:cash"); b != 1001 {
			t.Errorf("cash after failed batch = %d, want 1001", b)
		}
		if s := logSize(t, db); s != size {
			t.Errorf("log grew from %d to %d on a failed batch", size, s)
		}
		if _, n, _ := db.LedgerCounts(ctx); n != 3 {
			t.Errorf("%d transfers stored, want 3", n)
		}
		// Unknown account, currency mismatch.
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{xfer("u1", "fund:nothing", "fund:cash", 1)}); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("unknown account: %v", err)
		}
		eur := xfer("e1", "fund:bank", "fund:cash", 1)
		eur.Currency = "EUR"
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{eur}); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("currency: %v", err)
		}
		// Reversal: must mirror, once.
		bad := xfer("r0", "fund:cash", "income:contributions", 500)
		bad.Reverses = "c2"
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{bad}); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("non-mirroring reversal: %v", err)
		}
		c2, _ := xfer("c2", "fund:bank", "income:contributions", 500), 0
		rev := c2.Reversal("r1", ledgerT0.Add(time.Hour), "correction")
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{rev}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{rev}); err != nil {
			t.Errorf("retried reversal: %v", err)
		}
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{c2.Reversal("r2", ledgerT0.Add(time.Hour), "again")}); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("second reversal: %v, want conflict", err)
		}
		if b := balance(t, db, "fund:bank"); b != 0 {
			t.Errorf("bank after reversal = %d", b)
		}
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{xfer("x1", "fund:bank", "fund:cash", 1).Reversal("r3", ledgerT0, "")}); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("reversal of unknown: %v", err)
		}
		// Link groups are never reopened.
		l1, l2 := xfer("l1", "fund:cash", "income:contributions", 1), xfer("l2", "fund:cash", "income:contributions", 2)
		l1.Linked, l2.Linked = "g1", "g1"
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{l1, l2}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{l1}); err != nil {
			t.Errorf("retried linked: %v", err)
		}
		l3 := xfer("l3", "fund:cash", "income:contributions", 3)
		l3.Linked = "g1"
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{l3}); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("reopened group: %v, want conflict", err)
		}
		// No-overdraft on a credit-normal account.
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{xfer("p1", "programme:agriculture", "fund:cash", 1)}); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("programme overdraft: %v, want conflict", err)
		}
		// Each transfer's leaf is at its log index and holds no memo.
		rows, err := db.sql.QueryContext(ctx, `SELECT `+ledgerTransferColumns+`, log_index FROM ledger_transfers`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var st seqTransfer
			var at string
			var idx uint64
			tr := &st.t
			if err := rows.Scan(&st.seq, &tr.ID, &tr.Debit, &tr.Credit, &tr.Amount, &tr.Currency, &at, &tr.Memo, &tr.Linked, &tr.Reverses, &idx); err != nil {
				t.Fatal(err)
			}
			tr.At, _ = time.Parse(time.RFC3339Nano, at)
			leaf, err := db.Log().Leaf(ctx, idx)
			if err != nil {
				t.Fatal(err)
			}
			if want := transferEntry(*tr).MarshalLeaf(); string(leaf) != string(want) {
				t.Errorf("leaf %d = %s, want %s", idx, leaf, want)
			}
			if tr.Memo != "" && strings.Contains(string(leaf), tr.Memo) {
				t.Errorf("leaf %d holds the memo: %s", idx, leaf)
			}
			n++
		}
		rows.Close()
		if n != 6 {
			t.Errorf("%d transfers, want 6", n)
		}
		mustCheck(t, db)
	})
}

// TestLedgerConcurrentWriters has 8 writers apply overlapping batches,
// each retried until it goes through; every transfer is applied once.
func TestLedgerConcurrentWriters(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		openLedger(t, db)
		const writers, batches, per = 8, 10, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		appliedBy := map[string]int{}
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for b := 0; b < batches; b++ {
					// Writers w and w+1 share half of their ids: overlapping batches.
					var batch []ledger.Transfer
					for i := 0; i < per; i++ {
						owner := w
						if i%2 == 1 {
							owner = (w + 1) % writers
						}
						id := fmt.Sprintf("w%d-b%d-t%d", owner, b, i)
						batch = append(batch, xfer(id, "fund:cash", "income:contributions", int64(1+i)))
						if i%5 == 4 { // spend some of it, never more than came in before
							batch = append(batch, xfer(id+"-s", "expense:seeds", "fund:cash", 1))
						}
					}
					for attempt := 0; ; attempt++ {
						applied, err := db.ApplyTransfers(ctx, batch)
						if err == nil {
							mu.Lock()
							for _, a := range applied {
								appliedBy[a.ID]++
							}
							mu.Unlock()
							break
						}
						if attempt == 20 {
							errs <- err
							return
						}
						time.Sleep(time.Duration(attempt+1) * time.Millisecond)
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		mustCheck(t, db)
		_, n, err := db.LedgerCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if int(n) != len(appliedBy) {
			t.Errorf("%d transfers stored, %d distinct applied", n, len(appliedBy))
		}
		for id, k := range appliedBy {
			if k != 1 {
				t.Errorf("%s applied %d times", id, k)
			}
		}
		if want := writers * batches * (per + per/5); len(appliedBy) != want {
			t.Errorf("%d transfers applied, want %d", len(appliedBy), want)
		}
	})
}

// TestLedgerRandomized feeds the same random batches (new transfers,
// retries, changed retries, reversals, linked groups, overdrafts) to the
// store and to an in-memory ledger.Book: both must accept and refuse the
// same batches, with the same errors, and end with the same balances.
func TestLedgerRandomized(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		book := ledger.NewBook()
		openLedger(t, db, book)
		usd := ledger.Account{ID: "fund:usd", Kind: ledger.Asset, Currency: "USD"}
		if err := db.OpenLedgerAccount(ctx, usd); err != nil {
			t.Fatal(err)
		}
		book.Open(usd)
		rng := rand.New(rand.NewPCG(1, 2))
		var ids []string
		n := 3000
		if testing.Short() {
			n = 500
		}
		acct := func() string { return ledgerAccounts[rng.IntN(len(ledgerAccounts))].ID }
		made, refused := 0, 0
		for made < n {
			var batch []ledger.Transfer
			group := ""
			if rng.IntN(5) == 0 {
				group = fmt.Sprintf("g%d", rng.IntN(50))
			}
			for k := 1 + rng.IntN(8); k > 0; k-- {
				var tr ledger.Transfer
				switch r := rng.IntN(100); {
				case r < 10 && len(ids) > 0: // retry
					tr, _ = book.Transfer(ids[rng.IntN(len(ids))])
				case r < 12 && len(ids) > 0: // changed retry
					tr, _ = book.Transfer(ids[rng.IntN(len(ids))])
					tr.Amount++
				case r < 20 && len(ids) > 0: // reversal, maybe a second one
					x, _ := book.Transfer(ids[rng.IntN(len(ids))])
					tr = x.Reversal(fmt.Sprintf("r%d", made+k), ledgerT0, "")
				case r < 22:
					tr = xfer(fmt.Sprintf("t%d-%d", made, k), "fund:usd", acct(), 1) // currency mismatch
					tr.Currency = "USD"
				case r < 60: // money coming in
					d, c := "fund:cash", "income:contributions"
					if r%2 == 0 {
						d, c = "fund:bank", "equity:opening"
					}
					tr = xfer(fmt.Sprintf("t%d-%d", made, k), d, c, 1+rng.Int64N(1000))
				default:
					d, c := acct(), acct()
					tr = xfer(fmt.Sprintf("t%d-%d", made, k), d, c, 1+rng.Int64N(1000))
					tr.At = ledgerT0.Add(time.Duration(rng.Int64N(1e12)))
				}
				if group != "" && tr.Reverses == "" && !strings.HasPrefix(tr.ID, "r") {
					if _, old := book.Transfer(tr.ID); !old {
						tr.Linked = group
					}
				}
				batch = append(batch, tr)
			}
			want, wantErr := book.Apply(batch)
			got, gotErr := db.ApplyTransfers(ctx, batch)
			if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
				t.Fatalf("batch %v:\nbook  %v\nstore %v", batch, wantErr, gotErr)
			}
			if len(want) != len(got) {
				t.Fatalf("book applied %d, store %d", len(want), len(got))
			}
			for _, a := range want {
				ids = append(ids, a.ID)
			}
			made += len(want)
			if wantErr != nil {
				refused++
			}
		}
		t.Logf("%d transfers applied, %d batches refused", made, refused)
		for _, a := range book.Accounts() {
			if got := balance(t, db, a.ID); got != book.Balance(a.ID) {
				t.Errorf("%s: store %d, book %d", a.ID, got, book.Balance(a.ID))
			}
		}
		if _, n, _ := db.LedgerCounts(ctx); int(n) != book.Len() {
			t.Errorf("store holds %d transfers, book %d", n, book.Len())
		}
		mustCheck(t, db)
	})
}

// TestLedgerCheckFindsTampering edits the stored ledger behind the store's
// back; LedgerCheck must say what is wrong.
func TestLedgerCheckFindsTampering(t *testing.T) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"total", `UPDATE ledger_accounts SET debits = debits + 1 WHERE id = 'fund:cash'`, "account fund:cash: debits 1001, but its transfers debit 1000"},
		{"amount", `UPDATE ledger_transfers SET amount = 400 WHERE id = 't2'`, "account fund:cash: credits 300, but its transfers credit 400"},
		{"overdraft", `UPDATE ledger_accounts SET credits = 2000 WHERE id = 'fund:cash'`, "no-overdraft account has balance -1000"},
		{"reversal", `UPDATE ledger_transfers SET reverses = 't1' WHERE id = 't2'`, "transfer t2: does not mirror the transfer t1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *DB) {
				ctx := context.Background()
				openLedger(t, db)
				if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{
					xfer("t1", "fund:cash", "income:contributions", 1000),
					xfer("t2", "expense:seeds", "fund:cash", 300),
				}); err != nil {
					t.Fatal(err)
				}
				mustCheck(t, db)
				if _, err := db.sql.ExecContext(ctx, c.sql); err != nil {
					t.Fatal(err)
				}
				ps, err := db.LedgerCheck(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var all []string
				for _, p := range ps {
					all = append(all, p.String())
				}
				if !strings.Contains(strings.Join(all, "\n"), c.want) {
					t.Errorf("problems %q, want one containing %q", all, c.want)
				}
			})
		})
	}
}
