package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster/need"
	"golang.org/x/mod/sumdb/note"

	"golang.org/x/time/rate"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
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

var testUsers = []auth.User{
	{Name: "dosso.registrar", Role: auth.Registrar, Area: "NE.DS"},
	{Name: "diffa.registrar", Role: auth.Registrar, Area: "NE.DF"},
	{Name: "niger.auditor", Role: auth.Auditor, Area: "NE"},
	{Name: "niger.admin", Role: auth.Admin, Area: "NE"},
	// The roles of the orders routes, for the whole country and for Dosso.
	{Name: "niger.officer", Role: auth.Officer, Area: "NE"},
	{Name: "niger.approver", Role: auth.Approver, Area: "NE"},
	{Name: "niger.reviewer", Role: auth.Reviewer, Area: "NE"},
	{Name: "niger.treasurer", Role: auth.Treasurer, Area: "NE"},
	{Name: "dosso.officer", Role: auth.Officer, Area: "NE.DS"},
	{Name: "dosso.approver", Role: auth.Approver, Area: "NE.DS"},
	{Name: "dosso.reviewer", Role: auth.Reviewer, Area: "NE.DS"},
	{Name: "niger.requester", Role: auth.Requester, Area: "NE"},
	{Name: "dosso.requester", Role: auth.Requester, Area: "NE.DS"},
}

const (
	dosso   = "dosso.registrar"
	diffa   = "diffa.registrar"
	auditor = "niger.auditor"
	admin   = "niger.admin"

	nigerOfficer   = "niger.officer"
	nigerTreasurer = "niger.treasurer"
	dossoOfficer   = "dosso.officer"
	dossoApprover  = "dosso.approver"
	dossoReviewer  = "dosso.reviewer"
	dossoRequester = "dosso.requester"
)

var dossoGeometry = json.RawMessage(`{"type":"Polygon","coordinates":[[[2.5,11.8],[4.5,11.8],[4.5,14.5],[2.5,14.5],[2.5,11.8]]]}`)

var testAreas = []area.Area{
	{Code: "NE", Name: "Niger", Level: "country"},
	{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE", Label: &area.Point{Lat: 12.8, Lon: 3.5}, Population: 2037713, Geometry: dossoGeometry},
	{Code: "NE.DS.D01", Name: "Dosso D01", Level: "department", Parent: "NE.DS"},
	{Code: "NE.DF", Name: "Diffa", Level: "region", Parent: "NE"},
}

// dossoPersons is how many persons live in Dosso: DS0000 to DS0024.
const dossoPersons = 25

// testPersons returns the seeded persons: 25 in Dosso (DS0000...), with
// statuses cycling civilian, reservist, active, retired; even ones drive
// and live in NE.DS.D01; multiples of 3 are nurses. Two live in Diffa.
func testPersons() []registry.Person {
	var out []registry.Person
	statuses := []registry.Status{registry.Civilian, registry.Reservist, registry.Active, registry.Retired}
	ranks := []string{"", "sergeant", "captain", "major"}
	mk := func(nid, areaCode string, i int) registry.Person {
		p := registry.Person{NationalID: nid, GivenName: "Prénom" + nid, FamilyName: "Famille" + nid, Sex: registry.Female,
			BirthDate: time.Date(1980+i%20, 3, 1+i, 0, 0, 0, 0, time.UTC), Phone: fmt.Sprintf("+2279%07d", 1000000+i),
			Area: areaCode, Status: statuses[i%4], Rank: ranks[i%4]}
		if i%2 == 0 {
			p.Skills = append(p.Skills, "driver")
		}
		if i%3 == 0 {
			p.Skills = append(p.Skills, "nurse")
		}
		return p
	}
	for i := range dossoPersons {
		a := "NE.DS"
		if i%2 == 0 {
			a = "NE.DS.D01"
		}
		out = append(out, mk(fmt.Sprintf("DS%04d", i), a, i))
	}
	out = append(out, mk("DF0001", "NE.DF", 1), mk("DF0002", "NE.DF", 2))
	return out
}

var testOrgs = []registry.Organisation{
	{OrgID: "ORG-DS1", Name: "Clinique de Dosso", Kind: "clinic", Area: "NE.DS", Protected: true, ProtectedReason: "health"},
	{OrgID: "ORG-DS2", Name: "Transports du Dallol", Kind: "transporter", Area: "NE.DS.D01"},
	{OrgID: "ORG-DF1", Name: "Société du Manga", Kind: "company", Area: "NE.DF"},
}

var testResources = []registry.Resource{
	{ResourceID: "RES-DS1", Owner: registry.Owner{Kind: registry.OwnerPerson, ID: "DS0000"}, Type: "vehicle.pickup",
		Quantity: 1, Unit: "unit", Area: "NE.DS.D01", Location: &area.Point{Lat: 13.05, Lon: 3.2}, Condition: "good", DeclaredValueXOF: 9_000_000},
	{ResourceID: "RES-DS2", Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-DS2"}, Type: "fuel.diesel",
		Quantity: 5000, Unit: "l", Area: "NE.DS", DeclaredValueXOF: 3_500_000},
	{ResourceID: "RES-DF1", Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-DF1"}, Type: "vehicle.truck",
		Quantity: 2, Unit: "unit", Area: "NE.DF", DeclaredValueXOF: 40_000_000},
}

// fixture is a seeded database behind a running API, with every test user
// logged in.
type fixture struct {
	db     *sqlstore.DB
	api    *Server
	srv    *httptest.Server
	logs   *syncBuffer
	now    time.Time
	tokens map[string]string // by user name

	logSigner   note.Signer
	logVerifier note.Verifier
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if err := db.SaveAreas(ctx, testAreas); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPersons(ctx, testPersons()); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertOrganisations(ctx, testOrgs); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertResources(ctx, testResources); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FileNeeds(ctx, []need.Need{{ID: "N-DS-1", Unit: "3e bataillon", Type: "vehicle.truck", Quantity: 2,
		Area: "NE.DS", Deadline: time.Now().AddDate(1, 0, 0), Priority: 3, Justification: "transport",
		LegalBasis: "Décret 2026-114"}}, "seed"); err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		if _, err := db.CreateUser(ctx, u, testHash()); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{db: db, logs: &syncBuffer{}, now: time.Now().UTC().Truncate(time.Second), tokens: map[string]string{}}
	f.logSigner, f.logVerifier = seedLog(t, db)
	f.api = New(db, Options{
		Logger:    slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       func() time.Time { return f.now },
		LogSigner: f.logSigner,
	})
	// Every test here logs in from 127.0.0.1; the limit has its own test.
	f.api.logins = newIPLimiter(rate.Inf, 0)
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	for _, u := range testUsers {
		f.tokens[u.Name] = f.login(t, u.Name)
	}
	return f
}

func (f *fixture) login(t *testing.T, name string) string {
	t.Helper()
	res := f.do(t, "POST", "/api/v1/login", "", fmt.Sprintf(`{"name":%q,"password":%q}`, name, testPassword))
	if res.status != http.StatusOK {
		t.Fatalf("login %s: %d %s", name, res.status, res.body)
	}
	var out loginResponse
	res.decode(t, &out)
	return out.Token
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request as user (a name in f.tokens, "" for none, or
// "raw:<Authorization header>"), with any further headers given as name,
// value pairs.
func (f *fixture) do(t *testing.T, method, path, user, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(user, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(user, "raw:"))
	case user != "":
		tok, ok := f.tokens[user]
		if !ok {
			t.Fatalf("no token for %s", user)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return doRequest(t, f.srv.Client(), req)
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", r.status, err, r.body)
	}
}

// errorOf checks that r is a JSON error body and returns its code and message.
func (r response) errorOf(t *testing.T) (code, message string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("error Content-Type = %q", ct)
	}
	var e errorBody
	r.decode(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body without code or message: %s", r.body)
	}
	return e.Error.Code, e.Error.Message
}

// ids lists the natural keys of a page of persons, organisations or resources.
func (r response) ids(t *testing.T) (ids []string, next string) {
	t.Helper()
	var p struct {
		Items []map[string]any `json:"items"`
		Next  *string          `json:"next"`
	}
	r.decode(t, &p)
	if p.Items == nil || p.Next == nil {
		t.Fatalf("not a page: %s", r.body)
	}
	for _, it := range p.Items {
		for _, k := range []string{"national_id", "org_id", "resource_id", "code"} {
			if v, ok := it[k].(string); ok {
				ids = append(ids, v)
				break
			}
		}
	}
	return ids, *p.Next
}

// syncBuffer is a bytes.Buffer that handlers may write concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// doRequest does req with client and reads the whole response.
func doRequest(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}
