package officerweb

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// TestAllocationReviewApproval runs a round through the pages: an
// allocation run, lines accepted and rejected, orders drafted, the
// two-person rule in the approval queue, approval by another officer, and
// the order's page with its proof of inclusion.
func TestAllocationReviewApproval(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		officer, approver := f.as(t, "niger.officer"), f.as(t, "niger.approver")
		requester := f.as(t, "niger.requester")
		if res := f.post(t, requester, "/o/needs", needValues(map[string]string{"quantity": "2"})); res.status != http.StatusSeeOther {
			t.Fatalf("filing: %d\n%s", res.status, res.text())
		}
		// A scope with no open need matching is said so on the form.
		res := f.post(t, officer, "/o/proposals", url.Values{"scope": {"NE.DS"}, "needs": {"N-NONE"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_no_open_need")) {
			t.Errorf("no open need: %d\n%s", res.status, res.text())
		}
		res = f.post(t, officer, "/o/proposals", url.Values{"scope": {"NE.DS"}, "needs": {"N-WEB-1"}, "max_distance": {"500"}})
		loc := res.header.Get("Location")
		m := regexp.MustCompile(`^/o/proposals/(P-[0-9A-Z]+)\?`).FindStringSubmatch(loc)
		if res.status != http.StatusSeeOther || m == nil {
			t.Fatalf("allocation: %d %q\n%s", res.status, loc, res.text())
		}
		id := m[1]
		page := f.get(t, officer, loc)
		text := page.text()
		// Two of the transporter's three trucks: the need is covered, and
		// policy's exclusions are shown.
		if !strings.Contains(text, "Proposition calculée : 2 lignes.") || !strings.Contains(text, "Écartés par la politique") {
			t.Errorf("proposal page:\n%s", text)
		}
		if got := strings.Count(page.body, `name="line"`); got != 2 {
			t.Errorf("%d lines to tick, want 2", got)
		}
		// Nothing ticked is refused, not taken for "all".
		if res := f.post(t, officer, "/o/proposals/"+id+"/decide", url.Values{"decision": {"accept"}}); res.status != http.StatusBadRequest {
			t.Errorf("deciding nothing: %d", res.status)
		}
		if res := f.post(t, officer, "/o/proposals/"+id+"/decide", url.Values{"decision": {"reject"}, "line": {"2"}}); res.status != http.StatusSeeOther {
			t.Fatalf("reject: %d\n%s", res.status, res.text())
		}
		if res := f.post(t, officer, "/o/proposals/"+id+"/decide", url.Values{"decision": {"accept"}, "line": {"2"}}); res.status != http.StatusConflict {
			t.Errorf("deciding a decided line: %d", res.status)
		}
		res = f.post(t, officer, "/o/proposals/"+id+"/decide", url.Values{"decision": {"accept"}, "all": {"pending"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("accept all: %d", res.status)
		}
		if text := f.get(t, officer, res.header.Get("Location")).text(); !strings.Contains(text, "Lignes acceptées : 1.") {
			t.Errorf("after accepting:\n%s", text)
		}
		// An authority that does not cover the scope is refused.
		if res := f.post(t, officer, "/o/proposals/"+id+"/orders", url.Values{"authority": {"NE-XX"}}); res.status != http.StatusBadRequest {
			t.Errorf("unknown authority: %d", res.status)
		}
		res = f.post(t, officer, "/o/proposals/"+id+"/orders", url.Values{"authority": {"NE-MOB"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("drafting: %d\n%s", res.status, res.text())
		}
		sp, err := db.Proposal(t.Context(), id)
		if err != nil || sp.Lines[0].State != sqlstore.LineDrafted || sp.Lines[0].OrderID == "" {
			t.Fatalf("proposal after drafting: %+v %v", sp.Lines, err)
		}
		drafted, err := db.Order(t.Context(), sp.Lines[0].OrderID, "")
		if err != nil {
			t.Fatal(err)
		}

		// Officers have no approval queue; the approver sees the draft, and
		// the Dosso officer's beside it.
		if res := f.get(t, officer, "/o/approvals"); res.status != http.StatusForbidden {
			t.Errorf("an officer's approval queue: %d", res.status)
		}
		queue := f.get(t, approver, "/o/approvals")
		if !strings.Contains(queue.body, `name="order" value="`+drafted.ID+`"`) || !strings.Contains(queue.text(), "dosso.officer") {
			t.Errorf("queue:\n%s", queue.text())
		}
		// An approver who drafted an order (as an officer, before a change
		// of role) cannot tick it.
		self := order.Actor{Role: auth.Officer, Name: "niger.approver"}
		own, err := db.DraftOrders(t.Context(), []order.Order{{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: "DS0004"},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne"}, Deadline: time.Now().AddDate(0, 0, 9),
			LegalBasis: "Loi 2026-01", Authority: "NE-MOB", Reason: "renfort"}}, self)
		if err != nil {
			t.Fatal(err)
		}
		queue = f.get(t, approver, "/o/approvals")
		if strings.Contains(queue.body, `value="`+own[0].ID+`"`) || !strings.Contains(queue.text(), msg(fr, "drafted_by_you")) ||
			!strings.Contains(queue.body, `<input type="checkbox" disabled`) {
			t.Errorf("own draft in the queue:\n%s", queue.body)
		}
		// Posting it anyway is refused, naming the order.
		res = f.post(t, approver, "/o/approvals", url.Values{"order": {own[0].ID}})
		if res.status != http.StatusConflict || !strings.Contains(res.text(), own[0].Code.String()) {
			t.Errorf("approving one's own draft: %d\n%s", res.status, res.text())
		}
		res = f.post(t, approver, "/o/approvals", url.Values{"order": {drafted.ID}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", res.status, res.text())
		}
		if text := f.get(t, approver, res.header.Get("Location")).text(); !strings.Contains(text, "Ordres approuvés, signés et émis : 1.") {
			t.Errorf("after approving:\n%s", text)
		}
		// The order is issued, in the list and on its page, with its proof.
		list := f.get(t, officer, "/o/orders?state=issued")
		if !strings.Contains(list.body, drafted.Code.String()) {
			t.Errorf("issued orders:\n%s", list.text())
		}
		page = f.get(t, officer, "/o/orders/"+drafted.Code.String())
		text = page.text()
		for _, want := range []string{"émis", "org:ORG-DS", "Vérifiée : la feuille", "niger.approver", "MU1:"} {
			if !strings.Contains(text, want) {
				t.Errorf("order page lacks %q:\n%s", want, text)
			}
		}
		pdf := f.get(t, officer, "/o/orders/"+drafted.Code.String()+"/pdf?lang=ha")
		if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
			t.Errorf("PDF: %d %s", pdf.status, pdf.header.Get("Content-Type"))
		}
	})
}

// TestOrderReadsRecorded: the page of an order addressed to a person shows
// the national ID and records the read; lists show a reference only.
func TestOrderReadsRecorded(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := f.as(t, "niger.reviewer")
		ref := db.AddresseeRef(registry.Owner{Kind: registry.OwnerPerson, ID: "DS0002"})
		if list := f.get(t, c, "/o/orders"); strings.Contains(list.body, "DS0002") || !strings.Contains(list.text(), "personne "+ref) {
			t.Errorf("the orders list names a person:\n%s", list.text())
		}
		before, _ := db.AccessLog(t.Context(), 100)
		page := f.get(t, c, "/o/orders/"+f.issuedDS.String())
		if !strings.Contains(page.text(), "person:DS0002") {
			t.Errorf("order page:\n%s", page.text())
		}
		after, _ := db.AccessLog(t.Context(), 100)
		if len(after) != len(before)+1 || after[0].User != "niger.reviewer" || after[0].Action != "orders.read" ||
			strings.Contains(after[0].Subject, "DS0002") {
			t.Errorf("access log %+v", after[:min(len(after), 2)])
		}
	})
}

// TestPageWeight: list pages of 100 rows stay under 60 KB of HTML.
func TestPageWeight(t *testing.T) {
	db := sqlstore.OpenTest(t, t.TempDir()+"/muster.db")
	f := newFixture(t, db)
	var needs []need.Need
	var drafts []order.Order
	deadline := time.Now().AddDate(0, 1, 0)
	for i := range 120 {
		needs = append(needs, need.Need{ID: fmt.Sprintf("N-W-%04d", i), Unit: "Protection civile de Dosso", Type: "vehicle.truck",
			Quantity: 3, Area: "NE.DS.D01", Deadline: deadline, Priority: 3, Justification: "Évacuation des villages", LegalBasis: "Décret 2026-114"})
		drafts = append(drafts, order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: fmt.Sprintf("DS%04d", i%6)},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne"}, Deadline: deadline,
			LegalBasis: "Loi 2026-01", Authority: "NE-MOB", Reason: "renfort"})
	}
	if _, err := db.FileNeeds(t.Context(), needs, "seed"); err != nil {
		t.Fatal(err)
	}
	var persons []registry.Person
	var resources []registry.Resource
	for i := range 120 {
		persons = append(persons, registry.Person{NationalID: fmt.Sprintf("W%06d", i), GivenName: "Aïchatou Mariama", FamilyName: "Abdoulaye-Issoufou",
			Sex: registry.Female, BirthDate: time.Date(1990, 3, 1, 0, 0, 0, 0, time.UTC), Area: "NE.DS.D01", Status: registry.Reservist,
			Skills: []string{"driver", "mechanic"}, Rank: "sergeant"})
		resources = append(resources, registry.Resource{ResourceID: fmt.Sprintf("R-W-%04d", i), Owner: registry.Owner{Kind: registry.OwnerPerson,
			ID: fmt.Sprintf("W%06d", i)}, Type: "vehicle.motorcycle", Quantity: 1, Unit: "unit", Area: "NE.DS.D01", Condition: "fair",
			DeclaredValueXOF: 450_000})
	}
	if err := db.UpsertPersons(t.Context(), persons); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertResources(t.Context(), resources); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DraftOrders(t.Context(), drafts, order.Actor{Role: auth.Officer, Name: "dosso.officer"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ user, path string }{
		{"niger.officer", "/o/needs"}, {"niger.officer", "/o/orders"}, {"niger.approver", "/o/approvals"},
		{"niger.officer", "/o/persons?search=1"}, {"niger.officer", "/o/resources"},
	} {
		res := f.get(t, f.as(t, p.user), p.path)
		rows := strings.Count(res.body, "<tr")
		t.Logf("%s: %d bytes, %d rows", p.path, len(res.body), rows)
		if res.status != http.StatusOK || rows < 100 {
			t.Errorf("%s: %d with %d rows", p.path, res.status, rows)
		}
		if len(res.body) > 60<<10 {
			t.Errorf("%s weighs %d bytes for %d rows, over 60 KB", p.path, len(res.body), rows)
		}
		if !strings.Contains(res.body, msg(fr, "next_page")) {
			t.Errorf("%s: no next page", p.path)
		}
	}
}

// TestLargeProposalPages: a proposal of 250 lines is reviewed 100 lines
// a page, and deciding lines on page 3 comes back to page 3.
func TestLargeProposalPages(t *testing.T) {
	db := sqlstore.OpenTest(t, t.TempDir()+"/muster.db")
	f := newFixture(t, db)
	var p allocate.Proposal
	for i := range 250 {
		p.Lines = append(p.Lines, allocate.Line{Need: "N-DS-1", Candidate: fmt.Sprintf("R-%03d", i), Owner: "org:ORG-DS", Type: "vehicle.truck",
			Quantity: 1, Cost: allocate.Cost{DistanceKm: float64(i), Total: float64(i)}})
	}
	p.Shortfalls = []allocate.Shortfall{{Need: "N-DS-1", Missing: 3, Reason: allocate.NoCandidate}}
	sp, err := db.SaveProposal(t.Context(), p, "NE.DS", "niger.officer", "v1", "hash", 1, 250)
	if err != nil {
		t.Fatal(err)
	}
	c := f.as(t, "niger.officer")
	page := f.get(t, c, "/o/proposals/"+sp.ID)
	if n := strings.Count(page.body, `name="line"`); n != 100 {
		t.Errorf("first page: %d lines", n)
	}
	if !strings.Contains(page.body, `href="/o/proposals/`+sp.ID+`?page=3"`) || !strings.Contains(page.text(), msg(fr, "reason_no_candidate")) {
		t.Errorf("no page links or no shortfall:\n%s", page.text())
	}
	page = f.get(t, c, "/o/proposals/"+sp.ID+"?page=3")
	if n := strings.Count(page.body, `name="line"`); n != 50 || !strings.Contains(page.body, `value="250"`) {
		t.Errorf("third page: %d lines", n)
	}
	res := f.post(t, c, "/o/proposals/"+sp.ID+"/decide", url.Values{"decision": {"reject"}, "line": {"201", "250"}, "page": {"3"}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/o/proposals/"+sp.ID+"?page=3&") {
		t.Errorf("deciding on page 3: %d %q", res.status, res.header.Get("Location"))
	}
	if n := strings.Count(f.get(t, c, "/o/proposals/"+sp.ID+"?page=3").body, `name="line"`); n != 48 {
		t.Errorf("after rejecting two lines, page 3 has %d to tick", n)
	}
}

func TestNeedsCSVAndNotFound(t *testing.T) {
	db := sqlstore.OpenTest(t, t.TempDir()+"/muster.db")
	f := newFixture(t, db)
	c := f.as(t, "dosso.officer")
	res := f.get(t, c, "/o/needs.csv?state=open")
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != 4 || rows[1][0] != "#meta+id" || rows[2][0] != "N-DS-1" {
		t.Fatalf("needs CSV: %v\n%s", err, res.body)
	}
	if res.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", res.header.Get("Content-Type"))
	}
	// A page that does not exist is the UI's 404, in the UI's language.
	res = f.get(t, c, "/o/nowhere?lang=en")
	if res.status != http.StatusNotFound || !strings.Contains(res.text(), "Not found") {
		t.Errorf("unknown page: %d\n%s", res.status, res.text())
	}
	// Behind TLS the session cookie is Secure.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "https://muster.example/o/login", strings.NewReader(url.Values{"name": {"niger.officer"},
		"password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Set-Cookie"), "Secure") {
		t.Errorf("login over TLS: %d %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
}
