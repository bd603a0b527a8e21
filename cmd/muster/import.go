package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/muster-org/muster/importer"
)

func newImportCmd(cfg *config) *cobra.Command {
	var opts importer.Options
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import KIND FILE",
		Short: "Import areas, persons, organisations or resources from a file",
		Long: `Import areas (CSV or GeoJSON), persons, organisations or resources (CSV).

The first row of a CSV file names its columns, in any order:
  areas:          code,name,level[,parent,latitude,longitude,population,geometry]
  persons:        national_id,given_name,family_name,sex,birth_date,area,status[,phone,skills,rank]
  organisations:  org_id,name,kind,area[,protected,protected_reason]
  resources:      resource_id,owner,type,quantity,unit,area[,latitude,longitude,condition,declared_value_xof]
  incidents:      ACLED's CSV export as it comes (other columns are ignored)

Every bad row is reported on stderr as FILE:LINE: COLUMN: message and the
good rows are imported; the last line of stdout is "imported N, rejected M".
Re-importing a file updates records by their key and never duplicates them.
Exit status: 0 when no row was rejected, 3 when some were, 2 when the file
cannot be imported at all (unknown column, missing file).`,
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"areas", "persons", "organisations", "resources"},
		RunE: func(cmd *cobra.Command, args []string) error {
			run, ok := map[string]func(context.Context, importer.Store, string, importer.Options) (importer.Summary, error){
				"areas": importer.Areas, "persons": importer.Persons, "organisations": importer.Organisations, "resources": importer.Resources,
				"incidents": importIncidents, // ACLED's CSV export; see import_incidents.go
			}[args[0]]
			if !ok {
				return usageError("cannot import %q: choose areas, persons, organisations or resources", args[0])
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			stderr := cmd.ErrOrStderr()
			var bar *progressbar.ProgressBar
			if info, err := os.Stat(args[1]); err == nil && isTerminal(os.Stderr) && info.Size() > 8<<20 {
				bar = progressbar.DefaultBytes(info.Size(), "importing "+args[0])
				opts.Progress = func(n int64) { bar.Set64(n) }
			}
			opts.Reject = func(p importer.Problem) {
				if bar != nil {
					bar.Clear()
				}
				fmt.Fprintln(stderr, p)
			}
			sum, err := run(cmd.Context(), db, args[1], opts)
			if bar != nil {
				bar.Finish()
				fmt.Fprintln(stderr)
			}
			out := cmd.OutOrStdout()
			if err == nil || sum.Imported > 0 || sum.Rejected > 0 {
				switch {
				case asJSON:
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					enc.Encode(sum)
				case opts.DryRun:
					fmt.Fprintf(out, "dry run: %d rows valid, nothing written\n%s\n", sum.Valid, sum)
				case opts.Strict && sum.Rejected > 0:
					fmt.Fprintf(out, "strict: nothing imported because of the rejected rows\n%s\n", sum)
				default:
					fmt.Fprintln(out, sum)
				}
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
	f.BoolVar(&opts.Strict, "strict", false, "import nothing if any row is bad")
	f.BoolVar(&opts.DryRun, "dry-run", false, "validate only; write nothing")
	f.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
