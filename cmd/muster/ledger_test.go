package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/ledger"
)

// runLedgerCmd runs a command built by newLedgerCmd or newBenchLedgerCmd
// in-process against e's database and returns its output and exit status.
func runLedgerCmd(t *testing.T, e *env, build func(*config) *cobra.Command, args ...string) (string, int) {
	t.Helper()
	cfg := &config{dataDir: e.dataDir, db: e.dsn}
	cmd := build(cfg)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		out.WriteString(err.Error() + "\n")
	}
	return out.String(), exitCode(err)
}

func TestLedgerCheckCmd(t *testing.T) {
	onBackends(t, func(t *testing.T, e *env) {
		out, code := runLedgerCmd(t, e, newLedgerCmd, "check")
		if code != 0 || !strings.Contains(out, "ledger consistent: 0 accounts, 0 transfers") {
			t.Fatalf("check on an empty ledger: exit %d\n%s", code, out)
		}
		cfg := &config{dataDir: e.dataDir, db: e.dsn}
		db, err := cfg.open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		for _, a := range benchLedgerAccounts {
			if err := db.OpenLedgerAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ApplyTransfers(ctx, []ledger.Transfer{{ID: "c1", Debit: "fund:cash", Credit: "income:cash", Amount: 100, Currency: "XOF", At: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		out, code = runLedgerCmd(t, e, newLedgerCmd, "check")
		if code != 0 || !strings.Contains(out, "ledger consistent: 5 accounts, 1 transfers") {
			t.Fatalf("check: exit %d\n%s", code, out)
		}
		if err := db.Exec(ctx, `UPDATE ledger_accounts SET debits = 99 WHERE id = 'fund:cash'`); err != nil {
			t.Fatal(err)
		}
		out, code = runLedgerCmd(t, e, newLedgerCmd, "check")
		if code != 1 || !strings.Contains(out, "account fund:cash: debits 99, but its transfers debit 100") {
			t.Fatalf("check of a tampered ledger: exit %d\n%s", code, out)
		}
	})
}

func TestBenchLedger(t *testing.T) {
	onBackends(t, func(t *testing.T, e *env) {
		dsn := ""
		if e.postgres() {
			dsn = os.Getenv("MUSTER_TEST_POSTGRES")
		}
		var out bytes.Buffer
		if err := benchLedger(context.Background(), &out, dsn, 3000, 500); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "transfers/s") || !strings.Contains(out.String(), "ledger check: consistent, 3000 transfers") {
			t.Errorf("output:\n%s", out.String())
		}
		if _, code := runLedgerCmd(t, e, newBenchLedgerCmd, "--transfers", "0"); code != exitInvalid {
			t.Errorf("--transfers 0: exit %d, want %d", code, exitInvalid)
		}
	})
}
