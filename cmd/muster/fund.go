package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/httpapi/report"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

func newFundCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "fund", Short: "The fund: contributions, programmes, spending, compensation payments, the public report"}
	programme := &cobra.Command{Use: "programme", Short: "Add and list the fund's programmes"}
	programme.AddCommand(newFundProgrammeAddCmd(cfg), newFundProgrammeListCmd(cfg))
	cmd.AddCommand(newFundContributeCmd(cfg), programme, newFundAllocateCmd(cfg), newFundSpendCmd(cfg), newFundMoveCmd(cfg),
		newFundPayCmd(cfg), newFundPayableCmd(cfg), newFundUndoCmd(cfg), newFundReportCmd(cfg), newFundImportCmd(cfg))
	return cmd
}

// fundFlags are what every recording command takes: who records it, and
// the key that makes running it again a retry.
type fundFlags struct {
	as, id string
	amount int64
}

func (f *fundFlags) add(cmd *cobra.Command, amount bool) {
	cmd.Flags().StringVar(&f.as, "as", "", "the treasurer recording it")
	cmd.Flags().StringVar(&f.id, "id", "", "your key for it (a receipt number); running the command again with the same --id is a retry that records nothing new (default: a new random key, printed)")
	if amount {
		cmd.Flags().Int64Var(&f.amount, "amount", 0, "amount in "+fund.Currency)
	}
}

// key returns --id, or a new random key, checked.
func (f *fundFlags) key() (string, error) {
	if f.id == "" {
		b := make([]byte, 8)
		rand.Read(b)
		return "cli-" + hex.EncodeToString(b), nil
	}
	if !fund.ValidKey(f.id) {
		return "", usageError("--id %q: use 1 to %d letters, digits, '.', '_' or '-'", f.id, fund.MaxKeyLen)
	}
	return f.id, nil
}

// openFund opens the database and checks that --as names a treasurer.
func (f *fundFlags) openFund(ctx context.Context, cfg *config) (*sqlstore.DB, order.Actor, error) {
	if f.as == "" {
		return nil, order.Actor{}, usageError("--as names the treasurer this is recorded by")
	}
	db, err := cfg.open(ctx)
	if err != nil {
		return nil, order.Actor{}, err
	}
	a, err := actor(ctx, db, f.as, auth.Treasurer)
	if err != nil {
		db.Close()
		return nil, order.Actor{}, err
	}
	return db, a, nil
}

func channelFlag(flag, s string) (fund.Channel, error) {
	c, err := fund.ParseChannel(s)
	if err != nil {
		return "", usageError("--%s: %s", flag, muster.ErrorMessage(err))
	}
	return c, nil
}

func newFundContributeCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var channel, name, at string
	cmd := &cobra.Command{
		Use:     "contribute --as TREASURER --channel cash|bank|mobile_money --amount N [--name NAME] [--id KEY]",
		Short:   "Record a contribution received",
		Example: `  muster fund contribute --as treasurer --channel cash --amount 50000 --id REC-2026-0001 --name "Coopérative de Gaya"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ch, err := channelFlag("channel", channel)
			if err != nil {
				return err
			}
			key, err := f.key()
			if err != nil {
				return err
			}
			c := fund.Contribution{Key: key, Channel: ch, Amount: f.amount, Contributor: name}
			if at != "" {
				if c.At, err = time.Parse(time.RFC3339, at); err != nil {
					return usageError("--at %q: not an RFC 3339 time such as 2026-11-25T10:30:00Z", at)
				}
			}
			if err := c.Validate(); err != nil {
				return err
			}
			db, a, err := f.openFund(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			rec, err := db.RecordContribution(cmd.Context(), c, a.Name)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s contribution %s: %s by %s (log index %d)\n",
				recordedOrAlready(rec.Replayed), rec.Transfer.ID, report.Amount(rec.Transfer.Amount, "en"), rec.Channel, rec.LogIndex)
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&channel, "channel", "", "how it came: cash, bank or mobile_money")
	cmd.Flags().StringVar(&name, "name", "", "the contributor's name, only if they asked to be named on the public report")
	cmd.Flags().StringVar(&at, "at", "", "when it was received (RFC 3339; default now)")
	return cmd
}

func recordedOrAlready(replayed bool) string {
	if replayed {
		return "already recorded:"
	}
	return "recorded"
}

// applyUseCase opens the database as the treasurer, applies one use case
// and prints its transfers.
func applyUseCase(cmd *cobra.Command, cfg *config, f *fundFlags, batch []ledger.Transfer, err error) error {
	if err != nil {
		return err
	}
	db, _, err := f.openFund(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.ApplyFund(cmd.Context(), batch)
	if err != nil {
		return err
	}
	for _, t := range res.Transfers {
		fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s from %s to %s\n", recordedOrAlready(res.Replayed), t.ID, report.Amount(t.Amount, "en"), t.Credit, t.Debit)
	}
	return nil
}

func newFundAllocateCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var memo string
	cmd := &cobra.Command{
		Use:   "allocate PROGRAMME --as TREASURER --amount N [--memo TEXT] [--id KEY]",
		Short: "Allocate unallocated money to a programme",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := f.key()
			if err != nil {
				return err
			}
			batch, err := fund.Allocate(fund.Allocation{Key: key, Programme: args[0], Amount: f.amount, Memo: memo})
			return applyUseCase(cmd, cfg, &f, batch, err)
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&memo, "memo", "", "public note (no personal data)")
	return cmd
}

func newFundSpendCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var channel, memo string
	cmd := &cobra.Command{
		Use:   "spend PROGRAMME --as TREASURER --channel CHANNEL --amount N --memo WHAT-FOR [--id KEY]",
		Short: "Record a programme's spending; never beyond what the programme holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ch, err := channelFlag("channel", channel)
			if err != nil {
				return err
			}
			key, err := f.key()
			if err != nil {
				return err
			}
			batch, err := fund.Spend(fund.Spending{Key: key, Programme: args[0], Channel: ch, Amount: f.amount, Memo: memo})
			return applyUseCase(cmd, cfg, &f, batch, err)
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&channel, "channel", "", "the holding the money leaves from: cash, bank or mobile_money")
	cmd.Flags().StringVar(&memo, "memo", "", "what it paid for (public: no personal data)")
	return cmd
}

func newFundMoveCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var from, to, memo string
	cmd := &cobra.Command{
		Use:   "move --as TREASURER --from CHANNEL --to CHANNEL --amount N [--id KEY]",
		Short: "Move money between holdings (cash deposited at the bank...)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := channelFlag("from", from)
			if err != nil {
				return err
			}
			dst, err := channelFlag("to", to)
			if err != nil {
				return err
			}
			key, err := f.key()
			if err != nil {
				return err
			}
			batch, err := fund.Move(fund.Movement{Key: key, From: src, To: dst, Amount: f.amount, Memo: memo})
			return applyUseCase(cmd, cfg, &f, batch, err)
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&from, "from", "", "cash, bank or mobile_money")
	cmd.Flags().StringVar(&to, "to", "", "cash, bank or mobile_money")
	cmd.Flags().StringVar(&memo, "memo", "", "public note")
	return cmd
}

func newFundUndoCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var why string
	cmd := &cobra.Command{
		Use:   "undo TRANSFER-ID --as TREASURER --why TEXT",
		Short: "Undo a recorded use case (a bounced cheque...) with its reversal",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, _, err := f.openFund(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := db.UndoFund(cmd.Context(), args[0], why)
			if err != nil {
				return err
			}
			for _, t := range res.Transfers {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s: undoes %s\n", recordedOrAlready(res.Replayed), t.ID, t.Reverses)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.as, "as", "", "the treasurer recording it")
	cmd.Flags().StringVar(&why, "why", "", "why (public: no personal data)")
	return cmd
}

func newFundPayCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var channel, reference string
	cmd := &cobra.Command{
		Use:   "pay ORDER --as TREASURER --channel CHANNEL [--amount N] [--reference REF] [--id KEY]",
		Short: "Pay an order's compensation; paying all that is owed records the order's compensate event",
		Long: `Pay compensation owed on an order (by code or id) from the compensation
programme, through a holding. Without --amount, pay all that is outstanding.
Once nothing is outstanding the order's compensate event is recorded: an
order is never compensated with money still owed. If that step fails, run
the same command with the same --id again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ch, err := channelFlag("channel", channel)
			if err != nil {
				return err
			}
			key, err := f.key()
			if err != nil {
				return err
			}
			if f.amount < 0 {
				return usageError("--amount %d is negative", f.amount)
			}
			db, a, err := f.openFund(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := db.PayCompensation(cmd.Context(), fund.Payment{Key: key, Order: args[0], Channel: ch, Amount: f.amount, Reference: reference}, a, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "payment pay:%s recorded\n", key)
			printPayable(cmd.OutOrStdout(), p)
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&channel, "channel", "", "the holding it is paid from: cash, bank or mobile_money")
	cmd.Flags().StringVar(&reference, "reference", "", "the payout's reference, e.g. the mobile-money transaction id (no personal data)")
	return cmd
}

func printPayable(w io.Writer, p sqlstore.FundPayable) {
	fmt.Fprintf(w, "order %s (%s): owed %s, paid %s, outstanding %s\n", p.Code, p.State,
		report.Amount(p.Owed, "en"), report.Amount(p.Paid, "en"), report.Amount(p.Outstanding, "en"))
}

func newFundPayableCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "payable ORDER",
		Short: "Show the compensation owed and paid on an order",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := db.Payable(cmd.Context(), args[0], "")
			if err != nil {
				return err
			}
			printPayable(cmd.OutOrStdout(), p)
			for _, t := range p.Payments {
				fmt.Fprintf(cmd.OutOrStdout(), "  %s  %s  %s\n", t.At.UTC().Format(time.RFC3339), report.Amount(t.Amount, "en"), t.Memo)
			}
			return nil
		},
	}
}

func newFundProgrammeAddCmd(cfg *config) *cobra.Command {
	var f fundFlags
	var name string
	cmd := &cobra.Command{
		Use:   "add SLUG --as TREASURER --name NAME",
		Short: "Add a programme (adding it again with the same name does nothing)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := fund.ProgrammeDef{Slug: args[0], Name: name}
			if _, err := p.Account(); err != nil {
				return err
			}
			db, _, err := f.openFund(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := db.AddProgramme(cmd.Context(), p)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "programme %s (%s): account %s\n", p.Slug, a.Name, a.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.as, "as", "", "the treasurer adding it")
	cmd.Flags().StringVar(&name, "name", "", "its public name")
	return cmd
}

func newFundProgrammeListCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the programmes with their balances",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ps, err := db.Programmes(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "PROGRAMME\tBALANCE\tNAME\t")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\n", p.Slug, report.Amount(p.Balance, "en"), p.Name)
			}
			return tw.Flush()
		},
	}
}

func newFundReportCmd(cfg *config) *cobra.Command {
	var format, lang, output string
	cmd := &cobra.Command{
		Use:   "report [--format text|csv|json|html] [-o FILE]",
		Short: "The fund's public report at a freshly signed checkpoint; exit 1 if a check fails",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "csv" && format != "json" && format != "html" {
				return usageError("--format %q: text, csv, json or html", format)
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			signer, _, err := cfg.logSigner()
			if err != nil {
				return err
			}
			if _, err := db.SignCheckpoint(cmd.Context(), signer); err != nil {
				return err
			}
			cp, err := db.FundCheckpoint(cmd.Context())
			if err != nil {
				return err
			}
			r, err := db.FundReport(cmd.Context(), cp)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			switch format {
			case "csv":
				err = report.CSV(&b, r)
			case "json":
				err = json.NewEncoder(&b).Encode(r)
			case "html":
				err = report.HTML(&b, r, lang)
			default:
				err = report.Text(&b, r)
			}
			if err != nil {
				return err
			}
			if output != "" {
				err = os.WriteFile(output, b.Bytes(), 0o644)
			} else {
				_, err = cmd.OutOrStdout().Write(b.Bytes())
			}
			if err == nil && !r.OK() {
				return fundBroken{r}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, csv, json or html")
	cmd.Flags().StringVar(&lang, "lang", "fr", "language of the html report: fr or en")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// loadWebhookSecrets reads the mobile-money providers' webhook secrets
// (fund.ParseSecrets) from path; "" means none, so every notification is
// refused. Like the key file, it must not be readable by others.
func loadWebhookSecrets(path string) (fund.Secrets, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "MUSTER_FUND_WEBHOOK_SECRETS")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, muster.Errorf(muster.Invalid, "webhook secrets file %s: mode %v lets others read it; chmod 600 it", path, info.Mode().Perm())
	}
	return fund.ParseSecrets(f, path)
}

// fundBroken ends `muster fund report` with exit status 1 once the report
// is written: a check that fails means the books do not add up.
type fundBroken struct{ r fund.Report }

func (e fundBroken) Error() string { return "the fund report fails some of its checks" }
