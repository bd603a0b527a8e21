package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

func testMetrics(t *testing.T, f *fixture) {
	f.do(t, "GET", "/api/v1/persons/DS0003", dosso, "")
	f.do(t, "GET", "/api/v1/persons/DS0099", dosso, "")
	f.do(t, "GET", "/api/v1/no/such/route", "", "")
	res := f.do(t, "GET", "/metrics", "", "")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics = %d %s", res.status, res.header.Get("Content-Type"))
	}
	text := string(res.body)
	for _, want := range []string{
		`muster_http_requests_total{code="200",method="GET",route="/api/v1/persons/{national_id}"}`,
		`muster_http_requests_total{code="404",method="GET",route="/api/v1/persons/{national_id}"}`,
		`muster_http_requests_total{code="200",method="POST",route="/api/v1/login"}`,
		`muster_http_requests_total{code="404",method="GET",route="unmatched"}`,
		`muster_http_request_duration_seconds_bucket{method="GET",route="/api/v1/persons",le="0.1"}`,
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, leak := range []string{"DS0003", "DS0099", "no/such"} {
		if strings.Contains(text, leak) {
			t.Errorf("metrics hold the request path fragment %q", leak)
		}
	}
}

func testNotFoundAndMethod(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/v1/nope", 404, "not_found", ""},
		{"GET", "/nope", 404, "not_found", ""},
		{"GET", "/api/v1/persons/DS0003/extra", 404, "not_found", ""},
		{"DELETE", "/api/v1/persons", 405, CodeMethodNotAllowed, "GET, HEAD"},
		{"GET", "/api/v1/login", 405, CodeMethodNotAllowed, "POST"},
		{"PUT", "/healthz", 405, CodeMethodNotAllowed, "GET, HEAD"},
		{"GET", "/healthz?probe=lb", 200, "", ""},
	} {
		res := f.do(t, tc.method, tc.path, dosso, "")
		var code string
		if tc.code != "" {
			code, _ = res.errorOf(t)
		}
		if res.status != tc.status || code != tc.code || res.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d %s Allow %q, want %d %s Allow %q", tc.method, tc.path,
				res.status, code, res.header.Get("Allow"), tc.status, tc.code, tc.allow)
		}
	}
}

func testSecurityHeaders(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		path       string
		noStore    bool
		jsonOutput bool
	}{
		{"/healthz", false, true},
		{"/metrics", false, false},
		{"/api/v1/persons", true, true},
		{"/api/v1/persons/DF0001", true, true},
		{"/api/v1/openapi.json", true, true},
		{"/api/v1/nope", true, true},
	} {
		res := f.do(t, "GET", tc.path, dosso, "")
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", tc.path, got)
		}
		if got := res.header.Get("Cache-Control"); tc.noStore && got != "no-store" {
			t.Errorf("%s: Cache-Control = %q", tc.path, got)
		}
		if got := res.header.Get("Content-Type"); tc.jsonOutput && got != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type = %q", tc.path, got)
		}
	}
}

// stubStore lets a test replace the store methods it needs; any other
// call panics on the nil embedded Store.
type stubStore struct {
	Store
	ping       func() error
	orgs       func() (sqlstore.Page[registry.Organisation], error)
	org        func() (registry.Organisation, error)
	loggedInAs auth.User
}

func (s stubStore) Ping(context.Context) error { return s.ping() }

func (s stubStore) SessionUser(context.Context, []byte) (auth.User, error) { return s.loggedInAs, nil }

func (s stubStore) ListOrganisations(context.Context, sqlstore.OrganisationFilter) (sqlstore.Page[registry.Organisation], error) {
	return s.orgs()
}

func (s stubStore) Organisation(context.Context, string, string) (registry.Organisation, error) {
	return s.org()
}

func serve(s *Server, method, path, remote, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if remote != "" {
		req.RemoteAddr = remote
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestHealthzUnavailable(t *testing.T) {
	var logs bytes.Buffer
	s := New(stubStore{ping: func() error { return errors.New("dial tcp: connection refused") }},
		Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rec := serve(s, "GET", "/healthz", "", "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"unavailable"`) {
		t.Errorf("healthz with the database down = %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Error("the cause is not logged")
	}
}

func TestInternalErrorsAreGeneric(t *testing.T) {
	var logs bytes.Buffer
	s := New(stubStore{
		loggedInAs: auth.User{ID: 1, Name: "niger.auditor", Role: auth.Auditor, Area: "NE"},
		orgs: func() (sqlstore.Page[registry.Organisation], error) {
			return sqlstore.Page[registry.Organisation]{}, errors.New("relation organisations: secret detail")
		},
		org: func() (registry.Organisation, error) { panic("boom") },
	}, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, path := range []string{"/api/v1/organisations", "/api/v1/organisations/ORG-1"} {
		rec := serve(s, "GET", path, "", "", "Authorization", "Bearer x")
		body := rec.Body.String()
		if rec.Code != 500 || !strings.Contains(body, `"code":"internal"`) || !strings.Contains(body, `"message":"internal error"`) {
			t.Errorf("%s = %d %s", path, rec.Code, body)
		}
		if strings.Contains(body, "secret") || strings.Contains(body, "boom") {
			t.Errorf("%s: the caller sees the detail: %s", path, body)
		}
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("the details are not logged:\n%s", logs.String())
	}
}

func TestLoginRateLimit(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	// No store: a malformed body is refused before it is needed, and the
	// limit is applied before the body is read.
	s := New(nil, Options{Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	login := func(remote string) *httptest.ResponseRecorder {
		return serve(s, "POST", "/api/v1/login", remote, "{")
	}
	for i := range loginBurst {
		if rec := login("192.0.2.7:4000"); rec.Code != http.StatusBadRequest {
			t.Fatalf("attempt %d = %d, want 400 (not limited yet)", i+1, rec.Code)
		}
	}
	rec := login("192.0.2.7:4001")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"code":"rate_limited"`) {
		t.Fatalf("attempt %d = %d %s, want 429 rate_limited", loginBurst+1, rec.Code, rec.Body)
	}
	if ra := rec.Header().Get("Retry-After"); ra != "12" {
		t.Errorf("Retry-After = %q, want 12 (5 a minute)", ra)
	}
	if rec := login("192.0.2.8:4000"); rec.Code != http.StatusBadRequest {
		t.Errorf("another client = %d, want 400", rec.Code)
	}
	// One IPv6 host is one client across its /64.
	for i := range loginBurst {
		login(fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1))
	}
	if rec := login("[2001:db8:1:2::ffff]:4000"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64 = %d, want 429", rec.Code)
	}
	now = now.Add(12 * time.Second)
	if rec := login("192.0.2.7:4000"); rec.Code != http.StatusBadRequest {
		t.Errorf("after waiting = %d, want 400", rec.Code)
	}
}

func TestRoutesTable(t *testing.T) {
	known := append([]auth.Action{"", Authenticated}, auth.Actions...)
	seen := map[string]bool{}
	for _, rt := range New(nil, Options{}).Routes() {
		key := rt.Method + " " + rt.Pattern
		if seen[key] {
			t.Errorf("%s twice", key)
		}
		seen[key] = true
		if rt.Summary == "" {
			t.Errorf("%s has no summary", key)
		}
		if !slices.Contains(known, rt.Action) {
			t.Errorf("%s requires unknown action %q", key, rt.Action)
		}
		if strings.HasPrefix(rt.Pattern, "/api/v1/persons") && rt.Action != auth.ReadPersons {
			t.Errorf("%s reads persons without %s", key, auth.ReadPersons)
		}
	}
}

func TestSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := New(nil, Options{Registry: reg}), New(nil, Options{Registry: reg})
	serve(a, "GET", "/nope", "", "")
	serve(b, "GET", "/nope", "", "")
	rec := serve(a, "GET", "/metrics", "", "")
	if !strings.Contains(rec.Body.String(), `muster_http_requests_total{code="404",method="GET",route="unmatched"} 2`) {
		t.Errorf("two servers on one registry do not share counters:\n%s", rec.Body)
	}
}

func TestCursor(t *testing.T) {
	c := formatCursor("persons", 42)
	if n, err := parseCursor("persons", c); err != nil || n != 42 {
		t.Errorf("round trip = %d, %v", n, err)
	}
	if formatCursor("persons", 0) != "" {
		t.Error("no next page should be an empty cursor")
	}
	for _, bad := range []string{"42", "!!", formatCursor("resources", 42), cursorEncoding.EncodeToString([]byte("persons:-1")),
		cursorEncoding.EncodeToString([]byte("persons:x"))} {
		if _, err := parseCursor("persons", bad); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("parseCursor(%q) = %v, want invalid", bad, err)
		}
	}
}
