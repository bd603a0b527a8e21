package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/importer"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

func newDemoCmd(cfg *config) *cobra.Command {
	var c demo.Config
	var serveAfter bool
	var orders int
	var addr string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load a synthetic country (Niger's 8 regions, synthetic departments and communes, persons, organisations, resources)",
		Long: `Load a deterministic synthetic country into the database: Niger's national
outline and its 8 regions (HASC codes NE.AG ... NE.ZI, 2012 census
populations), synthetic departments and communes, persons with names from
Hausa, Zarma, Fulfulde, Tamasheq and Kanuri naming pools, organisations
(protected clinics and NGOs among them) and resources. The same seed gives
the same country; loading it again updates it in place.

Demo officers are created (or their passwords reset) and printed with
their passwords. With --serve, muster then serves the API.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.Persons <= 0 {
				return usageError("--persons must be positive")
			}
			if orders < 0 {
				return usageError("--orders must not be negative")
			}
			db, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			c.Today = time.Now().UTC().Truncate(24 * time.Hour)
			start := time.Now()
			sum, err := loadDemo(cmd.Context(), db, c)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "demo country loaded in %s: %d areas, %d organisations, %d persons, %d resources (seed %d, %s)\n",
				time.Since(start).Round(time.Millisecond), sum.Areas, sum.Organisations, sum.Persons, sum.Resources, c.Seed, db.Dialect())
			if err := loadDemoIncidents(cmd.Context(), db, cfg.dataDir, c, out); err != nil {
				return err
			}
			creds, err := demoUsers(cmd.Context(), db)
			if err != nil {
				return err
			}
			if orders > 0 {
				n, err := demoOrders(cmd.Context(), db, orders*2/3, orders-orders*2/3)
				if err != nil {
					return err
				}
				if n > 0 {
					fmt.Fprintf(out, "demo orders: %d drafted, approved and issued by %s, some carried through every state of the lifecycle\n", n, demoAuthority.Code)
				}
			}
			if orders > 0 {
				round, err := demoRound(cmd.Context(), db)
				if err != nil {
					return err
				}
				if round != "" {
					fmt.Fprintln(out, round)
				}
			}
			if cfg.db == "" {
				path := filepath.Join(cfg.dataDir, "demo-users.txt")
				if err := writePrivateFile(path, []byte(creds)); err != nil {
					return err
				}
				fmt.Fprintf(out, "demo officers (also in %s):\n", path)
			}
			fmt.Fprint(out, creds)
			if serveAfter {
				return serve(cmd.Context(), cfg, db, addr)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&c.Persons, "persons", demo.DefaultPersons, "number of persons")
	f.Int64Var(&c.Seed, "seed", 1, "seed of the synthetic country")
	f.BoolVar(&serveAfter, "serve", false, "serve the API once the country is loaded")
	f.IntVar(&orders, "orders", 300, "orders to draft, issue and carry through the lifecycle (about), the first time only; 0 for a bare country: no orders, needs, proposal or campaign")
	f.StringVar(&addr, "addr", envOr("MUSTER_ADDR", "127.0.0.1:8080"), "address to listen on with --serve (MUSTER_ADDR)")
	return cmd
}

// storeSink hands the generated country to the store in batches as large
// as an import's: the generator's own batches are small, and bulk writes
// are faster in large transactions. Owners are written before the
// resources that name them.
type storeSink struct {
	db        *sqlstore.DB
	orgs      []registry.Organisation
	persons   []registry.Person
	resources []registry.Resource
}

func (s *storeSink) Areas(ctx context.Context, areas []area.Area) error {
	return s.db.SaveAreas(ctx, areas)
}

func (s *storeSink) Organisations(ctx context.Context, o []registry.Organisation) error {
	s.orgs = append(s.orgs, o...)
	return s.flushIfFull(ctx)
}

func (s *storeSink) Persons(ctx context.Context, p []registry.Person) error {
	s.persons = append(s.persons, p...)
	return s.flushIfFull(ctx)
}

func (s *storeSink) Resources(ctx context.Context, r []registry.Resource) error {
	s.resources = append(s.resources, r...)
	return s.flushIfFull(ctx)
}

func (s *storeSink) flushIfFull(ctx context.Context) error {
	if len(s.orgs)+len(s.persons)+len(s.resources) < importer.DefaultBatchSize {
		return nil
	}
	return s.flush(ctx)
}

func (s *storeSink) flush(ctx context.Context) error {
	if err := s.db.UpsertOrganisations(ctx, s.orgs); err != nil {
		return err
	}
	if err := s.db.UpsertPersons(ctx, s.persons); err != nil {
		return err
	}
	if err := s.db.UpsertResources(ctx, s.resources); err != nil {
		return err
	}
	s.orgs, s.persons, s.resources = s.orgs[:0], s.persons[:0], s.resources[:0]
	return nil
}

func loadDemo(ctx context.Context, db *sqlstore.DB, c demo.Config) (demo.Summary, error) {
	var bar *progressbar.ProgressBar
	var progress func(done, total int)
	if isTerminal(os.Stderr) {
		progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.Default(int64(total), "generating")
			}
			bar.Set(done)
		}
	}
	sink := &storeSink{db: db}
	sum, err := demo.Generate(ctx, c, sink, progress)
	if err == nil {
		err = sink.flush(ctx)
	}
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	return sum, err
}

// demoOfficers are the officers a demo needs to show scoping and roles.
var demoOfficers = []auth.User{
	{Name: "admin", Role: auth.Admin, Area: "NE"},
	{Name: "registrar.dosso", Role: auth.Registrar, Area: "NE.DS"},
	{Name: "registrar.diffa", Role: auth.Registrar, Area: "NE.DF"},
	{Name: "officer", Role: auth.Officer, Area: "NE"},
	{Name: "approver", Role: auth.Approver, Area: "NE"},
	{Name: "auditor", Role: auth.Auditor, Area: "NE"},
	{Name: "reviewer", Role: auth.Reviewer, Area: "NE"},
	{Name: "reviewer.appeals", Role: auth.Reviewer, Area: "NE"},
	{Name: "treasurer", Role: auth.Treasurer, Area: "NE"},
	{Name: "requester.dosso", Role: auth.Requester, Area: "NE.DS"},
}

// demoUsers creates the demo officers, or resets their passwords, with
// fresh random passwords: a demo database must not share passwords with
// every other one.
func demoUsers(ctx context.Context, db *sqlstore.DB) (string, error) {
	var b strings.Builder
	for _, u := range demoOfficers {
		password := newPassword()
		hash, err := auth.HashPassword(password)
		if err != nil {
			return "", err
		}
		_, err = db.CreateUser(ctx, u, hash)
		if muster.ErrorKind(err) == muster.Conflict {
			err = db.SetPassword(ctx, u.Name, hash)
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  %-16s %-10s %-6s %s\n", u.Name, u.Role, u.Area, password)
	}
	return b.String(), nil
}

// writePrivateFile replaces path with data, readable by its owner only,
// whatever the mode of a file already there.
func writePrivateFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
