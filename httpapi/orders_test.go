package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// TestOrdersAPI runs the orders routes' tests against one seeded database
// per engine. The subtests share it and run in order.
func TestOrdersAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			name string
			test func(*testing.T, *fixture)
		}{
			{"Lifecycle", testOrderLifecycle},
			{"EventRequests", testOrderEventRequests},
			{"TwoPersonRule", testTwoPersonRule},
			{"Jurisdiction", testOrderJurisdiction},
			{"DraftValidation", testDraftValidation},
			{"List", testOrderList},
			{"Idempotency", testIdempotency},
			{"IdempotencyKeyHeader", testIdempotencyKeyHeader},
			{"IdempotencyInProgress", testIdempotencyInProgress},
			{"NoPersonalDataInLogs", testNoOrderDataInLogs},
		} {
			t.Run(tc.name, func(t *testing.T) { tc.test(t, f) })
		}
	})
}

var keySeq atomic.Int64

// post sends a POST under a fresh idempotency key.
func (f *fixture) post(t *testing.T, path, user, body string) response {
	t.Helper()
	return f.do(t, "POST", path, user, body, "Idempotency-Key", fmt.Sprintf("test-%d", keySeq.Add(1)))
}

// callUpJSON is a draft call-up, due in three days unless a deadline is given.
func callUpJSON(nid string, deadline ...string) string {
	d := append(deadline, time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339))[0]
	return fmt.Sprintf(`{"kind":"call_up","addressee":"person:%s","items":[{"type":"driver","quantity":1}],
		"place":{"text":"Caserne de Dosso","area":"NE.DS"},"deadline":%q,"legal_basis":"Loi 2026-01, art. 4",
		"authority":"NE-MOB","reason":"Renfort logistique"}`, nid, d)
}

func requisitionJSON(org, item string) string {
	return fmt.Sprintf(`{"kind":"requisition","addressee":"org:%s","items":[%s],"place":{"text":"Dépôt de Dosso"},
		"deadline":%q,"legal_basis":"Loi 2026-01, art. 9","authority":"NE-MOB","reason":"Carburant des convois"}`,
		org, item, time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339))
}

func draftBody(orders ...string) string { return `{"orders":[` + strings.Join(orders, ",") + `]}` }

// apiOrder is what the tests read of an order in a response.
type apiOrder struct {
	ID         string `json:"id"`
	Code       string `json:"code"`
	Kind       string `json:"kind"`
	Addressee  string `json:"addressee"`
	State      string `json:"state"`
	Seq        int    `json:"seq"`
	DraftedBy  string `json:"drafted_by"`
	ApprovedBy string `json:"approved_by"`
	Signed     string `json:"signed"`
	Events     []struct {
		Event, Role, Actor string
		Note               *string
	} `json:"events"`
}

// orders reads {"items":[orders]}, failing unless the status is want.
func (r response) orders(t *testing.T, want int) []apiOrder {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	var out struct{ Items []apiOrder }
	r.decode(t, &out)
	return out.Items
}

func (r response) order(t *testing.T, want int) apiOrder {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	var o apiOrder
	r.decode(t, &o)
	return o
}

// wantError checks an error response's status, code and message.
func (r response) wantError(t *testing.T, status int, code, fragment string) {
	t.Helper()
	got, msg := r.errorOf(t)
	if r.status != status || got != code || !strings.Contains(msg, fragment) {
		t.Errorf("= %d %s %q, want %d %s mentioning %q", r.status, got, msg, status, code, fragment)
	}
}

func (f *fixture) countOrders(t *testing.T) int {
	t.Helper()
	all, err := f.db.ListOrders(context.Background(), sqlstore.OrderFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func testOrderLifecycle(t *testing.T, f *fixture) {
	drafts := f.post(t, "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0005"),
		requisitionJSON("ORG-DS2", `{"type":"fuel.diesel","quantity":1000,"unit":"l","resource_ids":["RES-DS2"]}`))).orders(t, http.StatusCreated)
	if len(drafts) != 2 || drafts[0].State != "draft" || drafts[0].DraftedBy != dossoOfficer || drafts[0].Addressee != "person:DS0005" ||
		drafts[1].Kind != "requisition" || drafts[0].Code == "" {
		t.Fatalf("drafts = %+v", drafts)
	}
	// Approving is the approver's; the officer may not even ask.
	f.post(t, "/api/v1/orders/approve", dossoOfficer, `{"ids":[]}`).wantError(t, 403, "forbidden", "may not orders.approve")
	// By grouped code and by id.
	issued := f.post(t, "/api/v1/orders/approve", dossoApprover, fmt.Sprintf(`{"ids":[%q,%q]}`, drafts[0].Code, drafts[1].ID)).orders(t, http.StatusOK)
	for _, o := range issued {
		if o.State != "issued" || o.ApprovedBy != dossoApprover || !strings.HasPrefix(o.Signed, "MU1:") {
			t.Errorf("issued = %+v", o)
		}
	}
	code := strings.ReplaceAll(drafts[0].Code, "-", "")
	events := "/api/v1/orders/" + code + "/events"
	for _, step := range []struct {
		user, body string
		status     int
		state      string
	}{
		{dossoOfficer, `{"event":"notify","note":"remis en main propre"}`, 200, "notified"},
		{dossoOfficer, `{"event":"acknowledge"}`, 403, ""}, // the addressee's
		{dossoReviewer, `{"event":"fulfil"}`, 403, ""},
		{dossoOfficer, `{"event":"fulfil","note":"présenté au poste avec ses papiers"}`, 200, "fulfilled"},
		{dossoOfficer, `{"event":"fulfil"}`, 409, ""},
		{dossoOfficer, `{"event":"return"}`, 409, ""}, // requisitions only
		{dossoOfficer, `{"event":"release"}`, 200, "released"},
		{dossoOfficer, `{"event":"compensate"}`, 403, ""},
		{nigerTreasurer, `{"event":"compensate"}`, 409, ""}, // not paid yet
		{nigerTreasurer, "pay", 200, "compensated"},         // paying records the event
		{dossoOfficer, `{"event":"close"}`, 200, "closed"},
	} {
		if step.body == "pay" {
			f.payInFull(t, code)
			continue
		}
		res := f.post(t, events, step.user, step.body)
		if step.state == "" {
			res.wantError(t, step.status, map[int]string{403: "forbidden", 409: "conflict"}[step.status], "")
			continue
		}
		if o := res.order(t, step.status); o.State != step.state {
			t.Errorf("%s %s: state %s, want %s", step.user, step.body, o.State, step.state)
		}
	}
	// The requisition is withdrawn by the approver.
	if o := f.post(t, "/api/v1/orders/"+drafts[1].ID+"/events", dossoApprover, `{"event":"cancel"}`).order(t, 200); o.State != "cancelled" {
		t.Errorf("cancel: %+v", o)
	}

	// The history, with notes for officers and reviewers only.
	for _, tc := range []struct {
		user  string
		notes bool
	}{{dossoReviewer, true}, {dossoOfficer, true}, {dossoApprover, false}, {nigerTreasurer, false}} {
		o := f.do(t, "GET", "/api/v1/orders/"+drafts[0].Code, tc.user, "").order(t, 200)
		var got []string
		notes := 0
		for _, e := range o.Events {
			got = append(got, e.Event)
			if e.Note != nil {
				notes++
			}
		}
		want := []string{"draft", "approve", "issue", "notify", "fulfil", "release", "compensate", "close"}
		if !slices.Equal(got, want) || o.Seq != len(want) || o.Addressee != "person:DS0005" {
			t.Errorf("%s: events %v seq %d, want %v", tc.user, got, o.Seq, want)
		}
		if wantNotes := map[bool]int{true: 2, false: 0}[tc.notes]; notes != wantNotes {
			t.Errorf("%s sees %d notes, want %d", tc.user, notes, wantNotes)
		}
	}
	// Each read named the addressee, so each is recorded, by blind index.
	entries, err := f.db.AccessLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, e := range entries {
		if strings.Contains(e.Subject, "DS0005") {
			t.Errorf("the access log names the addressee: %+v", e)
		}
		if e.Action == "orders.read" && strings.Contains(e.Subject, "order="+drafts[0].ID+" addressee_nid_index=") {
			reads++
		}
	}
	if reads != 4 {
		t.Errorf("%d reads of the order recorded, want 4", reads)
	}
}

func testOrderEventRequests(t *testing.T, f *fixture) {
	d := f.post(t, "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0013"))).orders(t, http.StatusCreated)[0]
	path := "/api/v1/orders/" + d.Code + "/events"
	for _, tc := range []struct{ body, fragment string }{
		{`{"event":"nope"}`, `"nope" is not an order event`},
		{`{"event":"draft"}`, "POST /api/v1/orders"},
		{`{"event":"approve"}`, "POST /api/v1/orders/approve"},
		{`{"event":"defer"}`, "until: a deferral needs"},
		{`{"event":"defer","until":"next week"}`, "RFC 3339"},
		{`{"event":"cancel","until":"2030-01-01T00:00:00Z"}`, "only a deferral"},
		{`{"event":"cancel","reason":"x"}`, `unknown field "reason"`},
	} {
		f.post(t, path, dossoOfficer, tc.body).wantError(t, 400, "invalid", tc.fragment)
	}
	f.post(t, "/api/v1/orders/7KQ4-M9TX-2HZP-R8WD-J/events", dossoOfficer, `{"event":"cancel"}`).wantError(t, 404, "not_found", "")
	f.post(t, path, dossoOfficer, `{"event":"fulfil"}`).wantError(t, 409, "conflict", "cannot fulfil an order that is draft")
}

func testTwoPersonRule(t *testing.T, f *fixture) {
	ctx := context.Background()
	// Roles change, names do not: dosso.approver drafted this one when
	// they were an officer.
	own, err := f.db.DraftOrders(ctx, []order.Order{{Kind: order.CallUp,
		Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: "DS0007"}, Items: []order.Item{{Type: "driver", Quantity: 1}},
		Place: order.Place{Text: "Dosso"}, Deadline: time.Now().Add(48 * time.Hour), LegalBasis: "Loi 2026-01",
		Authority: "NE-MOB", Reason: "test"}}, order.Actor{Role: auth.Officer, Name: dossoApprover})
	if err != nil {
		t.Fatal(err)
	}
	other := f.post(t, "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0009"))).orders(t, http.StatusCreated)[0]
	body := fmt.Sprintf(`{"ids":[%q,%q]}`, other.ID, own[0].ID)
	f.post(t, "/api/v1/orders/approve", dossoApprover, body).wantError(t, 403, "forbidden", "ids[1]")
	f.post(t, "/api/v1/orders/approve", dossoApprover, body).wantError(t, 403, "forbidden", "two-person rule")
	// All or nothing: the other draft was not approved either.
	if o := f.do(t, "GET", "/api/v1/orders/"+other.ID, dossoApprover, "").order(t, 200); o.State != "draft" {
		t.Errorf("after a refused batch the other order is %s", o.State)
	}
	f.post(t, "/api/v1/orders/approve", dossoApprover, fmt.Sprintf(`{"ids":[%q,%q]}`, other.ID, other.Code)).
		wantError(t, 400, "invalid", "ids[1] names the same order as ids[0]")
	// A second person approves.
	if got := f.post(t, "/api/v1/orders/approve", "niger.approver", body).orders(t, 200); len(got) != 2 || got[1].ApprovedBy != "niger.approver" {
		t.Errorf("approved by another = %+v", got)
	}
}

func testOrderJurisdiction(t *testing.T, f *fixture) {
	before := f.countOrders(t)
	for _, tc := range []struct {
		body, fragment string
		status         int
	}{
		{draftBody(callUpJSON("DS0011"), callUpJSON("DF0001")), "orders[1].addressee: person:DF0001 is not in the registry of your jurisdiction", 403},
		{draftBody(callUpJSON("NOBODY")), "orders[0].addressee", 403},
		{draftBody(requisitionJSON("ORG-DF1", `{"type":"vehicle.truck","quantity":1,"unit":"unit"}`)), "org:ORG-DF1", 403},
		{draftBody(requisitionJSON("ORG-DS2", `{"type":"vehicle.truck","quantity":1,"unit":"unit","resource_ids":["RES-DF1"]}`)),
			"orders[0].items[0].resource_ids: RES-DF1", 403},
		{draftBody(requisitionJSON("ORG-DS2", `{"type":"vehicle.pickup","quantity":1,"unit":"unit","resource_ids":["RES-DS1"]}`)),
			"another owner", 400},
	} {
		code := map[int]string{400: "invalid", 403: "forbidden"}[tc.status]
		f.post(t, "/api/v1/orders", dossoOfficer, tc.body).wantError(t, tc.status, code, tc.fragment)
	}
	if n := f.countOrders(t); n != before {
		t.Errorf("refused drafts stored %d orders", n-before)
	}
	// An order of Diffa, drafted by the national officer, is not found from Dosso.
	df := f.post(t, "/api/v1/orders", nigerOfficer, draftBody(callUpJSON("DF0001"))).orders(t, http.StatusCreated)[0]
	f.do(t, "GET", "/api/v1/orders/"+df.Code, dossoApprover, "").wantError(t, 404, "not_found", "")
	f.post(t, "/api/v1/orders/approve", dossoApprover, fmt.Sprintf(`{"ids":[%q]}`, df.Code)).wantError(t, 404, "not_found", "ids[0]")
	f.post(t, "/api/v1/orders/"+df.ID+"/events", dossoOfficer, `{"event":"cancel"}`).wantError(t, 404, "not_found", "")
	if o := f.do(t, "GET", "/api/v1/orders/"+df.Code, "niger.reviewer", "").order(t, 200); o.Addressee != "person:DF0001" {
		t.Errorf("national read = %+v", o)
	}
	codes, _ := f.do(t, "GET", "/api/v1/orders?limit=1000", dossoOfficer, "").ids(t)
	if slices.Contains(codes, df.Code) || len(codes) == 0 {
		t.Errorf("Dosso's listing %v: empty, or holds Diffa's order", codes)
	}
}

func testDraftValidation(t *testing.T, f *fixture) {
	past := callUpJSON("DS0015", "2001-01-01T00:00:00Z")
	bad := `{"kind":"parade","addressee":"citizen:1","place":{"text":""},"deadline":"tomorrow","legal_basis":"x",
		"authority":"NE-NOPE","reason":"x"}`
	for _, tc := range []struct{ body, fragment string }{
		{`{"orders":[]}`, "send 1 to 1000 orders, not 0"},
		{draftBody(slices.Repeat([]string{callUpJSON("DS0015")}, 1001)...), "not 1001"},
		{draftBody(callUpJSON("DS0015"), bad), `orders[1].kind: "parade" is not call_up or requisition`},
		{draftBody(bad), "orders[0].addressee"},
		{draftBody(bad), "orders[0].deadline: \"tomorrow\" is not an RFC 3339 time"},
		{draftBody(bad), "orders[0].authority: no authority NE-NOPE"},
		{draftBody(bad), "orders[0].place: is empty"},
		{draftBody(past), "orders[0].deadline: 2001-01-01T00:00:00Z is not after the order's creation"},
		{`{"orders":[{"kind":"call_up","priority":1}]}`, `unknown field "priority"`},
	} {
		f.post(t, "/api/v1/orders", dossoOfficer, tc.body).wantError(t, 400, "invalid", tc.fragment)
	}
}

func testOrderList(t *testing.T, f *fixture) {
	ctx := context.Background()
	want, err := f.db.ListOrders(ctx, sqlstore.OrderFilter{Within: "NE.DS", Limit: 1000})
	if err != nil || len(want) < 5 {
		t.Fatalf("orders of Dosso: %d, %v", len(want), err)
	}
	var all []string
	path := "/api/v1/orders?limit=2"
	for pages := 0; ; pages++ {
		codes, next := f.do(t, "GET", path, dossoApprover, "").ids(t)
		if pages > len(want) || len(codes) > 2 {
			t.Fatalf("page %d of %d orders", pages, len(codes))
		}
		all = append(all, codes...)
		if next == "" {
			break
		}
		path = "/api/v1/orders?limit=2&after=" + next
	}
	if len(all) != len(want) || all[0] != want[0].Code.String() || all[len(all)-1] != want[len(want)-1].Code.String() {
		t.Errorf("paged listing %v, want the %d orders of Dosso", all, len(want))
	}
	var p struct {
		Items []apiOrder
	}
	f.do(t, "GET", "/api/v1/orders?state=draft&kind=call_up", dossoReviewer, "").decode(t, &p)
	for _, o := range p.Items {
		if o.State != "draft" || o.Kind != "call_up" {
			t.Errorf("filtered listing holds %+v", o)
		}
	}
	if len(p.Items) == 0 {
		t.Error("no drafts listed")
	}
	for _, q := range []string{"state=bogus", "kind=parade", "after=xyz", "after=" + formatCursor("persons", 3), "limit=0", "area=NE"} {
		if res := f.do(t, "GET", "/api/v1/orders?"+q, dossoApprover, ""); res.status != 400 {
			t.Errorf("?%s = %d, want 400", q, res.status)
		}
	}
	f.do(t, "GET", "/api/v1/orders", auditor, "").wantError(t, 403, "forbidden", "may not orders.read")
	entries, _ := f.db.AccessLog(ctx, 20)
	if !slices.ContainsFunc(entries, func(e sqlstore.AccessEntry) bool {
		return e.Action == "orders.list" && strings.Contains(e.Subject, "state=draft kind=call_up")
	}) {
		t.Error("the listing is not in the access log")
	}
}

// testNoOrderDataInLogs checks the request log of every test above for
// the addressees' identities.
func testNoOrderDataInLogs(t *testing.T, f *fixture) {
	logs := f.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/orders/{code}/events"`) {
		t.Fatal("sanity: the log does not show the requests of the tests above")
	}
	for _, p := range testPersons() {
		for _, secret := range []string{p.NationalID, p.FamilyName, p.Phone} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds personal data %q", secret)
			}
		}
	}
}
