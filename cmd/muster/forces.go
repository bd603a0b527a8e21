package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/sqlstore"
)

func newForcesCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "forces",
		Short: "Strength targets of forces and units, and the shortfall campaigns fill",
	}
	var as string
	var f sqlstore.ForceTarget
	set := &cobra.Command{
		Use:   "set --as OFFICER --code CODE --name NAME --scope AREA --target N [--strength N]",
		Short: "Set a force's strength target and the strength it has apart from muster's call-ups",
		Example: `  muster forces set --as officer --code FDS --name "Forces de défense et de sécurité" --scope NE --target 50000 --strength 33000
  muster campaign create --as officer --force FDS ...   # its call-ups count towards FDS`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := officerIn(cmd, db, as, f.Scope)
			if err != nil {
				return err
			}
			f.UpdatedBy = u.Name
			if _, err := db.SetForceTarget(cmd.Context(), f); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "force %s: target %d, strength %d\n", f.Code, f.Target, f.Base)
			return nil
		},
	}
	fl := set.Flags()
	fl.StringVar(&as, "as", "", "the officer setting it")
	fl.StringVar(&f.Code, "code", "", "short code of the force or unit")
	fl.StringVar(&f.Name, "name", "", "its name")
	fl.StringVar(&f.Scope, "scope", "", "the area whose campaigns may fill it")
	fl.Int64Var(&f.Target, "target", 0, "the strength to reach")
	fl.Int64Var(&f.Base, "strength", 0, "the strength it has apart from muster's call-ups")

	var within string
	list := &cobra.Command{
		Use:   "list [--area AREA]",
		Short: "Force targets with strength, call-ups answered and pending, and shortfall",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.ForceTargets(cmd.Context(), within)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(w, "FORCE\tSCOPE\tTARGET\tSTRENGTH\tCALLED UP (ANSWERED)\tCALLED UP (PENDING)\tSHORTFALL\t")
			for _, f := range list {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", f.Code, f.Scope, f.Target, f.Strength, f.Reported, f.Pending, f.Shortfall)
			}
			return w.Flush()
		},
	}
	list.Flags().StringVar(&within, "area", "", "only forces whose scope lies within this area")
	cmd.AddCommand(set, list)
	return cmd
}
