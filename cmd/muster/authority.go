package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/trust"
)

func newAuthorityCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "authority", Short: "Issuing authorities and their signing keys"}
	var a sqlstore.Authority
	var years int
	add := &cobra.Command{
		Use:   "add --code CODE --name NAME --area AREA",
		Short: "Add an issuing authority with a first Ed25519 signing key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.CreateAuthority(cmd.Context(), a); err != nil {
				return err
			}
			key, err := addKey(cmd, db, a.Code, years)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added authority %s with key %s (valid until %s)\n", a.Code, key.ID, key.NotAfter.Format("2006-01-02"))
			return nil
		},
	}
	add.Flags().StringVar(&a.Code, "code", "", "authority code, e.g. NE-MOB-DS")
	add.Flags().StringVar(&a.Name, "name", "", "authority name as printed on orders")
	add.Flags().StringVar(&a.Area, "area", "", "area code of its jurisdiction")
	add.Flags().IntVar(&years, "years", 2, "validity of the signing key in years")
	for _, f := range []string{"code", "name", "area"} {
		add.MarkFlagRequired(f)
	}
	var code string
	rotate := &cobra.Command{
		Use:   "rotate --code CODE",
		Short: "Give an authority a new signing key; orders signed with the old one still verify",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			key, err := addKey(cmd, db, code, years)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "new key %s for %s; run muster keys trustlist to publish it\n", key.ID, code)
			return nil
		},
	}
	rotate.Flags().StringVar(&code, "code", "", "authority code")
	rotate.Flags().IntVar(&years, "years", 2, "validity of the new key in years")
	rotate.MarkFlagRequired("code")
	list := &cobra.Command{
		Use:   "list",
		Short: "List authorities and their keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			keys, err := db.Keys(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "AUTHORITY\tKEY\tNOT BEFORE\tNOT AFTER\tREVOKED")
			for _, k := range keys {
				revoked := ""
				if k.Revoked != nil {
					revoked = k.Revoked.Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.Authority, k.ID, k.NotBefore.Format("2006-01-02"), k.NotAfter.Format("2006-01-02"), revoked)
			}
			return w.Flush()
		},
	}
	var at string
	revoke := &cobra.Command{
		Use:   "revoke KEY-ID [--from TIME]",
		Short: "Revoke a signing key: orders it signed from that time on no longer verify",
		Long: `Revoke a signing key from a given time (default now). Orders the key signed
before that time still verify; to refuse every order a stolen key signed,
revoke it from its first day. Publish the change with muster keys trustlist.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			from := time.Now().UTC()
			if at != "" {
				var err error
				if from, err = time.Parse(time.RFC3339, at); err != nil {
					return usageError("--from %q: want an RFC 3339 time", at)
				}
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.RevokeKey(cmd.Context(), args[0], from); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "key %s revoked from %s; run muster keys trustlist to publish it\n", args[0], from.Format(time.RFC3339))
			return nil
		},
	}
	revoke.Flags().StringVar(&at, "from", "", "revoked from this time (RFC 3339; default now)")
	cmd.AddCommand(add, rotate, list, revoke)
	return cmd
}

// addKey generates and stores a signing key valid from now for years.
func addKey(cmd *cobra.Command, db *sqlstore.DB, authority string, years int) (trust.Key, error) {
	if years < 1 || years > 10 {
		return trust.Key{}, usageError("--years must be between 1 and 10")
	}
	now := time.Now().UTC().Truncate(time.Second)
	key, priv := trust.GenerateKey(authority, now, now.AddDate(years, 0, 0))
	return key, db.AddKey(cmd.Context(), key, priv)
}
