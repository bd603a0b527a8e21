package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// apiPrefix is where the documented API lives; /healthz and /metrics are
// operational endpoints outside it.
const apiPrefix = "/api/v1/"

type obj = map[string]any

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request, _ *caller) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(s.openapi)
	return nil
}

var wildcard = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// buildOpenAPI writes the OpenAPI 3.1 document of the routes under
// apiPrefix. Paths, parameters, bodies and security come from the route
// table; only the schemas are written by hand (below), with their enums
// taken from the domain packages.
func buildOpenAPI(routes []route) ([]byte, error) {
	schemas := openAPISchemas()
	paths := obj{}
	for _, rt := range routes {
		if !strings.HasPrefix(rt.Pattern, apiPrefix) {
			continue
		}
		op, err := operation(rt, schemas)
		if err != nil {
			return nil, fmt.Errorf("route %s %s: %w", rt.Method, rt.Pattern, err)
		}
		item, _ := paths[rt.Pattern].(obj)
		if item == nil {
			item = obj{}
			paths[rt.Pattern] = item
		}
		item[strings.ToLower(rt.Method)] = op
	}
	doc := obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":   "muster API",
			"version": "1",
			"description": "The registry and the orders of a national mobilization, scoped to the caller's jurisdiction. " +
				"Every read of personal data is recorded. Lists are paged: pass a response's next as after. " +
				"Every POST but login and logout needs an Idempotency-Key header (1 to 200 printable ASCII characters, " +
				"per user): the same request again under the same key gets the first response back, byte for byte, " +
				"with Idempotent-Replayed: true, and does nothing twice; another request under a used key gets 422; " +
				"a retry while the first request still runs gets 409 with Retry-After. 5xx responses are not kept, " +
				"so a retry runs again. Keys are kept 24 hours.",
		},
		"paths": paths,
		"components": obj{
			"schemas":         schemas,
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/login"}},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func operation(rt route, schemas obj) (obj, error) {
	op := obj{"operationId": operationID(rt), "summary": rt.Summary}
	if rt.Action == "" {
		op["security"] = []any{} // public: explicitly no scheme
	} else {
		op["security"] = []any{obj{"bearer": []any{}}}
		op["x-muster-action"] = string(rt.Action)
	}
	var wild []string
	for _, m := range wildcard.FindAllStringSubmatch(rt.Pattern, -1) {
		wild = append(wild, m[1])
	}
	var params []any
	for _, p := range rt.params {
		if p.in == "path" && !slices.Contains(wild, p.name) {
			return nil, fmt.Errorf("path parameter %s is not in the pattern", p.name)
		}
		params = append(params, obj{"name": p.name, "in": p.in, "required": p.in == "path",
			"description": p.desc, "schema": obj{"type": p.typ}})
	}
	for _, name := range wild {
		if !slices.ContainsFunc(rt.params, func(p param) bool { return p.in == "path" && p.name == name }) {
			return nil, fmt.Errorf("wildcard {%s} has no path parameter", name)
		}
	}
	if rt.idempotent {
		params = append(params, idempotencyHeader())
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.body != "" {
		if schemas[rt.body] == nil {
			return nil, fmt.Errorf("no schema %s", rt.body)
		}
		op["requestBody"] = obj{"required": true, "content": jsonContent(rt.body)}
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := obj{"description": http.StatusText(status)}
	if rt.response != "" {
		if schemas[rt.response] == nil {
			return nil, fmt.Errorf("no schema %s", rt.response)
		}
		ok["content"] = jsonContent(rt.response)
	}
	if rt.idempotent {
		ok["headers"] = replayedHeader
	}
	responses := obj{strconv.Itoa(status): ok}
	for _, st := range errorStatuses(rt, len(wild) > 0) {
		responses[strconv.Itoa(st)] = obj{"description": http.StatusText(st), "content": jsonContent("Error")}
	}
	op["responses"] = responses
	return op, nil
}

// errorStatuses lists the error statuses a route can answer with.
func errorStatuses(rt route, hasPath bool) []int {
	var out []int
	if len(rt.params) > 0 || rt.body != "" {
		out = append(out, http.StatusBadRequest)
	}
	if rt.Action != "" || rt.body == "LoginRequest" {
		out = append(out, http.StatusUnauthorized)
	}
	if rt.Action != "" && rt.Action != Authenticated {
		out = append(out, http.StatusForbidden)
	}
	if hasPath {
		out = append(out, http.StatusNotFound)
	}
	for _, st := range rt.errs {
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	if rt.idempotent {
		// 409: the same request is still running (or the lifecycle refuses
		// it); 422: the key was used for another request.
		out = append(out, http.StatusConflict, http.StatusUnprocessableEntity)
	}
	if rt.body == "LoginRequest" {
		out = append(out, http.StatusTooManyRequests)
	}
	return append(out, http.StatusInternalServerError)
}

func jsonContent(schema string) obj {
	return obj{"application/json": obj{"schema": ref(schema)}}
}

func ref(schema string) obj { return obj{"$ref": "#/components/schemas/" + schema} }

// operationID names an operation from its method and pattern:
// GET /api/v1/persons/{national_id} → getPersonsByNationalId.
func operationID(rt route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Pattern, apiPrefix), "/") {
		if m := wildcard.FindStringSubmatch(seg); m != nil {
			b.WriteString("By")
			seg = m[1]
		}
		for _, word := range strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '.' || r == '-' }) {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

func str(desc string) obj        { return obj{"type": "string", "description": desc} }
func enum[T ~string](vs []T) obj { return obj{"type": "string", "enum": vs} }

// openAPISchemas returns the component schemas. Their property names are
// checked against the JSON of the Go types by a test.
func openAPISchemas() obj {
	var types, units []string
	for _, t := range registry.Taxonomy {
		types = append(types, t.Name)
		for _, u := range t.Units {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	s := obj{
		"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{
			"error": obj{"type": "object", "required": []string{"code", "message"}, "properties": obj{
				"code":    enum(errorCodes),
				"message": str("what is wrong, for a person to read"),
			}},
		}},
		"Health": obj{"type": "object", "required": []string{"status"}, "properties": obj{
			"status": enum([]string{"ok", "unavailable"}),
		}},
		"OpenAPI": obj{"type": "object", "description": "an OpenAPI 3.1 document"},
		"Point": obj{"type": "object", "required": []string{"lat", "lon"}, "properties": obj{
			"lat": obj{"type": "number", "minimum": -90, "maximum": 90},
			"lon": obj{"type": "number", "minimum": -180, "maximum": 180},
		}},
		"Area": obj{"type": "object", "required": []string{"code", "name", "level", "population"}, "properties": obj{
			"code":       str("stable area code (HASC or P-code)"),
			"name":       str("name"),
			"level":      str("country, region, department, commune..."),
			"parent":     str("code of the containing area; absent for a root"),
			"label":      ref("Point"),
			"population": obj{"type": "integer", "minimum": 0},
			"geometry":   obj{"type": "object", "description": "GeoJSON Polygon or MultiPolygon; only on GET /api/v1/areas/{code}"},
		}},
		"Person": obj{"type": "object", "required": []string{"national_id", "given_name", "family_name", "sex", "birth_date", "area", "skills", "status"},
			"description": "personal data: every read is recorded", "properties": obj{
				"national_id": str("national ID"),
				"given_name":  str("given name"),
				"family_name": str("family name"),
				"sex":         enum([]registry.Sex{registry.Female, registry.Male}),
				"birth_date":  obj{"type": "string", "format": "date"},
				"phone":       obj{"type": "string", "description": "E.164 number", "pattern": `^\+[1-9][0-9]{6,14}$`},
				"area":        str("code of the area of residence"),
				"skills":      obj{"type": "array", "items": obj{"type": "string"}},
				"status":      enum(registry.Statuses),
				"rank":        enum(registry.Ranks),
				"language":    obj{"type": "string", "description": "ISO 639 code of the language the person reads (fr, en, ha, dje...)", "pattern": "^[a-z]{2,3}$"},
			}},
		"Organisation": obj{"type": "object", "required": []string{"org_id", "name", "kind", "area", "protected"}, "properties": obj{
			"org_id":           str("organisation ID"),
			"name":             str("name"),
			"kind":             enum(registry.OrganisationKinds),
			"area":             str("area code"),
			"protected":        obj{"type": "boolean", "description": "never requisitioned (health, humanitarian, water, food security)"},
			"protected_reason": str("why it is protected"),
		}},
		"Resource": obj{"type": "object", "required": []string{"resource_id", "owner", "type", "quantity", "unit", "area", "declared_value_xof"}, "properties": obj{
			"resource_id":        str("resource ID"),
			"owner":              obj{"type": "string", "description": "person:<national_id> or org:<org_id>", "pattern": "^(person|org):"},
			"type":               enum(types),
			"quantity":           obj{"type": "number", "minimum": 0},
			"unit":               enum(units),
			"area":               str("area code"),
			"location":           ref("Point"),
			"condition":          enum(registry.Conditions),
			"declared_value_xof": obj{"type": "integer", "minimum": 0},
		}},
		"User": obj{"type": "object", "required": []string{"name", "role", "area"}, "properties": obj{
			"name": str("user name"),
			"role": enum(auth.Roles),
			"area": str("code of the area whose subtree is the user's jurisdiction"),
		}},
		"LoginRequest": obj{"type": "object", "required": []string{"name", "password"}, "additionalProperties": false, "properties": obj{
			"name":     str("user name"),
			"password": obj{"type": "string", "format": "password"},
		}},
		"LoginResponse": obj{"type": "object", "required": []string{"token", "expires_at", "user"}, "properties": obj{
			"token":      str("bearer token for the Authorization header"),
			"expires_at": obj{"type": "string", "format": "date-time"},
			"user":       ref("User"),
		}},
	}
	orderSchemas(s, units)
	needSchemas(s, types)
	fundSchemas(s)
	forceSchemas(s)
	for _, item := range []string{"Area", "Person", "Organisation", "Resource", "Order", "Need"} {
		s[item+"Page"] = obj{"type": "object", "required": []string{"items", "next"}, "properties": obj{
			"items": obj{"type": "array", "items": ref(item)},
			"next":  str("cursor of the next page, as after; empty on the last page"),
		}}
	}
	return s
}

// orderSchemas adds the schemas of the orders routes to s.
func orderSchemas(s obj, units []string) {
	dateTime := func(desc string) obj { return obj{"type": "string", "format": "date-time", "description": desc} }
	integer := func(desc string) obj { return obj{"type": "integer", "minimum": 0, "description": desc} }
	addressee := obj{"type": "string", "description": "person:<national_id> or org:<org_id>", "pattern": "^(person|org):"}
	actors := append(slices.Clone(auth.Roles), order.Citizen, order.System)
	var events []order.Event
	for _, e := range order.Events {
		if e != order.EventDraft && e != order.EventApprove {
			events = append(events, e)
		}
	}
	s["Place"] = obj{"type": "object", "required": []string{"text"}, "properties": obj{
		"text":     str("where to report or hand over, for people to read"),
		"area":     str("area code of the place"),
		"location": ref("Point"),
	}}
	s["OrderItem"] = obj{"type": "object", "required": []string{"type", "quantity", "unit"}, "properties": obj{
		"type":         str("a resource type of the taxonomy (requisition) or the skill called for (call-up)"),
		"quantity":     obj{"type": "number", "exclusiveMinimum": 0},
		"unit":         str("a unit of the type; empty or person for a call-up"),
		"resource_ids": obj{"type": "array", "items": obj{"type": "string"}, "description": "the registry resources taken"},
		"condition":    enum(registry.Conditions),
		"value_xof":    integer("declared value at handover"),
	}}
	s["Compensation"] = obj{"type": "object", "required": []string{"amount_xof", "days", "lines"}, "properties": obj{
		"amount_xof": integer("total owed"),
		"days":       integer("days counted"),
		"lines": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
			"item": obj{"type": "integer"}, "basis": enum([]string{"use", "service", "damage"}),
			"detail": str("how the line is computed"), "amount_xof": obj{"type": "integer"},
		}}},
	}}
	s["Order"] = obj{"type": "object", "description": "names its addressee: every read is recorded",
		"required": []string{"id", "code", "kind", "addressee", "items", "place", "deadline", "legal_basis", "authority",
			"reason", "state", "seq", "drafted_by", "created_at"}, "properties": obj{
			"id":           str("order id: 26 characters, later orders sort later"),
			"code":         str("the short code printed on the order, grouped for reading aloud (7KQ4-M9TX-2HZP-R8WD-J)"),
			"kind":         enum(order.Kinds),
			"addressee":    addressee,
			"items":        obj{"type": "array", "items": ref("OrderItem")},
			"place":        ref("Place"),
			"deadline":     dateTime("when to report or hand over"),
			"legal_basis":  str("the text the order rests on"),
			"authority":    str("code of the issuing authority"),
			"reason":       str("why"),
			"state":        enum(order.States),
			"seq":          integer("number of events in the order's history"),
			"drafted_by":   str("user who drafted it"),
			"approved_by":  str("user who approved it"),
			"reviewed_by":  str("reviewer who decided its claim"),
			"created_at":   dateTime("when it was drafted"),
			"issued_at":    dateTime("when it was signed and issued"),
			"compensation": ref("Compensation"),
			"signed":       str("the signed order as its QR code holds it (MU1:...)"),
			"key_id":       str("the authority key that signed it"),
			"log_index":    integer("transparency-log index of its issue event"),
			"events":       obj{"type": "array", "items": ref("OrderEvent"), "description": "its history; only on GET /api/v1/orders/{code}"},
		}}
	s["OrderEvent"] = obj{"type": "object", "required": []string{"order_id", "seq", "event", "from", "to", "actor", "role", "at", "log_index"},
		"properties": obj{
			"order_id":  str("order id"),
			"seq":       obj{"type": "integer", "minimum": 1},
			"event":     enum(order.Events),
			"from":      obj{"type": "string", "description": "state before; empty for the draft event"},
			"to":        enum(order.States),
			"actor":     str("user name, system, or addressee (never the addressee's identity)"),
			"role":      enum(actors),
			"at":        dateTime("when"),
			"deadline":  dateTime("the new deadline a deferral granted"),
			"note":      str("free text, possibly personal: shown to officers and reviewers only"),
			"log_index": integer("transparency-log index of the event"),
		}}
	s["DraftItem"] = obj{"type": "object", "required": []string{"type", "quantity"}, "additionalProperties": false, "properties": obj{
		"type":         str("a resource type of the taxonomy (requisition) or a skill (call-up)"),
		"quantity":     obj{"type": "number", "exclusiveMinimum": 0, "description": "1 for a call-up"},
		"unit":         obj{"type": "string", "description": "a unit of the type (" + strings.Join(units, ", ") + "); empty for a call-up"},
		"resource_ids": obj{"type": "array", "items": obj{"type": "string"}, "description": "registry resources of the addressee, in your jurisdiction"},
	}}
	s["OrderDraft"] = obj{"type": "object", "additionalProperties": false,
		"required": []string{"kind", "addressee", "place", "deadline", "legal_basis", "authority", "reason"}, "properties": obj{
			"kind":        enum(order.Kinds),
			"addressee":   obj{"type": "string", "description": "person:<national_id> or org:<org_id>, in your jurisdiction", "pattern": "^(person|org):"},
			"items":       obj{"type": "array", "items": ref("DraftItem"), "maxItems": order.MaxItems, "description": "a requisition's items; a call-up's one skill"},
			"place":       ref("Place"),
			"deadline":    dateTime("RFC 3339, in the future"),
			"legal_basis": obj{"type": "string", "maxLength": order.MaxLegalBasis},
			"authority":   str("code of an issuing authority"),
			"reason":      obj{"type": "string", "maxLength": order.MaxReason},
		}}
	s["DraftRequest"] = obj{"type": "object", "required": []string{"orders"}, "additionalProperties": false, "properties": obj{
		"orders": obj{"type": "array", "items": ref("OrderDraft"), "minItems": 1, "maxItems": maxDrafts},
	}}
	s["ApproveRequest"] = obj{"type": "object", "required": []string{"ids"}, "additionalProperties": false, "properties": obj{
		"ids": obj{"type": "array", "items": obj{"type": "string", "description": "order id or code"}, "minItems": 1, "maxItems": maxApprovals},
	}}
	s["EventRequest"] = obj{"type": "object", "required": []string{"event"}, "additionalProperties": false, "properties": obj{
		"event":  enum(events),
		"note":   obj{"type": "string", "maxLength": order.MaxNote, "description": "kept sealed; shown to officers and reviewers"},
		"until":  dateTime("the new deadline, for defer only"),
		"ground": str("for claim only, and required: the code of a ground of the policy in force (medical, sole_caregiver...)"),
	}}
	s["OrderList"] = obj{"type": "object", "required": []string{"items"}, "properties": obj{
		"items": obj{"type": "array", "items": ref("Order")},
	}}
}
