package officerweb

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/time/rate"

	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/trust"
)

// eachDB runs test on a fresh SQLite database and, when
// MUSTER_TEST_POSTGRES holds a DSN, on a fresh PostgreSQL schema.
func eachDB(t *testing.T, test func(t *testing.T, db *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, sqlstore.OpenTest(t, filepath.Join(t.TempDir(), "muster.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("MUSTER_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("MUSTER_TEST_POSTGRES is not set: PostgreSQL tests skipped")
		}
		test(t, sqlstore.OpenTest(t, dsn))
	})
}

const testPassword = "correct horse battery staple"

// testHash is shared by every test user: argon2 costs about 60 ms a hash.
var testHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// testUsers: one user of every role over the whole country, and officers
// of Dosso for the jurisdiction tests.
var testUsers = func() []auth.User {
	var out []auth.User
	for _, r := range auth.Roles {
		out = append(out, auth.User{Name: "niger." + string(r), Role: r, Area: "NE"})
	}
	return append(out,
		auth.User{Name: "dosso.officer", Role: auth.Officer, Area: "NE.DS"},
		auth.User{Name: "dosso.approver", Role: auth.Approver, Area: "NE.DS"},
		auth.User{Name: "dosso.requester", Role: auth.Requester, Area: "NE.DS"},
		auth.User{Name: "other.reviewer", Role: auth.Reviewer, Area: "NE"},
	)
}()

var (
	nigerOutline  = json.RawMessage(`{"type":"Polygon","coordinates":[[[0.2,11.7],[16,11.7],[16,23.5],[0.2,23.5],[0.2,11.7]]]}`)
	dossoGeometry = json.RawMessage(`{"type":"Polygon","coordinates":[[[2.5,11.8],[4.5,11.8],[4.5,14.5],[2.5,14.5],[2.5,11.8]]]}`)
	diffaGeometry = json.RawMessage(`{"type":"Polygon","coordinates":[[[11,13],[15.9,13],[15.9,17],[11,17],[11,13]]]}`)
)

var testAreas = []area.Area{
	{Code: "NE", Name: "Niger", Level: "country", Geometry: nigerOutline},
	{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE", Label: &area.Point{Lat: 13.1, Lon: 3.5}, Geometry: dossoGeometry},
	{Code: "NE.DS.D01", Name: "Dosso D01", Level: "department", Parent: "NE.DS", Label: &area.Point{Lat: 13.0, Lon: 3.2}},
	{Code: "NE.DF", Name: "Diffa", Level: "region", Parent: "NE", Label: &area.Point{Lat: 14.5, Lon: 13}, Geometry: diffaGeometry},
}

// fixture is a seeded database behind a running UI.
type fixture struct {
	db  *sqlstore.DB
	h   *Handler
	srv *httptest.Server

	draftDS    order.Code // drafted in Dosso by dosso.officer
	issuedDS   order.Code // issued in Dosso, addressed to a person
	issuedDF   order.Code // issued in Diffa
	handedDS   order.Code // a requisition of a generator in Dosso, handed over in good condition
	claimedDS  order.Code // a call-up of Dosso's whose addressee claims exemption (medical)
	appealedDS order.Code // a call-up of Dosso's whose claim niger.reviewer rejected, appealed
	proposalDS string     // a proposal for Dosso's needs
	proposalDF string     // a proposal for Diffa's

	mu      sync.Mutex
	clients map[string]*client
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, clients: map[string]*client{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.SaveAreas(ctx, testAreas))
	var persons []registry.Person
	for i := range 6 {
		persons = append(persons, registry.Person{NationalID: fmt.Sprintf("DS%04d", i), GivenName: "Prénom", FamilyName: "Famille",
			Sex: registry.Female, BirthDate: time.Date(1990, 3, 1+i, 0, 0, 0, 0, time.UTC), Area: "NE.DS.D01",
			Status: registry.Reservist, Skills: []string{"driver"}})
	}
	persons = append(persons, registry.Person{NationalID: "DF0001", GivenName: "Prénom", FamilyName: "Diffa", Sex: registry.Male,
		BirthDate: time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC), Area: "NE.DF", Status: registry.Civilian})
	must(db.UpsertPersons(ctx, persons))
	must(db.UpsertOrganisations(ctx, []registry.Organisation{
		{OrgID: "ORG-DS", Name: "Transports du Dallol", Kind: "transporter", Area: "NE.DS"},
		{OrgID: "ORG-DF", Name: "Société du Manga", Kind: "company", Area: "NE.DF"},
		{OrgID: "ORG-DS-GEN", Name: "Énergie du Dallol", Kind: "utility", Area: "NE.DS"},
	}))
	truck := func(id, owner, areaCode string, at area.Point) registry.Resource {
		return registry.Resource{ResourceID: id, Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: owner}, Type: "vehicle.truck",
			Quantity: 1, Unit: "unit", Area: areaCode, Location: &at, Condition: "good", DeclaredValueXOF: 20_000_000}
	}
	ds, df := area.Point{Lat: 13.05, Lon: 3.2}, area.Point{Lat: 13.3, Lon: 12.6}
	must(db.UpsertResources(ctx, []registry.Resource{truck("T-DS1", "ORG-DS", "NE.DS", ds), truck("T-DS2", "ORG-DS", "NE.DS", ds),
		truck("T-DS3", "ORG-DS", "NE.DS", ds), truck("T-DF1", "ORG-DF", "NE.DF", df), truck("T-DF2", "ORG-DF", "NE.DF", df),
		{ResourceID: "G-DS1", Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-DS-GEN"}, Type: "equipment.generator",
			Quantity: 1, Unit: "unit", Area: "NE.DS", Location: &ds, Condition: "good", DeclaredValueXOF: 3_000_000},
		{ResourceID: "M-DS4", Owner: registry.Owner{Kind: registry.OwnerPerson, ID: "DS0004"}, Type: "food.millet",
			Quantity: 800, Unit: "kg", Area: "NE.DS.D01", Condition: "good", DeclaredValueXOF: 240_000}}))
	deadline := time.Now().AddDate(0, 1, 0).UTC().Truncate(time.Minute)
	n := func(id, areaCode string, at area.Point) need.Need {
		return need.Need{ID: id, Unit: "3e bataillon", Type: "vehicle.truck", Quantity: 1, Area: areaCode, Point: &at, Deadline: deadline,
			Priority: 3, Justification: "transport", LegalBasis: "Décret 2026-114"}
	}
	_, err := db.FileNeeds(ctx, []need.Need{n("N-DS-1", "NE.DS", ds), n("N-DF-1", "NE.DF", df), n("N-DS-CANCEL", "NE.DS", ds)}, "seed")
	must(err)
	opt := allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight}
	sp, _, err := db.Propose(ctx, "NE.DS", []string{"N-DS-1"}, "niger.officer", opt)
	must(err)
	f.proposalDS = sp.ID
	sp, _, err = db.Propose(ctx, "NE.DF", nil, "niger.officer", opt)
	must(err)
	f.proposalDF = sp.ID

	must(db.CreateAuthority(ctx, sqlstore.Authority{Code: "NE-MOB", Name: "Direction générale de la mobilisation", Area: "NE"}))
	key, priv := trust.GenerateKey("NE-MOB", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	must(db.AddKey(ctx, key, priv))
	callUp := func(nid string) order.Order {
		return order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: nid},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne"}, Deadline: deadline,
			LegalBasis: "Loi 2026-01", Authority: "NE-MOB", Reason: "renfort"}
	}
	drafts, err := db.DraftOrders(ctx, []order.Order{callUp("DS0001")}, order.Actor{Role: auth.Officer, Name: "dosso.officer"})
	must(err)
	f.draftDS = drafts[0].Code
	drafts, err = db.DraftOrders(ctx, []order.Order{callUp("DS0002"), callUp("DF0001")}, order.Actor{Role: auth.Officer, Name: "niger.officer"})
	must(err)
	_, err = db.ApproveOrders(ctx, []string{drafts[0].ID, drafts[1].ID}, order.Actor{Role: auth.Approver, Name: "niger.approver"}, db.AddresseeRef)
	must(err)
	f.issuedDS, f.issuedDF = drafts[0].Code, drafts[1].Code
	f.handedDS, f.claimedDS, f.appealedDS = f.seedLifecycle(t, deadline)

	for _, u := range testUsers {
		_, err := db.CreateUser(ctx, u, testHash())
		must(err)
	}
	skey, _, err := tlog.GenerateLogKey("muster.test/log")
	must(err)
	signer, err := note.NewSigner(skey)
	must(err)
	f.h = New(db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LogSigner: signer, LoginRate: rate.Inf})
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

// seedLifecycle issues three orders in Dosso and takes them along their
// lifecycle: a requisition of a generator handed over, a claim, and an appeal
// of a claim that niger.reviewer rejected.
func (f *fixture) seedLifecycle(t *testing.T, deadline time.Time) (handed, claimed, appealed order.Code) {
	t.Helper()
	ctx, db := context.Background(), f.db
	officer := order.Actor{Role: auth.Officer, Name: "niger.officer"}
	requisition := order.Order{Kind: order.Requisition, Addressee: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-DS-GEN"},
		Items: []order.Item{{Type: "equipment.generator", Quantity: 1, Unit: "unit", ResourceIDs: []string{"G-DS1"}}},
		Place: order.Place{Text: "Base de Dosso", Area: "NE.DS"}, Deadline: deadline, LegalBasis: "Décret 2026-114",
		Authority: "NE-MOB", Reason: "transport"}
	callUp := func(nid string) order.Order {
		return order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: nid},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne"}, Deadline: deadline,
			LegalBasis: "Loi 2026-01", Authority: "NE-MOB", Reason: "renfort"}
	}
	drafts, err := db.DraftOrders(ctx, []order.Order{requisition, callUp("DS0003"), callUp("DS0005")}, officer)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{drafts[0].ID, drafts[1].ID, drafts[2].ID}
	if _, err := db.ApproveOrders(ctx, ids, order.Actor{Role: auth.Approver, Name: "niger.approver"}, db.AddresseeRef); err != nil {
		t.Fatal(err)
	}
	board := order.Actor{Role: auth.Reviewer, Name: "niger.reviewer"}
	for i, changes := range [][]sqlstore.Change{
		{{Event: order.EventNotify, Actor: officer}, {Event: order.EventFulfil, Actor: officer, Condition: "good"}},
		{{Event: order.EventNotify, Actor: order.SystemActor},
			{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "medical", Note: "Certificat du médecin de Dosso"}},
		{{Event: order.EventNotify, Actor: order.SystemActor}, {Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "student"},
			{Event: order.EventRejectClaim, Actor: board, Note: "Pas d'inscription en cours"}, {Event: order.EventAppeal, Actor: order.AddresseeActor}},
	} {
		for _, c := range changes {
			if _, err := db.ApplyOrderEvent(ctx, ids[i], "", c); err != nil {
				t.Fatalf("order %d, %s: %v", i, c.Event, err)
			}
		}
	}
	return drafts[0].Code, drafts[1].Code, drafts[2].Code
}

// client is a browser of one user: a cookie jar and the CSRF token of
// the session.
type client struct {
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// as returns the logged-in client of user name ("" for an anonymous one).
func (f *fixture) as(t *testing.T, name string) *client {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[name]; ok {
		return c
	}
	jar, _ := cookiejar.New(nil)
	c := &client{http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if name != "" {
		res := f.post(t, c, "/o/login", url.Values{"name": {name}, "password": {testPassword}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("login %s: %d\n%s", name, res.status, res.body)
		}
		page := f.get(t, c, "/o/login")
		m := csrfField.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no CSRF token on the page of %s:\n%s", name, page.body)
		}
		c.csrf = html.UnescapeString(m[1])
	}
	f.clients[name] = c
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) get(t *testing.T, c *client, path string) response {
	t.Helper()
	return f.do(t, c, "GET", path, nil)
}

// post sends a form; the client's CSRF token is added unless the form
// has one.
func (f *fixture) post(t *testing.T, c *client, path string, form url.Values) response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	return f.do(t, c, "POST", path, form)
}

func (f *fixture) do(t *testing.T, c *client, method, path string, form url.Values) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// text is the page's text without its markup, spaces folded, for
// checking what a reader sees.
func (r response) text() string {
	s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(r.body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}
