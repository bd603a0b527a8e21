package main

import (
	"fmt"

	"github.com/spf13/cobra"
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
