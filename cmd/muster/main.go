// Command muster runs the mobilization system: the server, imports, the
// demo country, users and benchmarks. main reads configuration (flags and
// MUSTER_* variables), builds the pieces and runs; each subcommand lives
// in its own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/seal"
	"github.com/muster-org/muster/sqlstore"
)

// Exit statuses, one per error kind, so that scripts can tell a bad input
// from a crash.
const (
	exitOK           = 0
	exitFailure      = 1 // internal errors, I/O failures
	exitInvalid      = 2 // bad usage or bad input
	exitRejected     = 3 // an import rejected some rows
	exitNotFound     = 4
	exitConflict     = 5
	exitUnauthorized = 6 // unauthorized or forbidden
)

func exitCode(err error) int {
	var r rejectedError
	if errors.As(err, &r) {
		return exitRejected
	}
	switch muster.ErrorKind(err) {
	case "":
		return exitOK
	case muster.Invalid:
		return exitInvalid
	case muster.NotFound:
		return exitNotFound
	case muster.Conflict:
		return exitConflict
	case muster.Unauthorized, muster.Forbidden:
		return exitUnauthorized
	}
	return exitFailure
}

// rejectedError ends a command whose output is complete but whose input
// had bad rows: nothing more to print, exit status 3.
type rejectedError struct{ n int }

func (e rejectedError) Error() string { return fmt.Sprintf("%d rows rejected", e.n) }

// config is what every command may need to reach the database.
type config struct {
	dataDir string
	db      string
	keyFile string

	trustedProxies []netip.Prefix // serve only
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func (c *config) dsn() string {
	if c.db != "" {
		return c.db
	}
	return filepath.Join(c.dataDir, "muster.db")
}

func (c *config) keyPath() string {
	if c.keyFile != "" {
		return c.keyFile
	}
	return filepath.Join(c.dataDir, "muster.key")
}

// open opens the configured database, creating the key file on first run.
func (c *config) open(ctx context.Context) (*sqlstore.DB, error) {
	keys, err := seal.LoadOrCreateKeyFile(c.keyPath())
	if err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, c.dsn(), keys)
}

// openOrder opens the database and reads one order by id or code, for the
// commands that act on a single order.
func (c *config) openOrder(ctx context.Context, idOrCode string) (*sqlstore.DB, sqlstore.IssuedOrder, error) {
	db, err := c.open(ctx)
	if err != nil {
		return nil, sqlstore.IssuedOrder{}, err
	}
	o, err := db.Order(ctx, idOrCode, "")
	if err != nil {
		db.Close()
		return nil, o, err
	}
	return db, o, nil
}

func newRoot() *cobra.Command {
	cfg := &config{}
	root := &cobra.Command{
		Use:           "muster",
		Short:         "muster runs a general mobilization: registry, needs, orders, and the citizens' answers",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&cfg.dataDir, "data-dir", envOr("MUSTER_DATA_DIR", "data"), "directory for the SQLite database and the key file (MUSTER_DATA_DIR)")
	f.StringVar(&cfg.db, "db", os.Getenv("MUSTER_DB"), "database: a SQLite file path or a postgres:// URL (MUSTER_DB; default DATA-DIR/muster.db)")
	f.StringVar(&cfg.keyFile, "key-file", os.Getenv("MUSTER_KEY_FILE"), "file holding the key that seals personal data (MUSTER_KEY_FILE; default DATA-DIR/muster.key, created 0600)")
	root.AddCommand(
		newServeCmd(cfg),
		newMigrateCmd(cfg),
		newImportCmd(cfg),
		newDemoCmd(cfg),
		newUsersCmd(cfg),
		newBenchCmd(cfg),
		newAuthorityCmd(cfg),
		newKeysCmd(cfg),
		newOrdersCmd(cfg),
		newVerifyCmd(cfg),
		newLogCmd(cfg),
		newLedgerCmd(cfg),
		newFundCmd(cfg),
		newNeedsCmd(cfg),
		newPolicyCmd(cfg),
		newCampaignCmd(cfg),
		newForcesCmd(cfg),
		newAllocateCmd(cfg),
		newProposalsCmd(cfg),
	)
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	code := exitCode(err)
	var r rejectedError
	if err != nil && !errors.As(err, &r) {
		fmt.Fprintln(os.Stderr, "muster:", err)
		if code == exitFailure && isUsageError(err) {
			code = exitInvalid // cobra's own flag and argument errors carry no kind
		}
	}
	os.Exit(code)
}
