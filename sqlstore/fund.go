package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	fmtlog "github.com/transparency-dev/formats/log"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
)

// The fund's storage. Package fund decides what each use case moves; here
// each batch is applied through applyTransfers in one transaction, with
// the standard accounts it names opened on first use and zero times filled
// in, so that a retry without a time is the same transfer.

// FundResult is what a fund use case stored: its transfers as stored, and
// whether they were all there already (a retry).
type FundResult struct {
	Transfers []ledger.Transfer `json:"transfers"`
	Replayed  bool              `json:"replayed"`
}

// ApplyFund applies the transfers of one fund use case (fund.Allocate,
// fund.Spend, fund.Move, fund.Undo...), all or nothing.
func (db *DB) ApplyFund(ctx context.Context, batch []ledger.Transfer) (FundResult, error) {
	var res FundResult
	err := db.inTx(ctx, func(tx *dbTx) error {
		stored, applied, err := db.applyFund(ctx, tx, batch)
		res = FundResult{Transfers: stored, Replayed: len(applied) == 0}
		return err
	})
	return res, err
}

// applyFund applies batch inside tx. It first locks the ledger (the row
// applyTransfers locks too), so that two copies of one request serialise
// and the second finds the first's transfer and time rather than racing.
func (db *DB) applyFund(ctx context.Context, tx *dbTx, batch []ledger.Transfer) (stored, applied []ledger.Transfer, err error) {
	if len(batch) == 0 {
		return nil, nil, nil
	}
	if err := db.lockLedger(ctx, tx); err != nil {
		return nil, nil, err
	}
	stored = make([]ledger.Transfer, len(batch))
	copy(stored, batch)
	var ids, names []string
	for _, t := range stored {
		ids = append(ids, t.ID)
		names = append(names, t.Debit, t.Credit)
	}
	existing, err := db.queryTransfers(ctx, tx, "id", uniq(ids))
	if err != nil {
		return nil, nil, err
	}
	now := db.now().UTC()
	for i := range stored {
		if !stored[i].At.IsZero() {
			continue
		}
		stored[i].At = now
		for _, st := range existing {
			if st.t.ID == stored[i].ID {
				stored[i].At = st.t.At
			}
		}
	}
	if err := db.openStandardAccounts(ctx, tx, uniq(names)); err != nil {
		return nil, nil, err
	}
	applied, err = db.applyTransfers(ctx, tx, stored)
	if err != nil {
		return nil, nil, explainFundError(err)
	}
	return stored, applied, nil
}

// lockLedger takes the row every ledger writer locks first
// (applyTransfers does too), which serialises fund writers.
func (db *DB) lockLedger(ctx context.Context, tx *dbTx) error {
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT total FROM ledger_meta WHERE id = 1`+db.forUpdate()).Scan(&total); err != nil {
		return fmt.Errorf("ledger total: %w", err)
	}
	return nil
}

// explainFundError adds the treasurer's next step to a ledger refusal.
func explainFundError(err error) error {
	msg := muster.ErrorMessage(err)
	switch {
	case muster.ErrorKind(err) == muster.NotFound && strings.Contains(msg, "no account "+fund.ProgrammeAccount("")):
		return muster.Errorf(muster.NotFound, "%s: add the programme first (muster fund programme add)", msg)
	case muster.ErrorKind(err) == muster.Conflict && strings.Contains(msg, "overdraw account "+fund.ProgrammeAccount(fund.CompensationProgramme)):
		return muster.Errorf(muster.Conflict, "%s: allocate money to the compensation programme first", msg)
	}
	return err
}

// openStandardAccounts opens, inside tx, those of ids that are standard
// fund accounts (fund.Standard) and do not exist yet; one that exists with
// other fields is a conflict, since the fund's rules rest on them.
func (db *DB) openStandardAccounts(ctx context.Context, tx *dbTx, ids []string) error {
	var want []string
	for _, id := range ids {
		if _, ok := fund.Standard(id); ok {
			want = append(want, id)
		}
	}
	found, err := db.lockAccounts(ctx, tx, want)
	if err != nil {
		return err
	}
	for _, id := range want {
		a, _ := fund.Standard(id)
		if got, ok := found[id]; ok {
			if got.acct != a {
				return muster.Errorf(muster.Conflict, "account %s exists with other fields than the fund's chart gives it", a.ID)
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_accounts (id, kind, currency, no_overdraft, name, debits, credits, created_at)
			VALUES (?, ?, ?, ?, ?, 0, 0, ?)`), a.ID, string(a.Kind), a.Currency, a.NoOverdraft, a.Name, db.now().UTC()); err != nil {
			return fmt.Errorf("open fund account %s: %w", a.ID, err)
		}
	}
	return nil
}

// AddProgramme opens a programme's account. Adding it again with the same
// name is a no-op; with another name, a conflict.
func (db *DB) AddProgramme(ctx context.Context, p fund.ProgrammeDef) (ledger.Account, error) {
	a, err := p.Account()
	if err != nil {
		return a, err
	}
	return a, db.OpenLedgerAccount(ctx, a)
}

// FundProgramme is a programme with its balance.
type FundProgramme struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Balance int64  `json:"balance"`
}

// Programmes lists the programmes, by slug, the compensation programme
// included even before its first use.
func (db *DB) Programmes(ctx context.Context) ([]FundProgramme, error) {
	return db.programmes(ctx, db.sql)
}

func (db *DB) programmes(ctx context.Context, q querier) ([]FundProgramme, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, debits, credits FROM ledger_accounts WHERE id LIKE 'programme:%' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("programmes: %w", err)
	}
	defer rows.Close()
	out := []FundProgramme{}
	compensation := false
	for rows.Next() {
		var id, name string
		var debits, credits int64
		if err := rows.Scan(&id, &name, &debits, &credits); err != nil {
			return nil, err
		}
		if ref := fund.Parse(id); ref.Role == fund.Programme {
			out = append(out, FundProgramme{Slug: ref.Programme, Name: name, Balance: credits - debits})
			compensation = compensation || ref.Programme == fund.CompensationProgramme
		}
	}
	if !compensation {
		a, _ := fund.Standard(fund.ProgrammeAccount(fund.CompensationProgramme))
		out = append(out, FundProgramme{Slug: fund.CompensationProgramme, Name: a.Name})
	}
	return out, rows.Err()
}

// FundContribution is a contribution as stored: its transfer, how it came,
// the contributor's name if they chose to be named, and its log index.
type FundContribution struct {
	Transfer    ledger.Transfer `json:"transfer"`
	Channel     fund.Channel    `json:"channel"`
	Provider    string          `json:"provider,omitempty"`
	ProviderTx  string          `json:"provider_tx,omitempty"`
	Contributor string          `json:"contributor,omitempty"`
	LogIndex    uint64          `json:"log_index"`
	// Replayed says the contribution was recorded already, by an earlier
	// call with the same content.
	Replayed bool `json:"-"`
}

// RecordContribution records a contribution and its details in one
// transaction, idempotently by its transfer id (a treasurer's key or a
// provider's transaction id): the same contribution again answers what was
// stored; the same id with other content is muster.Conflict. by is who
// recorded it (a user, or "webhook:<provider>").
func (db *DB) RecordContribution(ctx context.Context, c fund.Contribution, by string) (FundContribution, error) {
	batch, err := fund.Contribute(c)
	if err != nil {
		return FundContribution{}, err
	}
	out := FundContribution{Channel: c.Channel, Provider: c.Provider, ProviderTx: c.ProviderTx, Contributor: c.Contributor}
	err = db.inTx(ctx, func(tx *dbTx) error {
		stored, applied, err := db.applyFund(ctx, tx, batch)
		if err != nil {
			return err
		}
		out.Transfer, out.Replayed = stored[0], len(applied) == 0
		var prev FundContribution
		err = tx.QueryRowContext(ctx, db.rebind(`SELECT channel, provider, provider_tx, contributor FROM fund_contributions WHERE transfer_id = ?`),
			out.Transfer.ID).Scan(&prev.Channel, &prev.Provider, &prev.ProviderTx, &prev.Contributor)
		switch {
		case err == sql.ErrNoRows:
			_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO fund_contributions (transfer_id, channel, provider, provider_tx, contributor, recorded_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), out.Transfer.ID, string(c.Channel), c.Provider, c.ProviderTx, c.Contributor, by, db.now().UTC())
		case err == nil && (prev.Channel != out.Channel || prev.Contributor != out.Contributor || prev.Provider != out.Provider || prev.ProviderTx != out.ProviderTx):
			return muster.Errorf(muster.Conflict, "contribution %s was recorded with other details", out.Transfer.ID)
		}
		if err != nil {
			return fmt.Errorf("contribution %s: %w", out.Transfer.ID, err)
		}
		return tx.QueryRowContext(ctx, db.rebind(`SELECT log_index FROM ledger_transfers WHERE id = ?`), out.Transfer.ID).Scan(&out.LogIndex)
	})
	return out, err
}

// FundPayable is what is owed and paid on one order's compensation.
type FundPayable struct {
	Order       string            `json:"order"`
	Code        string            `json:"code"`
	State       order.State       `json:"state"`
	Owed        int64             `json:"owed"`
	Paid        int64             `json:"paid"`
	Outstanding int64             `json:"outstanding"`
	Settled     bool              `json:"settled"`
	Payments    []ledger.Transfer `json:"payments"`
}

// Payable returns the compensation owed and paid on an order (by id or
// code, within a jurisdiction); an order with none computed owes 0.
func (db *DB) Payable(ctx context.Context, idOrCode, within string) (FundPayable, error) {
	o, err := db.Order(ctx, idOrCode, within)
	if err != nil {
		return FundPayable{}, err
	}
	return db.payableOf(ctx, db.sql, o)
}

func (db *DB) payableOf(ctx context.Context, q querier, o IssuedOrder) (FundPayable, error) {
	account := fund.PayableAccount(o.ID)
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+ledgerTransferColumns+` FROM ledger_transfers WHERE debit_account = ? OR credit_account = ? ORDER BY seq`), account, account)
	if err != nil {
		return FundPayable{}, fmt.Errorf("payable of order %s: %w", o.ID, err)
	}
	defer rows.Close()
	var ts []ledger.Transfer
	for rows.Next() {
		st, err := scanTransfer(rows)
		if err != nil {
			return FundPayable{}, err
		}
		ts = append(ts, st.t)
	}
	s := fund.Settle(ts)
	return FundPayable{Order: o.ID, Code: string(o.Code), State: o.State, Owed: s.Owed, Paid: s.Paid, Outstanding: s.Owed - s.Paid,
		Settled: s.Settled(), Payments: s.Payments}, rows.Err()
}

// PayCompensation records a payment of an order's compensation (p.Order
// is the order's id or code, within a jurisdiction; a zero amount pays
// what is outstanding) and, once the payable is settled, records the
// order's compensate event as by. The two are separate transactions: the
// money moves, then the lifecycle follows, and the compensate event itself
// requires a settled payable. If the second step fails (a crash between
// them), sending the same payment again is a retry that moves nothing and
// records the event.
func (db *DB) PayCompensation(ctx context.Context, p fund.Payment, by order.Actor, within string) (FundPayable, error) {
	o, err := db.Order(ctx, p.Order, within)
	if err != nil {
		return FundPayable{}, err
	}
	if o.Compensation == nil {
		return FundPayable{}, muster.Errorf(muster.Conflict, "order %s owes no compensation: none was computed at its return or release", o.Code)
	}
	p.Order = o.ID
	err = db.inTx(ctx, func(tx *dbTx) error {
		// An order returned before the fund existed has no payable yet.
		owed, err := fund.Owe(o.ID, o.Compensation.AmountXOF, time.Time{})
		if err != nil {
			return err
		}
		if _, _, err := db.applyFund(ctx, tx, owed); err != nil {
			return err
		}
		if p.Amount == 0 { // what a first attempt paid, or what is outstanding
			done, err := db.queryTransfers(ctx, tx, "id", []string{fund.PaymentTransferID(p.Key)})
			if err != nil {
				return err
			}
			now, err := db.payableOf(ctx, tx, o)
			switch {
			case err != nil:
				return err
			case len(done) > 0:
				p.Amount = done[0].t.Amount
			case now.Outstanding == 0:
				return muster.Errorf(muster.Conflict, "order %s: nothing is outstanding", o.Code)
			default:
				p.Amount = now.Outstanding
			}
		}
		batch, err := fund.Pay(p)
		if err != nil {
			return err
		}
		_, _, err = db.applyFund(ctx, tx, batch)
		return err
	})
	if err != nil {
		return FundPayable{}, err
	}
	payable, err := db.payableOf(ctx, db.sql, o)
	if err != nil || !payable.Settled || (o.State != order.StateReturned && o.State != order.StateReleased) {
		return payable, err
	}
	after, err := db.ApplyOrderEvent(ctx, o.ID, within, Change{Event: order.EventCompensate, Actor: by})
	if err != nil {
		// A concurrent payment may have settled and compensated it first.
		if now, rerr := db.Order(ctx, o.ID, within); rerr == nil && (now.State == order.StateCompensated || now.State == order.StateClosed) {
			payable.State = now.State
			return payable, nil
		}
		return payable, fmt.Errorf("order %s is paid, but its compensate event failed (send the payment again to retry): %w", o.Code, err)
	}
	payable.State = after.State
	return payable, nil
}

// UndoFund undoes the use case that made transfer id, with every transfer
// of its link group (fund.Undo); why is the public memo. A payment of an
// order already compensated cannot be undone: the order would be marked
// compensated with money owed.
func (db *DB) UndoFund(ctx context.Context, id, why string) (FundResult, error) {
	var res FundResult
	err := db.inTx(ctx, func(tx *dbTx) error {
		if err := db.lockLedger(ctx, tx); err != nil {
			return err
		}
		found, err := db.queryTransfers(ctx, tx, "id", []string{id})
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return muster.Errorf(muster.NotFound, "no fund transfer %s", id)
		}
		group := []ledger.Transfer{found[0].t}
		if g := found[0].t.Linked; g != "" {
			linked, err := db.queryTransfers(ctx, tx, "linked", []string{g})
			if err != nil {
				return err
			}
			group = group[:0]
			for _, st := range linked {
				group = append(group, st.t)
			}
		}
		for _, t := range group {
			switch kind, _ := fund.Classify(t.Debit, t.Credit); kind {
			case fund.Owed:
				return muster.Errorf(muster.Conflict, "transfer %s books the compensation computed for its order; it is not undone", t.ID)
			case fund.Paid:
				var state string
				err := tx.QueryRowContext(ctx, db.rebind(`SELECT state FROM orders WHERE id = ?`), fund.Parse(t.Debit).Order).Scan(&state)
				if err == nil && (order.State(state) == order.StateCompensated || order.State(state) == order.StateClosed) {
					return muster.Errorf(muster.Conflict, "transfer %s: its order is %s; its payment cannot be undone", t.ID, state)
				}
			}
		}
		batch, err := fund.Undo(group, time.Time{}, why)
		if err != nil {
			return err
		}
		stored, applied, err := db.applyFund(ctx, tx, batch)
		res = FundResult{Transfers: stored, Replayed: len(applied) == 0}
		return err
	})
	return res, err
}

// bookOrderCompensation is ApplyOrderEvent's call into the fund, inside
// its transaction (which holds the order's row): on return or release
// with compensation computed, it books what is owed on the order's
// payable; on compensate, it requires the payable to be settled, so that
// no order is marked compensated with money still owed. An order with no
// compensation computed owes nothing and may be compensated.
func (db *DB) bookOrderCompensation(ctx context.Context, tx *dbTx, o IssuedOrder, e order.Event) error {
	switch {
	case (e == order.EventReturn || e == order.EventRelease) && o.Compensation != nil:
		batch, err := fund.Owe(o.ID, o.Compensation.AmountXOF, time.Time{})
		if err != nil {
			return err
		}
		_, _, err = db.applyFund(ctx, tx, batch)
		return err
	case e == order.EventCompensate && o.Compensation != nil && o.Compensation.AmountXOF > 0:
		// No payment or undo may move between this check and the commit.
		if err := db.lockLedger(ctx, tx); err != nil {
			return err
		}
		p, err := db.payableOf(ctx, tx, o)
		if err != nil {
			return err
		}
		if !p.Settled {
			return muster.Errorf(muster.Conflict, "order %s: %d of the %d XOF owed are not paid; pay them first (muster fund pay, POST /api/v1/fund/payments), which records compensate",
				o.Code, o.Compensation.AmountXOF-p.Paid, o.Compensation.AmountXOF)
		}
	}
	return nil
}

// FundCheckpoint returns the log state a public report is computed at: the
// latest signed checkpoint, or, if none was ever signed, the log's current
// size and root, unsigned.
func (db *DB) FundCheckpoint(ctx context.Context) (fund.Checkpoint, error) {
	note, ok, err := db.LatestCheckpoint(ctx)
	if err != nil {
		return fund.Checkpoint{}, err
	}
	if ok {
		body, _, _ := bytes.Cut(note, []byte("\n\n"))
		var cp fmtlog.Checkpoint
		if _, err := cp.Unmarshal(append(body, '\n')); err != nil {
			return fund.Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
		}
		return fund.Checkpoint{Size: cp.Size, RootHash: cp.Hash, Note: string(note)}, nil
	}
	size, err := db.Log().Size(ctx)
	if err != nil {
		return fund.Checkpoint{}, err
	}
	root, err := db.Log().Root(ctx, size)
	return fund.Checkpoint{Size: size, RootHash: root}, err
}

// maxNamed is how many named contributions a report lists.
const maxNamed = 100

// FundReport computes the public report over the ledger transfers among
// the first cp.Size log leaves: the transfers are aggregated by accounts
// and month in SQL and tallied by package fund, so the cost grows with
// accounts and months, not with transfers. The named contributors are the
// latest maxNamed who chose to be.
func (db *DB) FundReport(ctx context.Context, cp fund.Checkpoint) (fund.Report, error) {
	var r fund.Report
	err := db.readTx(ctx, func(tx *dbTx) error {
		tally := fund.NewTally()
		rows, err := tx.QueryContext(ctx, db.rebind(`SELECT debit_account, credit_account, substr(at, 1, 7), SUM(amount), COUNT(*)
			FROM ledger_transfers WHERE log_index < ? GROUP BY debit_account, credit_account, substr(at, 1, 7)`), int64(cp.Size))
		if err != nil {
			return fmt.Errorf("fund report: %w", err)
		}
		for rows.Next() {
			var f fund.Flow
			if err := rows.Scan(&f.Debit, &f.Credit, &f.Month, &f.Amount, &f.Count); err != nil {
				rows.Close()
				return err
			}
			if err := tally.AddFlow(f); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		programmes, err := db.programmes(ctx, tx)
		if err != nil {
			return err
		}
		var accounts []ledger.Account
		for _, p := range programmes {
			accounts = append(accounts, ledger.Account{ID: fund.ProgrammeAccount(p.Slug), Name: p.Name})
		}
		r = tally.Report(accounts, cp)
		r.Named, err = db.namedContributions(ctx, tx, cp.Size)
		return err
	})
	return r, err
}

func (db *DB) namedContributions(ctx context.Context, tx *dbTx, size uint64) ([]fund.Named, error) {
	rows, err := tx.QueryContext(ctx, db.rebind(fmt.Sprintf(`SELECT c.contributor, c.channel, t.at, t.amount FROM fund_contributions c
		JOIN ledger_transfers t ON t.id = c.transfer_id
		WHERE c.contributor <> '' AND t.log_index < ? AND t.id NOT IN (SELECT reverses FROM ledger_transfers WHERE reverses <> '' AND log_index < ?)
		ORDER BY t.seq DESC LIMIT %d`, maxNamed)), int64(size), int64(size))
	if err != nil {
		return nil, fmt.Errorf("named contributions: %w", err)
	}
	defer rows.Close()
	out := []fund.Named{}
	for rows.Next() {
		var n fund.Named
		var at string
		if err := rows.Scan(&n.Name, &n.Channel, &at, &n.Amount); err != nil {
			return nil, err
		}
		if len(at) < 10 {
			return nil, fmt.Errorf("named contribution: time %q", at)
		}
		n.Date = at[:10]
		out = append(out, n)
	}
	return out, rows.Err()
}
