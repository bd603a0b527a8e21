package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/sqlstore"
)

// TestAPI runs the API's tests against one seeded database per engine:
// users are created (and argon2-hashed) once, not per test.
func TestAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			name string
			test func(*testing.T, *fixture)
		}{
			{"Login", testLogin},
			{"LoginFailure", testLoginFailure},
			{"LoginBadBody", testLoginBadBody},
			{"BearerRequired", testBearerRequired},
			{"Logout", testLogout},
			{"Jurisdiction", testJurisdiction},
			{"Roles", testRoles},
			{"Needs", testNeeds},
			{"Forces", testForces},
			{"LogRoutes", testLogRoutes},
			{"Areas", testAreasRoutes},
			{"Paging", testPaging},
			{"Filters", testFilters},
			{"BadParameters", testBadParameters},
			{"AccessLog", testAccessLog},
			{"Metrics", testMetrics},
			{"Healthz", testHealthz},
			{"NotFoundAndMethod", testNotFoundAndMethod},
			{"SecurityHeaders", testSecurityHeaders},
			// Last: it reads the logs every test above wrote.
			{"NoPersonalDataInLogs", testNoPersonalDataInLogs},
		} {
			t.Run(tc.name, func(t *testing.T) { tc.test(t, f) })
		}
	})
}

func testLogin(t *testing.T, f *fixture) {
	res := f.do(t, "POST", "/api/v1/login", "", `{"name":"dosso.registrar","password":"`+testPassword+`"}`)
	if res.status != http.StatusOK {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	var out loginResponse
	res.decode(t, &out)
	want := auth.User{Name: dosso, Role: auth.Registrar, Area: "NE.DS"}
	if out.Token == "" || out.User != want {
		t.Errorf("login = %+v, want a token and user %+v", out, want)
	}
	if !out.ExpiresAt.Equal(f.now.Add(DefaultSessionTTL)) {
		t.Errorf("expires_at = %v, want %v", out.ExpiresAt, f.now.Add(DefaultSessionTTL))
	}
	me := f.do(t, "GET", "/api/v1/me", "raw:Bearer "+out.Token, "")
	var got map[string]any
	me.decode(t, &got)
	if me.status != http.StatusOK || got["name"] != dosso || got["role"] != "registrar" || got["area"] != "NE.DS" || len(got) != 3 {
		t.Errorf("me = %d %s", me.status, me.body)
	}
}

func testLoginFailure(t *testing.T, f *fixture) {
	wrongPassword := f.do(t, "POST", "/api/v1/login", "", `{"name":"dosso.registrar","password":"not the password at all"}`)
	unknownName := f.do(t, "POST", "/api/v1/login", "", `{"name":"nobody.here","password":"`+testPassword+`"}`)
	for _, res := range []response{wrongPassword, unknownName} {
		if res.status != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", res.status)
		}
		if code, _ := res.errorOf(t); code != "unauthorized" {
			t.Errorf("code = %q", code)
		}
	}
	if string(wrongPassword.body) != string(unknownName.body) {
		t.Errorf("bodies differ, telling whether the name exists:\n%s\n%s", wrongPassword.body, unknownName.body)
	}
}

func testLoginBadBody(t *testing.T, f *fixture) {
	for _, tc := range []struct{ name, body, want string }{
		{"empty", "", "empty"},
		{"truncated", `{"name":"a"`, "truncated"},
		{"syntax", `{"name" "a"}`, "malformed JSON at byte"},
		{"unknown field", `{"name":"a","password":"b","role":"admin"}`, `unknown field "role"`},
		{"wrong type", `{"name":1,"password":"b"}`, "field name must be a string"},
		{"not an object", `["a","b"]`, "must be a JSON object"},
		{"trailing data", `{"name":"a","password":"b"} {}`, "more after"},
		{"too large", `{"name":"` + strings.Repeat("a", maxBodyBytes) + `","password":"b"}`, "larger than"},
		{"missing password", `{"name":"dosso.registrar"}`, "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, "POST", "/api/v1/login", "", tc.body)
			code, msg := res.errorOf(t)
			if res.status != http.StatusBadRequest || code != "invalid" || !strings.Contains(msg, tc.want) {
				t.Errorf("= %d %s %q, want 400 invalid mentioning %q", res.status, code, msg, tc.want)
			}
		})
	}
}

func testBearerRequired(t *testing.T, f *fixture) {
	for _, tc := range []struct{ name, auth string }{
		{"none", ""},
		{"basic", "raw:Basic ZG9zc286cGFzc3dvcmQ="},
		{"empty bearer", "raw:Bearer "},
		{"unknown token", "raw:Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, "GET", "/api/v1/persons", tc.auth, "")
			if code, _ := res.errorOf(t); res.status != http.StatusUnauthorized || code != "unauthorized" {
				t.Errorf("= %d %s, want 401 unauthorized", res.status, code)
			}
			if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", res.header.Get("WWW-Authenticate"))
			}
		})
	}
	// The scheme is case-insensitive (RFC 9110 §11.1).
	if res := f.do(t, "GET", "/api/v1/me", "raw:bearer "+f.tokens[dosso], ""); res.status != http.StatusOK {
		t.Errorf("lower-case bearer: %d", res.status)
	}
}

func testLogout(t *testing.T, f *fixture) {
	tok := f.login(t, diffa)
	if res := f.do(t, "POST", "/api/v1/logout", "raw:Bearer "+tok, ""); res.status != http.StatusNoContent {
		t.Fatalf("logout = %d %s", res.status, res.body)
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/persons"} {
		if res := f.do(t, "GET", path, "raw:Bearer "+tok, ""); res.status != http.StatusUnauthorized {
			t.Errorf("%s after logout = %d, want 401", path, res.status)
		}
	}
	// Other sessions of the same user live on.
	if res := f.do(t, "GET", "/api/v1/me", diffa, ""); res.status != http.StatusOK {
		t.Errorf("other session after logout = %d", res.status)
	}
}

func testJurisdiction(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		user, path string
		status     int
		code       string
	}{
		{dosso, "/api/v1/persons/DS0003", 200, ""},
		{dosso, "/api/v1/persons/DF0001", 404, "not_found"},
		{diffa, "/api/v1/persons/DF0001", 200, ""},
		{diffa, "/api/v1/persons/DS0003", 404, "not_found"},
		{dosso, "/api/v1/persons?area=NE.DF", 403, "forbidden"},
		{dosso, "/api/v1/persons?area=NE", 403, "forbidden"},
		{dosso, "/api/v1/persons?area=NE.XX", 400, "invalid"},
		{dosso, "/api/v1/organisations/ORG-DF1", 404, "not_found"},
		{dosso, "/api/v1/organisations?area=NE.DF", 403, "forbidden"},
		{dosso, "/api/v1/resources/RES-DF1", 404, "not_found"},
		{dosso, "/api/v1/resources?area=NE.DF", 403, "forbidden"},
		{dosso, "/api/v1/areas/NE.DF", 404, "not_found"},
		{dosso, "/api/v1/areas/NE", 404, "not_found"},
		{dosso, "/api/v1/areas/NE.NOPE", 404, "not_found"},
	} {
		res := f.do(t, "GET", tc.path, tc.user, "")
		if res.status != tc.status {
			t.Errorf("%s GET %s = %d, want %d (%s)", tc.user, tc.path, res.status, tc.status, res.body)
			continue
		}
		if tc.code != "" {
			if code, _ := res.errorOf(t); code != tc.code {
				t.Errorf("%s GET %s: code %s, want %s", tc.user, tc.path, code, tc.code)
			}
		}
	}
	// Nothing of Diffa in Dosso's listings.
	for _, path := range []string{"/api/v1/persons?limit=1000", "/api/v1/organisations", "/api/v1/resources", "/api/v1/areas"} {
		ids, _ := f.do(t, "GET", path, dosso, "").ids(t)
		if len(ids) == 0 {
			t.Errorf("%s: empty for Dosso", path)
		}
		for _, id := range ids {
			if strings.HasPrefix(id, "DF") || strings.HasSuffix(id, "-DF1") || id == "NE.DF" || id == "NE" {
				t.Errorf("%s: Dosso sees %s", path, id)
			}
		}
	}
}

func testRoles(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		user, path string
		status     int
	}{
		{auditor, "/api/v1/persons", 403},
		{auditor, "/api/v1/persons/DS0003", 403},
		{auditor, "/api/v1/resources", 403},
		{auditor, "/api/v1/organisations", 200},
		{auditor, "/api/v1/areas", 200},
		{admin, "/api/v1/persons", 403},
		{admin, "/api/v1/organisations", 403},
		{admin, "/api/v1/areas", 200},
		{admin, "/api/v1/me", 200},
	} {
		res := f.do(t, "GET", tc.path, tc.user, "")
		if res.status != tc.status {
			t.Errorf("%s GET %s = %d, want %d", tc.user, tc.path, res.status, tc.status)
		}
		if tc.status == 403 {
			if code, msg := res.errorOf(t); code != "forbidden" || !strings.Contains(msg, "may not") {
				t.Errorf("%s GET %s: %s %q", tc.user, tc.path, code, msg)
			}
		}
	}
	ids, _ := f.do(t, "GET", "/api/v1/organisations", auditor, "").ids(t)
	if len(ids) != len(testOrgs) {
		t.Errorf("auditor of NE sees %v, want every organisation", ids)
	}
}

func testAreasRoutes(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		user, query string
		want        []string
	}{
		{dosso, "", []string{"NE.DS", "NE.DS.D01"}},
		{auditor, "", []string{"NE", "NE.DF", "NE.DS", "NE.DS.D01"}},
		{auditor, "?level=region", []string{"NE.DF", "NE.DS"}},
		{auditor, "?parent=NE.DS", []string{"NE.DS.D01"}},
		{dosso, "?parent=NE", []string{"NE.DS"}},
	} {
		ids, next := f.do(t, "GET", "/api/v1/areas"+tc.query, tc.user, "").ids(t)
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) || next != "" {
			t.Errorf("%s areas%s = %v next %q, want %v", tc.user, tc.query, ids, next, tc.want)
		}
	}
	res := f.do(t, "GET", "/api/v1/areas", dosso, "")
	if strings.Contains(string(res.body), "geometry") {
		t.Error("area listing carries geometries")
	}
	var a map[string]any
	f.do(t, "GET", "/api/v1/areas/NE.DS", dosso, "").decode(t, &a)
	if g, _ := a["geometry"].(map[string]any); g == nil || g["type"] != "Polygon" || a["population"] != float64(2037713) {
		t.Errorf("area NE.DS = %v", a)
	}
}

func testHealthz(t *testing.T, f *fixture) {
	res := f.do(t, "GET", "/healthz", "", "")
	if res.status != http.StatusOK || strings.TrimSpace(string(res.body)) != `{"status":"ok"}` {
		t.Errorf("healthz = %d %s", res.status, res.body)
	}
}

func testNoPersonalDataInLogs(t *testing.T, f *fixture) {
	logs := f.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/persons/{national_id}"`) {
		t.Fatal("sanity: the log does not show the requests of the tests above")
	}
	for _, p := range testPersons() {
		for _, secret := range []string{p.NationalID, p.FamilyName, p.GivenName, p.Phone} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds personal data %q", secret)
			}
		}
	}
}
