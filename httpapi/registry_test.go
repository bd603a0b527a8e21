package httpapi

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

func testPaging(t *testing.T, f *fixture) {
	for _, limit := range []int{1, 7, 10, 25, 1000} {
		var all []string
		pages := 0
		path := fmt.Sprintf("/api/v1/persons?limit=%d", limit)
		for {
			res := f.do(t, "GET", path, dosso, "")
			if res.status != http.StatusOK {
				t.Fatalf("GET %s = %d %s", path, res.status, res.body)
			}
			ids, next := res.ids(t)
			pages++
			if len(ids) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(ids))
			}
			all = append(all, ids...)
			if next == "" {
				break
			}
			if pages > dossoPersons {
				t.Fatal("paging does not end")
			}
			path = fmt.Sprintf("/api/v1/persons?limit=%d&after=%s", limit, next)
		}
		if want := (dossoPersons + limit - 1) / limit; pages != want {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
		}
		sorted := slices.Clone(all)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != dossoPersons || len(all) != dossoPersons {
			t.Errorf("limit %d: paging saw %d persons (%d distinct), want %d", limit, len(all), len(slices.Compact(sorted)), dossoPersons)
		}
	}
	// The cursor keeps the filters' meaning: page through reservists only.
	var reservists []string
	path := "/api/v1/persons?status=reservist&limit=2"
	for range 10 {
		ids, next := f.do(t, "GET", path, dosso, "").ids(t)
		reservists = append(reservists, ids...)
		if next == "" {
			break
		}
		path = "/api/v1/persons?status=reservist&limit=2&after=" + next
	}
	if len(reservists) != 6 {
		t.Errorf("paged reservists = %v, want 6", reservists)
	}
}

// dossoWhere lists the national IDs of Dosso's persons that match keep.
func dossoWhere(keep func(registry.Person) bool) []string {
	var out []string
	for _, p := range testPersons() {
		if strings.HasPrefix(p.NationalID, "DS") && keep(p) {
			out = append(out, p.NationalID)
		}
	}
	return out
}

func testFilters(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/api/v1/persons?status=reservist", dossoWhere(func(p registry.Person) bool { return p.Status == registry.Reservist })},
		{"/api/v1/persons?skill=nurse", dossoWhere(func(p registry.Person) bool { return slices.Contains(p.Skills, "nurse") })},
		{"/api/v1/persons?area=NE.DS.D01&limit=1000", dossoWhere(func(p registry.Person) bool { return p.Area == "NE.DS.D01" })},
		{"/api/v1/persons?status=active&skill=driver", dossoWhere(func(p registry.Person) bool {
			return p.Status == registry.Active && slices.Contains(p.Skills, "driver")
		})},
		{"/api/v1/persons?national_id=DS0003", []string{"DS0003"}},
		{"/api/v1/persons?national_id=DF0001", nil},
		{"/api/v1/organisations?kind=clinic", []string{"ORG-DS1"}},
		{"/api/v1/organisations?protected=true", []string{"ORG-DS1"}},
		{"/api/v1/organisations?protected=false", []string{"ORG-DS2"}},
		{"/api/v1/organisations?area=NE.DS.D01", []string{"ORG-DS2"}},
		{"/api/v1/resources?type=vehicle", []string{"RES-DS1"}},
		{"/api/v1/resources?type=fuel.diesel", []string{"RES-DS2"}},
		{"/api/v1/resources?owner=org:ORG-DS2", []string{"RES-DS2"}},
		{"/api/v1/resources?owner=person:DS0000", []string{"RES-DS1"}},
		{"/api/v1/resources?owner=org:ORG-DF1", nil},
		{"/api/v1/resources?area=NE.DS.D01", []string{"RES-DS1"}},
	} {
		res := f.do(t, "GET", tc.path, dosso, "")
		if res.status != http.StatusOK {
			t.Errorf("GET %s = %d %s", tc.path, res.status, res.body)
			continue
		}
		ids, _ := res.ids(t)
		slices.Sort(ids)
		slices.Sort(tc.want)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("GET %s = %v, want %v", tc.path, ids, tc.want)
		}
	}
	var r registry.Resource
	f.do(t, "GET", "/api/v1/resources/RES-DS1", dosso, "").decode(t, &r)
	if r.Owner.String() != "person:DS0000" || r.Location == nil || r.DeclaredValueXOF != 9_000_000 {
		t.Errorf("resource RES-DS1 = %+v", r)
	}
}

func testBadParameters(t *testing.T, f *fixture) {
	orgCursor := formatCursor("organisations", 3)
	for _, tc := range []struct{ path, want string }{
		{"/api/v1/persons?limit=0", "limit"},
		{"/api/v1/persons?limit=ten", "limit"},
		{"/api/v1/persons?limit=1001", "limit"},
		{"/api/v1/persons?status=general", "status"},
		{"/api/v1/persons?skill=Bad%20Skill", "skill"},
		{"/api/v1/persons?national_id=x", "national_id"},
		{"/api/v1/persons?after=not-a-cursor!", "after"},
		{"/api/v1/persons?after=" + orgCursor, "after"},
		{"/api/v1/persons?area=NE.XX", "area"},
		{"/api/v1/persons?colour=red", `unknown query parameter "colour"`},
		{"/api/v1/persons?status=active&status=retired", "status is given 2 times"},
		{"/api/v1/persons?a=%zz", "malformed query"},
		{"/api/v1/persons/x", "national_id"},
		{"/api/v1/organisations?protected=maybe", "protected"},
		{"/api/v1/organisations?kind=castle", "kind"},
		{"/api/v1/organisations?limit=-1", "limit"},
		{"/api/v1/resources?owner=car:1", "owner"},
		{"/api/v1/resources?owner=person", "owner"},
		{"/api/v1/resources?type=spaceship", "type"},
		{"/api/v1/areas?parent=bad%20code", "parent"},
		{"/api/v1/me?verbose=1", "takes none"},
	} {
		res := f.do(t, "GET", tc.path, dosso, "")
		code, msg := res.errorOf(t)
		if res.status != http.StatusBadRequest || code != "invalid" || !strings.Contains(msg, tc.want) {
			t.Errorf("GET %s = %d %s %q, want 400 invalid naming %q", tc.path, res.status, code, msg, tc.want)
		}
	}
}

// accessSince returns the access log entries written after the first n,
// oldest first.
func accessSince(t *testing.T, db *sqlstore.DB, n int) []sqlstore.AccessEntry {
	t.Helper()
	all, err := db.AccessLog(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(all)
	return all[n:]
}

func testAccessLog(t *testing.T, f *fixture) {
	nidIndex := func(nid string) string { return hex.EncodeToString(f.db.NationalIDIndex(nid)) }
	_, next := f.do(t, "GET", "/api/v1/persons?limit=20", dosso, "").ids(t)
	after, err := parseCursor("persons", next)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user, path string
		want       []string // "action subject" of each entry the read writes
	}{
		{dosso, "/api/v1/persons/DS0003", []string{"persons.read nid_index=" + nidIndex("DS0003")}},
		{dosso, "/api/v1/persons?status=reservist", []string{"persons.list list status=reservist count=6"}},
		{dosso, "/api/v1/persons?national_id=DS0004&area=NE.DS",
			[]string{"persons.list list area=NE.DS nid_index=" + nidIndex("DS0004") + " count=1"}},
		{dosso, "/api/v1/persons?limit=20&after=" + next, []string{fmt.Sprintf("persons.list list after=%d count=5", after)}},
		{dosso, "/api/v1/resources/RES-DS1", []string{"resources.read resource=RES-DS1 owner_nid_index=" + nidIndex("DS0000")}},
		{dosso, "/api/v1/resources?owner=person:DS0000",
			[]string{"resources.list list owner_nid_index=" + nidIndex("DS0000") + " count=1 person_owned=1"}},
		// Nothing personal returned, nothing recorded.
		{dosso, "/api/v1/resources/RES-DS2", nil},
		{dosso, "/api/v1/persons/DF0001", nil},
		{auditor, "/api/v1/persons/DS0003", nil},
	} {
		before := len(accessSince(t, f.db, 0))
		f.do(t, "GET", tc.path, tc.user, "")
		var got []string
		for _, e := range accessSince(t, f.db, before) {
			if e.User != tc.user {
				t.Errorf("GET %s: entry by %s, want %s", tc.path, e.User, tc.user)
			}
			got = append(got, e.Action+" "+e.Subject)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("GET %s recorded\n %q\nwant\n %q", tc.path, got, tc.want)
		}
	}
	for _, e := range accessSince(t, f.db, 0) {
		for _, p := range testPersons() {
			if strings.Contains(e.Subject, p.NationalID) {
				t.Errorf("access log subject %q holds a national ID", e.Subject)
			}
		}
	}
}
