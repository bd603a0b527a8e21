package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/importer"
)

func newFundImportCmd(cfg *config) *cobra.Command {
	var f fundFlags
	cmd := &cobra.Command{
		Use:   "import --as TREASURER FILE.csv",
		Short: "Record the contributions of a CSV file (a day's receipts, a bank statement), each with its log leaf",
		Long: `Record one contribution per row of a CSV file whose first row names the
columns, in any order: id, channel (cash, bank or mobile_money), amount
(whole XOF), and optionally at (RFC 3339) and contributor (only for those
who asked to be named on the public report).

Every row is checked before anything is recorded: a file with a bad row
records nothing, prints each problem as FILE:LINE: COLUMN: message and
exits with status 3. Then each contribution is recorded in a transaction
of its own with its transparency-log leaf. The ids make the file safe to
run again after an interruption: a row already recorded is a retry that
moves no money.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := os.Open(args[0])
			if err != nil {
				return muster.Errorf(muster.Invalid, "%v", err)
			}
			defer file.Close()
			contributions, problems, err := importer.ReadContributions(file, args[0])
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintln(cmd.ErrOrStderr(), p)
			}
			if len(problems) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "recorded 0: %d rows rejected, so nothing was recorded\n", len(problems))
				return rejectedError{len(problems)}
			}
			db, a, err := f.openFund(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			recorded, again := 0, 0
			for _, c := range contributions {
				rec, err := db.RecordContribution(cmd.Context(), c, a.Name)
				if err != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "recorded %d, already recorded %d before the failure\n", recorded, again)
					return fmt.Errorf("contribution %s: %w", c.Key, err)
				}
				if rec.Replayed {
					again++
				} else {
					recorded++
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recorded %d, already recorded %d\n", recorded, again)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.as, "as", "", "the treasurer recording them")
	return cmd
}
