package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

type openAPIDoc struct {
	OpenAPI    string                                 `json:"openapi"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]any `json:"properties"`
			Required   []string       `json:"required"`
		} `json:"schemas"`
		SecuritySchemes map[string]any `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOperation struct {
	Security   []map[string][]string `json:"security"`
	Parameters []struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
	} `json:"parameters"`
	Responses map[string]any `json:"responses"`
}

func fetchOpenAPI(t *testing.T) (*Server, []byte, openAPIDoc) {
	t.Helper()
	s := New(nil, Options{})
	rec := serve(s, "GET", "/api/v1/openapi.json", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json = %d", rec.Code)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return s, rec.Body.Bytes(), doc
}

// TestOpenAPICoversRoutes checks that the document and the route table
// name the same operations, both ways.
func TestOpenAPICoversRoutes(t *testing.T) {
	s, _, doc := fetchOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	if doc.Components.SecuritySchemes["bearer"] == nil {
		t.Error("no bearer security scheme")
	}
	routes := map[string]Route{}
	for _, rt := range s.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/v1/") {
			continue
		}
		key := strings.ToLower(rt.Method) + " " + rt.Pattern
		routes[key] = rt
		op, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not in the document", rt.Method, rt.Pattern)
			continue
		}
		if public := len(op.Security) == 0; public != (rt.Action == "") {
			t.Errorf("%s: document security %v, route action %q", key, op.Security, rt.Action)
		}
		if rt.Action != "" {
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s: 401 not documented", key)
			}
		}
		var pathParams []string
		for _, p := range op.Parameters {
			if p.In == "path" {
				pathParams = append(pathParams, p.Name)
				if !p.Required {
					t.Errorf("%s: path parameter %s not required", key, p.Name)
				}
			}
		}
		var wild []string
		for _, m := range wildcard.FindAllStringSubmatch(rt.Pattern, -1) {
			wild = append(wild, m[1])
		}
		if !slices.Equal(pathParams, wild) {
			t.Errorf("%s: path parameters %v, pattern wildcards %v", key, pathParams, wild)
		}
	}
	for path, item := range doc.Paths {
		for method := range item {
			if _, ok := routes[method+" "+path]; !ok {
				t.Errorf("the document has %s %s, which is not a route", method, path)
			}
		}
	}
}

// TestOpenAPIRefsResolve checks every $ref points at a schema that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	_, raw, doc := fetchOpenAPI(t)
	var tree any
	json.Unmarshal(raw, &tree)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				name, found := strings.CutPrefix(ref, "#/components/schemas/")
				if _, ok := doc.Components.Schemas[name]; !found || !ok {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(tree)
}

// fullOrder has every field of an order set.
var fullOrder = orderView{
	IssuedOrder: sqlstore.IssuedOrder{Order: order.Order{ID: "01J", Code: "X", Kind: order.Requisition,
		Addressee: registry.Owner{Kind: registry.OwnerOrganisation, ID: "O1"},
		Items:     []order.Item{{Type: "fuel.diesel", Quantity: 1, Unit: "l", ResourceIDs: []string{"R1"}, Condition: "good", ValueXOF: 1}},
		Place:     order.Place{Text: "x", Area: "NE", Location: &area.Point{}}, Deadline: time.Now(), LegalBasis: "l", Authority: "A",
		Reason: "r", State: order.StateCompensated, Seq: 1, DraftedBy: "a", ApprovedBy: "b", ReviewedBy: "c", CreatedAt: time.Now(),
		IssuedAt: time.Now(), Compensation: &order.Compensation{AmountXOF: 1, Days: 1, Lines: []order.Line{{}}}},
		Signed: "MU1:", KeyID: "k", LogIndex: 1},
	Events: []sqlstore.StoredEvent{{Record: order.Record{OrderID: "01J", Seq: 1, Event: order.EventDefer, From: order.StateClaimed,
		To: order.StateDeferred, Actor: "a", Role: auth.Reviewer, At: time.Now(), Deadline: time.Now(), Note: "n"}, LogIndex: 1}},
}

// TestOpenAPISchemasMatchJSON marshals a fully populated value of each
// documented type and checks that its JSON keys are the schema's
// properties, so that a field added to a Go type cannot go undocumented.
func TestOpenAPISchemasMatchJSON(t *testing.T) {
	_, _, doc := fetchOpenAPI(t)
	full := map[string]any{
		"Area": area.Area{Code: "NE", Name: "Niger", Level: "country", Parent: "X", Label: &area.Point{Lat: 1, Lon: 2},
			Population: 1, Geometry: json.RawMessage(`{}`)},
		"Person": registry.Person{NationalID: "N1", GivenName: "a", FamilyName: "b", Sex: registry.Male,
			BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Phone: "+22790000000", Area: "NE", Skills: []string{"x"},
			Status: registry.Active, Rank: "major", Language: "ha"},
		"Organisation": registry.Organisation{OrgID: "O1", Name: "o", Kind: "ngo", Area: "NE", Protected: true, ProtectedReason: "r"},
		"Resource": registry.Resource{ResourceID: "R1", Owner: registry.Owner{Kind: registry.OwnerOrganisation, ID: "O1"},
			Type: "fuel.diesel", Quantity: 1, Unit: "l", Area: "NE", Location: &area.Point{}, Condition: "good", DeclaredValueXOF: 1},
		"User":          auth.User{ID: 7, Name: "u", Role: auth.Admin, Area: "NE"},
		"LoginRequest":  loginRequest{Name: "u", Password: "p"},
		"LoginResponse": loginResponse{Token: "t", ExpiresAt: time.Now(), User: auth.User{}},
		"Error":         errorBody{},
		"AreaPage":      newPage([]area.Area{}, "areas", 1),
		"Order":         fullOrder,
		"OrderItem":     fullOrder.Items[0],
		"Place":         fullOrder.Place,
		"Compensation":  fullOrder.Compensation,
		"OrderEvent":    fullOrder.Events[0],
		"OrderList":     itemsOf[orderView]{},
		"OrderPage":     page[orderView]{},
		"OrderDraft": orderDraft{Kind: "call_up", Addressee: "person:N1", Items: []draftItem{{}}, Place: order.Place{Text: "x"},
			Deadline: "2030-01-01T00:00:00Z", LegalBasis: "l", Authority: "A", Reason: "r"},
		"DraftItem":      draftItem{Type: "fuel.diesel", Quantity: 1, Unit: "l", ResourceIDs: []string{"R1"}},
		"DraftRequest":   draftRequest{},
		"ApproveRequest": approveRequest{},
		"EventRequest":   eventRequest{},
		"Need": need.Need{ID: "N1", Unit: "u", Type: "vehicle", Skill: "x", Quantity: 1, Area: "NE", Point: &area.Point{},
			Deadline: time.Now(), Priority: 1, Justification: "j", LegalBasis: "l", State: need.Open, Filled: 1, FiledBy: "f",
			CreatedAt: time.Now()},
		"NeedFiling": needFiling{NeedID: "N1", Unit: "u", Type: "vehicle", Skill: "x", Quantity: 1, Area: "NE",
			Point: &area.Point{}, Deadline: "d", Priority: 1, Justification: "j", LegalBasis: "l"},
		"NeedsRequest": needsRequest{},
		"NeedList":     itemsOf[need.Need]{},
		"NeedPage":     page[need.Need]{},
		"ForceRequest": forceRequest{Code: "c", Name: "n", Scope: "NE", Target: 1, Strength: 1},
		"Force":        sqlstore.ForceStatus{ForceTarget: sqlstore.ForceTarget{Code: "c", UpdatedBy: "u", UpdatedAt: time.Now()}},
		"ForceList":    itemsOf[sqlstore.ForceStatus]{},
	}
	for name, v := range full {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		keys, props := slices.Sorted(maps.Keys(m)), slices.Sorted(maps.Keys(schema.Properties))
		if !slices.Equal(keys, props) {
			t.Errorf("%s: JSON keys %v, schema properties %v", name, keys, props)
		}
		for _, r := range schema.Required {
			if _, ok := m[r]; !ok {
				t.Errorf("%s: required %s is not in its JSON", name, r)
			}
		}
	}
}
