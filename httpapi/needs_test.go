package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/need"
)

func needJSON(id, areaCode string, extra string) string {
	deadline := time.Now().AddDate(0, 2, 0).UTC().Format(time.RFC3339)
	return `{"need_id":"` + id + `","unit":"3e bataillon","type":"vehicle.truck","quantity":3,"area":"` + areaCode +
		`","deadline":"` + deadline + `","priority":4,"justification":"transport","legal_basis":"Décret 2026-114"` + extra + `}`
}

func testNeeds(t *testing.T, f *fixture) {
	key := func(k string) []string { return []string{"Idempotency-Key", k} }
	body := `{"needs":[` + needJSON("API-N1", "NE.DS.D01", `,"point":{"lat":13.1,"lon":3.2}`) + `,` +
		strings.Replace(needJSON("API-N2", "NE.DS", ""), `"type":"vehicle.truck"`, `"skill":"nurse"`, 1) + `]}`
	res := f.do(t, "POST", "/api/v1/needs", dossoRequester, body, key("needs-1")...)
	if res.status != http.StatusCreated {
		t.Fatalf("file needs: %d %s", res.status, res.body)
	}
	var filed itemsOf[need.Need]
	res.decode(t, &filed)
	if len(filed.Items) != 2 || filed.Items[0].State != need.Open || filed.Items[0].FiledBy != dossoRequester ||
		filed.Items[0].Point == nil || filed.Items[1].Skill != "nurse" {
		t.Fatalf("filed %+v", filed.Items)
	}

	// Outside the requester's jurisdiction, or wrong fields: refused with
	// the index and field named, nothing stored.
	for _, tc := range []struct {
		name, body, want string
	}{
		{"outside", `{"needs":[` + needJSON("API-N3", "NE.DF", "") + `]}`, "needs[0].area: NE.DF is outside your jurisdiction (NE.DS)"},
		{"unknown area", `{"needs":[` + needJSON("API-N3", "NE.XX", "") + `]}`, `needs[0].area: no area "NE.XX"`},
		{"bad deadline", `{"needs":[` + strings.Replace(needJSON("API-N3", "NE.DS", ""), `"deadline":"`, `"deadline":"x`, 1) + `]}`, "needs[0].deadline:"},
		{"second bad", `{"needs":[` + needJSON("API-N3", "NE.DS", "") + `,` + strings.Replace(needJSON("API-N4", "NE.DS", ""), `"priority":4`, `"priority":0`, 1) + `]}`, "needs[1].priority: must be 1"},
		{"empty", `{"needs":[]}`, "send 1 to 1000 needs, not 0"},
		{"unknown field", `{"needs":[` + needJSON("API-N3", "NE.DS", `,"colour":"red"`) + `]}`, "colour"},
	} {
		res := f.do(t, "POST", "/api/v1/needs", dossoRequester, tc.body, key("bad-"+tc.name)...)
		if code, msg := res.errorOf(t); res.status != http.StatusBadRequest || code != "invalid" || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %s %q, want 400 naming %q", tc.name, res.status, code, msg, tc.want)
		}
	}
	if res := f.do(t, "GET", "/api/v1/needs/API-N3", auditor, ""); res.status != http.StatusNotFound {
		t.Errorf("a refused need was stored: %d", res.status)
	}

	// Reading: Dosso's officer sees Dosso's needs, Diffa's registrar may not
	// read needs at all, and a filter outside the jurisdiction is refused.
	ids, _ := f.do(t, "GET", "/api/v1/needs?unit=3e+bataillon&state=open", dossoOfficer, "").needIDs(t)
	if !containsAll(ids, "API-N1", "API-N2") {
		t.Errorf("dosso officer sees %v", ids)
	}
	if res := f.do(t, "GET", "/api/v1/needs", diffa, ""); res.status != http.StatusForbidden {
		t.Errorf("registrar reads needs: %d", res.status)
	}
	if res := f.do(t, "GET", "/api/v1/needs?area=NE.DF", dossoOfficer, ""); res.status != http.StatusForbidden {
		t.Errorf("filter outside jurisdiction: %d", res.status)
	}
	if res := f.do(t, "GET", "/api/v1/needs?state=closed", dossoOfficer, ""); res.status != http.StatusBadRequest {
		t.Errorf("unknown state: %d", res.status)
	}

	// Cancelling: once, then conflict.
	if res := f.do(t, "POST", "/api/v1/needs/API-N2/cancel", dossoRequester, "", key("cancel-1")...); res.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", res.status, res.body)
	}
	if res := f.do(t, "POST", "/api/v1/needs/API-N2/cancel", dossoRequester, "", key("cancel-2")...); res.status != http.StatusConflict {
		t.Errorf("second cancel: %d %s", res.status, res.body)
	}
	var n need.Need
	f.do(t, "GET", "/api/v1/needs/API-N2", auditor, "").decode(t, &n)
	if n.State != need.Cancelled {
		t.Errorf("after cancel: %+v", n)
	}
}

// needIDs reads a page of needs.
func (r response) needIDs(t *testing.T) ([]string, string) {
	t.Helper()
	var p page[need.Need]
	r.decode(t, &p)
	ids := make([]string, len(p.Items))
	for i, n := range p.Items {
		ids[i] = n.ID
	}
	return ids, p.Next
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func testForces(t *testing.T, f *fixture) {
	key := func(k string) []string { return []string{"Idempotency-Key", k} }
	res := f.do(t, "POST", "/api/v1/forces", dossoOfficer, `{"code":"BN3","name":"3e bataillon","scope":"NE.DS","target":500,"strength":420}`, key("f1")...)
	var got map[string]any
	res.decode(t, &got)
	if res.status != http.StatusOK || got["shortfall"] != float64(80) || got["strength"] != float64(420) {
		t.Fatalf("set force: %d %s", res.status, res.body)
	}
	if res := f.do(t, "POST", "/api/v1/forces", dossoOfficer, `{"code":"FDF","name":"Diffa","scope":"NE.DF","target":5}`, key("f2")...); res.status != http.StatusForbidden {
		t.Errorf("force outside the jurisdiction: %d %s", res.status, res.body)
	}
	if res := f.do(t, "POST", "/api/v1/forces", dossoOfficer, `{"code":"BN4","name":"x","scope":"NE.DS","target":0}`, key("f3")...); res.status != http.StatusBadRequest {
		t.Errorf("zero target: %d %s", res.status, res.body)
	}
	var list itemsOf[map[string]any]
	f.do(t, "GET", "/api/v1/forces", auditor, "").decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["code"] != "BN3" {
		t.Errorf("forces seen by the auditor: %+v", list.Items)
	}
}
