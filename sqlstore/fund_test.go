package sqlstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/seal"
)

var treasurer = order.Actor{Role: auth.Treasurer, Name: "treasurer.ne"}

// releasedOrders drafts n call-ups and carries them to released, each with
// compensation computed from its own daily rate (10,000 XOF × its number).
func releasedOrders(t *testing.T, db *DB, n int) []IssuedOrder {
	t.Helper()
	ctx := context.Background()
	seedOrders(t, db)
	drafts := make([]order.Order, n)
	for i := range drafts {
		drafts[i] = callUp("NE0001")
	}
	drafted, err := db.DraftOrders(ctx, drafts, officer)
	if err != nil {
		t.Fatal(err)
	}
	var out []IssuedOrder
	for i, d := range drafted {
		if _, err := db.ApproveOrders(ctx, []string{d.ID}, approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		rates := order.Rates{DefaultServicePerDay: 10_000 * int64(i+1)}
		for _, c := range []Change{{Event: order.EventNotify, Actor: officer}, {Event: order.EventFulfil, Actor: officer},
			{Event: order.EventRelease, Actor: officer, Rates: &rates}} {
			if _, err := db.ApplyOrderEvent(ctx, d.ID, "", c); err != nil {
				t.Fatalf("%s: %v", c.Event, err)
			}
		}
		o, err := db.Order(ctx, d.ID, "")
		if err != nil || o.Compensation == nil {
			t.Fatalf("order %s: %+v, %v", d.ID, o.Compensation, err)
		}
		out = append(out, o)
	}
	return out
}

// mustFund returns the batch of a fund use case that must succeed:
// mustFund(t)(fund.Allocate(...)).
// payInFull gives the fund what order idOrCode owes, allocates it to the
// compensation programme and pays it all, which records the order's
// compensate event as by; it returns the order.
func payInFull(t *testing.T, db *DB, idOrCode string, by order.Actor) IssuedOrder {
	t.Helper()
	ctx := context.Background()
	p, err := db.Payable(ctx, idOrCode, "")
	if err != nil || p.Outstanding <= 0 {
		t.Fatalf("payable of %s: %+v, %v", idOrCode, p, err)
	}
	key := "in-full-" + p.Order
	if _, err := db.RecordContribution(ctx, fund.Contribution{Key: key, Channel: fund.Bank, Amount: p.Outstanding}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplyFund(ctx, mustFund(t)(fund.Allocate(fund.Allocation{Key: key, Programme: fund.CompensationProgramme, Amount: p.Outstanding}))); err != nil {
		t.Fatal(err)
	}
	if p, err = db.PayCompensation(ctx, fund.Payment{Key: key, Order: p.Order, Channel: fund.Bank}, by, ""); err != nil || p.State != order.StateCompensated {
		t.Fatalf("paying %s in full: %+v, %v", idOrCode, p, err)
	}
	o, err := db.Order(ctx, p.Order, "")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustFund(t testing.TB) func([]ledger.Transfer, error) []ledger.Transfer {
	return func(batch []ledger.Transfer, err error) []ledger.Transfer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return batch
	}
}

func TestFundUseCases(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.AddProgramme(ctx, fund.ProgrammeDef{Slug: "agriculture", Name: "Agriculture"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddProgramme(ctx, fund.ProgrammeDef{Slug: "agriculture", Name: "Autre nom"}); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("programme renamed: %v", err)
		}
		c, err := db.RecordContribution(ctx, fund.Contribution{Key: "c1", Channel: fund.Cash, Amount: 100_000, Contributor: "Mariama Hamani"}, "treasurer.ne")
		if err != nil || c.Replayed || c.Transfer.At.IsZero() {
			t.Fatalf("contribution: %+v, %v", c, err)
		}
		again, err := db.RecordContribution(ctx, fund.Contribution{Key: "c1", Channel: fund.Cash, Amount: 100_000, Contributor: "Mariama Hamani"}, "treasurer.ne")
		if err != nil || !again.Replayed || !again.Transfer.Same(c.Transfer) || again.LogIndex != c.LogIndex {
			t.Fatalf("retry without a time: %+v, %v", again, err)
		}
		for _, changed := range []fund.Contribution{
			{Key: "c1", Channel: fund.Cash, Amount: 100_001, Contributor: "Mariama Hamani"},
			{Key: "c1", Channel: fund.Cash, Amount: 100_000},
		} {
			if _, err := db.RecordContribution(ctx, changed, "treasurer.ne"); muster.ErrorKind(err) != muster.Conflict {
				t.Errorf("changed retry %+v: %v", changed, err)
			}
		}
		steps := []struct {
			name  string
			batch []ledger.Transfer
			kind  muster.Kind
			msg   string
		}{
			{"allocate", mustFund(t)(fund.Allocate(fund.Allocation{Key: "a1", Programme: "agriculture", Amount: 80_000})), "", ""},
			{"allocate to no programme", mustFund(t)(fund.Allocate(fund.Allocation{Key: "a2", Programme: "fisheries", Amount: 1})), muster.NotFound, "add the programme first"},
			{"spend", mustFund(t)(fund.Spend(fund.Spending{Key: "s1", Programme: "agriculture", Channel: fund.Cash, Amount: 50_000, Memo: "seed"})), "", ""},
			{"spend beyond", mustFund(t)(fund.Spend(fund.Spending{Key: "s2", Programme: "agriculture", Channel: fund.Cash, Amount: 30_001, Memo: "seed"})), muster.Conflict, "overdraw account programme:agriculture"},
			{"move", mustFund(t)(fund.Move(fund.Movement{Key: "m1", From: fund.Cash, To: fund.Bank, Amount: 40_000})), "", ""},
			{"spend from a holding that has none", mustFund(t)(fund.Spend(fund.Spending{Key: "s3", Programme: "agriculture", Channel: fund.Cash, Amount: 20_000, Memo: "tools"})), muster.Conflict, "overdraw account fund:cash:cash"},
		}
		for _, s := range steps {
			_, err := db.ApplyFund(ctx, s.batch)
			if muster.ErrorKind(err) != s.kind || (s.msg != "" && !strings.Contains(err.Error(), s.msg)) {
				t.Errorf("%s: %v, want %q with %q", s.name, err, s.kind, s.msg)
			}
		}
		if _, err := db.UndoFund(ctx, "ctb:c1", "counted twice"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("undoing an allocated contribution: %v", err) // the unallocated balance cannot go below zero
		}
		mustCheck(t, db)
		progs, err := db.Programmes(ctx)
		if err != nil || len(progs) != 2 || progs[0] != (FundProgramme{"agriculture", "Agriculture", 30_000}) || progs[1].Slug != "compensation" {
			t.Errorf("programmes = %+v, %v", progs, err)
		}
		r := currentReport(t, db)
		if r.Totals.Contributions != 100_000 || r.Totals.Held != 50_000 || len(r.Named) != 1 || r.Named[0].Name != "Mariama Hamani" {
			t.Errorf("report totals %+v, named %+v", r.Totals, r.Named)
		}
		// The name is in no log leaf.
		size := logSize(t, db)
		leaves, _ := (logStore{db: db, q: db.sql}).Leaves(ctx, 0, size)
		for _, l := range leaves {
			if strings.Contains(string(l.Data), "Mariama") || strings.Contains(string(l.Data), "Hamani") {
				t.Errorf("leaf %d names the contributor: %s", l.Index, l.Data)
			}
		}
	})
}

// currentReport checks and returns the report at the log's current size.
func currentReport(t *testing.T, db *DB) fund.Report {
	t.Helper()
	ctx := context.Background()
	cp, err := db.FundCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.FundReport(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if !c.Holds {
			t.Errorf("report check %s: %d ≠ %d", c.Name, c.Left, c.Right)
		}
	}
	return r
}

func TestFundWebhookIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		note := fund.Contribution{Provider: "orange-money", ProviderTx: "MP.1", Channel: fund.MobileMoney, Amount: 5000, At: ledgerT0}
		// The same notification delivered eight times at once.
		var wg sync.WaitGroup
		results := make([]FundContribution, 8)
		errs := make([]error, 8)
		for i := range results {
			wg.Go(func() { results[i], errs[i] = db.RecordContribution(ctx, note, "webhook:orange-money") })
		}
		wg.Wait()
		fresh := 0
		for i := range results {
			if errs[i] != nil {
				t.Fatalf("delivery %d: %v", i, errs[i])
			}
			if !results[i].Replayed {
				fresh++
			}
			if results[i].LogIndex != results[0].LogIndex || !results[i].Transfer.Same(results[0].Transfer) {
				t.Errorf("delivery %d answered %+v, delivery 0 %+v", i, results[i], results[0])
			}
		}
		if fresh != 1 || balance(t, db, fund.HoldingAccount(fund.MobileMoney)) != 5000 {
			t.Errorf("%d deliveries recorded, wallet holds %d", fresh, balance(t, db, fund.HoldingAccount(fund.MobileMoney)))
		}
		changed := note
		changed.Amount = 5001
		if _, err := db.RecordContribution(ctx, changed, "webhook:orange-money"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("same transaction, other amount: %v", err)
		}
		changed = note
		changed.Contributor = "Ibrahim"
		if _, err := db.RecordContribution(ctx, changed, "webhook:orange-money"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("same transaction, now named: %v", err)
		}
		mustCheck(t, db)
	})
}

func TestFundCompensation(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		orders := releasedOrders(t, db, 2)
		o := orders[1] // owes 20,000 XOF: one day at 20,000
		p, err := db.Payable(ctx, o.ID, "")
		if err != nil || p.Owed != 20_000 || p.Outstanding != 20_000 || p.Settled || p.State != order.StateReleased {
			t.Fatalf("payable after release: %+v, %v", p, err)
		}
		if _, err := db.ApplyOrderEvent(ctx, o.ID, "", Change{Event: order.EventCompensate, Actor: treasurer}); muster.ErrorKind(err) != muster.Conflict ||
			!strings.Contains(err.Error(), "20000 XOF owed are not paid") {
			t.Fatalf("compensate before payment: %v", err)
		}
		pay := func(key string, amount int64) (FundPayable, error) {
			return db.PayCompensation(ctx, fund.Payment{Key: key, Order: string(o.Code), Channel: fund.MobileMoney, Amount: amount, Reference: "OUT-" + key}, treasurer, "")
		}
		if _, err := pay("p1", 5000); muster.ErrorKind(err) != muster.Conflict || !strings.Contains(err.Error(), "overdraw account fund:cash:mobile_money") {
			t.Fatalf("payment from an empty wallet: %v", err)
		}
		db.RecordContribution(ctx, fund.Contribution{Key: "c1", Channel: fund.MobileMoney, Amount: 50_000}, "t")
		if _, err := pay("p1", 5000); muster.ErrorKind(err) != muster.Conflict || !strings.Contains(err.Error(), "allocate money to the compensation programme") {
			t.Fatalf("payment without money in the programme: %v", err)
		}
		db.ApplyFund(ctx, mustFund(t)(fund.Allocate(fund.Allocation{Key: "a1", Programme: fund.CompensationProgramme, Amount: 30_000})))
		if p, err = pay("p1", 5000); err != nil || p.Paid != 5000 || p.State != order.StateReleased {
			t.Fatalf("part payment: %+v, %v", p, err)
		}
		if _, err := pay("p2", 15_001); muster.ErrorKind(err) != muster.Conflict || !strings.Contains(err.Error(), "overdraw account payable:order:") {
			t.Fatalf("overpayment: %v", err)
		}
		if p, err = pay("p2", 0); err != nil || !p.Settled || p.State != order.StateCompensated || len(p.Payments) != 2 {
			t.Fatalf("paying the rest: %+v, %v", p, err)
		}
		if p, err = pay("p2", 0); err != nil || p.State != order.StateCompensated {
			t.Fatalf("the same payment again: %+v, %v", p, err)
		}
		if _, err := db.UndoFund(ctx, "pay:p1", "wrong wallet"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("undoing a payment of a compensated order: %v", err)
		}
		if _, err := db.UndoFund(ctx, fund.OwedTransferID(o.ID), "x"); muster.ErrorKind(err) != muster.Conflict {
			t.Errorf("undoing compensation owed: %v", err)
		}
		// An order with no compensation computed may be compensated as before.
		if _, err := db.PayCompensation(ctx, fund.Payment{Key: "p3", Order: orders[0].ID, Channel: fund.Cash, Amount: 1}, treasurer, "NE.DF"); muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("payment out of jurisdiction: %v", err)
		}
		mustCheck(t, db)
		r := currentReport(t, db)
		if r.Totals.CompensationOwed != 30_000 || r.Totals.CompensationPaid != 20_000 || r.Totals.Outstanding != 10_000 ||
			r.Totals.OrdersOwed != 2 || r.Totals.OrdersSettled != 1 {
			t.Errorf("report totals %+v", r.Totals)
		}
		if o := payInFull(t, db, orders[0].ID, treasurer); o.State != order.StateCompensated {
			t.Errorf("the other order is %s", o.State)
		}
	})
}

// TestFundRandomConcurrent runs four writers applying random use cases,
// many of them retried (sometimes while the first attempt still runs) and
// some undone, then checks the invariants: the ledger check is clean, no
// programme is below zero, every report check holds, the report's balances
// are the ledger's, contributions count each key once, and the report
// recomputed from the transparency log's leaves is the same report.
func TestFundRandomConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		orders := releasedOrders(t, db, 6)
		for _, slug := range []string{"agriculture", "health"} {
			if _, err := db.AddProgramme(ctx, fund.ProgrammeDef{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:]}); err != nil {
				t.Fatal(err)
			}
		}
		const writers, opsEach = 4, 500
		var mu sync.Mutex
		contributed := map[string]int64{} // contribution key → amount, once however often sent
		undone := map[string]bool{}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				var sent []func() error
				for i := range opsEach {
					key := fmt.Sprintf("w%d-%d", w, i)
					ci := rng.IntN(3)
					ch := fund.Channels[ci]
					amount := 1 + rng.Int64N(20_000)
					var op func() error
					switch n := rng.IntN(20); {
					case n < 6:
						c := fund.Contribution{Key: key, Channel: ch, Amount: amount}
						if n == 0 {
							c = fund.Contribution{Provider: "orange-money", ProviderTx: key, Channel: fund.MobileMoney, Amount: amount, At: ledgerT0}
						}
						op = func() error {
							_, err := db.RecordContribution(ctx, c, "random")
							if err == nil {
								mu.Lock()
								contributed[c.TransferID()] = c.Amount
								mu.Unlock()
							}
							return err
						}
					case n < 10:
						slug := []string{"agriculture", "health", fund.CompensationProgramme}[rng.IntN(3)]
						op = fundOp(db, mustFund(t)(fund.Allocate(fund.Allocation{Key: key, Programme: slug, Amount: amount})))
					case n < 13:
						slug := []string{"agriculture", "health"}[rng.IntN(2)]
						op = fundOp(db, mustFund(t)(fund.Spend(fund.Spending{Key: key, Programme: slug, Channel: ch, Amount: amount / 2, Memo: "supplies"})))
					case n < 14:
						op = fundOp(db, mustFund(t)(fund.Move(fund.Movement{Key: key, From: ch, To: fund.Channels[(ci+1+rng.IntN(2))%3], Amount: amount / 4})))
					case n < 17:
						o := orders[rng.IntN(len(orders))]
						p := fund.Payment{Key: key, Order: o.ID, Channel: ch, Amount: 1 + amount/5}
						if n == 16 {
							p.Amount = 0 // what is outstanding
						}
						op = func() error { _, err := db.PayCompensation(ctx, p, treasurer, ""); return err }
					case n < 18:
						victim := fmt.Sprintf("ctb:w%d-%d", w, rng.IntN(i+1))
						op = func() error {
							_, err := db.UndoFund(ctx, victim, "recorded in error")
							if err == nil {
								mu.Lock()
								undone[victim] = true
								mu.Unlock()
							}
							return err
						}
					default:
						if len(sent) == 0 {
							continue
						}
						op = sent[rng.IntN(len(sent))] // a retry
					}
					sent = append(sent, op)
					if err := op(); err != nil && muster.ErrorKind(err) != muster.Conflict && muster.ErrorKind(err) != muster.NotFound {
						t.Errorf("writer %d op %d: %v", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		mustCheck(t, db)
		progs, _ := db.Programmes(ctx)
		for _, p := range progs {
			if p.Balance < 0 {
				t.Errorf("programme %s holds %d", p.Slug, p.Balance)
			}
		}
		r := currentReport(t, db)
		var want int64
		for id, a := range contributed {
			if !undone[id] {
				want += a
			}
		}
		if r.Totals.Contributions != want || want == 0 {
			t.Errorf("report contributions %d, distinct contributions sent %d", r.Totals.Contributions, want)
		}
		for _, c := range r.Channels {
			if b := balance(t, db, fund.HoldingAccount(c.Channel)); b != c.Held {
				t.Errorf("channel %s: report %d, ledger %d", c.Channel, c.Held, b)
			}
		}
		for _, p := range r.Programmes {
			if b := balance(t, db, fund.ProgrammeAccount(p.Slug)); b != p.Balance {
				t.Errorf("programme %s: report %d, ledger %d", p.Slug, p.Balance, b)
			}
		}
		for id, b := range map[string]int64{fund.UnallocatedAccount: r.Totals.Unallocated, fund.CompensationExpense: r.Totals.Outstanding} {
			if got := balance(t, db, id); got != b {
				t.Errorf("%s: report %d, ledger %d", id, b, got)
			}
		}
		if r.Totals.CompensationPaid == 0 || r.Totals.OrdersSettled == 0 {
			t.Errorf("the mix paid no compensation: %+v", r.Totals)
		}
		if r.Named = nil; fmt.Sprint(reportFromLog(t, db, r.Checkpoint)) != fmt.Sprint(r) {
			t.Errorf("the report recomputed from the log differs from %+v", r.Totals)
		}
	})
}

func fundOp(db *DB, batch []ledger.Transfer) func() error {
	return func() error { _, err := db.ApplyFund(context.Background(), batch); return err }
}

// reportFromLog recomputes the report as a third party would, from the
// log's leaves up to the checkpoint.
func reportFromLog(t *testing.T, db *DB, cp fund.Checkpoint) fund.Report {
	t.Helper()
	stored, err := (logStore{db: db, q: db.sql}).Leaves(context.Background(), 0, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	leaves := make([][]byte, len(stored))
	for i, l := range stored {
		leaves[i] = l.Data
	}
	progs, _ := db.Programmes(context.Background())
	var accounts []ledger.Account
	for _, p := range progs {
		accounts = append(accounts, ledger.Account{ID: fund.ProgrammeAccount(p.Slug), Name: p.Name})
	}
	r, err := fund.ReportFromLeaves(leaves, accounts, cp)
	if err != nil {
		t.Fatal(err)
	}
	r.Named = nil
	return r
}

// TestFundReportAtCheckpoint checks that a report counts the transfers
// logged before its checkpoint and none after.
func TestFundReportAtCheckpoint(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		db.RecordContribution(ctx, fund.Contribution{Key: "c1", Channel: fund.Bank, Amount: 700}, "t")
		cp, err := db.FundCheckpoint(ctx)
		if err != nil || cp.Size != 1 || len(cp.RootHash) != 32 || cp.Note != "" {
			t.Fatalf("checkpoint %+v, %v", cp, err)
		}
		db.RecordContribution(ctx, fund.Contribution{Key: "c2", Channel: fund.Bank, Amount: 300, Contributor: "Later"}, "t")
		r, err := db.FundReport(ctx, cp)
		if err != nil || r.Totals.Contributions != 700 || len(r.Named) != 0 {
			t.Errorf("report at size 1: %+v, named %v, %v", r.Totals, r.Named, err)
		}
		if r := currentReport(t, db); r.Totals.Contributions != 1000 || r.Checkpoint.Size != 2 {
			t.Errorf("report now: %+v at %d", r.Totals, r.Checkpoint.Size)
		}
	})
}

// killBatch is how many contributions one batch of the kill test holds.
const killBatch = 100

// TestFundKillDuringBatch runs a child process (this test binary again)
// that applies batches of contributions as fast as it can, and SIGKILLs it
// at seeded random moments, 20 times per database. After each kill the
// ledger check must be clean and every batch present in full or not at
// all; the next child starts by retrying the last batch it finds.
func TestFundKillDuringBatch(t *testing.T) {
	if dsn := os.Getenv("MUSTER_FUND_KILL_CHILD"); dsn != "" {
		killChild(dsn)
		return
	}
	if testing.Short() {
		t.Skip("kills 40 processes; not in -short")
	}
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		dsn := db.dsnForChild(t)
		rng := rand.New(rand.NewPCG(42, uint64(len(dsn))))
		for kill := range 20 {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFundKillDuringBatch$")
			cmd.Env = append(os.Environ(), "MUSTER_FUND_KILL_CHILD="+dsn)
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := bufio.NewScanner(out)
			if !ready.Scan() || ready.Text() != "ready" {
				t.Fatalf("kill %d: child did not start: %q", kill, ready.Text())
			}
			time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
			cmd.Process.Kill()
			cmd.Wait()
			mustCheck(t, db)
			rows, err := db.sql.QueryContext(ctx, `SELECT substr(id, 1, instr(id, '.')), COUNT(*) FROM ledger_transfers GROUP BY 1`)
			if db.dialect == postgres {
				rows, err = db.sql.QueryContext(ctx, `SELECT split_part(id, '.', 1), COUNT(*) FROM ledger_transfers GROUP BY 1`)
			}
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var batch string
				var n int
				rows.Scan(&batch, &n)
				if n != killBatch {
					t.Errorf("kill %d: batch %s has %d of its %d transfers", kill, batch, n, killBatch)
				}
			}
			rows.Close()
		}
		if _, n, _ := db.LedgerCounts(ctx); n < 5*killBatch {
			t.Errorf("only %d transfers in 20 runs: the kills came before any work", n)
		}
	})
}

// dsnForChild returns a DSN another process can open to reach db: its
// SQLite file, or its PostgreSQL schema.
func (db *DB) dsnForChild(t *testing.T) string {
	t.Helper()
	if db.dialect == sqlite {
		var file string
		if err := db.sql.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
			t.Fatal(err)
		}
		return file
	}
	var schema string
	if err := db.sql.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(os.Getenv("MUSTER_TEST_POSTGRES"))
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// killChild applies batches until it is killed, starting by retrying the
// last batch it finds stored (a retry after a crash moves nothing).
func killChild(dsn string) {
	ctx := context.Background()
	keys, _ := seal.New(bytes.Repeat([]byte{42}, seal.KeySize))
	db, err := Open(ctx, dsn, keys)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, n, _ := db.LedgerCounts(ctx)
	fmt.Println("ready")
	for b := max(n/killBatch-1, 0); ; b++ {
		batch := make([]ledger.Transfer, killBatch)
		for i := range batch {
			batch[i] = ledger.Transfer{ID: fmt.Sprintf("ctb:b%d.%d", b, i), Debit: fund.HoldingAccount(fund.Cash), Credit: fund.UnallocatedAccount,
				Amount: int64(1 + i), Currency: fund.Currency, At: ledgerT0}
		}
		if _, err := db.ApplyFund(ctx, batch); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// benchFundDB is a fresh SQLite database, or a PostgreSQL schema when
// BENCH_POSTGRES is set too.
func benchFundDB(b *testing.B) *DB {
	if dsn := os.Getenv("MUSTER_TEST_POSTGRES"); dsn != "" && os.Getenv("BENCH_POSTGRES") != "" {
		return OpenTest(b, dsn)
	}
	return OpenTest(b, b.TempDir()+"/muster.db")
}

// BenchmarkFundContribution records single contributions, one transaction
// each, as the webhook does: contributions per second.
func BenchmarkFundContribution(b *testing.B) {
	db := benchFundDB(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		c := fund.Contribution{Provider: "orange-money", ProviderTx: fmt.Sprintf("TX%d", i), Channel: fund.MobileMoney, Amount: 5000, At: ledgerT0}
		if _, err := db.RecordContribution(ctx, c, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "contributions/s")
}

// BenchmarkFundReport computes the report over 200,000 transfers (every
// use case, three months), aggregated in SQL.
func BenchmarkFundReport(b *testing.B) {
	db := benchFundDB(b)
	ctx := context.Background()
	db.AddProgramme(ctx, fund.ProgrammeDef{Slug: "agriculture", Name: "Agriculture"})
	const total, size = 200_000, 2000
	for start := 0; start < total; start += size {
		var batch []ledger.Transfer
		for i := start; i < start+size; i += 4 {
			at, k := ledgerT0.AddDate(0, i*3/total, 0), strconv.Itoa(i)
			for _, uc := range [][]ledger.Transfer{
				mustFund(b)(fund.Contribute(fund.Contribution{Key: k, Channel: fund.Channels[i%3], Amount: 1000, At: at})),
				mustFund(b)(fund.Allocate(fund.Allocation{Key: k, Programme: "agriculture", Amount: 500, At: at})),
				mustFund(b)(fund.Spend(fund.Spending{Key: k, Programme: "agriculture", Channel: fund.Channels[i%3], Amount: 400, Memo: "m", At: at})),
				mustFund(b)(fund.Owe(fmt.Sprintf("01JD5Q0W8XK3M9T7R2B%07d", i), 300, at)),
			} {
				batch = append(batch, uc...)
			}
		}
		if _, err := db.ApplyFund(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	cp, err := db.FundCheckpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r, err := db.FundReport(ctx, cp)
		if err != nil || !r.OK() || r.Transfers != total {
			b.Fatalf("report of %d transfers, ok %v, %v", r.Transfers, r.OK(), err)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "transfers/s")
}
