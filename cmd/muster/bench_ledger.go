package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/spf13/cobra"

	"github.com/muster-org/muster/ledger"
)

func newBenchLedgerCmd(cfg *config) *cobra.Command {
	var n, batch int
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Apply transfers to the ledger in batches and compare with a bare batched insert of the same rows",
		Long: `Open a few accounts in a fresh database and apply --transfers transfers
(contributions into a no-overdraft cash account, spending out of it) in
batches of --batch, each one transaction with its transparency-log leaves,
through the full path (validation by package ledger, row locks, running
totals). Then insert the same transfers' rows, in the same batches, into a
plain table of the same columns with the engine's bare batched insert
(multi-row INSERT on SQLite, COPY on PostgreSQL). Prints transfers/s of
both, their ratio, and the time of a full ledger check afterwards.
On SQLite the database is a file in a temporary directory; with --db
postgres://..., a fresh schema in that database (dropped afterwards).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 || batch <= 0 {
				return usageError("--transfers and --batch must be positive")
			}
			return benchLedger(cmd.Context(), cmd.OutOrStdout(), cfg.db, n, batch)
		},
	}
	cmd.Flags().IntVar(&n, "transfers", 100_000, "transfers to apply")
	cmd.Flags().IntVar(&batch, "batch", 1000, "transfers per transaction")
	return cmd
}

var benchLedgerAccounts = []ledger.Account{
	{ID: "fund:cash", Kind: ledger.Asset, Currency: "XOF", NoOverdraft: true, Name: "Fund"},
	{ID: "income:cash", Kind: ledger.Income, Currency: "XOF", Name: "Cash contributions"},
	{ID: "income:bank", Kind: ledger.Income, Currency: "XOF", Name: "Bank contributions"},
	{ID: "income:mobile", Kind: ledger.Income, Currency: "XOF", Name: "Mobile money contributions"},
	{ID: "expense:equipment", Kind: ledger.Expense, Currency: "XOF", Name: "Equipment"},
}

// ledgerResult is what bench ledger measured.
type ledgerResult struct {
	transfers, batch    int
	dialect             string
	applyTime, bareTime time.Duration
	checkTime           time.Duration
}

func (r ledgerResult) rate() float64     { return float64(r.transfers) / r.applyTime.Seconds() }
func (r ledgerResult) bareRate() float64 { return float64(r.transfers) / r.bareTime.Seconds() }

func benchLedger(ctx context.Context, out io.Writer, dsn string, n, batch int) error {
	r, err := measureLedger(ctx, out, dsn, n, batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ledger: %d transfers in %s on %s: %.0f transfers/s (batches of %d, one transaction and %d log leaves each)\n",
		n, r.applyTime.Round(time.Millisecond), r.dialect, r.rate(), batch, batch)
	fmt.Fprintf(out, "bare batched insert of the same rows: %.0f transfers/s; ratio ledger/bare: %.2f\n", r.bareRate(), r.rate()/r.bareRate())
	fmt.Fprintf(out, "ledger check: consistent, %d transfers recomputed in %s\n", n, r.checkTime.Round(time.Millisecond))
	return nil
}

// measureLedger applies n transfers in batches of batch to a fresh
// database and checks the ledger, then inserts the same rows bare into a
// plain table of the same database; progress goes to log.
func measureLedger(ctx context.Context, log io.Writer, dsn string, n, batch int) (ledgerResult, error) {
	w, err := newBenchWorkspace(1)
	if err != nil {
		return ledgerResult{}, err
	}
	defer w.close()
	store, err := benchDB(ctx, dsn, w.dir, "ledger", w.keys, nil)
	if err != nil {
		return ledgerResult{}, err
	}
	defer store.close()
	db := store.db
	for _, a := range benchLedgerAccounts {
		if err := db.OpenLedgerAccount(ctx, a); err != nil {
			return ledgerResult{}, err
		}
	}
	incomes := []string{"income:cash", "income:bank", "income:mobile"}
	at := time.Now().UTC()
	transfer := func(i int) ledger.Transfer {
		t := ledger.Transfer{ID: fmt.Sprintf("bench-%09d", i), Currency: "XOF", At: at.Add(time.Duration(i) * time.Millisecond)}
		if i%3 == 2 { // spend half of what the two before brought in
			t.Debit, t.Credit, t.Amount, t.Memo = "expense:equipment", "fund:cash", 1000, "equipment purchase"
		} else {
			t.Debit, t.Credit, t.Amount, t.Memo = "fund:cash", incomes[i%len(incomes)], 1000+int64(i%7), "contribution"
		}
		return t
	}
	batches := func(each func(start int, b []ledger.Transfer) error) error {
		buf := make([]ledger.Transfer, 0, batch)
		for i := 0; i < n; i += batch {
			buf = buf[:0]
			for j := i; j < min(i+batch, n); j++ {
				buf = append(buf, transfer(j))
			}
			if err := each(i, buf); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(log, "ledger: applying %d transfers in batches of %d on %s ...\n", n, batch, db.Dialect())
	start := time.Now()
	err = batches(func(i int, b []ledger.Transfer) error {
		applied, err := db.ApplyTransfers(ctx, b)
		if err == nil && len(applied) != len(b) {
			err = fmt.Errorf("batch at %d: %d of %d transfers applied", i, len(applied), len(b))
		}
		return err
	})
	if err != nil {
		return ledgerResult{}, err
	}
	r := ledgerResult{transfers: n, batch: batch, dialect: db.Dialect(), applyTime: time.Since(start)}
	start = time.Now()
	problems, err := db.LedgerCheck(ctx)
	if err != nil {
		return ledgerResult{}, err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(log, p)
		}
		return ledgerResult{}, ledgerBroken{len(problems)}
	}
	r.checkTime = time.Since(start)

	bare, err := openBare(ctx, store.dsn)
	if err != nil {
		return ledgerResult{}, err
	}
	defer bare.Close()
	start = time.Now()
	if err := batches(func(i int, b []ledger.Transfer) error { return bare.insert(ctx, b, i) }); err != nil {
		return ledgerResult{}, fmt.Errorf("bare insert: %w", err)
	}
	r.bareTime = time.Since(start)
	return r, nil
}

// bareLedger is the floor of bench ledger: a plain table with the columns
// of ledger_transfers and its unique id, written with the engine's bare
// batched insert, one transaction per batch, with no account totals, no
// lock, no validation and no log leaves.
type bareLedger struct {
	*sql.DB
	postgres bool
}

const bareLedgerColumns = "id, debit_account, credit_account, amount, currency, at, memo, log_index"

func openBare(ctx context.Context, dsn string) (*bareLedger, error) {
	b := &bareLedger{postgres: strings.HasPrefix(dsn, "postgres")}
	var err error
	if b.postgres {
		b.DB, err = sql.Open("pgx", dsn)
	} else {
		// The pragmas muster's own SQLite connections use.
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "cache_size(-262144)", "temp_store(MEMORY)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		b.DB, err = sql.Open("sqlite", "file:"+dsn+"?"+q.Encode())
	}
	if err == nil {
		_, err = b.ExecContext(ctx, `CREATE TABLE bare_transfers (id TEXT NOT NULL UNIQUE, debit_account TEXT NOT NULL,
			credit_account TEXT NOT NULL, amount BIGINT NOT NULL, currency TEXT NOT NULL, at TEXT NOT NULL,
			memo TEXT NOT NULL, log_index BIGINT NOT NULL)`)
	}
	if err != nil {
		if b.DB != nil {
			b.Close()
		}
		return nil, err
	}
	return b, nil
}

// insert writes one batch, whose first transfer is the first-th.
func (b *bareLedger) insert(ctx context.Context, batch []ledger.Transfer, first int) error {
	rows := make([][]any, len(batch))
	for i, t := range batch {
		rows[i] = []any{t.ID, t.Debit, t.Credit, t.Amount, t.Currency, t.At.Format(time.RFC3339Nano), t.Memo, int64(first + i)}
	}
	if b.postgres {
		conn, err := b.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"bare_transfers"}, strings.Split(bareLedgerColumns, ", "), pgx.CopyFromRows(rows))
			return err
		})
	}
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const perStatement = 100 // 800 parameters, within SQLite's limit
	for start := 0; start < len(rows); start += perStatement {
		chunk := rows[start:min(start+perStatement, len(rows))]
		var args []any
		for _, r := range chunk {
			args = append(args, r...)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := tx.ExecContext(ctx, "INSERT INTO bare_transfers ("+bareLedgerColumns+") VALUES "+values, args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
