package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-org/muster/fund"
)

// TestFundCLI runs the treasurer's day through the CLI: programmes,
// contributions (retried by --id), allocation, spending refused beyond a
// programme, a requisition returned with compensation owed, paid in two
// parts, the second of which compensates the order; then the report in
// every format.
func TestFundCLI(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, base *env) {
		e := newOrdersEnv(base) // the demo's users include "treasurer"
		_, code := e.draft("requisition", "org:ORG-T-1", "vehicle.truck:2:unit")
		e.mustRun(0, "orders", "approve", "--as", "approver", code)
		e.mustRun(0, "orders", "event", code, "notify", "--as", "officer")
		e.mustRun(0, "orders", "event", code, "fulfil", "--as", "officer", "--condition", "good")
		e.mustRun(0, "orders", "event", code, "return", "--as", "officer", "--condition", "good",
			"--rates", filepath.Join("..", "..", "docs", "rates.example.json"))

		e.mustRun(0, "fund", "programme", "add", "agriculture", "--as", "treasurer", "--name", "Agriculture")
		r := e.mustRun(0, "fund", "contribute", "--as", "treasurer", "--channel", "mobile_money", "--amount", "500000",
			"--id", "REC-1", "--name", "Coopérative de Gaya")
		if !strings.HasPrefix(r.stdout, "recorded contribution ctb:REC-1: 500,000") {
			t.Errorf("contribute: %s", r)
		}
		r = e.mustRun(0, "fund", "contribute", "--as", "treasurer", "--channel", "mobile_money", "--amount", "500000",
			"--id", "REC-1", "--name", "Coopérative de Gaya")
		if !strings.HasPrefix(r.stdout, "already recorded: contribution ctb:REC-1") {
			t.Errorf("the same contribution again: %s", r)
		}
		e.mustRun(0, "fund", "allocate", "agriculture", "--as", "treasurer", "--amount", "200000")
		e.mustRun(0, "fund", "allocate", "compensation", "--as", "treasurer", "--amount", "300000")
		for _, c := range []struct {
			name   string
			args   []string
			code   int
			stderr string
		}{
			{"no --as", []string{"fund", "contribute", "--channel", "cash", "--amount", "1"}, 2, "--as names the treasurer"},
			{"not a treasurer", []string{"fund", "contribute", "--as", "officer", "--channel", "cash", "--amount", "1"}, 6, "needs the role treasurer"},
			{"bad channel", []string{"fund", "contribute", "--as", "treasurer", "--channel", "gold", "--amount", "1"}, 2, "--channel"},
			{"changed retry", []string{"fund", "contribute", "--as", "treasurer", "--channel", "mobile_money", "--amount", "1", "--id", "REC-1"}, 5, "different content"},
			{"no programme", []string{"fund", "allocate", "fisheries", "--as", "treasurer", "--amount", "1"}, 4, "add the programme first"},
			{"beyond the programme", []string{"fund", "spend", "agriculture", "--as", "treasurer", "--channel", "mobile_money",
				"--amount", "200001", "--memo", "seed"}, 5, "overdraw account programme:agriculture"},
			{"compensate unpaid", []string{"orders", "event", code, "compensate", "--as", "treasurer"}, 5, "are not paid"},
			{"bad report format", []string{"fund", "report", "--format", "pdf"}, 2, "--format"},
		} {
			if r := e.run(c.args...); r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("%s: want exit %d and %q, got\n%s", c.name, c.code, c.stderr, r)
			}
		}
		e.mustRun(0, "fund", "spend", "agriculture", "--as", "treasurer", "--channel", "mobile_money", "--amount", "150000", "--memo", "semences")
		r = e.mustRun(0, "fund", "pay", code, "--as", "treasurer", "--channel", "mobile_money", "--amount", "40000", "--id", "PAY-1")
		if !strings.Contains(r.stdout, "(returned): owed 90,000") || !strings.Contains(r.stdout, "outstanding 50,000") {
			t.Errorf("first payment: %s", r)
		}
		r = e.mustRun(0, "fund", "pay", code, "--as", "treasurer", "--channel", "mobile_money", "--id", "PAY-2")
		if !strings.Contains(r.stdout, "(compensated): owed 90,000") || !strings.Contains(r.stdout, "outstanding 0") {
			t.Errorf("paying the rest: %s", r)
		}
		if o := e.show(code); o.State != "compensated" {
			t.Errorf("order is %s after payment", o.State)
		}
		r = e.mustRun(0, "fund", "payable", code)
		if len(lines(r.stdout)) != 3 {
			t.Errorf("payable: %s", r)
		}
		r = e.mustRun(0, "fund", "programme", "list")
		if !strings.Contains(r.stdout, "agriculture") || !strings.Contains(r.stdout, "50,000") || !strings.Contains(r.stdout, "210,000") {
			t.Errorf("programme list: %s", r)
		}

		r = e.mustRun(0, "fund", "report")
		if !strings.Contains(r.stdout, "all ") || !strings.Contains(r.stdout, "orders owed compensation: 1, settled: 1") {
			t.Errorf("report: %s", r)
		}
		var rep fund.Report
		if err := json.Unmarshal([]byte(e.mustRun(0, "fund", "report", "--format", "json").stdout), &rep); err != nil || !rep.OK() ||
			rep.Totals.Contributions != 500_000 || rep.Totals.CompensationPaid != 90_000 || len(rep.Named) != 1 {
			t.Errorf("json report: %+v, %v", rep.Totals, err)
		}
		rows, err := csv.NewReader(strings.NewReader(e.mustRun(0, "fund", "report", "--format", "csv").stdout)).ReadAll()
		if err != nil || len(rows) < 10 || rows[1][0] != "#meta+section" {
			t.Errorf("csv report: %v %v", rows, err)
		}
		html := filepath.Join(t.TempDir(), "fund.html")
		e.mustRun(0, "fund", "report", "--format", "html", "--lang", "en", "-o", html)
		if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "Coopérative de Gaya") {
			t.Errorf("html report: %v", err)
		}
		e.mustRun(0, "ledger", "check")
	})
}

func TestLoadWebhookSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secret := strings.Repeat("k", 40)
	for _, c := range []struct {
		name, path, msg string
		providers       int
	}{
		{"none", "", "", 0},
		{"good", write("good", "orange-money "+secret+"\n", 0o600), "", 1},
		{"readable by others", write("open", "orange-money "+secret+"\n", 0o644), "chmod 600", 0},
		{"bad line", write("bad", "orange-money\n", 0o600), "bad:1:", 0},
		{"missing", filepath.Join(dir, "nothing"), "no such file", 0},
	} {
		s, err := loadWebhookSecrets(c.path)
		if c.msg != "" {
			if err == nil || !strings.Contains(err.Error(), c.msg) || exitCode(err) != exitInvalid {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.msg)
			}
			continue
		}
		if err != nil || len(s) != c.providers {
			t.Errorf("%s: %v, %v", c.name, s, err)
		}
	}
}
