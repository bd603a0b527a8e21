package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRequisitionToClose follows a requisition from approval to closing
// through the CLI: handover with its receipt, return with the
// compensation computed from rates, payment, closing; then a key
// revocation that turns the order's verification into "revoked key".
func TestRequisitionToClose(t *testing.T) {
	onBackends(t, func(t *testing.T, base *env) {
		e := newOrdersEnv(base)
		_, code := e.draft("requisition", "org:ORG-T-1", "vehicle.truck:2:unit")
		e.mustRun(0, "orders", "approve", "--as", "approver", code)
		e.runStdin("correct horse battery staple\n", "users", "add", "--name", "tresor", "--role", "treasurer", "--area", "NE", "--password-stdin")

		e.mustRun(0, "orders", "event", code, "notify", "--as", "officer")
		receipt := filepath.Join(t.TempDir(), "receipt.pdf")
		if r := e.run("orders", "receipt", code, "-o", receipt); r.code != 5 {
			t.Errorf("receipt before handover: exit %d, want 5\n%s", r.code, r)
		}
		e.mustRun(0, "orders", "event", code, "fulfil", "--as", "officer", "--condition", "good")
		e.mustRun(0, "orders", "receipt", code, "--lang", "ha", "-o", receipt)
		if b, err := os.ReadFile(receipt); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
			t.Errorf("receipt is not a PDF: %v", err)
		}
		r := e.mustRun(0, "orders", "event", code, "return", "--as", "officer", "--condition", "fair",
			"--rates", filepath.Join("..", "..", "docs", "rates.example.json"))
		if !strings.Contains(r.stdout, "compensation owed: 90000 XOF for 1 days") {
			t.Errorf("return: no compensation line\n%s", r)
		}
		if r := e.run("orders", "event", code, "compensate", "--as", "officer"); r.code != 6 {
			t.Errorf("an officer paying compensation: exit %d, want 6 (forbidden)\n%s", r.code, r)
		}
		if r := e.run("orders", "event", code, "compensate", "--as", "tresor"); r.code != 5 {
			t.Errorf("compensating before payment: exit %d, want 5 (conflict)\n%s", r.code, r)
		}
		e.mustRun(0, "fund", "contribute", "--as", "tresor", "--channel", "bank", "--amount", "90000", "--id", "GRANT-1")
		e.mustRun(0, "fund", "allocate", "compensation", "--as", "tresor", "--amount", "90000", "--id", "ALLOC-1")
		e.mustRun(0, "fund", "pay", code, "--as", "tresor", "--channel", "bank", "--id", "PAY-1") // records compensate
		e.mustRun(0, "orders", "event", code, "close", "--as", "officer")
		if o := e.show(code); o.State != "closed" || len(o.Events) != 8 {
			t.Errorf("closed order: state %s, %d events", o.State, len(o.Events))
		}
		e.mustRun(0, "log", "verify")

		// A key revoked from its first day makes every order it signed fail.
		o := e.show(code)
		e.mustRun(0, "authority", "revoke", o.KeyID, "--from", e.added.Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z"))
		file, root := trustList(e.env, "after-revocation.cose")
		if r := e.run("verify", "--trustlist", file, "--root", root, o.Signed); r.code != 1 || !strings.Contains(r.stderr, "revoked key") {
			t.Errorf("order of a revoked key: exit %d\n%s", r.code, r)
		}
	})
}
