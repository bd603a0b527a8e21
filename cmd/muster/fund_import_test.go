package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFundImport records a file of receipts, runs it again as a retry,
// and refuses a file with a bad row whole.
func TestFundImport(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		runDemo(e, "--persons", "100", "--orders", "0")
		dir := t.TempDir()
		good, bad := filepath.Join(dir, "receipts.csv"), filepath.Join(dir, "bad.csv")
		os.WriteFile(good, []byte("id,channel,amount,contributor\nREC-1,cash,150000,Coopérative de Gaya\nREC-2,bank,2500,\n"), 0o600)
		os.WriteFile(bad, []byte("id,channel,amount\nREC-3,cash,10\nREC-4,cheque,10\n"), 0o600)
		if r := e.mustRun(0, "fund", "import", "--as", "treasurer", good); lastLine(r.stdout) != "recorded 2, already recorded 0" {
			t.Errorf("first run: %s", r)
		}
		if r := e.mustRun(0, "fund", "import", "--as", "treasurer", good); lastLine(r.stdout) != "recorded 0, already recorded 2" {
			t.Errorf("second run: %s", r)
		}
		r := e.mustRun(exitRejected, "fund", "import", "--as", "treasurer", bad)
		if !strings.Contains(r.stderr, "bad.csv:3: channel: ") || !strings.Contains(r.stdout, "nothing was recorded") {
			t.Errorf("bad file: %s", r)
		}
		if n := e.count(`SELECT COUNT(*) FROM ledger_transfers WHERE id LIKE 'ctb:REC-%'`); n != 2 {
			t.Errorf("%d transfers recorded, want 2", n)
		}
		e.mustRun(exitUnauthorized, "fund", "import", "--as", "officer", good)
		e.mustRun(0, "ledger", "check")
	})
}
