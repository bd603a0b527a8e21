package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/sqlstore"
)

func newAllocateCmd(cfg *config) *cobra.Command {
	var as, scope string
	var needIDs []string
	var opt allocate.Options
	var quiet bool
	cmd := &cobra.Command{
		Use:   "allocate --as OFFICER --scope AREA [--needs ID,...] --propose",
		Short: "Propose how to fill open needs from the registry, under the policy in force, for review",
		Long: `Reads the open needs of the scope (or those named), the resources and persons of the
scope that policy allows (protected organisations and types left out, per-owner limits
applied, persons only if liable), and proposes the nearest suitable candidates while
spreading the burden over owners. The proposal is stored for review: accept or reject
its lines with "muster proposals", then draft their orders.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("propose") {
				return usageError("--propose is required: allocation only ever proposes, a person reviews")
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := officerIn(cmd, db, as, scope)
			if err != nil {
				return err
			}
			start := time.Now()
			if !quiet {
				// The bar is made on the first report, which gives the number of needs.
				var bar *progressbar.ProgressBar
				opt.Progress = func(done, total int) {
					if bar == nil {
						bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("allocating"),
							progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
					}
					bar.Set(done)
				}
			}
			stored, e, err := db.Propose(cmd.Context(), scope, needIDs, u.Name, opt)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "proposal %s under policy %s: %d needs, %d candidates, %d lines, %d shortfalls, total cost %.1f (%s)\n",
				stored.ID, stored.PolicyVersion, stored.Needs, stored.Candidates, len(stored.Lines), len(stored.Shortfalls), stored.TotalCost,
				time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(out, "left out by policy: %d of protected organisations, %d of protected types, %d at an owner's limit, %d persons not liable, %d without a location\n",
				e.ProtectedOrganisation, e.ProtectedType, e.OwnerLimit, e.NotLiable, e.NoLocation)
			return printProposal(out, stored, 20)
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the officer running it")
	f.StringVar(&scope, "scope", "", "the area whose needs and registry are allocated (within your jurisdiction)")
	f.StringSliceVar(&needIDs, "needs", nil, "only these open needs (default: every open need of the scope)")
	f.Bool("propose", false, "store the result as a proposal for review (required)")
	f.Float64Var(&opt.BurdenWeight, "burden-weight", allocate.DefaultBurdenWeight, "km of travel that each further unit taken from one owner is worth")
	f.Float64Var(&opt.FairnessWeight, "fairness-weight", allocate.DefaultFairnessWeight, "km per unit an owner gave before")
	f.Float64Var(&opt.MaxDistanceKm, "max-distance", 0, "never propose a candidate farther than this, in km (0: no limit)")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

// printProposal prints a proposal's shortfalls and its first lines.
func printProposal(out io.Writer, sp sqlstore.StoredProposal, maxLines int) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LINE\tNEED\tCANDIDATE\tTYPE\tQUANTITY\tKM\tBURDEN\tFAIRNESS\tCOST\tSTATE\tORDER")
	for i, l := range sp.Lines {
		if maxLines > 0 && i == maxLines {
			fmt.Fprintf(w, "…\t%d more lines: muster proposals show %s\n", len(sp.Lines)-maxLines, sp.ID)
			break
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\n", l.No, l.Need, l.Candidate, l.Type, quantity(l.Quantity),
			l.Cost.DistanceKm, l.Cost.Burden, l.Cost.Fairness, l.Cost.Total, l.State, dash(l.OrderID))
	}
	for _, s := range sp.Shortfalls {
		fmt.Fprintf(w, "short\t%s\t\t\t%s\t\t\t\t\t%s\t\n", s.Need, quantity(s.Missing), s.Reason)
	}
	return w.Flush()
}

func newProposalsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposals",
		Short: "Review proposals: show them, accept or reject lines, draft the orders of accepted lines",
	}
	show := &cobra.Command{
		Use:   "show PROPOSAL",
		Short: "Show a proposal's lines, with their cost breakdown, and its shortfalls",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			sp, err := db.Proposal(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "proposal %s by %s at %s, scope %s, policy %s (sha256 %s), total cost %.1f\n",
				sp.ID, sp.CreatedBy, sp.CreatedAt.Format(time.RFC3339), sp.Scope, sp.PolicyVersion, sp.PolicyHash, sp.TotalCost)
			return printProposal(cmd.OutOrStdout(), sp, 0)
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List proposals, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.Proposals(cmd.Context(), 1000)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PROPOSAL\tCREATED\tBY\tSCOPE\tNEEDS\tCANDIDATES\tCOST\tPOLICY")
			for _, p := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%.1f\t%s\n", p.ID, p.CreatedAt.Format("2006-01-02 15:04"), p.CreatedBy, p.Scope,
					p.Needs, p.Candidates, p.TotalCost, p.PolicyVersion)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(list, show, newDecideCmd(cfg, true), newDecideCmd(cfg, false), newProposalOrdersCmd(cfg))
	return cmd
}

func newDecideCmd(cfg *config, accept bool) *cobra.Command {
	var as string
	verb := "reject"
	if accept {
		verb = "accept"
	}
	cmd := &cobra.Command{
		Use:   verb + " --as OFFICER PROPOSAL [LINE...]",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " lines of a proposal (all its pending lines when none is named)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var lines []int
			for _, a := range args[1:] {
				n, err := strconv.Atoi(a)
				if err != nil {
					return usageError("line %q is not a number", a)
				}
				lines = append(lines, n)
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			sp, err := db.Proposal(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if _, err := officerIn(cmd, db, as, sp.Scope); err != nil {
				return err
			}
			sp, err = db.DecideLines(cmd.Context(), args[0], lines, accept, as)
			if err != nil {
				return err
			}
			counts := map[string]int{}
			for _, l := range sp.Lines {
				counts[l.State]++
			}
			fmt.Fprintf(cmd.OutOrStdout(), "proposal %s: %d pending, %d accepted, %d rejected, %d drafted\n", sp.ID,
				counts[sqlstore.LinePending], counts[sqlstore.LineAccepted], counts[sqlstore.LineRejected], counts[sqlstore.LineDrafted])
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the reviewing officer")
	return cmd
}

func newProposalOrdersCmd(cfg *config) *cobra.Command {
	var as, authority string
	cmd := &cobra.Command{
		Use:   "orders --as OFFICER --authority CODE PROPOSAL",
		Short: "Draft one order per accepted line; a different officer approves them (muster orders approve --batch PROPOSAL)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			sp, err := db.Proposal(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if _, err := officerIn(cmd, db, as, sp.Scope); err != nil {
				return err
			}
			a, err := actor(cmd.Context(), db, as, auth.Officer)
			if err != nil {
				return err
			}
			drafts, err := db.DraftProposalOrders(cmd.Context(), sp.ID, authority, a)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "drafted %d orders in batch %s; approve them with: muster orders approve --batch %s --as APPROVER\n",
				len(drafts), sp.ID, sp.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the officer drafting")
	cmd.Flags().StringVar(&authority, "authority", "", "issuing authority code")
	return cmd
}

// quantity prints a quantity to the thousandth, without float noise.
func quantity(q float64) string {
	return strconv.FormatFloat(math.Round(q*1000)/1000, 'f', -1, 64)
}
