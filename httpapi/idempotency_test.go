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
	"sync"
	"testing"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

func testIdempotency(t *testing.T, f *fixture) {
	key := []string{"Idempotency-Key", "idem-1"}
	body := draftBody(callUpJSON("DS0017"))
	before := f.countOrders(t)
	first := f.do(t, "POST", "/api/v1/orders", dossoOfficer, body, key...)
	if first.status != http.StatusCreated || first.header.Get(headerReplayed) != "" {
		t.Fatalf("first = %d %q %s", first.status, first.header.Get(headerReplayed), first.body)
	}
	again := f.do(t, "POST", "/api/v1/orders", dossoOfficer, body, key...)
	if again.status != http.StatusCreated || again.header.Get(headerReplayed) != "true" || !bytes.Equal(again.body, first.body) ||
		again.header.Get("Content-Type") != first.header.Get("Content-Type") {
		t.Errorf("retry = %d %q %q\n%s\nwant the first response replayed:\n%s", again.status, again.header.Get(headerReplayed),
			again.header.Get("Content-Type"), again.body, first.body)
	}
	if n := f.countOrders(t); n != before+1 {
		t.Errorf("two requests under one key drafted %d orders, want 1", n-before)
	}
	// Another request under the key: refused, nothing drafted.
	f.do(t, "POST", "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0019")), key...).wantError(t, 422, "conflict", "different request")
	f.do(t, "POST", "/api/v1/orders/approve", dossoOfficer, body, key...).wantError(t, 403, "forbidden", "") // the role first
	if n := f.countOrders(t); n != before+1 {
		t.Errorf("a reused key drafted %d more orders", n-before-1)
	}
	// Keys are per user.
	if res := f.do(t, "POST", "/api/v1/orders", nigerOfficer, body, key...); res.status != 201 || res.header.Get(headerReplayed) != "" {
		t.Errorf("another user's request under the same key = %d %q", res.status, res.header.Get(headerReplayed))
	}

	// The same request many times at once: one runs; the others are told
	// it is running, or get its response.
	race := []string{"Idempotency-Key", "idem-race"}
	raceBody := draftBody(callUpJSON("DS0019"))
	results := make([]response, 6)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = f.do(t, "POST", "/api/v1/orders", dossoOfficer, raceBody, race...) })
	}
	wg.Wait()
	var created []response
	for _, res := range results {
		switch {
		case res.status == 201:
			created = append(created, res)
		case res.status != 409:
			t.Errorf("concurrent duplicate = %d %s", res.status, res.body)
		}
	}
	if n := f.countOrders(t); n != before+3 || len(created) == 0 {
		t.Errorf("concurrent duplicates drafted %d orders, %d answered 201; want 1 order", n-before-2, len(created))
	}
	for _, res := range created[1:] {
		if !bytes.Equal(res.body, created[0].body) {
			t.Errorf("concurrent duplicates answered different orders:\n%s\n%s", res.body, created[0].body)
		}
	}

	// Events: a retried event is recorded once; a refusal is kept too.
	d := first.orders(t, 201)[0]
	path := "/api/v1/orders/" + d.ID + "/events"
	refusal := []string{"Idempotency-Key", "idem-2"}
	no := f.do(t, "POST", path, dossoOfficer, `{"event":"fulfil"}`, refusal...)
	noAgain := f.do(t, "POST", path, dossoOfficer, `{"event":"fulfil"}`, refusal...)
	if no.status != 409 || noAgain.status != 409 || !bytes.Equal(no.body, noAgain.body) || noAgain.header.Get(headerReplayed) != "true" {
		t.Errorf("refused event and its retry = %d %d %q", no.status, noAgain.status, noAgain.header.Get(headerReplayed))
	}
	cancel := []string{"Idempotency-Key", "idem-3"}
	for range 2 {
		if o := f.do(t, "POST", path, dossoOfficer, `{"event":"cancel","note":"doublon"}`, cancel...).order(t, 200); o.State != "cancelled" || o.Seq != 2 {
			t.Errorf("cancel = %+v", o)
		}
	}
	if o := f.do(t, "GET", path[:len(path)-len("/events")], dossoOfficer, "").order(t, 200); len(o.Events) != 2 {
		t.Errorf("a retried event is recorded %d times", len(o.Events)-1)
	}
}

func testIdempotencyKeyHeader(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		name     string
		header   []string
		fragment string
	}{
		{"missing", nil, "needs an Idempotency-Key header"},
		{"empty", []string{"Idempotency-Key", ""}, "needs an Idempotency-Key header"},
		{"twice", []string{"Idempotency-Key", "a", "Idempotency-Key", "b"}, "given 2 times"},
		{"too long", []string{"Idempotency-Key", strings.Repeat("k", 201)}, "longer than 200"},
		{"not ASCII", []string{"Idempotency-Key", "clé"}, "printable ASCII"},
		{"longest", []string{"Idempotency-Key", strings.Repeat("k", 200)}, "request body is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.do(t, "POST", "/api/v1/orders", dossoOfficer, "", tc.header...).wantError(t, 400, "invalid", tc.fragment)
		})
	}
	// Who may call comes first: the key is not even looked at.
	f.do(t, "POST", "/api/v1/orders", "", "").wantError(t, 401, "unauthorized", "")
	f.do(t, "POST", "/api/v1/orders", auditor, "").wantError(t, 403, "forbidden", "")
	// Login and logout take none.
	if res := f.do(t, "POST", "/api/v1/logout", "raw:Bearer "+f.login(t, auditor), ""); res.status != http.StatusNoContent {
		t.Errorf("logout without a key = %d", res.status)
	}
}

func testIdempotencyInProgress(t *testing.T, f *fixture) {
	ctx := context.Background()
	u, _, err := f.db.UserByName(ctx, dossoOfficer)
	if err != nil {
		t.Fatal(err)
	}
	body := draftBody(callUpJSON("DS0021"))
	// A request under the key is running (as another server would hold it).
	r := httptest.NewRequest("POST", "/api/v1/orders", nil)
	if stored, err := f.db.BeginIdempotent(ctx, u.ID, "busy", requestHash(r, []byte(body))); stored != nil || err != nil {
		t.Fatal(stored, err)
	}
	key := []string{"Idempotency-Key", "busy"}
	res := f.do(t, "POST", "/api/v1/orders", dossoOfficer, body, key...)
	res.wantError(t, 409, "conflict", "still running")
	if res.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q", res.header.Get("Retry-After"))
	}
	f.do(t, "POST", "/api/v1/orders", dossoOfficer, draftBody(callUpJSON("DS0023")), key...).wantError(t, 422, "conflict", "")
	// It failed (5xx) and let go of the key: the retry runs.
	if err := f.db.AbandonIdempotent(ctx, u.ID, "busy"); err != nil {
		t.Fatal(err)
	}
	if res := f.do(t, "POST", "/api/v1/orders", dossoOfficer, body, key...); res.status != 201 || res.header.Get(headerReplayed) != "" {
		t.Errorf("after the key was released = %d %s", res.status, res.body)
	}
}

// keyStore is a store that fails to draft and records what happens to
// idempotency keys.
type keyStore struct {
	Store
	mu                 sync.Mutex
	finished, released []string
	fail               func()
}

func (s *keyStore) SessionUser(context.Context, []byte) (auth.User, error) {
	return auth.User{ID: 1, Name: "niger.officer", Role: auth.Officer, Area: "NE"}, nil
}
func (s *keyStore) BeginIdempotent(context.Context, int64, string, []byte) (*sqlstore.StoredResponse, error) {
	return nil, nil
}
func (s *keyStore) FinishIdempotent(_ context.Context, _ int64, key string, status int, _ string, _ []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = append(s.finished, fmt.Sprintf("%s %d", key, status))
	return nil
}
func (s *keyStore) AbandonIdempotent(_ context.Context, _ int64, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = append(s.released, key)
	return nil
}
func (s *keyStore) Authorities(context.Context) ([]sqlstore.Authority, error) {
	return []sqlstore.Authority{{Code: "NE-MOB"}}, nil
}
func (s *keyStore) Person(context.Context, string, string) (registry.Person, error) {
	return registry.Person{}, nil
}
func (s *keyStore) DraftOrders(context.Context, []order.Order, order.Actor) ([]order.Order, error) {
	s.fail()
	return nil, errors.New("database is down")
}

// TestIdempotencyFailures checks that a failure of ours (5xx, panic) lets
// go of the key so that the client may retry, and a refusal (4xx) keeps
// its response.
func TestIdempotencyFailures(t *testing.T) {
	st := &keyStore{fail: func() {}}
	s := New(st, Options{Logger: slog.New(slog.DiscardHandler)})
	post := func(key, body string) *httptest.ResponseRecorder {
		return serve(s, "POST", "/api/v1/orders", "", body, "Authorization", "Bearer x", "Idempotency-Key", key)
	}
	if rec := post("k-500", draftBody(callUpJSON("DS0001"))); rec.Code != 500 {
		t.Errorf("store failure = %d %s", rec.Code, rec.Body)
	}
	st.fail = func() { panic("boom") }
	if rec := post("k-panic", draftBody(callUpJSON("DS0001"))); rec.Code != 500 || !strings.Contains(rec.Body.String(), `"internal"`) {
		t.Errorf("panic = %d %s", rec.Code, rec.Body)
	}
	if rec := post("k-400", `{"orders":[]}`); rec.Code != 400 {
		t.Errorf("bad body = %d", rec.Code)
	}
	if !slices.Equal(st.released, []string{"k-500", "k-panic"}) || !slices.Equal(st.finished, []string{"k-400 400"}) {
		t.Errorf("released %v, finished %v; want the 5xx released and the 4xx kept", st.released, st.finished)
	}
}

// TestIdempotentRoutes checks that every POST under /api/v1 but login and
// logout takes an idempotency key, and that the document says so.
func TestIdempotentRoutes(t *testing.T) {
	s, _, doc := fetchOpenAPI(t)
	for _, rt := range s.routes {
		want := rt.Method == "POST" && strings.HasPrefix(rt.Pattern, apiPrefix) &&
			rt.Pattern != "/api/v1/login" && rt.Pattern != "/api/v1/logout"
		if rt.idempotent != want {
			t.Errorf("%s %s: idempotent %v, want %v", rt.Method, rt.Pattern, rt.idempotent, want)
		}
		if !strings.HasPrefix(rt.Pattern, apiPrefix) {
			continue
		}
		op := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		documented := slices.ContainsFunc(op.Parameters, func(p struct {
			Name     string `json:"name"`
			In       string `json:"in"`
			Required bool   `json:"required"`
		}) bool {
			return p.Name == headerIdempotencyKey && p.In == "header" && p.Required
		})
		_, has422 := op.Responses["422"]
		if documented != want || has422 != want {
			t.Errorf("%s %s: the document has the key header %v and 422 %v, want %v", rt.Method, rt.Pattern, documented, has422, want)
		}
	}
}
