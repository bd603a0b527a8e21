package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/httpapi/report"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

var webhookSecret = []byte("0123456789abcdef0123456789abcdef-orange")

// TestFundAPI runs the fund's routes against one seeded database per
// engine, behind a server that holds a webhook secret. The subtests share
// it and run in order.
func TestFundAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.api = New(db, Options{Logger: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: f.api.now, LogSigner: f.logSigner,
			FundWebhookSecrets: fund.Secrets{"orange-money": {webhookSecret}}})
		f.api.logins = newIPLimiter(rate.Inf, 0)
		f.srv.Close()
		f.srv = httptest.NewServer(f.api)
		t.Cleanup(f.srv.Close)
		for _, tc := range []struct {
			name string
			test func(*testing.T, *fixture)
		}{
			{"Treasurer", testFundTreasurer},
			{"Webhook", testFundWebhook},
			{"Compensation", testFundCompensation},
			{"Report", testFundReport},
		} {
			t.Run(tc.name, func(t *testing.T) { tc.test(t, f) })
		}
	})
}

func (r response) into(t *testing.T, want int, v any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	r.decode(t, v)
}

func testFundTreasurer(t *testing.T, f *fixture) {
	f.post(t, "/api/v1/fund/programmes", nigerTreasurer, `{"slug":"agriculture","name":"Agriculture et élevage"}`).into(t, 201, new(sqlstore.FundProgramme))
	f.post(t, "/api/v1/fund/programmes", auditor, `{"slug":"x","name":"x"}`).wantError(t, 403, "forbidden", "")
	f.post(t, "/api/v1/fund/programmes", nigerTreasurer, `{"slug":"Agri","name":"x"}`).wantError(t, 400, "invalid", "programme slug")

	// A contribution; the same request under the same key is replayed;
	// a new key with the same id is a retry of the same contribution.
	key := []string{"Idempotency-Key", "fund-c1"}
	body := `{"id":"receipt-0001","channel":"cash","amount":150000,"contributor":"Association des femmes de Dosso"}`
	first := f.do(t, "POST", "/api/v1/fund/contributions", nigerTreasurer, body, key...)
	var c sqlstore.FundContribution
	first.into(t, 200, &c)
	if c.Transfer.ID != "ctb:receipt-0001" || c.Contributor == "" || c.Transfer.Debit != "fund:cash:cash" {
		t.Fatalf("contribution %+v", c)
	}
	if again := f.do(t, "POST", "/api/v1/fund/contributions", nigerTreasurer, body, key...); !bytes.Equal(again.body, first.body) ||
		again.header.Get(headerReplayed) != "true" {
		t.Errorf("replay: %s", again.body)
	}
	var retry sqlstore.FundContribution
	f.post(t, "/api/v1/fund/contributions", nigerTreasurer, body).into(t, 200, &retry)
	if !retry.Transfer.Same(c.Transfer) {
		t.Errorf("retry under a new key recorded %+v, first %+v", retry.Transfer, c.Transfer)
	}
	f.post(t, "/api/v1/fund/contributions", nigerTreasurer, strings.Replace(body, "150000", "150001", 1)).wantError(t, 409, "conflict", "different content")
	// Without an id, the key is derived from the Idempotency-Key.
	var anon sqlstore.FundContribution
	f.post(t, "/api/v1/fund/contributions", nigerTreasurer, `{"channel":"bank","amount":850000}`).into(t, 200, &anon)
	if !strings.HasPrefix(anon.Transfer.ID, "ctb:api-") || anon.Contributor != "" {
		t.Errorf("derived id: %+v", anon)
	}

	for _, tc := range []struct {
		path, body string
		status     int
		fragment   string
	}{
		{"/api/v1/fund/contributions", `{"channel":"crypto","amount":1}`, 400, `channel: channel "crypto"`},
		{"/api/v1/fund/contributions", `{"channel":"cash","amount":1,"phone":"+22790000000"}`, 400, "unknown field"},
		{"/api/v1/fund/contributions", `{"channel":"cash","amount":1,"at":"yesterday"}`, 400, "RFC 3339"},
		{"/api/v1/fund/allocations", `{"programme":"agriculture","amount":600000}`, 200, ""},
		{"/api/v1/fund/allocations", `{"programme":"compensation","amount":300000}`, 200, ""},
		{"/api/v1/fund/allocations", `{"programme":"fisheries","amount":1}`, 404, "add the programme first"},
		{"/api/v1/fund/allocations", `{"programme":"agriculture","amount":100001}`, 409, "overdraw account fund:unallocated"},
		{"/api/v1/fund/spending", `{"programme":"agriculture","channel":"bank","amount":400000,"memo":"semences de mil"}`, 200, ""},
		{"/api/v1/fund/spending", `{"programme":"agriculture","channel":"bank","amount":200001,"memo":"engrais"}`, 409, "overdraw account programme:agriculture"},
		{"/api/v1/fund/spending", `{"programme":"agriculture","channel":"bank","amount":1}`, 400, "what it is for"},
		{"/api/v1/fund/movements", `{"from":"cash","to":"mobile_money","amount":100000}`, 200, ""},
		{"/api/v1/fund/undo", `{"transfer":"nothing","why":"x"}`, 404, "no fund transfer"},
	} {
		res := f.post(t, tc.path, nigerTreasurer, tc.body)
		if tc.status == 200 {
			var r sqlstore.FundResult
			res.into(t, 200, &r)
			if len(r.Transfers) == 0 || r.Replayed {
				t.Errorf("%s %s: %s", tc.path, tc.body, res.body)
			}
			continue
		}
		res.wantError(t, tc.status, map[int]string{400: "invalid", 404: "not_found", 409: "conflict"}[tc.status], tc.fragment)
	}
	var progs itemsOf[sqlstore.FundProgramme]
	f.do(t, "GET", "/api/v1/fund/programmes", auditor, "").into(t, 200, &progs)
	if len(progs.Items) != 2 || progs.Items[0].Balance != 200_000 || progs.Items[1].Balance != 300_000 {
		t.Errorf("programmes %+v", progs.Items)
	}
}

func (f *fixture) notify(t *testing.T, provider, body string, sign []byte, header ...string) response {
	t.Helper()
	if sign != nil {
		header = append(header, fund.SignatureHeader, fund.Sign(sign, []byte(body)))
	}
	return f.do(t, "POST", "/fund/webhook/"+provider, "", body, header...)
}

func testFundWebhook(t *testing.T, f *fixture) {
	body := `{"transaction_id":"MP261125.0001","amount":2500,"currency":"XOF","completed_at":"` + f.now.Add(-time1h).Format("2006-01-02T15:04:05Z07:00") + `","contributor_name":"Moussa Garba"}`
	before := balanceOf(t, f, fund.HoldingAccount(fund.MobileMoney))
	// Refused before anything is parsed or stored.
	for _, tc := range []struct {
		name, provider string
		secret         []byte
		header         []string
	}{
		{"no signature", "orange-money", nil, nil},
		{"wrong secret", "orange-money", []byte("another secret of thirty-two bytes!"), nil},
		{"unknown provider", "wave", webhookSecret, nil},
		{"malformed signature", "orange-money", nil, []string{fund.SignatureHeader, "sha256=zz"}},
	} {
		f.notify(t, tc.provider, body, tc.secret, tc.header...).wantError(t, 401, "unauthorized", "")
	}
	first := f.notify(t, "orange-money", body, webhookSecret)
	var answer webhookAnswer
	first.into(t, 200, &answer)
	if answer.Transfer != "mm:orange-money:MP261125.0001" || answer.Amount != 2500 {
		t.Errorf("answer %s", first.body)
	}
	if again := f.notify(t, "orange-money", body, webhookSecret); again.status != 200 || !bytes.Equal(again.body, first.body) {
		t.Errorf("replay: %d %s, first %s", again.status, again.body, first.body)
	}
	f.notify(t, "orange-money", strings.Replace(body, "2500", "2600", 1), webhookSecret).wantError(t, 409, "conflict", "different content")
	f.notify(t, "orange-money", strings.Replace(body, `"Moussa Garba"`, `"M. Garba"`, 1), webhookSecret).wantError(t, 409, "conflict", "other details")
	f.notify(t, "orange-money", strings.Replace(body, `"amount"`, `"msisdn":"+22790000000","amount"`, 1), webhookSecret).
		wantError(t, 400, "invalid", "never send a phone number")
	f.notify(t, "orange-money", "{", webhookSecret).wantError(t, 400, "invalid", "truncated")
	if got := balanceOf(t, f, fund.HoldingAccount(fund.MobileMoney)); got != before+2500 {
		t.Errorf("wallet went from %d to %d, want +2500 once", before, got)
	}
}

const time1h = 3600 * 1e9

func balanceOf(t *testing.T, f *fixture, account string) int64 {
	t.Helper()
	b, err := f.db.LedgerBalance(t.Context(), account)
	if err != nil {
		return 0
	}
	return b
}

func testFundCompensation(t *testing.T, f *fixture) {
	drafts := f.post(t, "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0006"))).orders(t, http.StatusCreated)
	f.post(t, "/api/v1/orders/approve", dossoApprover, fmt.Sprintf(`{"ids":[%q]}`, drafts[0].ID)).orders(t, 200)
	events := "/api/v1/orders/" + drafts[0].ID + "/events"
	for _, e := range []string{"notify", "fulfil", "release"} {
		f.post(t, events, dossoOfficer, `{"event":"`+e+`"}`).order(t, 200)
	}
	var p sqlstore.FundPayable
	f.do(t, "GET", "/api/v1/orders/"+drafts[0].Code+"/payable", auditor, "").into(t, 200, &p)
	if p.Owed <= 0 || p.Outstanding != p.Owed || p.State != order.StateReleased {
		t.Fatalf("payable after release: %+v", p)
	}
	f.post(t, events, nigerTreasurer, `{"event":"compensate"}`).wantError(t, 409, "conflict", "are not paid")
	half := p.Owed / 2
	f.post(t, "/api/v1/fund/payments", nigerTreasurer, fmt.Sprintf(`{"order":%q,"channel":"mobile_money","amount":%d,"reference":"OUT-1"}`, drafts[0].Code, half)).into(t, 200, &p)
	if p.Paid != half || p.State != order.StateReleased {
		t.Errorf("after paying half: %+v", p)
	}
	f.post(t, "/api/v1/fund/payments", nigerTreasurer, fmt.Sprintf(`{"order":%q,"channel":"mobile_money"}`, drafts[0].ID)).into(t, 200, &p)
	if !p.Settled || p.State != order.StateCompensated || len(p.Payments) != 2 {
		t.Errorf("after paying the rest: %+v", p)
	}
	f.post(t, "/api/v1/fund/payments", nigerTreasurer, fmt.Sprintf(`{"order":%q,"channel":"cash"}`, drafts[0].ID)).wantError(t, 409, "conflict", "nothing is outstanding")
	f.post(t, "/api/v1/fund/undo", nigerTreasurer, `{"transfer":"`+p.Payments[0].ID+`","why":"x"}`).wantError(t, 409, "conflict", "cannot be undone")

	// A second order, paid in full at once.
	second := f.post(t, "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0008"))).orders(t, http.StatusCreated)[0]
	f.post(t, "/api/v1/orders/approve", dossoApprover, fmt.Sprintf(`{"ids":[%q]}`, second.ID)).orders(t, 200)
	for _, e := range []string{"notify", "fulfil", "release"} {
		f.post(t, "/api/v1/orders/"+second.ID+"/events", dossoOfficer, `{"event":"`+e+`"}`).order(t, 200)
	}
	f.payInFull(t, second.Code)
}

// payInFull has the treasurer record a contribution of what order code
// owes, allocate it to compensation and pay it all, which records the
// order's compensate event.
func (f *fixture) payInFull(t *testing.T, code string) {
	t.Helper()
	var p sqlstore.FundPayable
	f.do(t, "GET", "/api/v1/orders/"+code+"/payable", nigerTreasurer, "").into(t, 200, &p)
	f.post(t, "/api/v1/fund/contributions", nigerTreasurer, fmt.Sprintf(`{"channel":"bank","amount":%d}`, p.Outstanding)).into(t, 200, new(sqlstore.FundContribution))
	f.post(t, "/api/v1/fund/allocations", nigerTreasurer, fmt.Sprintf(`{"programme":"compensation","amount":%d}`, p.Outstanding)).into(t, 200, new(sqlstore.FundResult))
	f.post(t, "/api/v1/fund/payments", nigerTreasurer, fmt.Sprintf(`{"order":%q,"channel":"bank"}`, code)).into(t, 200, &p)
	if p.State != order.StateCompensated {
		t.Fatalf("after paying %s in full: %+v", code, p)
	}
}

// testFundReport checks that the HTML, CSV and JSON reports say the same
// thing, that every check holds, and that the page is self-contained.
func testFundReport(t *testing.T, f *fixture) {
	var rep fund.Report
	f.do(t, "GET", "/report/fund.json", "", "").into(t, 200, &rep)
	if !rep.OK() || rep.Totals.Contributions <= 1_002_500 || rep.Totals.CompensationPaid == 0 || rep.Checkpoint.Note == "" {
		t.Fatalf("report: ok %v, totals %+v, checkpoint %+v", rep.OK(), rep.Totals, rep.Checkpoint)
	}
	if len(rep.Named) != 2 {
		t.Errorf("named %+v", rep.Named)
	}
	csvRes := f.do(t, "GET", "/report/fund.csv", "", "")
	rows, err := csv.NewReader(bytes.NewReader(csvRes.body)).ReadAll()
	if err != nil || csvRes.header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) < 3 ||
		!slices.Equal(rows[0], report.CSVHeader) || !slices.Equal(rows[1], report.CSVTags) {
		t.Fatalf("csv: %v\n%s", err, csvRes.body)
	}
	fromCSV := map[string]string{}
	for _, r := range rows[2:] {
		fromCSV[r[0]+"/"+r[1]+"/"+r[3]] = r[4]
	}
	want := map[string]int64{"total//contributions": rep.Totals.Contributions, "total//held": rep.Totals.Held,
		"total//outstanding": rep.Totals.Outstanding, "total//compensation_paid": rep.Totals.CompensationPaid}
	for _, m := range rep.Months {
		want["month/"+m.Month+"/contributions"] = m.Contributions
		want["month/"+m.Month+"/spent"] = m.Spent
	}
	for _, c := range rep.Channels {
		want["channel/"+string(c.Channel)+"/held"] = c.Held
	}
	for _, p := range rep.Programmes {
		want["programme/"+p.Slug+"/balance"] = p.Balance
	}
	for _, c := range rep.Checks {
		want["check/"+c.Name+"/left"] = c.Left
	}
	for k, v := range want {
		if fromCSV[k] != strconv.FormatInt(v, 10) {
			t.Errorf("CSV %s = %q, JSON %d", k, fromCSV[k], v)
		}
	}
	if fromCSV["checkpoint//size"] != strconv.FormatUint(rep.Checkpoint.Size, 10) {
		t.Errorf("CSV checkpoint %q, JSON %d", fromCSV["checkpoint//size"], rep.Checkpoint.Size)
	}
	for _, lang := range []string{"fr", "en"} {
		res := f.do(t, "GET", "/report/fund?lang="+lang, "", "")
		html := string(res.body)
		if res.status != 200 || res.header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("html %s: %d %s", lang, res.status, res.header)
		}
		for _, s := range []string{report.Amount(rep.Totals.Contributions, lang), report.Amount(rep.Totals.Held, lang),
			report.Amount(rep.Totals.Outstanding, lang), hex.EncodeToString(rep.Checkpoint.RootHash), "<svg", "Moussa Garba",
			"Association des femmes de Dosso", `lang="` + lang + `"`} {
			if !strings.Contains(html, s) {
				t.Errorf("%s page lacks %q", lang, s)
			}
		}
		for _, s := range []string{"<script", "http://", "https://", "+227", "✗"} {
			if strings.Contains(html, s) {
				t.Errorf("%s page holds %q", lang, s)
			}
		}
	}
}

// TestFundSchemasMatchJSON checks the fund's schemas against the JSON of
// fully populated values, as TestOpenAPISchemasMatchJSON does for the rest.
func TestFundSchemasMatchJSON(t *testing.T) {
	_, _, doc := fetchOpenAPI(t)
	tr := ledger.Transfer{ID: "i", Debit: "a:b", Credit: "a:c", Amount: 1, Currency: "XOF", Memo: "m", Linked: "l", Reverses: "r"}
	full := map[string]any{
		"FundProgrammeRequest":    fund.ProgrammeDef{Slug: "a", Name: "b"},
		"FundProgramme":           sqlstore.FundProgramme{Slug: "a", Name: "b", Balance: 1},
		"FundProgrammeList":       itemsOf[sqlstore.FundProgramme]{},
		"FundContributionRequest": contributionRequest{ID: "i", Channel: "cash", Amount: 1, At: "t", Contributor: "c"},
		"FundAllocationRequest":   allocationRequest{ID: "i", Programme: "p", Amount: 1, Memo: "m"},
		"FundSpendingRequest":     spendingRequest{ID: "i", Programme: "p", Channel: "c", Amount: 1, Memo: "m"},
		"FundMovementRequest":     movementRequest{ID: "i", From: "a", To: "b", Amount: 1, Memo: "m"},
		"FundUndoRequest":         undoRequest{Transfer: "t", Why: "w"},
		"FundPaymentRequest":      paymentRequest{ID: "i", Order: "o", Channel: "c", Amount: 1, Reference: "r"},
		"LedgerTransfer":          tr,
		"FundResult":              sqlstore.FundResult{},
		"FundContribution":        sqlstore.FundContribution{Provider: "p", ProviderTx: "t", Contributor: "c"},
		"FundPayable":             sqlstore.FundPayable{},
	}
	for name, v := range full {
		b, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(b, &m)
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		if keys, props := slices.Sorted(maps.Keys(m)), slices.Sorted(maps.Keys(schema.Properties)); !slices.Equal(keys, props) {
			t.Errorf("%s: JSON keys %v, schema properties %v", name, keys, props)
		}
	}
}
