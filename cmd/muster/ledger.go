package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/ledger"
)

func newLedgerCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "The fund and compensation ledger"}
	check := &cobra.Command{
		Use:   "check",
		Short: "Verify the ledger from its transfers: debits equal credits, balances equal their transfers, no no-overdraft account below zero",
		Long: `Recompute the ledger from its stored transfers and compare: the debit and
credit sides add up to the same total, every account's stored sums equal
those of its transfers, every reversal mirrors a single earlier transfer,
and no no-overdraft account is below zero. Exit 0 if all holds, else print
each problem and exit 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			problems, err := db.LedgerCheck(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintln(out, p)
				}
				return ledgerBroken{len(problems)}
			}
			accounts, transfers, err := db.LedgerCounts(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "ledger consistent: %d accounts, %d transfers\n", accounts, transfers)
			return nil
		},
	}
	cmd.AddCommand(check)
	return cmd
}

// ledgerBroken ends `muster ledger check` with exit status 1 once the
// problems are printed.
type ledgerBroken struct{ n int }

func (e ledgerBroken) Error() string {
	return fmt.Sprintf("the ledger is inconsistent: %d problems", e.n)
}

func newBenchLedgerCmd(cfg *config) *cobra.Command {
	var n, batch int
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Apply transfers to the ledger in batches and print transfers/s",
		Long: `Open a few accounts in a fresh database and apply --transfers transfers
(contributions into a no-overdraft cash account, spending out of it) in
batches of --batch, each one transaction with its transparency-log leaves,
through the full path (validation by package ledger, row locks, running
totals). Prints transfers/s and the time of a full ledger check afterwards.
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

func benchLedger(ctx context.Context, out io.Writer, dsn string, n, batch int) error {
	w, err := newBenchWorkspace(1)
	if err != nil {
		return err
	}
	defer w.close()
	store, err := benchDB(ctx, dsn, w.dir, "ledger", w.keys, nil)
	if err != nil {
		return err
	}
	defer store.close()
	db := store.db
	for _, a := range benchLedgerAccounts {
		if err := db.OpenLedgerAccount(ctx, a); err != nil {
			return err
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
	fmt.Fprintf(out, "ledger: applying %d transfers in batches of %d on %s ...\n", n, batch, db.Dialect())
	start := time.Now()
	buf := make([]ledger.Transfer, 0, batch)
	for i := 0; i < n; i += batch {
		buf = buf[:0]
		for j := i; j < min(i+batch, n); j++ {
			buf = append(buf, transfer(j))
		}
		applied, err := db.ApplyTransfers(ctx, buf)
		if err != nil {
			return err
		}
		if len(applied) != len(buf) {
			return fmt.Errorf("batch at %d: %d of %d transfers applied", i, len(applied), len(buf))
		}
	}
	spent := time.Since(start)
	fmt.Fprintf(out, "ledger: %d transfers in %s on %s: %.0f transfers/s (batches of %d, one transaction and %d log leaves each)\n",
		n, spent.Round(time.Millisecond), db.Dialect(), float64(n)/spent.Seconds(), batch, batch)
	start = time.Now()
	problems, err := db.LedgerCheck(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(out, p)
		}
		return ledgerBroken{len(problems)}
	}
	fmt.Fprintf(out, "ledger check: consistent, %d transfers recomputed in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
