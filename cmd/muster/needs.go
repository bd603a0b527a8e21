package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/importer"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

func newNeedsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "needs",
		Short: "File, import, list and cancel the needs of requesting units",
	}
	cmd.AddCommand(newNeedsAddCmd(cfg), newNeedsImportCmd(cfg), newNeedsListCmd(cfg), newNeedsCancelCmd(cfg))
	return cmd
}

// needFiler resolves --as to a user who may file needs, and returns the
// user's jurisdiction.
func needFiler(cmd *cobra.Command, db *sqlstore.DB, name string) (auth.User, error) {
	if _, err := actor(cmd.Context(), db, name, auth.Requester, auth.Officer); err != nil {
		return auth.User{}, err
	}
	u, _, err := db.UserByName(cmd.Context(), name)
	return u, err
}

func newNeedsAddCmd(cfg *config) *cobra.Command {
	var as, deadline string
	var lat, lon float64
	var n need.Need
	cmd := &cobra.Command{
		Use:   "add --as REQUESTER --unit UNIT (--type TYPE | --skill SKILL) --quantity Q --area AREA --deadline WHEN ...",
		Short: "File one need",
		Example: `  muster needs add --as requester --unit "3e bataillon" --type vehicle.truck --quantity 4 \
    --area NE.DS --deadline 2026-12-20T08:00 --priority 4 \
    --justification "Transport du bataillon vers Diffa" --legal-basis "Décret 2026-114, art. 3"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if n.Deadline, err = parseDeadline(deadline); err != nil {
				return err
			}
			if cmd.Flags().Changed("lat") != cmd.Flags().Changed("lon") {
				return usageError("--lat and --lon go together")
			}
			if cmd.Flags().Changed("lat") {
				n.Point = &area.Point{Lat: lat, Lon: lon}
			}
			if n.ID == "" {
				n.ID = "N-" + order.NewID(time.Now())
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := needFiler(cmd, db, as)
			if err != nil {
				return err
			}
			tree, err := db.AreaTree(cmd.Context())
			if err != nil {
				return err
			}
			if _, ok := tree.Get(n.Area); ok && !tree.Within(n.Area, u.Area) {
				return usageError("--area %s is outside the jurisdiction of %s (%s)", n.Area, u.Name, u.Area)
			}
			n.CreatedAt = time.Now()
			if err := n.Err(); err != nil {
				return err
			}
			filed, err := db.FileNeedsWithin(cmd.Context(), []need.Need{n}, u.Name, u.Area)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "filed need %s: %g %s in %s by %s\n", filed[0].ID, filed[0].Quantity,
				filed[0].AllocationType(), filed[0].Area, filed[0].Deadline.Format("2006-01-02 15:04"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the requesting unit's user (role requester or officer)")
	f.StringVar(&n.ID, "id", "", "the unit's reference for the need (default: a new N-… id)")
	f.StringVar(&n.Unit, "unit", "", "the requesting unit")
	f.StringVar(&n.Type, "type", "", "resource type (vehicle.truck) or class (vehicle)")
	f.StringVar(&n.Skill, "skill", "", "a person's skill, for a call-up (driver, nurse...)")
	f.Float64Var(&n.Quantity, "quantity", 0, "how many (items, litres, kg, persons...)")
	f.StringVar(&n.Area, "area", "", "area code where the need is")
	f.Float64Var(&lat, "lat", 0, "latitude of the exact place (with --lon)")
	f.Float64Var(&lon, "lon", 0, "longitude of the exact place (with --lat)")
	f.StringVar(&deadline, "deadline", "", "by when, YYYY-MM-DDTHH:MM (UTC) or YYYY-MM-DD")
	f.IntVar(&n.Priority, "priority", 3, "1 (routine) to 5 (critical)")
	f.StringVar(&n.Justification, "justification", "", "why")
	f.StringVar(&n.LegalBasis, "legal-basis", "", "the text the need rests on")
	return cmd
}

func newNeedsImportCmd(cfg *config) *cobra.Command {
	var as string
	var opts importer.Options
	cmd := &cobra.Command{
		Use:   "import --as REQUESTER FILE.csv",
		Short: "File the needs of a CSV file (columns: need_id, unit, type, skill, quantity, area, latitude, longitude, deadline, priority, justification, legal_basis)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := needFiler(cmd, db, as)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			opts.Reject = func(p importer.Problem) { fmt.Fprintln(stderr, p) }
			sum, err := importer.Needs(cmd.Context(), db, args[0], u.Name, u.Area, opts)
			if err == nil || sum.Imported > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), sum)
			}
			if err != nil {
				return err
			}
			if sum.Rejected > 0 {
				return rejectedError{sum.Rejected}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "the requesting unit's user (role requester or officer); rows outside their jurisdiction are rejected")
	f.BoolVar(&opts.Strict, "strict", false, "file nothing if any row is bad")
	f.BoolVar(&opts.DryRun, "dry-run", false, "check the file, file nothing")
	return cmd
}

func newNeedsListCmd(cfg *config) *cobra.Command {
	var f sqlstore.NeedFilter
	var state string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--area AREA] [--state open|filled|cancelled] [--unit UNIT] [--json]",
		Short: "List needs, in filing order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if state != "" {
				var err error
				if f.State, err = need.ParseState(state); err != nil {
					return err
				}
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			out := cmd.OutOrStdout()
			enc := json.NewEncoder(out)
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(w, "NEED\tUNIT\tWHAT\tQUANTITY\tFILLED\tAREA\tDEADLINE\tPRIO\tSTATE")
			}
			f.Limit = 1000
			for {
				page, err := db.ListNeeds(cmd.Context(), f)
				if err != nil {
					return err
				}
				for _, n := range page.Items {
					if asJSON {
						if err := enc.Encode(n); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%g\t%g\t%s\t%s\t%d\t%s\n", n.ID, n.Unit, n.AllocationType(), n.Quantity,
						n.Filled, n.Area, n.Deadline.Format("2006-01-02 15:04"), n.Priority, n.State)
				}
				if page.Next == 0 {
					break
				}
				f.After = page.Next
			}
			if asJSON {
				return nil
			}
			return w.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Area, "area", "", "only needs within this area's subtree")
	fl.StringVar(&state, "state", "", "only needs in this state")
	fl.StringVar(&f.Unit, "unit", "", "only this requesting unit's needs")
	fl.BoolVar(&asJSON, "json", false, "one JSON object per line")
	return cmd
}

func newNeedsCancelCmd(cfg *config) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "cancel --as REQUESTER NEED_ID...",
		Short: "Withdraw open needs",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := needFiler(cmd, db, as)
			if err != nil {
				return err
			}
			var done []string
			for _, id := range args {
				if _, err := db.CancelNeed(cmd.Context(), id, u.Area); err != nil {
					if len(done) > 0 {
						fmt.Fprintf(cmd.OutOrStdout(), "cancelled %s\n", strings.Join(done, ", "))
					}
					return err
				}
				done = append(done, id)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cancelled %s\n", strings.Join(done, ", "))
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the requesting unit's user")
	return cmd
}
