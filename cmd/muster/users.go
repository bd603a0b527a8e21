package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/muster-org/muster/auth"
)

func newUsersCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Manage the officers who may log in"}
	cmd.AddCommand(newUsersAddCmd(cfg), newUsersListCmd(cfg))
	return cmd
}

func newUsersAddCmd(cfg *config) *cobra.Command {
	var u auth.User
	var role string
	var fromStdin, generate bool
	cmd := &cobra.Command{
		Use:   "add --name NAME --role ROLE --area AREA",
		Short: "Add an officer with a role over the subtree of one area",
		Long: `Add an officer. Roles: admin, registrar, requester, officer, approver,
reviewer, treasurer, auditor. The officer sees only what lies in AREA's
subtree (NE for the whole country).

The password is asked twice on a terminal, read from the first line of
standard input with --password-stdin, or made up and printed with
--generate-password.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return err
			}
			u.Role = r
			if err := auth.ValidateName(u.Name); err != nil {
				return err
			}
			password, err := choosePassword(cmd, fromStdin, generate)
			if err != nil {
				return err
			}
			hash, err := auth.HashPassword(password)
			if err != nil {
				return err
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := db.CreateUser(cmd.Context(), u, hash); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %s\n", u)
			if generate {
				fmt.Fprintf(cmd.OutOrStdout(), "password: %s\n", password)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&u.Name, "name", "", "login name (lower-case letters, digits, '.', '-', '_')")
	f.StringVar(&role, "role", "", "role: "+roleNames())
	f.StringVar(&u.Area, "area", "", "area code of the jurisdiction (NE for the whole country)")
	f.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	f.BoolVar(&generate, "generate-password", false, "make up a strong password and print it")
	for _, n := range []string{"name", "role", "area"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func roleNames() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func choosePassword(cmd *cobra.Command, fromStdin, generate bool) (string, error) {
	switch {
	case generate:
		return newPassword(), nil
	case fromStdin || !isTerminal(os.Stdin):
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(cmd.ErrOrStderr(), "password: ")
	p1, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", err
	}
	fmt.Fprint(cmd.ErrOrStderr(), "again: ")
	p2, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", usageError("the two passwords differ")
	}
	return string(p1), nil
}

// newPassword makes up a password: 26 base32 characters, 128 random bits.
func newPassword() string { return rand.Text() }

func newUsersListCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the officers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			users, err := db.Users(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tROLE\tAREA")
			for _, u := range users {
				fmt.Fprintf(w, "%s\t%s\t%s\n", u.Name, u.Role, u.Area)
			}
			return w.Flush()
		},
	}
}
