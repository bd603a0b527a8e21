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
			"description": "The registry of a national mobilization, scoped to the caller's jurisdiction. " +
				"Every read of personal data is recorded. Lists are paged: pass a response's next as after.",
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
	for _, item := range []string{"Area", "Person", "Organisation", "Resource"} {
		s[item+"Page"] = obj{"type": "object", "required": []string{"items", "next"}, "properties": obj{
			"items": obj{"type": "array", "items": ref(item)},
			"next":  str("cursor of the next page, as after; empty on the last page"),
		}}
	}
	return s
}
