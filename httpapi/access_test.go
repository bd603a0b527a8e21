package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The access matrix: every route of the route table, for every role, as
// called by a user whose jurisdiction holds the record the request names
// (Dosso, region A) and by a user of another region (Diffa, region B).
// What each must get is computed: 401 without a token, 403 when the role
// lacks the route's action (auth.Can), the route's own status inside the
// jurisdiction and its out-of-jurisdiction status outside. A record of
// another jurisdiction must be answered exactly as a record that does not
// exist, so that nobody learns it exists, and must be left unchanged.
//
// accessRules holds one rule per route. A route without a rule fails the
// test: a new route cannot be served before someone says who may call it.

const (
	regionA = "NE.DS" // Dosso: where the records live
	regionB = "NE.DF" // Diffa: the other region
)

// accessUser is the name of the test user of role in region.
func accessUser(region string, role auth.Role) string {
	return map[string]string{regionA: "dosso.", regionB: "diffa."}[region] + string(role)
}

// accessCall is one request of the matrix.
type accessCall struct {
	path, body string
	header     []string
	// ref is the key of the record the request names, as it appears in
	// the request: an outsider's answer must equal the answer for a key
	// that does not exist, with the key replaced.
	ref string
	// fresh sends the call with a session of its own (logout ends it).
	fresh bool
	form  bool // the body is a form, not JSON
}

// accessRule is how a route treats jurisdiction, with a builder of its
// requests.
type accessRule struct {
	// call builds the request role sends about a record of region A (a
	// fresh one when the route changes its record). {area} in its path
	// or body stands for the caller's own area.
	call func(t *testing.T, a *accessFixture, role auth.Role) accessCall
	// missing, for a route that names one record, is the request naming a
	// record that does not exist.
	missing func(a *accessFixture) accessCall
	in      int               // status for a permitted role of region A; the route's success status when 0
	inFor   map[auth.Role]int // where the lifecycle, not the jurisdiction, decides the status of a role
	out     int               // status for a permitted role of region B; 0: no jurisdiction, the same as in
	list    string            // for a listing: the field that places each item in an area
}

// accessFixture is the API's fixture with users of every role in both
// regions, a server with every optional route switched on, and makers of
// fresh records.
type accessFixture struct {
	*fixture
	seq  atomic.Int64
	sent atomic.Int64 // requests, for the log line
}

func (a *accessFixture) next() int64 { return a.seq.Add(1) }

func TestAccessMatrix(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		a := newAccessFixture(t, db)
		covered := 0
		for _, rt := range a.api.routes {
			key := rt.Method + " " + rt.Pattern
			rule, ok := accessRules[key]
			if !ok {
				t.Errorf("route %s has no access rule: add it to accessRules in httpapi/access_test.go", key)
				continue
			}
			covered++
			t.Run(strings.NewReplacer("/", "_", "{", "", "}", "").Replace(key), func(t *testing.T) { a.checkRoute(t, rt, rule) })
		}
		if covered != len(accessRules) {
			t.Errorf("%d rules for %d routes: a rule names a route that is no longer served", len(accessRules), covered)
		}
		public := 0
		for _, rt := range a.api.routes {
			if rt.Action == "" {
				public++
			}
		}
		t.Logf("access matrix: %d routes (%d public) × %d roles × in and out of jurisdiction: %d requests",
			len(a.api.routes), public, len(auth.Roles), a.sent.Load())
	})
}

func newAccessFixture(t *testing.T, db *sqlstore.DB) *accessFixture {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, db)
	outbox, err := db.Outbox(citizen.Contact{USSD: testUSSDCode, URL: "https://muster.test/c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.api = New(db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: f.api.now, LogSigner: f.logSigner,
		FundWebhookSecrets: fund.Secrets{"orange-money": {webhookSecret}}, Citizen: db.Citizens(nil), USSDCode: testUSSDCode,
		SMSOutbox: outbox, SMSCallbackSecret: testSecret})
	f.api.logins = newIPLimiter(rate.Inf, 0)
	f.srv.Close()
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	a := &accessFixture{fixture: f}
	for _, region := range []string{regionA, regionB} {
		for _, role := range auth.Roles {
			name := accessUser(region, role)
			if _, ok := f.tokens[name]; ok {
				continue
			}
			if _, err := db.CreateUser(ctx, auth.User{Name: name, Role: role, Area: region}, testHash()); err != nil {
				t.Fatal(err)
			}
			f.tokens[name] = f.login(t, name)
		}
	}
	// Region B's records, for the listings to leave out.
	if _, err := db.FileNeeds(ctx, []need.Need{{ID: "N-DF-1", Unit: "1er bataillon", Type: "vehicle.truck", Quantity: 1, Area: regionB,
		Deadline: time.Now().AddDate(1, 0, 0), Priority: 3, Justification: "transport", LegalBasis: "Décret 2026-114"}}, "seed"); err != nil {
		t.Fatal(err)
	}
	for _, force := range []sqlstore.ForceTarget{{Code: "F-DS", Name: "Dosso", Scope: regionA, Target: 10}, {Code: "F-DF", Name: "Diffa", Scope: regionB, Target: 10}} {
		if _, err := db.SetForceTarget(ctx, force); err != nil {
			t.Fatal(err)
		}
	}
	a.issue(t, "DF0001")
	// Money for the treasurers' use cases and the compensation payments.
	if _, err := db.RecordContribution(ctx, fund.Contribution{Key: "matrix", Channel: fund.Cash, Amount: 1e12}, "seed"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddProgramme(ctx, fund.ProgrammeDef{Slug: "matrix", Name: "Matrice"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"matrix", fund.CompensationProgramme} {
		batch, err := fund.Allocate(fund.Allocation{Key: "matrix-" + p, Programme: p, Amount: 1e11})
		if err == nil {
			_, err = db.ApplyFund(ctx, batch)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// Makers of fresh orders, all addressed to persons of the fixture, drafted
// by "drafter" and approved by "approver" (neither is a test user, so the
// two-person rule never stands in the way of the matrix).

func (a *accessFixture) draft(t *testing.T, nid string) order.Order {
	t.Helper()
	d, err := a.db.DraftOrders(context.Background(), []order.Order{{Kind: order.CallUp,
		Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: nid}, Items: []order.Item{{Type: "driver", Quantity: 1}},
		Place: order.Place{Text: "Caserne"}, Deadline: time.Now().Add(72 * time.Hour), LegalBasis: "Loi 2026-01",
		Authority: "NE-MOB", Reason: "matrix"}}, order.Actor{Role: auth.Officer, Name: "drafter"})
	if err != nil {
		t.Fatal(err)
	}
	return d[0]
}

func (a *accessFixture) issue(t *testing.T, nid string) sqlstore.IssuedOrder {
	t.Helper()
	issued, err := a.db.ApproveOrders(context.Background(), []string{a.draft(t, nid).ID}, order.Actor{Role: auth.Approver, Name: "approver"}, a.db.AddresseeRef)
	if err != nil {
		t.Fatal(err)
	}
	return issued[0]
}

// issueThrough issues an order and applies changes to it in turn.
func (a *accessFixture) issueThrough(t *testing.T, nid string, changes ...sqlstore.Change) sqlstore.IssuedOrder {
	t.Helper()
	o := a.issue(t, nid)
	for _, c := range changes {
		var err error
		if o, err = a.db.ApplyOrderEvent(context.Background(), o.ID, "", c); err != nil {
			t.Fatalf("%s: %v", c.Event, err)
		}
	}
	return o
}

var (
	notified = sqlstore.Change{Event: order.EventNotify, Actor: order.SystemActor}
	claimed  = sqlstore.Change{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "medical"}
	fulfil   = sqlstore.Change{Event: order.EventFulfil, Actor: order.Actor{Role: auth.Officer, Name: "officer"}}
	released = sqlstore.Change{Event: order.EventRelease, Actor: order.Actor{Role: auth.Officer, Name: "officer"}}
)

// checkRoute runs one route of the matrix.
func (a *accessFixture) checkRoute(t *testing.T, rt route, rule accessRule) {
	anon := rule.call(t, a, "")
	res := a.send(t, rt.Method, "", anon)
	if rt.Action == "" {
		if want := a.want(rt, rule, ""); res.status != want {
			t.Errorf("anonymous: %d, want %d: %s", res.status, want, res.body)
		}
		a.noPersonalData(t, "anonymous", res, anon)
		return
	}
	if res.status != http.StatusUnauthorized || !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous: %d, want 401 with WWW-Authenticate: %s", res.status, res.body)
	}
	for _, role := range auth.Roles {
		permitted := rt.Action == Authenticated || auth.Can(role, rt.Action)
		if rt.body != "" {
			a.checkEmptyBody(t, rt, anon.path, role, permitted)
		}
		// The outsider first, then the insider with the same call: the
		// outsider's call must have left the record as it was.
		c := rule.call(t, a, role)
		outsider, insider := accessUser(regionB, role), accessUser(regionA, role)
		c.header = a.freshKey(rt)
		out := a.send(t, rt.Method, outsider, c)
		a.checkAnswer(t, rt, rule, role, outsider, out, c, permitted, false)
		if permitted && rule.out != 0 && rule.missing != nil {
			a.checkLikeMissing(t, rt, rule, outsider, out, c)
		}
		c.header = a.freshKey(rt)
		in := a.send(t, rt.Method, insider, c)
		a.checkAnswer(t, rt, rule, role, insider, in, c, permitted, true)
	}
}

// want is the status a permitted role gets inside its jurisdiction.
func (a *accessFixture) want(rt route, rule accessRule, role auth.Role) int {
	if s, ok := rule.inFor[role]; ok {
		return s
	}
	if rule.in != 0 {
		return rule.in
	}
	if rt.status != 0 {
		return rt.status
	}
	return http.StatusOK
}

func (a *accessFixture) checkAnswer(t *testing.T, rt route, rule accessRule, role auth.Role, user string, res response, c accessCall, permitted, inside bool) {
	t.Helper()
	want := a.want(rt, rule, role)
	if !inside && rule.out != 0 {
		want = rule.out
	}
	if !permitted {
		want = http.StatusForbidden
	}
	if res.status != want {
		t.Errorf("%s %s %s: %d, want %d: %s", user, rt.Method, c.path, res.status, want, res.body)
		return
	}
	if res.status >= 400 {
		code, msg := res.errorOf(t)
		if wantCode := statusCodes[res.status]; code != wantCode {
			t.Errorf("%s %s %s: error code %s, want %s", user, rt.Method, c.path, code, wantCode)
		}
		if !permitted && !strings.Contains(msg, "may not") {
			t.Errorf("%s %s %s: refused with %q, not for the role", user, rt.Method, c.path, msg)
		}
	}
	if !inside {
		a.noPersonalData(t, user, res, c)
	}
	if rule.list != "" && res.status == http.StatusOK {
		a.checkListed(t, rule, user, res, inside)
	}
}

var statusCodes = map[int]string{400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}

// checkEmptyBody sends a body route no body: the role is checked before
// the body, so a refused role learns nothing of what the body needs.
func (a *accessFixture) checkEmptyBody(t *testing.T, rt route, path string, role auth.Role, permitted bool) {
	t.Helper()
	res := a.send(t, rt.Method, accessUser(regionA, role), accessCall{path: path, header: a.freshKey(rt)})
	code, msg := res.errorOf(t)
	switch {
	case !permitted && (res.status != http.StatusForbidden || code != "forbidden"):
		t.Errorf("%s, no body: %d %s, want 403", role, res.status, code)
	case permitted && (res.status != http.StatusBadRequest || !strings.Contains(msg, "request body is empty")):
		t.Errorf("%s, no body: %d %q, want 400 naming the empty body", role, res.status, msg)
	}
}

// checkLikeMissing compares an outsider's answer with the answer to the
// same call naming a record that does not exist.
func (a *accessFixture) checkLikeMissing(t *testing.T, rt route, rule accessRule, user string, out response, c accessCall) {
	t.Helper()
	m := rule.missing(a)
	m.header = a.freshKey(rt)
	res := a.send(t, rt.Method, user, m)
	got := strings.ReplaceAll(string(out.body), c.ref, m.ref)
	if res.status != out.status || got != string(res.body) {
		t.Errorf("%s: a record of another jurisdiction is answered unlike a missing one:\n%d %s\n%d %s", user, out.status, out.body, res.status, res.body)
	}
}

// privateOfRegionA is what no answer to an outsider or an anonymous
// caller may hold: the names of region A's persons and organisations.
var privateOfRegionA = []string{"PrénomDS", "FamilleDS", "Clinique de Dosso", "Transports du Dallol"}

func (a *accessFixture) noPersonalData(t *testing.T, user string, res response, c accessCall) {
	t.Helper()
	for _, s := range privateOfRegionA {
		if strings.Contains(string(res.body), s) {
			t.Errorf("%s %s: the answer holds %q: %s", user, c.path, s, res.body)
		}
	}
}

// checkListed checks that a listing holds only items of the caller's
// jurisdiction, and, inside, at least one.
func (a *accessFixture) checkListed(t *testing.T, rule accessRule, user string, res response, inside bool) {
	t.Helper()
	var p struct {
		Items []map[string]any `json:"items"`
	}
	res.decode(t, &p)
	region := regionB
	if inside {
		region = regionA
	}
	if inside && len(p.Items) == 0 {
		t.Errorf("%s: the listing is empty", user)
	}
	for _, it := range p.Items {
		v, _ := it[rule.list].(string)
		if where := areaOf(v); where != region && !strings.HasPrefix(where, region+".") {
			t.Errorf("%s sees an item of %s (%s %q) in a listing", user, where, rule.list, v)
		}
	}
}

// areaOf places a listed value: an area code as it is, an addressee where
// the fixture's registry puts them.
func areaOf(v string) string {
	owner, err := registry.ParseOwner(v)
	if err != nil {
		return v
	}
	for _, p := range testPersons() {
		if owner.Kind == registry.OwnerPerson && p.NationalID == owner.ID {
			return p.Area
		}
	}
	for _, o := range testOrgs {
		if owner.Kind == registry.OwnerOrganisation && o.OrgID == owner.ID {
			return o.Area
		}
	}
	return "nowhere known (" + v + ")"
}

func (a *accessFixture) freshKey(rt route) []string {
	if !rt.idempotent {
		return nil
	}
	return []string{"Idempotency-Key", fmt.Sprintf("matrix-%d", a.next())}
}

// send sends c as user ("" for nobody), with the user's own area where c
// says {area}.
func (a *accessFixture) send(t *testing.T, method, user string, c accessCall) response {
	t.Helper()
	area := regionA
	if strings.HasPrefix(user, "diffa.") {
		area = regionB
	}
	req, err := http.NewRequest(method, a.srv.URL+strings.ReplaceAll(c.path, "{area}", area), strings.NewReader(strings.ReplaceAll(c.body, "{area}", area)))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		token := a.tokens[user]
		if c.fresh {
			token = a.login(t, user)
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	switch {
	case c.form:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case c.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		req.Header.Add(c.header[i], c.header[i+1])
	}
	a.sent.Add(1)
	return doRequest(t, a.srv.Client(), req)
}

// missingCode is a well-formed order code that names no order.
const missingCode = "7KQ4-M9TX-2HZP-R8WD-J"

// get is a call of a fixed path; post one with a fixed JSON body.
func pathCall(path string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(*testing.T, *accessFixture, auth.Role) accessCall { return accessCall{path: path} }
}

func postCall(path, body string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(*testing.T, *accessFixture, auth.Role) accessCall { return accessCall{path: path, body: body} }
}

func formCall(path, body string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(*testing.T, *accessFixture, auth.Role) accessCall {
		return accessCall{path: path, body: body, form: true}
	}
}

// record is a call naming the record ref in path (where it says {ref}).
func recordCall(path, ref string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(*testing.T, *accessFixture, auth.Role) accessCall {
		return accessCall{path: strings.ReplaceAll(path, "{ref}", ref), ref: ref}
	}
}

func missingCall(path, ref string) func(*accessFixture) accessCall {
	return func(a *accessFixture) accessCall { return recordCall(path, ref)(nil, a, "") }
}

// orderCall names an order of region A made fresh for the call.
func orderCall(path, body string, make func(*testing.T, *accessFixture) string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(t *testing.T, a *accessFixture, _ auth.Role) accessCall {
		code := make(t, a)
		return accessCall{path: strings.ReplaceAll(path, "{ref}", code), body: strings.ReplaceAll(body, "{ref}", code), ref: code}
	}
}

func orderMissing(path, body string) func(*accessFixture) accessCall {
	return func(a *accessFixture) accessCall {
		return accessCall{path: strings.ReplaceAll(path, "{ref}", missingCode), body: strings.ReplaceAll(body, "{ref}", missingCode), ref: missingCode}
	}
}

// eventCall makes, for each role that may record events, an order of
// region A in a state where the lifecycle lets that role act, and names
// the event.
func eventCall(t *testing.T, a *accessFixture, role auth.Role) accessCall {
	var o sqlstore.IssuedOrder
	event := "notify"
	switch role {
	case auth.Officer:
		o = a.issue(t, "DS0011")
	case auth.Approver:
		o, event = a.issue(t, "DS0011"), "cancel"
	case auth.Reviewer:
		o, event = a.issueThrough(t, "DS0011", notified, claimed), "reject_claim"
	case auth.Treasurer:
		o, event = a.issueThrough(t, "DS0011", notified, fulfil, released), "compensate"
	default:
		o = a.issue(t, "DS0011")
	}
	code := string(o.Code)
	return accessCall{path: "/api/v1/orders/" + code + "/events", body: `{"event":"` + event + `"}`, ref: code}
}

// freshNeed files a need of region A; the call files it again from the
// caller's area, as an outsider would to take it over.
func freshNeed(t *testing.T, a *accessFixture, _ auth.Role) accessCall {
	id := fmt.Sprintf("N-M-%d", a.next())
	if _, err := a.db.FileNeeds(context.Background(), []need.Need{{ID: id, Unit: "3e bataillon", Type: "vehicle.truck", Quantity: 2,
		Area: regionA, Deadline: time.Now().AddDate(1, 0, 0), Priority: 3, Justification: "transport", LegalBasis: "Décret 2026-114"}}, "seed"); err != nil {
		t.Fatal(err)
	}
	return accessCall{path: "/api/v1/needs", body: `{"needs":[` + needJSON(id, "{area}", "") + `]}`, ref: id}
}

func freshForce(t *testing.T, a *accessFixture, _ auth.Role) accessCall {
	code := fmt.Sprintf("F-M-%d", a.next())
	if _, err := a.db.SetForceTarget(context.Background(), sqlstore.ForceTarget{Code: code, Name: "Dosso", Scope: regionA, Target: 10}); err != nil {
		t.Fatal(err)
	}
	return accessCall{path: "/api/v1/forces", body: `{"code":"` + code + `","name":"Renfort","scope":"{area}","target":5}`, ref: code}
}

func needToCancel(t *testing.T, a *accessFixture, role auth.Role) accessCall {
	c := freshNeed(t, a, role)
	return accessCall{path: "/api/v1/needs/" + c.ref + "/cancel", ref: c.ref, body: "{}"}
}

// numbered is a call whose body holds a number of its own ({n}), for the
// use cases that may not be repeated.
func numbered(path, body string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(_ *testing.T, a *accessFixture, _ auth.Role) accessCall {
		return accessCall{path: path, body: strings.ReplaceAll(body, "{n}", fmt.Sprint(a.next()))}
	}
}

func undoCall(t *testing.T, a *accessFixture, _ auth.Role) accessCall {
	key := fmt.Sprintf("undo-%d", a.next())
	c, err := a.db.RecordContribution(context.Background(), fund.Contribution{Key: key, Channel: fund.Bank, Amount: 10}, "seed")
	if err != nil {
		t.Fatal(err)
	}
	return accessCall{path: "/api/v1/fund/undo", body: `{"transfer":"` + c.Transfer.ID + `","why":"saisie en double"}`}
}

// draftCall drafts a call-up to person nid.
func draftCall(nid string) func(*testing.T, *accessFixture, auth.Role) accessCall {
	return func(*testing.T, *accessFixture, auth.Role) accessCall {
		return accessCall{path: "/api/v1/orders", body: draftBody(callUpJSON(nid)), ref: nid}
	}
}

func issuedA(t *testing.T, a *accessFixture) string { return string(a.issue(t, "DS0011").Code) }
func draftA(t *testing.T, a *accessFixture) string  { return string(a.draft(t, "DS0011").Code) }
func releasedA(t *testing.T, a *accessFixture) string {
	return string(a.issueThrough(t, "DS0011", notified, fulfil, released).Code)
}

// accessRules is the access rule of every route, by method and pattern.
var accessRules = map[string]accessRule{
	// Public: no token, the same answer for everyone, no personal data.
	"GET /healthz":                  {call: pathCall("/healthz")},
	"GET /metrics":                  {call: pathCall("/metrics")},
	"GET /api/v1/openapi.json":      {call: pathCall("/api/v1/openapi.json")},
	"GET /log/checkpoint":           {call: pathCall("/log/checkpoint")},
	"GET /log/proof/inclusion":      {call: pathCall("/log/proof/inclusion?index=1&size=3")},
	"GET /log/proof/consistency":    {call: pathCall("/log/proof/consistency?old=1&size=3")},
	"GET /log/leaf/{index}":         {call: pathCall("/log/leaf/1")},
	"POST /api/v1/login":            {call: postCall("/api/v1/login", `{"name":"dosso.registrar","password":"not the password at all"}`), in: 401},
	"GET /report/fund":              {call: pathCall("/report/fund")},
	"GET /report/fund.csv":          {call: pathCall("/report/fund.csv")},
	"GET /report/fund.json":         {call: pathCall("/report/fund.json")},
	"POST /fund/webhook/{provider}": {call: postCall("/fund/webhook/orange-money", `{"transaction_id":"MX1","amount":100,"currency":"XOF"}`), in: 401}, // unsigned
	"POST /ussd":                    {call: formCall("/ussd", "sessionId=matrix&serviceCode=*384*123%23&phoneNumber=%2B22790000001&text=")},
	"POST /sms/inbound":             {call: formCall("/sms/inbound", "from=%2B22790000001&text=AIDE")},
	"GET /c":                        {call: pathCall("/c")},
	"GET /c/":                       {call: pathCall("/c/")},
	"POST /c/": {call: func(t *testing.T, a *accessFixture, _ auth.Role) accessCall { // a wrong birth date
		return accessCall{path: "/c/", body: "lang=fr&code=" + issuedA(t, a) + "&birth=01/01/1901", form: true}
	}},
	"POST /c/act": {call: formCall("/c/act", "lang=fr&action=acknowledge")},
	"POST /c/pdf": {call: formCall("/c/pdf", "lang=fr")},
	"GET /c/verify": {call: func(t *testing.T, a *accessFixture, _ auth.Role) accessCall {
		return accessCall{path: "/c/verify?code=" + issuedA(t, a)}
	}},
	"POST /sms/delivery/{secret}":         {call: formCall("/sms/delivery/not-the-secret", "id=ATXid_1&status=Success"), in: 404},
	"POST /sms/courier/{secret}/{action}": {call: formCall("/sms/courier/not-the-secret/delivered", "id=1"), in: 404},

	// Any logged-in user, of any area.
	"POST /api/v1/logout": {call: func(*testing.T, *accessFixture, auth.Role) accessCall {
		return accessCall{path: "/api/v1/logout", body: "-", fresh: true}
	}},
	"GET /api/v1/me": {call: pathCall("/api/v1/me")},

	// The registry: a record outside is not found, a filter outside forbidden.
	"GET /api/v1/areas":                   {call: pathCall("/api/v1/areas?parent=NE.DS"), out: 200, list: "code"}, // a parent outside lists nothing
	"GET /api/v1/areas/{code}":            {call: recordCall("/api/v1/areas/{ref}", "NE.DS.D01"), missing: missingCall("/api/v1/areas/{ref}", "NE.ZZ.D01"), out: 404},
	"GET /api/v1/persons":                 {call: pathCall("/api/v1/persons?area=NE.DS&limit=1000"), out: 403, list: "area"},
	"GET /api/v1/persons/{national_id}":   {call: recordCall("/api/v1/persons/{ref}", "DS0003"), missing: missingCall("/api/v1/persons/{ref}", "DZ0003"), out: 404},
	"GET /api/v1/organisations":           {call: pathCall("/api/v1/organisations?area=NE.DS"), out: 403, list: "area"},
	"GET /api/v1/organisations/{org_id}":  {call: recordCall("/api/v1/organisations/{ref}", "ORG-DS1"), missing: missingCall("/api/v1/organisations/{ref}", "ORG-ZZ1"), out: 404},
	"GET /api/v1/resources":               {call: pathCall("/api/v1/resources?area=NE.DS"), out: 403, list: "area"},
	"GET /api/v1/resources/{resource_id}": {call: recordCall("/api/v1/resources/{ref}", "RES-DS2"), missing: missingCall("/api/v1/resources/{ref}", "RES-ZZ2"), out: 404},

	// Orders are placed by their addressee.
	"GET /api/v1/orders":        {call: pathCall("/api/v1/orders?limit=1000"), out: 200, list: "addressee"}, // no area filter: the listing is scoped
	"GET /api/v1/orders/{code}": {call: orderCall("/api/v1/orders/{ref}", "", issuedA), missing: orderMissing("/api/v1/orders/{ref}", ""), out: 404},
	"POST /api/v1/orders":       {call: draftCall("DS0011"), missing: func(*accessFixture) accessCall { return draftCall("DZ0011")(nil, nil, "") }, out: 403},
	"POST /api/v1/orders/approve": {call: orderCall("/api/v1/orders/approve", `{"ids":["{ref}"]}`, draftA),
		missing: orderMissing("/api/v1/orders/approve", `{"ids":["{ref}"]}`), out: 404},
	"POST /api/v1/orders/{code}/events": {call: eventCall, missing: orderMissing("/api/v1/orders/{ref}/events", `{"event":"notify"}`), out: 404,
		inFor: map[auth.Role]int{auth.Treasurer: 409}}, // a treasurer compensates by paying: the event alone finds it unpaid
	"GET /api/v1/orders/{code}/payable": {call: orderCall("/api/v1/orders/{ref}/payable", "", issuedA), missing: orderMissing("/api/v1/orders/{ref}/payable", ""), out: 404},
	"POST /api/v1/fund/payments": {call: orderCall("/api/v1/fund/payments", `{"order":"{ref}","channel":"cash","amount":1}`, releasedA),
		missing: orderMissing("/api/v1/fund/payments", `{"order":"{ref}","channel":"cash","amount":1}`), out: 404},

	// Needs and forces: re-filing or re-setting one of another region
	// from one's own would take it over.
	"GET /api/v1/needs":                   {call: pathCall("/api/v1/needs?area=NE.DS"), out: 403, list: "area"},
	"GET /api/v1/needs/{need_id}":         {call: recordCall("/api/v1/needs/{ref}", "N-DS-1"), missing: missingCall("/api/v1/needs/{ref}", "N-ZZ-1"), out: 404},
	"POST /api/v1/needs":                  {call: freshNeed, out: 403},
	"POST /api/v1/needs/{need_id}/cancel": {call: needToCancel, missing: missingCall("/api/v1/needs/{ref}/cancel", "N-ZZ-1"), out: 404},
	"GET /api/v1/forces":                  {call: pathCall("/api/v1/forces"), out: 200, list: "scope"},
	"POST /api/v1/forces":                 {call: freshForce, out: 403},

	// The fund is national: a treasurer of any area keeps it.
	"GET /api/v1/fund/programmes":     {call: pathCall("/api/v1/fund/programmes")},
	"POST /api/v1/fund/programmes":    {call: numbered("/api/v1/fund/programmes", `{"slug":"p{n}","name":"Programme {n}"}`)},
	"POST /api/v1/fund/contributions": {call: numbered("/api/v1/fund/contributions", `{"id":"m{n}","channel":"cash","amount":100}`)},
	"POST /api/v1/fund/allocations":   {call: numbered("/api/v1/fund/allocations", `{"id":"a{n}","programme":"matrix","amount":1}`)},
	"POST /api/v1/fund/spending":      {call: numbered("/api/v1/fund/spending", `{"id":"s{n}","programme":"matrix","channel":"cash","amount":1,"memo":"fournitures"}`)},
	"POST /api/v1/fund/movements":     {call: numbered("/api/v1/fund/movements", `{"id":"v{n}","from":"cash","to":"bank","amount":1}`)},
	"POST /api/v1/fund/undo":          {call: undoCall},
}
