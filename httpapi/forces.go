package httpapi

import (
	"context"
	"net/http"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/sqlstore"
)

// ForceStore is what the force-target routes ask of the store.
type ForceStore interface {
	SetForceTarget(ctx context.Context, f sqlstore.ForceTarget) (sqlstore.ForceTarget, error)
	ForceTargets(ctx context.Context, within string) ([]sqlstore.ForceStatus, error)
}

// forceRequest is the body of POST /api/v1/forces.
type forceRequest struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Scope    string `json:"scope"`
	Target   int64  `json:"target"`
	Strength int64  `json:"strength"`
}

func (s *Server) listForces(w http.ResponseWriter, r *http.Request, c *caller) error {
	list, err := s.store.ForceTargets(r.Context(), c.user.Area)
	if err != nil {
		return err
	}
	if list == nil {
		list = []sqlstore.ForceStatus{}
	}
	writeJSON(w, http.StatusOK, itemsOf[sqlstore.ForceStatus]{Items: list})
	return nil
}

func (s *Server) setForce(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req forceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Scope == "" {
		return muster.Errorf(muster.Invalid, "scope: give the area whose campaigns may fill the target")
	}
	if err := s.scopeArea(r.Context(), c.user, req.Scope); err != nil {
		return err
	}
	// Force codes are national: setting the code of a force of another
	// jurisdiction would move that force into this one.
	all, err := s.store.ForceTargets(r.Context(), "")
	if err != nil {
		return err
	}
	tree, err := s.store.AreaTree(r.Context())
	if err != nil {
		return err
	}
	for _, f := range all {
		if f.Code == req.Code && !tree.Within(f.Scope, c.user.Area) {
			return muster.Errorf(muster.Forbidden, "code: %s is a force outside your jurisdiction (%s)", req.Code, c.user.Area)
		}
	}
	if _, err := s.store.SetForceTarget(r.Context(), sqlstore.ForceTarget{Code: req.Code, Name: req.Name, Scope: req.Scope,
		Target: req.Target, Base: req.Strength, UpdatedBy: c.user.Name}); err != nil {
		return err
	}
	list, err := s.store.ForceTargets(r.Context(), c.user.Area)
	if err != nil {
		return err
	}
	for _, f := range list {
		if f.Code == req.Code {
			writeJSON(w, http.StatusOK, f)
			return nil
		}
	}
	return muster.Errorf(muster.Internal, "force %s vanished", req.Code)
}

func (s *Server) forceRoutes() []route {
	return []route{
		{Route: Route{"GET", "/api/v1/forces", auth.ReadNeeds,
			"Force targets within your jurisdiction: target, strength, call-ups answered and pending, shortfall"},
			handle: s.listForces, response: "ForceList"},
		{Route: Route{"POST", "/api/v1/forces", auth.RunCampaigns,
			"Set a force's strength target and the strength it has apart from muster's call-ups"},
			handle: s.setForce, body: "ForceRequest", response: "Force", idempotent: true},
	}
}

// forceSchemas adds the schemas of the force routes to s.
func forceSchemas(s obj) {
	count := func(desc string) obj { return obj{"type": "integer", "minimum": 0, "description": desc} }
	s["ForceRequest"] = obj{"type": "object", "required": []string{"code", "name", "scope", "target"}, "additionalProperties": false,
		"properties": obj{
			"code":     str("short code of the force or unit"),
			"name":     str("its name"),
			"scope":    str("the area whose campaigns may fill it (within your jurisdiction)"),
			"target":   obj{"type": "integer", "minimum": 1, "description": "the strength to reach"},
			"strength": count("the strength it has apart from muster's call-ups"),
		}}
	s["Force"] = obj{"type": "object", "required": []string{"code", "name", "scope", "target", "base", "strength", "reported", "pending", "shortfall"},
		"properties": obj{
			"code":       str("short code"),
			"name":       str("name"),
			"scope":      str("area code"),
			"target":     count("the strength to reach"),
			"base":       count("strength apart from muster's call-ups, as declared"),
			"reported":   count("call-ups of its campaigns answered (acknowledged, reported, returned...)"),
			"pending":    count("call-ups of its campaigns still on their way"),
			"strength":   count("base + reported"),
			"shortfall":  count("target − strength − pending, never below zero"),
			"updated_by": str("who set it last"),
			"updated_at": obj{"type": "string", "format": "date-time"},
		}}
	s["ForceList"] = obj{"type": "object", "required": []string{"items"}, "properties": obj{"items": obj{"type": "array", "items": ref("Force")}}}
}
