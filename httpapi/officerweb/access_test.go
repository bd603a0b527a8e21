package officerweb

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/sqlstore"
)

// TestAccessMatrix walks the route table: every route for every role,
// and anonymously. A role the route's action is granted to is served
// (200 for a page, no refusal for a form), any other gets the 403 page,
// and an anonymous visitor is sent to the login page. A route added
// without a sample for its path parameters fails here.
func TestAccessMatrix(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		samples := map[string]string{"id": "", "code": f.issuedDS.String()}
		for _, rt := range f.h.Routes() {
			if rt.Method == "POST" && rt.Pattern == "/o/login" {
				continue // public, and its own test
			}
			path := rt.Pattern
			for _, m := range regexp.MustCompile(`\{([a-z$]+)\}`).FindAllStringSubmatch(rt.Pattern, -1) {
				value, ok := samples[m[1]]
				switch {
				case m[1] == "$":
					value, ok = "", true
				case m[1] == "id" && strings.HasPrefix(rt.Pattern, "/o/needs/"):
					value, ok = "N-DS-1", true
					if strings.HasSuffix(rt.Pattern, "/cancel") {
						value = "N-DS-CANCEL"
					}
				case m[1] == "id" && strings.HasPrefix(rt.Pattern, "/o/proposals/"):
					value, ok = f.proposalDS, true
				case m[1] == "id" && strings.HasPrefix(rt.Pattern, "/o/organisations/"):
					value, ok = "ORG-DS", true
				case m[1] == "id" && strings.HasPrefix(rt.Pattern, "/o/resources/"):
					value, ok = "T-DS1", true
				case m[1] == "nid":
					value, ok = "DS0001", true
				case m[1] == "code" && strings.HasSuffix(rt.Pattern, "/receipt"):
					value = f.handedDS.String() // only a requisition handed over has one
				}
				if !ok {
					t.Fatalf("route %s %s: no sample value for {%s}", rt.Method, rt.Pattern, m[1])
				}
				path = strings.Replace(path, m[0], url.PathEscape(value), 1)
			}
			name := rt.Method + " " + rt.Pattern
			// Anonymous.
			res := f.do(t, f.as(t, ""), rt.Method, path, url.Values{})
			if rt.Action == "" {
				if res.status != http.StatusOK {
					t.Errorf("%s anonymously: %d, want 200", name, res.status)
				}
				continue
			}
			if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/o/login") {
				t.Errorf("%s anonymously: %d to %q, want a redirect to the login page", name, res.status, loc)
			}
			for _, role := range auth.Roles {
				user := "niger." + string(role)
				c := f.as(t, user)
				if rt.Pattern == "/o/logout" {
					c = f.fresh(t, user) // logging out ends the session
				}
				allowed := rt.Action == Authenticated || auth.Can(role, rt.Action)
				var res response
				if rt.Method == "POST" {
					res = f.post(t, c, path, nil)
				} else {
					res = f.get(t, c, path)
				}
				loc := res.header.Get("Location")
				switch {
				case allowed && rt.Method == "GET" && res.status != http.StatusOK:
					t.Errorf("%s as %s: %d, want 200\n%s", name, role, res.status, res.text())
				case allowed && (res.status == http.StatusForbidden || res.status == http.StatusUnauthorized ||
					strings.HasPrefix(loc, "/o/login") && rt.Pattern != "/o/logout"):
					t.Errorf("%s as %s: %d %s, want it served", name, role, res.status, loc)
				case !allowed && res.status != http.StatusForbidden:
					t.Errorf("%s as %s: %d, want 403", name, role, res.status)
				case !allowed && !strings.Contains(res.body, msg(fr, txtErrForbidden)):
					t.Errorf("%s as %s: the 403 is not the refusal page:\n%s", name, role, res.text())
				}
			}
		}
	})
}

// msg is the catalog's text k in l, for tests, whose t is the test.
func msg(l lang, k text) string { return t(l, k) }

// fresh logs user in with a new session that is not kept for other tests.
func (f *fixture) fresh(t *testing.T, user string) *client {
	t.Helper()
	f.mu.Lock()
	saved, had := f.clients[user]
	delete(f.clients, user)
	f.mu.Unlock()
	c := f.as(t, user)
	f.mu.Lock()
	if had {
		f.clients[user] = saved
	} else {
		delete(f.clients, user)
	}
	f.mu.Unlock()
	return c
}

// TestJurisdiction: an officer of Dosso does not see what is Diffa's.
// Records outside the jurisdiction are not found, as in the API; asking
// to filter on an area outside it is refused.
func TestJurisdiction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		officer, requester, approver := f.as(t, "dosso.officer"), f.as(t, "dosso.requester"), f.as(t, "dosso.approver")
		for _, c := range []struct {
			who    *client
			method string
			path   string
			want   int
		}{
			{officer, "GET", "/o/needs/N-DF-1", http.StatusNotFound},
			{officer, "GET", "/o/needs/N-DS-1", http.StatusOK},
			{requester, "POST", "/o/needs/N-DF-1/cancel", http.StatusNotFound},
			{officer, "GET", "/o/orders/" + f.issuedDF.String(), http.StatusNotFound},
			{officer, "GET", "/o/orders/" + f.issuedDF.String() + "/pdf", http.StatusNotFound},
			{officer, "GET", "/o/orders/" + f.issuedDS.String(), http.StatusOK},
			{officer, "GET", "/o/proposals/" + f.proposalDF, http.StatusNotFound},
			{officer, "POST", "/o/proposals/" + f.proposalDF + "/decide", http.StatusNotFound},
			{officer, "GET", "/o/proposals/" + f.proposalDS, http.StatusOK},
			{officer, "GET", "/o/needs?area=NE.DF", http.StatusForbidden},
			{officer, "GET", "/o/needs?area=NE.XX", http.StatusBadRequest},
			{officer, "POST", "/o/orders/" + f.issuedDF.String() + "/event", http.StatusNotFound},
			{officer, "GET", "/o/orders/" + f.issuedDF.String() + "/receipt", http.StatusNotFound},
			{officer, "GET", "/o/persons/DF0001", http.StatusNotFound},
			{officer, "GET", "/o/organisations/ORG-DF", http.StatusNotFound},
			{officer, "GET", "/o/resources/T-DF1", http.StatusNotFound},
			{officer, "GET", "/o/persons?area=NE.DF", http.StatusForbidden},
			{officer, "GET", "/o/resources.csv?area=NE.DF", http.StatusForbidden},
			{officer, "GET", "/o/needs.geojson?area=NE.DF", http.StatusForbidden},
		} {
			var res response
			if c.method == "POST" {
				res = f.post(t, c.who, c.path, url.Values{"decision": {"accept"}, "line": {"1"}})
			} else {
				res = f.get(t, c.who, c.path)
			}
			if res.status != c.want {
				t.Errorf("%s %s: %d, want %d\n%s", c.method, c.path, res.status, c.want, res.text())
			}
			if c.want == http.StatusNotFound && strings.Contains(res.text(), "N-DF-1") {
				t.Errorf("%s %s: the 404 page names the record", c.method, c.path)
			}
		}
		// Lists hold only the jurisdiction's records.
		if body := f.get(t, officer, "/o/needs").body; strings.Contains(body, "N-DF-1") || !strings.Contains(body, "N-DS-1") {
			t.Errorf("Dosso's needs list:\n%s", body)
		}
		if body := f.get(t, officer, "/o/orders").body; strings.Contains(body, f.issuedDF.String()) || !strings.Contains(body, f.issuedDS.String()) {
			t.Errorf("Dosso's orders list shows Diffa's order or lacks its own")
		}
		if body := f.get(t, officer, "/o/proposals").body; strings.Contains(body, f.proposalDF) || !strings.Contains(body, f.proposalDS) {
			t.Errorf("Dosso's proposals list shows Diffa's proposal or lacks its own")
		}
		if body := f.get(t, approver, "/o/approvals").body; !strings.Contains(body, f.draftDS.String()) {
			t.Errorf("Dosso's approval queue lacks its draft")
		}
		// Filing a need outside the jurisdiction is a field error.
		res := f.post(t, requester, "/o/needs", needValues(map[string]string{"area": "NE.DF"}))
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_area_outside")) {
			t.Errorf("filing in Diffa from Dosso: %d\n%s", res.status, res.text())
		}
		// A scope outside the jurisdiction is refused to the allocation form.
		res = f.post(t, officer, "/o/proposals", url.Values{"scope": {"NE.DF"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_scope")) {
			t.Errorf("allocating Diffa from Dosso: %d\n%s", res.status, res.text())
		}
	})
}
