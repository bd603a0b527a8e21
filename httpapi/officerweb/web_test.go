package officerweb

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/sqlstore"
)

// needValues is a valid need form, with some fields replaced.
func needValues(over map[string]string) url.Values {
	v := url.Values{"need_id": {"N-WEB-1"}, "unit": {"Protection civile"}, "type": {"vehicle.truck"}, "quantity": {"1"},
		"area": {"NE.DS"}, "deadline": {time.Now().AddDate(0, 0, 10).UTC().Format(deadlineLayout)}, "priority": {"4"},
		"justification": {"Évacuation"}, "legal_basis": {"Décret 2026-114"}}
	for k, s := range over {
		v.Set(k, s)
	}
	return v
}

func TestLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		anon := f.as(t, "")
		res := f.get(t, anon, "/o/needs?state=open")
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/o/login?next="+url.QueryEscape("/o/needs?state=open") {
			t.Fatalf("anonymous visit: %d to %q", res.status, res.header.Get("Location"))
		}
		// A wrong password and an unknown name get the same answer.
		for _, name := range []string{"niger.officer", "nobody"} {
			res := f.post(t, anon, "/o/login", url.Values{"name": {name}, "password": {"wrong password!"}})
			if res.status != http.StatusUnauthorized || !strings.Contains(res.text(), msg(fr, txtLoginWrong)) || !strings.Contains(res.body, `value="`+name+`"`) {
				t.Errorf("bad login as %s: %d\n%s", name, res.status, res.text())
			}
			if res.header.Get("Set-Cookie") != "" {
				t.Errorf("bad login as %s set a cookie", name)
			}
		}
		// A good one goes back to the page asked for, with a session cookie
		// the page's scripts cannot read.
		res = f.post(t, anon, "/o/login", url.Values{"name": {"niger.officer"}, "password": {testPassword}, "next": {"/o/needs?state=open"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/o/needs?state=open" {
			t.Fatalf("login: %d to %q", res.status, res.header.Get("Location"))
		}
		cookie := res.header.Get("Set-Cookie")
		for _, want := range []string{"muster_session=", "Path=/o/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie %q lacks %s", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("session cookie over plain HTTP is Secure: %q", cookie)
		}
		// An outside next is ignored.
		res = f.post(t, f.as(t, "x"[:0]), "/o/login", url.Values{"name": {"niger.officer"}, "password": {testPassword}, "next": {"//evil.example/"}})
		if res.header.Get("Location") != "/o/" {
			t.Errorf("login with an outside next went to %q", res.header.Get("Location"))
		}
		// A login posted from another site is refused.
		req, _ := http.NewRequest("POST", f.srv.URL+"/o/login", strings.NewReader(url.Values{"name": {"niger.officer"}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site login: %v %v", r.StatusCode, err)
		}
		// Logging out ends the session on the server.
		c := f.fresh(t, "niger.officer")
		if res := f.post(t, c, "/o/logout", nil); res.status != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.status)
		}
		if res := f.get(t, c, "/o/"); res.status != http.StatusSeeOther {
			t.Errorf("after logout: %d", res.status)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	db := sqlstore.OpenTest(t, t.TempDir()+"/muster.db")
	f := newFixture(t, db)
	f.h.logins = newIPLimiter(1.0/60, 3)
	anon := f.as(t, "")
	for i := range 4 {
		res := f.post(t, anon, "/o/login", url.Values{"name": {"nobody"}, "password": {"wrong password!"}})
		want := http.StatusUnauthorized
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if res.status != want {
			t.Errorf("attempt %d: %d, want %d", i+1, res.status, want)
		}
	}
}

// TestCSRF: a form without the session's token, or with another
// session's, changes nothing.
func TestCSRF(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		requester := f.as(t, "niger.requester")
		other := f.as(t, "dosso.requester")
		for _, token := range []string{"", "forged", other.csrf} {
			form := needValues(nil)
			form.Set("csrf", token)
			res := f.post(t, requester, "/o/needs", form)
			if res.status != http.StatusForbidden || !strings.Contains(res.text(), msg(fr, txtErrCSRF)) {
				t.Errorf("token %q: %d\n%s", token, res.status, res.text())
			}
		}
		if _, err := db.Need(t.Context(), "N-WEB-1", ""); err == nil {
			t.Error("a need was filed without a valid token")
		}
		if res := f.post(t, requester, "/o/needs", needValues(nil)); res.status != http.StatusSeeOther {
			t.Errorf("with the token: %d\n%s", res.status, res.text())
		}
	})
}

func TestFileNeed(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := f.as(t, "dosso.requester")
		form := f.get(t, c, "/o/needs/new")
		if form.status != http.StatusOK || !regexp.MustCompile(`name="need_id" value="N-\d{8}-[0-9A-Z]{4}"`).MatchString(form.body) {
			t.Fatalf("form: %d\n%s", form.status, form.body)
		}
		// Bad fields are named beside themselves, and what was typed stays.
		bad := needValues(map[string]string{"quantity": "1.5", "deadline": "2001-01-01T08:00", "unit": "", "lat": "95", "lon": "2",
			"justification": "Évacuation <urgente>"})
		res := f.post(t, c, "/o/needs", bad)
		if res.status != http.StatusBadRequest {
			t.Fatalf("bad need: %d", res.status)
		}
		for _, field := range []string{"quantity", "deadline", "unit", "point"} {
			if !strings.Contains(res.text(), msg(fr, text("err_"+field))) {
				t.Errorf("no message for %s:\n%s", field, res.text())
			}
		}
		for _, kept := range []string{`value="1.5"`, `value="95"`, `Évacuation &lt;urgente&gt;</textarea>`, `<option value="vehicle.truck" selected>`} {
			if !strings.Contains(res.body, kept) {
				t.Errorf("the form lost %s", kept)
			}
		}
		if !strings.Contains(res.body, `id="quantity" name="quantity" value="1.5" inputmode="decimal" aria-invalid="true"`) {
			t.Error("the bad quantity is not marked invalid")
		}
		// Both a type and a skill, or neither, is one message beside "what".
		res = f.post(t, c, "/o/needs", needValues(map[string]string{"skill": "driver"}))
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_type")) {
			t.Errorf("type and skill: %d\n%s", res.status, res.text())
		}
		// A good need is filed and shown.
		res = f.post(t, c, "/o/needs", needValues(map[string]string{"quantity": "2", "lat": "13,2", "lon": "3.1"}))
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/o/needs/N-WEB-1?arg=N-WEB-1&done=done_filed" {
			t.Fatalf("filing: %d %q\n%s", res.status, res.header.Get("Location"), res.text())
		}
		n, err := db.Need(t.Context(), "N-WEB-1", "NE.DS")
		if err != nil || n.Quantity != 2 || n.Point == nil || n.Point.Lat != 13.2 || n.FiledBy != "dosso.requester" || n.State != need.Open {
			t.Fatalf("stored need %+v, %v", n, err)
		}
		page := f.get(t, c, res.header.Get("Location"))
		if !strings.Contains(page.text(), "Besoin N-WEB-1 déposé.") {
			t.Errorf("no notice after filing:\n%s", page.text())
		}
		// Filing the id of a need already filled is refused beside the id.
		if _, err := db.CancelNeed(t.Context(), "N-WEB-1", ""); err != nil {
			t.Fatal(err)
		}
		res = f.post(t, c, "/o/needs", needValues(nil))
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_need_taken")) {
			t.Errorf("a taken id: %d\n%s", res.status, res.text())
		}
		// So is the id of a need of another jurisdiction, which stays there.
		res = f.post(t, c, "/o/needs", needValues(map[string]string{"need_id": "N-DF-1"}))
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_need_taken")) {
			t.Errorf("Diffa's need id from Dosso: %d\n%s", res.status, res.text())
		}
		if n, err := db.Need(t.Context(), "N-DF-1", ""); err != nil || n.Area != "NE.DF" {
			t.Errorf("Diffa's need after the attempt: %+v, %v", n, err)
		}
		// Cancelling: only an open need, then the button is gone.
		res = f.post(t, c, "/o/needs/N-DS-CANCEL/cancel", nil)
		if res.status != http.StatusSeeOther {
			t.Fatalf("cancel: %d", res.status)
		}
		if page := f.get(t, c, "/o/needs/N-DS-CANCEL"); strings.Contains(page.body, "/cancel") || !strings.Contains(page.text(), "annulé") {
			t.Errorf("a cancelled need:\n%s", page.text())
		}
		if res := f.post(t, c, "/o/needs/N-DS-CANCEL/cancel", nil); res.status != http.StatusConflict {
			t.Errorf("cancelling twice: %d", res.status)
		}
	})
}

// TestLanguage: French by default, English on request, remembered.
func TestLanguage(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := f.fresh(t, "niger.officer")
		if res := f.get(t, c, "/o/needs"); !strings.Contains(res.body, `<html lang="fr">`) || !strings.Contains(res.text(), "Besoins") {
			t.Errorf("default language:\n%s", res.text())
		}
		res := f.get(t, c, "/o/needs?lang=en")
		if !strings.Contains(res.body, `<html lang="en">`) || !strings.Contains(res.text(), "Requesting unit") ||
			!strings.Contains(res.header.Get("Set-Cookie"), "muster_lang=en") {
			t.Errorf("English:\n%s", res.text())
		}
		if res := f.get(t, c, "/o/orders/"+f.issuedDS.String()); !strings.Contains(res.text(), "Proof of inclusion in the log") {
			t.Errorf("the cookie did not keep English:\n%s", res.text())
		}
		// The switch keeps the page and its filters.
		res = f.get(t, c, "/o/needs?state=open")
		if !strings.Contains(res.body, `href="/o/needs?lang=fr&amp;state=open"`) {
			t.Errorf("no switch back to French on the same page:\n%s", res.body)
		}
		if res := f.get(t, c, "/o/needs?lang=xx"); !strings.Contains(res.body, `<html lang="en">`) {
			t.Error("an unknown language replaced the chosen one")
		}
	})
}

func TestDashboard(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := f.as(t, "niger.officer")
		res := f.get(t, c, "/o/")
		if res.status != http.StatusOK {
			t.Fatalf("dashboard: %d", res.status)
		}
		text := res.text()
		// Niger: Dosso has two open needs, Diffa one; one draft to approve.
		for _, want := range []string{"3 besoins ouverts", "1 ordres à approuver", "Par région", "Dosso", "Diffa", "Objectifs d'effectifs"} {
			if !strings.Contains(text, want) {
				t.Errorf("dashboard lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(res.body, "<svg") || !strings.Contains(res.body, `data-code="NE.DS"`) {
			t.Error("dashboard without its map")
		}
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP %q", csp)
		}
		// The regions' table as CSV with its HXL row.
		res = f.get(t, c, "/o/dashboard.csv")
		rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("CSV: %v\n%s", err, res.body)
		}
		if rows[1][0] != "#adm1+code" || rows[1][2] != "#indicator+needs+open" {
			t.Errorf("HXL row %v", rows[1])
		}
		byCode := map[string][]string{}
		for _, r := range rows[2:] {
			byCode[r[0]] = r
		}
		if byCode["NE.DS"][2] != "2" || byCode["NE.DF"][2] != "1" {
			t.Errorf("CSV rows %v", rows[2:])
		}
		// And as GeoJSON, figures as properties.
		res = f.get(t, c, "/o/dashboard.geojson")
		var fc struct {
			Type     string
			Features []struct {
				ID         string
				Geometry   map[string]any
				Properties map[string]any
			}
		}
		if err := json.Unmarshal([]byte(res.body), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != 2 {
			t.Fatalf("GeoJSON: %v\n%s", err, res.body)
		}
		for _, ft := range fc.Features {
			if ft.Geometry["type"] != "Polygon" || ft.Properties["needs_open"] == nil {
				t.Errorf("feature %s: %v", ft.ID, ft.Properties)
			}
		}
		// A Dosso officer sees Dosso's departments.
		if text := f.get(t, f.as(t, "dosso.officer"), "/o/").text(); !strings.Contains(text, "Par département") || strings.Contains(text, "Diffa") {
			t.Errorf("Dosso's dashboard:\n%s", text)
		}
	})
}
