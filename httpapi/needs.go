package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The needs routes: requesting units file needs in their jurisdiction,
// officers and auditors read them. Needs hold no personal data.

// NeedStore is what the needs routes ask of the store.
type NeedStore interface {
	FileNeeds(ctx context.Context, needs []need.Need, by string) ([]need.Need, error)
	ListNeeds(ctx context.Context, f sqlstore.NeedFilter) (sqlstore.Page[need.Need], error)
	Need(ctx context.Context, needID, within string) (need.Need, error)
	CancelNeed(ctx context.Context, needID, within string) (need.Need, error)
}

const maxNeedsPerRequest = 1000

// needsRequest is the body of POST /api/v1/needs.
type needsRequest struct {
	Needs []needFiling `json:"needs"`
}

// needFiling is one need as its unit files it.
type needFiling struct {
	NeedID        string      `json:"need_id"`
	Unit          string      `json:"unit"`
	Type          string      `json:"type,omitempty"`
	Skill         string      `json:"skill,omitempty"`
	Quantity      float64     `json:"quantity"`
	Area          string      `json:"area"`
	Point         *area.Point `json:"point,omitempty"`
	Deadline      string      `json:"deadline"`
	Priority      int         `json:"priority"`
	Justification string      `json:"justification"`
	LegalBasis    string      `json:"legal_basis"`
}

func (f needFiling) toNeed(now time.Time, tree *area.Tree, within string) (need.Need, []registry.FieldError) {
	n := need.Need{ID: f.NeedID, Unit: f.Unit, Type: f.Type, Skill: f.Skill, Quantity: f.Quantity, Area: f.Area,
		Point: f.Point, Priority: f.Priority, Justification: f.Justification, LegalBasis: f.LegalBasis, CreatedAt: now}
	var own []registry.FieldError
	if f.Deadline != "" {
		var err error
		if n.Deadline, err = time.Parse(time.RFC3339, f.Deadline); err != nil {
			own = append(own, registry.FieldError{Field: "deadline", Message: fmt.Sprintf("%q is not an RFC 3339 time (2026-03-01T08:00:00Z)", f.Deadline)})
		}
	}
	if f.Area != "" {
		if _, ok := tree.Get(f.Area); !ok {
			own = append(own, registry.FieldError{Field: "area", Message: fmt.Sprintf("no area %q", f.Area)})
		} else if !tree.Within(f.Area, within) {
			own = append(own, registry.FieldError{Field: "area", Message: fmt.Sprintf("%s is outside your jurisdiction (%s)", f.Area, within)})
		}
	}
	errs := own
	for _, e := range n.Validate() {
		if !slices.ContainsFunc(own, func(o registry.FieldError) bool { return o.Field == e.Field }) {
			errs = append(errs, e)
		}
	}
	return n, errs
}

func (s *Server) fileNeeds(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req needsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if n := len(req.Needs); n == 0 || n > maxNeedsPerRequest {
		return muster.Errorf(muster.Invalid, "needs: send 1 to %d needs, not %d", maxNeedsPerRequest, n)
	}
	tree, err := s.store.AreaTree(r.Context())
	if err != nil {
		return err
	}
	now := s.now().UTC()
	needs := make([]need.Need, len(req.Needs))
	var problems []string
	for i, f := range req.Needs {
		n, errs := f.toNeed(now, tree, c.user.Area)
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("needs[%d].%s", i, e))
		}
		needs[i] = n
	}
	if len(problems) > 0 {
		return invalidList(problems)
	}
	// Need ids are national: filing again the id of a need of another
	// jurisdiction would move that need into this one.
	for i, n := range needs {
		stored, err := s.store.Need(r.Context(), n.ID, "")
		if muster.ErrorKind(err) == muster.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		if !tree.Within(stored.Area, c.user.Area) {
			return muster.Errorf(muster.Forbidden, "needs[%d].need_id: %s was filed outside your jurisdiction (%s); file under another id", i, n.ID, c.user.Area)
		}
	}
	filed, err := s.store.FileNeeds(r.Context(), needs, c.user.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, itemsOf[need.Need]{Items: filed})
	return nil
}

func (s *Server) listNeeds(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := sqlstore.NeedFilter{Within: c.user.Area, Area: q.Get("area"), Unit: q.Get("unit")}
	var err error
	if v := q.Get("state"); v != "" {
		if f.State, err = need.ParseState(v); err != nil {
			return muster.Errorf(muster.Invalid, "state: %s", muster.ErrorMessage(err))
		}
	}
	if f.After, err = parseCursor("needs", q.Get("after")); err != nil {
		return err
	}
	if f.Limit, err = parseLimit(q.Get("limit")); err != nil {
		return err
	}
	if err := s.scopeArea(r.Context(), c.user, f.Area); err != nil {
		return err
	}
	p, err := s.store.ListNeeds(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(p.Items, "needs", p.Next))
	return nil
}

func (s *Server) getNeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("need_id")
	if !registry.ValidID(id) {
		return muster.Errorf(muster.Invalid, "need_id: %q is not a valid identifier", id)
	}
	n, err := s.store.Need(r.Context(), id, c.user.Area)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) cancelNeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("need_id")
	if !registry.ValidID(id) {
		return muster.Errorf(muster.Invalid, "need_id: %q is not a valid identifier", id)
	}
	n, err := s.store.CancelNeed(r.Context(), id, c.user.Area)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) needRoutes() []route {
	needParam := pathParam("need_id", "the need's id, as its unit filed it")
	return []route{
		{Route: Route{"GET", "/api/v1/needs", auth.ReadNeeds, "Needs filed within your jurisdiction, in filing order"},
			handle: s.listNeeds, response: "NeedPage", params: listParams(
				queryParam("area", "area code: only needs within this area's subtree (must lie in your jurisdiction)"),
				queryParam("state", "open, filled or cancelled"),
				queryParam("unit", "only needs of this requesting unit"),
			)},
		{Route: Route{"GET", "/api/v1/needs/{need_id}", auth.ReadNeeds, "One need"},
			handle: s.getNeed, response: "Need", params: []param{needParam}},
		{Route: Route{"POST", "/api/v1/needs", auth.WriteNeeds,
			"File 1 to 1000 needs in your jurisdiction; filing an open, untouched need's id again corrects it"},
			handle: s.fileNeeds, body: "NeedsRequest", response: "NeedList", status: http.StatusCreated, idempotent: true},
		{Route: Route{"POST", "/api/v1/needs/{need_id}/cancel", auth.WriteNeeds, "Withdraw an open need"},
			handle: s.cancelNeed, response: "Need", params: []param{needParam}, idempotent: true,
			errs: []int{http.StatusNotFound, http.StatusConflict}},
	}
}

// needSchemas adds the schemas of the needs routes to s.
func needSchemas(s obj, types []string) {
	var typesAndClasses []string
	for _, t := range types {
		c, _, _ := strings.Cut(t, ".")
		if !slices.Contains(typesAndClasses, c) {
			typesAndClasses = append(typesAndClasses, c)
		}
		typesAndClasses = append(typesAndClasses, t)
	}
	common := obj{
		"need_id":       obj{"type": "string", "description": "the unit's own reference (2 to 40 letters, digits, '.', '-', '_')"},
		"unit":          str("the requesting unit"),
		"type":          obj{"type": "string", "enum": typesAndClasses, "description": "resource type or class; absent for a skill"},
		"skill":         str("a person's skill, for call-ups; absent for a resource"),
		"quantity":      obj{"type": "number", "exclusiveMinimum": 0},
		"area":          str("area code where the need is"),
		"point":         ref("Point"),
		"priority":      obj{"type": "integer", "minimum": need.MinPriority, "maximum": need.MaxPriority, "description": "1 routine to 5 critical"},
		"justification": str("why"),
		"legal_basis":   str("the text the need rests on"),
	}
	filing := obj{}
	for k, v := range common {
		filing[k] = v
	}
	filing["deadline"] = obj{"type": "string", "format": "date-time"}
	s["NeedFiling"] = obj{"type": "object", "additionalProperties": false, "properties": filing,
		"required": []string{"need_id", "unit", "quantity", "area", "deadline", "priority", "justification", "legal_basis"}}
	s["NeedsRequest"] = obj{"type": "object", "required": []string{"needs"}, "additionalProperties": false, "properties": obj{
		"needs": obj{"type": "array", "minItems": 1, "maxItems": maxNeedsPerRequest, "items": ref("NeedFiling")},
	}}
	stored := obj{}
	for k, v := range common {
		stored[k] = v
	}
	stored["deadline"] = obj{"type": "string", "format": "date-time"}
	stored["state"] = enum([]need.State{need.Open, need.Filled, need.Cancelled})
	stored["filled"] = obj{"type": "number", "minimum": 0, "description": "quantity covered by accepted proposal lines"}
	stored["filed_by"] = str("the user who filed it")
	stored["created_at"] = obj{"type": "string", "format": "date-time"}
	s["Need"] = obj{"type": "object", "properties": stored,
		"required": []string{"need_id", "unit", "quantity", "area", "deadline", "priority", "justification", "legal_basis", "state", "filled", "filed_by"}}
	s["NeedList"] = obj{"type": "object", "required": []string{"items"}, "properties": obj{
		"items": obj{"type": "array", "items": ref("Need")},
	}}
}
