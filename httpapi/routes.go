package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// Route is one entry of the route table: a method and a ServeMux pattern,
// the action the caller's role must be granted ("" for a public route,
// Authenticated for one any logged-in user may call) and a one-line summary.
type Route struct {
	Method  string
	Pattern string
	Action  auth.Action
	Summary string
}

// Authenticated is the Action of routes that need a logged-in user but no
// particular grant (logout, me). It is granted to every role.
const Authenticated auth.Action = "authenticated"

// route is a Route with what serves and documents it. The mux and the
// OpenAPI document are both built from these, so they cannot disagree.
type route struct {
	Route
	handle   handler
	params   []param // path and query parameters; a query parameter not listed is refused
	body     string  // schema name of the JSON request body, "" for none
	response string  // schema name of the success response body, "" for none
	status   int     // success status; 200 when 0
	// idempotent routes take an Idempotency-Key header and answer a retry
	// with the first response (see idempotency.go). Every POST under
	// /api/v1 but login and logout is, and a test keeps it so.
	idempotent bool
	errs       []int // error statuses beyond those errorStatuses infers
}

// param is a path or query parameter of a route.
type param struct {
	name string
	in   string // "path" or "query"
	typ  string // JSON Schema type: "string", "integer", "boolean"
	desc string
}

func pathParam(name, desc string) param  { return param{name, "path", "string", desc} }
func queryParam(name, desc string) param { return param{name, "query", "string", desc} }

var pageParams = []param{
	queryParam("after", "cursor: the next of the previous page"),
	{"limit", "query", "integer", "page size, 1 to 1000 (default 100)"},
}

func listParams(ps ...param) []param { return append(ps, pageParams...) }

// routeTable lists every route. Adding a route here adds it to the mux,
// the metrics, the OpenAPI document and the access tests.
func (s *Server) routeTable() []route {
	return slices.Concat(s.coreRoutes(), s.needRoutes(), s.forceRoutes(), s.fundRoutes(), s.citizenRoutes())
}

func (s *Server) coreRoutes() []route {
	areaParam := queryParam("area", "area code: only records within this area's subtree (must lie in your jurisdiction)")
	return []route{
		{Route: Route{"GET", "/healthz", "", "Liveness and database check"},
			handle: s.healthz, response: "Health"},
		{Route: Route{"GET", "/metrics", "", "Prometheus metrics"},
			handle: s.serveMetrics},
		{Route: Route{"GET", "/api/v1/openapi.json", "", "This API's OpenAPI 3.1 document"},
			handle: s.serveOpenAPI, response: "OpenAPI"},

		{Route: Route{"GET", "/log/checkpoint", "", "The transparency log's latest checkpoint (C2SP signed note)"},
			handle: s.serveCheckpoint},
		{Route: Route{"GET", "/log/proof/inclusion", "", "Inclusion proof of leaf index in the tree of size size"},
			handle: s.inclusionProof, params: []param{
				{"index", "query", "integer", "leaf index"}, {"size", "query", "integer", "tree size"}}},
		{Route: Route{"GET", "/log/proof/consistency", "", "Consistency proof between tree sizes old and size"},
			handle: s.consistencyProof, params: []param{
				{"old", "query", "integer", "older tree size"}, {"size", "query", "integer", "newer tree size"}}},
		{Route: Route{"GET", "/log/leaf/{index}", "", "One leaf of the log, exactly as hashed"},
			handle: s.serveLeaf, params: []param{pathParam("index", "leaf index")}},

		{Route: Route{"POST", "/api/v1/login", "", "Log in with a name and password; returns a bearer token"},
			handle: s.login, body: "LoginRequest", response: "LoginResponse"},
		{Route: Route{"POST", "/api/v1/logout", Authenticated, "End the session of the presented token"},
			handle: s.logout, status: http.StatusNoContent},
		{Route: Route{"GET", "/api/v1/me", Authenticated, "The logged-in user"},
			handle: s.me, response: "User"},

		{Route: Route{"GET", "/api/v1/areas", auth.ReadAreas, "Areas within your jurisdiction, parents first, without geometry"},
			handle: s.listAreas, response: "AreaPage", params: []param{
				queryParam("parent", "only the children of this area"),
				queryParam("level", "only areas of this level (region, department...)"),
			}},
		{Route: Route{"GET", "/api/v1/areas/{code}", auth.ReadAreas, "One area with its geometry"},
			handle: s.getArea, response: "Area", params: []param{pathParam("code", "area code")}},

		{Route: Route{"GET", "/api/v1/persons", auth.ReadPersons, "Persons within your jurisdiction (each read is recorded)"},
			handle: s.listPersons, response: "PersonPage", params: listParams(
				queryParam("national_id", "exact national ID"),
				areaParam,
				queryParam("status", "civilian, reservist, active or retired"),
				queryParam("skill", "a skill the person has"),
			)},
		{Route: Route{"GET", "/api/v1/persons/{national_id}", auth.ReadPersons, "One person (the read is recorded)"},
			handle: s.getPerson, response: "Person", params: []param{pathParam("national_id", "national ID")}},

		{Route: Route{"GET", "/api/v1/organisations", auth.ReadOrganisations, "Organisations within your jurisdiction"},
			handle: s.listOrganisations, response: "OrganisationPage", params: listParams(
				areaParam,
				queryParam("kind", "organisation kind (company, clinic...)"),
				param{"protected", "query", "boolean", "only protected (true) or unprotected (false) organisations"},
			)},
		{Route: Route{"GET", "/api/v1/organisations/{org_id}", auth.ReadOrganisations, "One organisation"},
			handle: s.getOrganisation, response: "Organisation", params: []param{pathParam("org_id", "organisation ID")}},

		{Route: Route{"GET", "/api/v1/resources", auth.ReadResources, "Resources within your jurisdiction"},
			handle: s.listResources, response: "ResourcePage", params: listParams(
				areaParam,
				queryParam("type", "a resource type (vehicle.truck) or class (vehicle)"),
				queryParam("owner", "person:<national_id> or org:<org_id>"),
			)},
		{Route: Route{"GET", "/api/v1/resources/{resource_id}", auth.ReadResources, "One resource"},
			handle: s.getResource, response: "Resource", params: []param{pathParam("resource_id", "resource ID")}},

		{Route: Route{"GET", "/api/v1/orders", auth.ReadOrders, "Orders addressed within your jurisdiction, oldest first (the read is recorded)"},
			handle: s.listOrders, response: "OrderPage", params: listParams(
				queryParam("state", "only orders in this state (draft, issued...)"),
				queryParam("kind", "call_up or requisition"),
			)},
		{Route: Route{"GET", "/api/v1/orders/{code}", auth.ReadOrders,
			"One order with its history; event notes only for officers and reviewers (the read is recorded)"},
			handle: s.getOrder, response: "Order", params: []param{orderParam}},
		{Route: Route{"POST", "/api/v1/orders", auth.DraftOrders, "Draft 1 to 1000 orders to addressees within your jurisdiction"},
			handle: s.draftOrders, body: "DraftRequest", response: "OrderList", status: http.StatusCreated, idempotent: true},
		{Route: Route{"POST", "/api/v1/orders/approve", auth.ApproveOrders,
			"Approve 1 to 10000 drafts, which signs, logs and issues them; never your own drafts (two-person rule)"},
			handle: s.approveOrders, body: "ApproveRequest", response: "OrderList", idempotent: true, errs: []int{http.StatusNotFound}},
		{Route: Route{"POST", "/api/v1/orders/{code}/events", auth.RecordOrderEvents,
			"Record a lifecycle event (fulfil, release, compensate, exempt...); the lifecycle decides which role may record which"},
			handle: s.recordOrderEvent, body: "EventRequest", response: "Order", params: []param{orderParam}, idempotent: true},
	}
}

var orderParam = pathParam("code", "the order's short code (any grouping, any case) or its id")

// checkQuery refuses query parameters the route does not take, and
// repeated ones: what a route accepts is exactly what its documentation
// says, and a typo in a filter is an error rather than a silently wider
// result.
func checkQuery(r *http.Request, params []param) error {
	var names []string
	for _, p := range params {
		if p.in == "query" {
			names = append(names, p.name)
		}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return muster.Errorf(muster.Invalid, "malformed query string: %v", err)
	}
	for name, values := range query {
		if !slices.Contains(names, name) {
			if len(names) == 0 {
				return muster.Errorf(muster.Invalid, "unknown query parameter %q: this route takes none", name)
			}
			return muster.Errorf(muster.Invalid, "unknown query parameter %q: this route takes %s", name, strings.Join(names, ", "))
		}
		if len(values) > 1 {
			return muster.Errorf(muster.Invalid, "query parameter %s is given %d times; give it once", name, len(values))
		}
	}
	return nil
}
