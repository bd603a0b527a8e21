package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/tlog"
)

// The ledger's storage. The rules live in package ledger: ApplyTransfers
// rebuilds, inside its transaction, a ledger.Book holding exactly the
// state that the batch can observe (its accounts' balances, the stored
// transfers it retries or reverses, their reversals, the link groups it
// names, the ledger-wide total) and lets Book.Apply decide. What Apply
// accepted is then written, with one transparency-log leaf per transfer,
// in the same transaction.

// OpenLedgerAccount creates an account. Opening it again with the same
// fields is a no-op; with different fields it is muster.Conflict.
func (db *DB) OpenLedgerAccount(ctx context.Context, a ledger.Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, db.rebind(`INSERT INTO ledger_accounts (id, kind, currency, no_overdraft, name, debits, credits, created_at)
		VALUES (?, ?, ?, ?, ?, 0, 0, ?) ON CONFLICT (id) DO NOTHING`),
		a.ID, string(a.Kind), a.Currency, a.NoOverdraft, a.Name, db.now().UTC())
	if err != nil {
		return fmt.Errorf("open ledger account %s: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	got, err := db.LedgerAccount(ctx, a.ID)
	if err != nil {
		return err
	}
	if got != a {
		return muster.Errorf(muster.Conflict, "account %s exists with different fields", a.ID)
	}
	return nil
}

// LedgerAccount returns the account with the given id.
func (db *DB) LedgerAccount(ctx context.Context, id string) (ledger.Account, error) {
	var a ledger.Account
	var kind string
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT id, kind, currency, no_overdraft, name FROM ledger_accounts WHERE id = ?`), id).
		Scan(&a.ID, &kind, &a.Currency, &a.NoOverdraft, &a.Name)
	a.Kind = ledger.Kind(kind)
	return a, notFound(err, "no ledger account %s", id)
}

// LedgerBalance returns an account's balance by the convention of
// ledger.Book.Balance: debits − credits for assets and expenses, credits −
// debits otherwise. An unknown account is muster.NotFound.
func (db *DB) LedgerBalance(ctx context.Context, id string) (int64, error) {
	var kind string
	var debits, credits int64
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT kind, debits, credits FROM ledger_accounts WHERE id = ?`), id).Scan(&kind, &debits, &credits)
	if err != nil {
		return 0, notFound(err, "no ledger account %s", id)
	}
	return balanceOf(ledger.Kind(kind), debits, credits), nil
}

func balanceOf(k ledger.Kind, debits, credits int64) int64 {
	if k == ledger.Asset || k == ledger.Expense {
		return debits - credits
	}
	return credits - debits
}

// LedgerCounts returns the number of accounts and of transfers.
func (db *DB) LedgerCounts(ctx context.Context) (accounts, transfers int64, err error) {
	err = db.sql.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM ledger_accounts), (SELECT COUNT(*) FROM ledger_transfers)`).Scan(&accounts, &transfers)
	return accounts, transfers, err
}

// storedAccount is an account row with its running sums.
type storedAccount struct {
	acct            ledger.Account
	debits, credits int64
}

// ApplyTransfers applies a batch with exactly the semantics of
// ledger.Book.Apply (all or nothing, idempotent by transfer id, reversals
// once, link groups never reopened, no-overdraft checked after each
// transfer, errors naming batch[i]) against the stored ledger, and
// returns the transfers newly applied. Those are stored, the accounts'
// sums updated and one transparency-log leaf appended per transfer, in
// one transaction. Concurrent callers are serialised on the ledger_meta
// row (PostgreSQL) or the write lock (SQLite).
func (db *DB) ApplyTransfers(ctx context.Context, batch []ledger.Transfer) (applied []ledger.Transfer, err error) {
	if len(batch) == 0 {
		return nil, nil
	}
	err = db.inTx(ctx, func(tx *dbTx) error {
		applied, err = db.applyTransfers(ctx, tx, batch)
		return err
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

func (db *DB) forUpdate() string {
	if db.dialect == postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (db *DB) applyTransfers(ctx context.Context, tx *dbTx, batch []ledger.Transfer) ([]ledger.Transfer, error) {
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT total FROM ledger_meta WHERE id = 1`+db.forUpdate()).Scan(&total); err != nil {
		return nil, fmt.Errorf("ledger total: %w", err)
	}

	// The stored transfers the batch can observe: those with its ids, those
	// it reverses, their reversals, and (transitively) what those reverse.
	loaded := map[string]ledger.Transfer{}
	want := map[string]bool{}
	var reversed []string
	for _, t := range batch {
		want[t.ID] = true
		if t.Reverses != "" {
			want[t.Reverses] = true
			reversed = append(reversed, t.Reverses)
		}
	}
	var order []int64 // seqs, to replay in the stored order
	seqOf := map[string]int64{}
	add := func(ts []seqTransfer) {
		for _, st := range ts {
			if _, ok := loaded[st.t.ID]; !ok {
				loaded[st.t.ID] = st.t
				seqOf[st.t.ID] = st.seq
				order = append(order, st.seq)
				if st.t.Reverses != "" {
					want[st.t.Reverses] = true
				}
			}
		}
	}
	if len(reversed) > 0 {
		ts, err := db.queryTransfers(ctx, tx, "reverses", uniq(reversed))
		if err != nil {
			return nil, err
		}
		add(ts)
	}
	for {
		var ids []string
		for id := range want {
			if _, ok := loaded[id]; !ok {
				ids = append(ids, id)
			}
			delete(want, id)
		}
		if len(ids) == 0 {
			break
		}
		ts, err := db.queryTransfers(ctx, tx, "id", ids)
		if err != nil {
			return nil, err
		}
		add(ts)
	}
	var groups []string
	for _, t := range batch {
		if t.Linked != "" {
			groups = append(groups, t.Linked)
		}
	}
	committed, err := db.committedGroups(ctx, tx, uniq(groups))
	if err != nil {
		return nil, err
	}

	// The accounts, locked in id order.
	var ids []string
	for _, t := range batch {
		ids = append(ids, t.Debit, t.Credit)
	}
	for _, t := range loaded {
		ids = append(ids, t.Debit, t.Credit)
	}
	accounts, err := db.lockAccounts(ctx, tx, uniq(ids))
	if err != nil {
		return nil, err
	}

	book, err := rebuildBook(accounts, loaded, seqOf, committed, total, batch)
	if err != nil {
		return nil, err
	}
	applied, err := book.Apply(batch)
	if err != nil {
		return nil, err
	}
	if len(applied) == 0 {
		return nil, nil
	}
	return applied, db.writeTransfers(ctx, tx, applied)
}

type seqTransfer struct {
	seq int64
	t   ledger.Transfer
}

const ledgerTransferColumns = `seq, id, debit_account, credit_account, amount, currency, at, memo, linked, reverses`

func scanTransfer(rows *sql.Rows) (seqTransfer, error) {
	var st seqTransfer
	var at string
	t := &st.t
	if err := rows.Scan(&st.seq, &t.ID, &t.Debit, &t.Credit, &t.Amount, &t.Currency, &at, &t.Memo, &t.Linked, &t.Reverses); err != nil {
		return st, err
	}
	var err error
	if t.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return st, fmt.Errorf("ledger transfer %s: time %q: %w", t.ID, at, err)
	}
	return st, nil
}

// queryTransfers returns the stored transfers whose column col is one of
// values.
func (db *DB) queryTransfers(ctx context.Context, q querier, col string, values []string) ([]seqTransfer, error) {
	var out []seqTransfer
	for start := 0; start < len(values); start += 500 {
		chunk := values[start:min(start+500, len(values))]
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+ledgerTransferColumns+` FROM ledger_transfers WHERE `+col+` IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("ledger transfers: %w", err)
		}
		for rows.Next() {
			st, err := scanTransfer(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, st)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) committedGroups(ctx context.Context, q querier, groups []string) ([]string, error) {
	var out []string
	for start := 0; start < len(groups); start += 500 {
		chunk := groups[start:min(start+500, len(groups))]
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		rows, err := q.QueryContext(ctx, db.rebind(`SELECT DISTINCT linked FROM ledger_transfers WHERE linked IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("ledger link groups: %w", err)
		}
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, g)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lockAccounts reads the accounts with the given ids (sorted), locking
// their rows on PostgreSQL in that order. Unknown ids are left out: Book
// reports them.
func (db *DB) lockAccounts(ctx context.Context, tx *dbTx, ids []string) (map[string]storedAccount, error) {
	out := make(map[string]storedAccount, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		rows, err := tx.QueryContext(ctx, db.rebind(`SELECT id, kind, currency, no_overdraft, name, debits, credits FROM ledger_accounts WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`) ORDER BY id`+db.forUpdate()), args...)
		if err != nil {
			return nil, fmt.Errorf("ledger accounts: %w", err)
		}
		for rows.Next() {
			var a storedAccount
			var kind string
			if err := rows.Scan(&a.acct.ID, &kind, &a.acct.Currency, &a.acct.NoOverdraft, &a.acct.Name, &a.debits, &a.credits); err != nil {
				rows.Close()
				return nil, err
			}
			a.acct.Kind = ledger.Kind(kind)
			out[a.acct.ID] = a
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// rebuildBook returns a ledger.Book whose state, as far as batch can
// observe it, is the stored ledger's: the accounts with their balances,
// the loaded transfers (applied in their stored order, so reversals find
// what they reverse), the committed link groups, and a running total equal
// to the stored one. It gets there with one preliminary Apply of synthetic
// transfers through a per-currency seed account whose ids collide with
// nothing the batch names:
//
//  1. move each account to its stored balance minus the loaded transfers'
//     effect, plus, for a no-overdraft account, the loaded transfers'
//     volume on it, so that replaying them cannot go below zero;
//  2. replay the loaded transfers;
//  3. take the volume added in 1 back;
//  4. mark each committed link group with a seed transfer in that group;
//  5. pad the book's running total up to the stored total.
//
// The book's total exceeds the stored one only if the synthetic moves of
// 1 to 4 add up to more than the whole ledger, which takes a ledger total
// above about MaxInt64/3 minor units; there the store refuses overflowing
// amounts a little earlier than an in-memory book would.
func rebuildBook(accounts map[string]storedAccount, loaded map[string]ledger.Transfer, seqOf map[string]int64,
	committed []string, total int64, batch []ledger.Transfer) (*ledger.Book, error) {
	names := map[string]bool{}
	for _, t := range batch {
		names[t.ID], names[t.Reverses], names[t.Debit], names[t.Credit] = true, true, true, true
	}
	var tag string
	for {
		var r [8]byte
		rand.Read(r[:])
		tag = "zzseed" + hex.EncodeToString(r[:])
		clash := false
		for n := range names {
			if strings.HasPrefix(n, tag) || strings.HasPrefix(n, "zzseed:"+tag) {
				clash = true
			}
		}
		if !clash {
			break
		}
	}
	book := ledger.NewBook()
	seedAcct := func(cur string, n int) string { return "zzseed:" + tag + "-" + strconv.Itoa(n) + "-" + cur }
	var (
		seeds    []ledger.Transfer
		nseed    int
		at       = time.Unix(0, 0).UTC()
		opened   = map[string]bool{}
		seedOpen = func(cur string) error {
			if opened[cur] {
				return nil
			}
			opened[cur] = true
			for n := 0; n < 2; n++ {
				if err := book.Open(ledger.Account{ID: seedAcct(cur, n), Kind: ledger.Equity, Currency: cur}); err != nil {
					return err
				}
			}
			return nil
		}
		// move changes account id's debit-side net (debits − credits) by d.
		move = func(id, cur string, d int64) {
			if d == 0 {
				return
			}
			nseed++
			t := ledger.Transfer{ID: tag + "." + strconv.Itoa(nseed), Currency: cur, At: at}
			if d > 0 {
				t.Debit, t.Credit, t.Amount = id, seedAcct(cur, 0), d
			} else {
				t.Debit, t.Credit, t.Amount = seedAcct(cur, 0), id, -d
			}
			seeds = append(seeds, t)
		}
	)
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	effect := map[string]int64{} // loaded transfers' effect on debits − credits
	volume := map[string]int64{}
	for _, t := range loaded {
		effect[t.Debit] += t.Amount
		effect[t.Credit] -= t.Amount
		volume[t.Debit] += t.Amount
		volume[t.Credit] += t.Amount
	}
	buffer := map[string]int64{}
	for _, id := range ids {
		a := accounts[id]
		if err := book.Open(a.acct); err != nil {
			return nil, fmt.Errorf("ledger account %s as stored: %w", id, err)
		}
		if err := seedOpen(a.acct.Currency); err != nil {
			return nil, err
		}
		if a.acct.NoOverdraft {
			buffer[id] = volume[id]
			if balanceOf(a.acct.Kind, 1, 0) < 0 { // credit-normal
				buffer[id] = -volume[id]
			}
		}
		move(id, a.acct.Currency, a.debits-a.credits-effect[id]+buffer[id])
	}
	replay := make([]ledger.Transfer, 0, len(loaded))
	for _, t := range loaded {
		replay = append(replay, t)
	}
	slices.SortFunc(replay, func(x, y ledger.Transfer) int { return cmpInt(seqOf[x.ID], seqOf[y.ID]) })
	seeds = append(seeds, replay...)
	for _, id := range ids {
		move(id, accounts[id].acct.Currency, -buffer[id])
	}
	cur := "XOF"
	for c := range opened {
		cur = c
		break
	}
	if err := seedOpen(cur); err != nil {
		return nil, err
	}
	for _, g := range committed {
		nseed++
		seeds = append(seeds, ledger.Transfer{ID: tag + "." + strconv.Itoa(nseed), Debit: seedAcct(cur, 0), Credit: seedAcct(cur, 1),
			Amount: 1, Currency: cur, At: at, Linked: g})
	}
	var sum uint64
	for _, t := range seeds {
		var carry uint64
		if sum, carry = bits.Add64(sum, uint64(t.Amount), 0); carry != 0 || sum > math.MaxInt64 {
			return nil, errors.New("ledger: stored state too large to rebuild")
		}
	}
	if pad := uint64(total) - sum; total >= 0 && uint64(total) > sum {
		nseed++
		seeds = append(seeds, ledger.Transfer{ID: tag + "." + strconv.Itoa(nseed), Debit: seedAcct(cur, 0), Credit: seedAcct(cur, 1),
			Amount: int64(pad), Currency: cur, At: at})
	}
	if _, err := book.Apply(seeds); err != nil {
		return nil, fmt.Errorf("ledger: the stored state is inconsistent (run muster ledger check): %w", err)
	}
	return book, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// transferEntry is the public record of a transfer: accounts, amount and
// currency; the memo stays off the log, as it may name a contributor.
func transferEntry(t ledger.Transfer) tlog.Entry {
	e := tlog.Entry{Kind: "ledger.transfer", Subject: t.ID, Event: "applied", At: t.At.UTC(),
		Data: map[string]string{"debit": t.Debit, "credit": t.Credit, "amount": strconv.FormatInt(t.Amount, 10), "currency": t.Currency}}
	if t.Reverses != "" {
		e.Event = "reversal"
		e.Data["reverses"] = t.Reverses
	}
	return e
}

func (db *DB) writeTransfers(ctx context.Context, tx *dbTx, applied []ledger.Transfer) error {
	entries := make([]tlog.Entry, len(applied))
	for i, t := range applied {
		entries[i] = transferEntry(t)
	}
	first, err := db.transparencyLog(tx).Append(ctx, entries...)
	if err != nil {
		return fmt.Errorf("transparency log: %w", err)
	}
	rows := make([][]any, len(applied))
	type sums struct{ debits, credits int64 }
	delta := map[string]*sums{}
	var added int64
	for i, t := range applied {
		rows[i] = []any{t.ID, t.Debit, t.Credit, t.Amount, t.Currency, t.At.UTC().Format(time.RFC3339Nano), t.Memo, t.Linked, t.Reverses, int64(first) + int64(i)}
		for _, id := range [2]string{t.Debit, t.Credit} {
			if delta[id] == nil {
				delta[id] = &sums{}
			}
		}
		delta[t.Debit].debits += t.Amount
		delta[t.Credit].credits += t.Amount
		added += t.Amount
	}
	if err := db.insertMany(ctx, tx, "ledger_transfers", []string{"id", "debit_account", "credit_account", "amount", "currency", "at", "memo", "linked", "reverses", "log_index"}, rows); err != nil {
		return err
	}
	ids := make([]string, 0, len(delta))
	for id := range delta {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	up := db.rebind(`UPDATE ledger_accounts SET debits = debits + ?, credits = credits + ? WHERE id = ?`)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, up, delta[id].debits, delta[id].credits, id); err != nil {
			return fmt.Errorf("ledger account %s: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE ledger_meta SET total = total + ? WHERE id = 1`), added); err != nil {
		return fmt.Errorf("ledger total: %w", err)
	}
	return nil
}

// LedgerCheck verifies the stored ledger from scratch, streaming the
// transfers in the order they were applied, and returns what is wrong, or
// nil: every transfer well formed, between existing accounts of its
// currency, every reversal mirroring a single earlier transfer; every
// account's stored sums equal to those of its transfers; total debits
// equal to total credits; the stored ledger-wide total equal to the sum of
// all amounts; and no no-overdraft account below zero. It reads in one
// transaction, so that it sees one state of the ledger.
func (db *DB) LedgerCheck(ctx context.Context) ([]ledger.Problem, error) {
	var ps []ledger.Problem
	err := db.readTx(ctx, func(tx *dbTx) error {
		var err error
		ps, err = db.ledgerCheck(ctx, tx)
		return err
	})
	return ps, err
}

// readTx runs fn in a transaction that sees one snapshot: REPEATABLE READ
// and read-only on PostgreSQL; on SQLite any transaction does.
func (db *DB) readTx(ctx context.Context, fn func(tx *dbTx) error) error {
	var opts *sql.TxOptions
	if db.dialect == postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, done, err := db.begin(ctx, opts)
	if err != nil {
		return err
	}
	defer done()
	defer tx.Rollback()
	return fn(tx)
}

func (db *DB) ledgerCheck(ctx context.Context, tx *dbTx) ([]ledger.Problem, error) {
	type acct struct {
		storedAccount
		redebits, recredits uint64
	}
	accounts := map[string]*acct{}
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, currency, no_overdraft, name, debits, credits FROM ledger_accounts`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a := &acct{}
		var kind string
		if err := rows.Scan(&a.acct.ID, &kind, &a.acct.Currency, &a.acct.NoOverdraft, &a.acct.Name, &a.debits, &a.credits); err != nil {
			rows.Close()
			return nil, err
		}
		a.acct.Kind = ledger.Kind(kind)
		accounts[a.acct.ID] = a
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	var storedTotal int64
	if err := tx.QueryRowContext(ctx, `SELECT total FROM ledger_meta WHERE id = 1`).Scan(&storedTotal); err != nil {
		return nil, err
	}

	var ps []ledger.Problem
	// What a later reversal needs of an earlier transfer; account ids are
	// shared with the accounts map's keys.
	type mirror struct {
		debit, credit, currency string
		amount                  int64
	}
	intern := func(id string) string {
		if a, ok := accounts[id]; ok {
			return a.acct.ID
		}
		return id
	}
	seen := map[string]mirror{}
	reversed := map[string]string{}
	var total uint64
	overflow := false
	rows, err = tx.QueryContext(ctx, `SELECT `+ledgerTransferColumns+` FROM ledger_transfers ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanTransfer(rows)
		if err != nil {
			ps = append(ps, ledger.Problem{What: "unreadable transfer: " + err.Error()})
			continue
		}
		t := st.t
		if err := t.Validate(); err != nil {
			ps = append(ps, ledger.Problem{Transfer: t.ID, What: "malformed: " + err.Error()})
		}
		if _, ok := seen[t.ID]; ok {
			ps = append(ps, ledger.Problem{Transfer: t.ID, What: "applied twice"})
		}
		for _, id := range [2]string{t.Debit, t.Credit} {
			if a, ok := accounts[id]; !ok {
				ps = append(ps, ledger.Problem{Transfer: t.ID, What: "names unknown account " + id})
			} else if a.acct.Currency != t.Currency {
				ps = append(ps, ledger.Problem{Transfer: t.ID, What: "currency " + t.Currency + " differs from account " + id + "'s " + a.acct.Currency})
			}
		}
		if t.Reverses != "" {
			x, ok := seen[t.Reverses]
			switch {
			case !ok:
				ps = append(ps, ledger.Problem{Transfer: t.ID, What: "reverses " + t.Reverses + ", which is not an earlier transfer"})
			case t.Debit != x.credit || t.Credit != x.debit || t.Amount != x.amount || t.Currency != x.currency:
				ps = append(ps, ledger.Problem{Transfer: t.ID, What: "does not mirror the transfer " + t.Reverses + " it reverses"})
			}
			if by, ok := reversed[t.Reverses]; ok {
				ps = append(ps, ledger.Problem{Transfer: t.ID, What: t.Reverses + " is already reversed by " + by})
			}
			reversed[t.Reverses] = t.ID
		}
		seen[t.ID] = mirror{debit: intern(t.Debit), credit: intern(t.Credit), currency: t.Currency, amount: t.Amount}
		if t.Amount <= 0 || overflow {
			continue
		}
		var carry uint64
		total, carry = bits.Add64(total, uint64(t.Amount), 0)
		if carry != 0 || total > math.MaxInt64 {
			ps = append(ps, ledger.Problem{Transfer: t.ID, What: "the sum of all amounts overflows"})
			overflow = true
			continue
		}
		if a, ok := accounts[t.Debit]; ok {
			a.redebits += uint64(t.Amount)
		}
		if a, ok := accounts[t.Credit]; ok {
			a.recredits += uint64(t.Amount)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if overflow {
		return ps, nil // every later sum is meaningless
	}
	if storedTotal < 0 || uint64(storedTotal) != total {
		ps = append(ps, ledger.Problem{What: fmt.Sprintf("stored total %d differs from the sum of all amounts %d", storedTotal, total)})
	}
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var debits, credits uint64
	for _, id := range ids {
		a := accounts[id]
		if err := a.acct.Validate(); err != nil {
			ps = append(ps, ledger.Problem{Account: id, What: "malformed: " + err.Error()})
		}
		debits += uint64(a.debits)
		credits += uint64(a.credits)
		if a.debits < 0 || uint64(a.debits) != a.redebits {
			ps = append(ps, ledger.Problem{Account: id, What: fmt.Sprintf("debits %d, but its transfers debit %d", a.debits, a.redebits)})
		}
		if a.credits < 0 || uint64(a.credits) != a.recredits {
			ps = append(ps, ledger.Problem{Account: id, What: fmt.Sprintf("credits %d, but its transfers credit %d", a.credits, a.recredits)})
		}
		if b := balanceOf(a.acct.Kind, a.debits, a.credits); a.acct.NoOverdraft && b < 0 {
			ps = append(ps, ledger.Problem{Account: id, What: "no-overdraft account has balance " + strconv.FormatInt(b, 10)})
		}
	}
	if debits != credits {
		ps = append(ps, ledger.Problem{What: fmt.Sprintf("total debits %d differ from total credits %d", debits, credits)})
	}
	return ps, nil
}
