package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/policy"
)

func newPolicyCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check, load and list policy versions (liability, protection, limits, grounds, rates)",
	}
	cmd.AddCommand(newPolicyCheckCmd(), newPolicyLoadCmd(cfg), newPolicyListCmd(cfg), newPolicyShowCmd(cfg))
	return cmd
}

func newPolicyCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Check a policy file without loading it: exit 0, or 2 with FILE:LINE: field: reason",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := policy.Load(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: policy %s, sha256 %s\n", args[0], p.Version, p.Hash)
			return nil
		},
	}
}

func newPolicyLoadCmd(cfg *config) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "load --as ADMIN FILE",
		Short: "Make a policy file the policy in force; its version and hash go into the transparency log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := actor(cmd.Context(), db, as, auth.Admin)
			if err != nil {
				return err
			}
			sp, err := db.LoadPolicy(cmd.Context(), args[0], body, a.Name)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "policy %s in force (sha256 %s, log index %d)\n", sp.Version, sp.Hash, sp.LogIndex)
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the administrator loading it")
	return cmd
}

func newPolicyListCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the policy versions loaded, oldest first; the last is in force",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.Policies(cmd.Context())
			if err != nil {
				return err
			}
			if len(list) == 0 {
				p := policy.Default()
				fmt.Fprintf(cmd.OutOrStdout(), "no policy loaded: the built-in default %s (sha256 %s) is in force\n", p.Version, p.Hash)
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tSHA256\tLOADED\tBY\tLOG INDEX")
			for _, sp := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", sp.Version, sp.Hash, sp.LoadedAt.Format("2006-01-02 15:04"), sp.LoadedBy, sp.LogIndex)
			}
			return w.Flush()
		},
	}
}

func newPolicyShowCmd(cfg *config) *cobra.Command {
	var hash string
	cmd := &cobra.Command{
		Use:   "show [--hash SHA256]",
		Short: "Print the policy file in force (or a loaded version's), exactly as loaded",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if hash == "" {
				_, sp, err := db.ActivePolicy(cmd.Context())
				if err != nil {
					return err
				}
				if sp.LoadedBy == "" {
					_, err = cmd.OutOrStdout().Write(policy.DefaultBytes())
					return err
				}
				hash = sp.Hash
			}
			body, err := db.PolicyBody(cmd.Context(), hash)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(body)
			return err
		},
	}
	cmd.Flags().StringVar(&hash, "hash", "", "the SHA-256 of a loaded version")
	return cmd
}
