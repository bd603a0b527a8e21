package httpapi

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// page is the JSON shape of every listing.
type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func newPage[T any](items []T, collection string, next int64) page[T] {
	if items == nil {
		items = []T{} // an empty listing is [], not null
	}
	return page[T]{Items: items, Next: formatCursor(collection, next)}
}

func (s *Server) listAreas(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := sqlstore.AreaFilter{Within: c.user.Area, Parent: q.Get("parent"), Level: q.Get("level")}
	if f.Parent != "" && !area.ValidCode(f.Parent) {
		return muster.Errorf(muster.Invalid, "parent: %q is not an area code", f.Parent)
	}
	areas, err := s.store.ListAreas(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(areas, "areas", 0))
	return nil
}

func (s *Server) getArea(w http.ResponseWriter, r *http.Request, c *caller) error {
	code := r.PathValue("code")
	if !area.ValidCode(code) {
		return muster.Errorf(muster.Invalid, "code: %q is not an area code", code)
	}
	// Area takes no jurisdiction, so check it against the tree first; an
	// area outside it is not found, as for every other record.
	tree, err := s.store.AreaTree(r.Context())
	if err != nil {
		return err
	}
	if !tree.Within(code, c.user.Area) {
		return muster.Errorf(muster.NotFound, "no area %s in your jurisdiction", code)
	}
	a, err := s.store.Area(r.Context(), code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) listPersons(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := sqlstore.PersonFilter{Within: c.user.Area, Area: q.Get("area"), NationalID: q.Get("national_id"),
		Status: registry.Status(q.Get("status")), Skill: q.Get("skill")}
	var err error
	if f.After, err = parseCursor("persons", q.Get("after")); err != nil {
		return err
	}
	if f.Limit, err = parseLimit(q.Get("limit")); err != nil {
		return err
	}
	if f.NationalID != "" && !registry.ValidID(f.NationalID) {
		return muster.Errorf(muster.Invalid, "national_id: not a valid identifier (2 to 40 letters, digits, '.', '-', '_')")
	}
	if f.Status != "" && !slices.Contains(registry.Statuses, f.Status) {
		return muster.Errorf(muster.Invalid, "status: %q is not one of civilian, reservist, active, retired", f.Status)
	}
	if f.Skill != "" && !registry.ValidToken(f.Skill) {
		return muster.Errorf(muster.Invalid, "skill: %q is not a skill name (lower-case letters, digits, '_', '.', '-')", f.Skill)
	}
	if err := s.scopeArea(r.Context(), c.user, f.Area); err != nil {
		return err
	}
	p, err := s.store.ListPersons(r.Context(), f)
	if err != nil {
		return err
	}
	// Record the read before answering: if it cannot be recorded, the
	// data is not served.
	if err := s.store.LogAccess(r.Context(), c.user.ID, "persons.list", s.personListSubject(f, len(p.Items))); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(p.Items, "persons", p.Next))
	return nil
}

// personListSubject describes a listing for the access log: the filters
// and how many persons it returned, with a national ID only as its blind
// index, so that the log holds no personal data.
func (s *Server) personListSubject(f sqlstore.PersonFilter, count int) string {
	var b strings.Builder
	b.WriteString("list")
	for _, kv := range [][2]string{{"area", f.Area}, {"status", string(f.Status)}, {"skill", f.Skill}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	if f.NationalID != "" {
		fmt.Fprintf(&b, " nid_index=%s", s.nidIndex(f.NationalID))
	}
	if f.After != 0 {
		fmt.Fprintf(&b, " after=%d", f.After)
	}
	fmt.Fprintf(&b, " count=%d", count)
	return b.String()
}

func (s *Server) nidIndex(nationalID string) string {
	return hex.EncodeToString(s.store.NationalIDIndex(nationalID))
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request, c *caller) error {
	nid := r.PathValue("national_id")
	if !registry.ValidID(nid) {
		return muster.Errorf(muster.Invalid, "national_id: not a valid identifier (2 to 40 letters, digits, '.', '-', '_')")
	}
	p, err := s.store.Person(r.Context(), nid, c.user.Area)
	if err != nil {
		return err
	}
	if err := s.store.LogAccess(r.Context(), c.user.ID, "persons.read", "nid_index="+s.nidIndex(nid)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := sqlstore.OrganisationFilter{Within: c.user.Area, Area: q.Get("area"), Kind: q.Get("kind")}
	var err error
	if f.After, err = parseCursor("organisations", q.Get("after")); err != nil {
		return err
	}
	if f.Limit, err = parseLimit(q.Get("limit")); err != nil {
		return err
	}
	if f.Protected, err = parseBool("protected", q.Get("protected")); err != nil {
		return err
	}
	if f.Kind != "" && !slices.Contains(registry.OrganisationKinds, f.Kind) {
		return muster.Errorf(muster.Invalid, "kind: %q is not a known kind (%s)", f.Kind, strings.Join(registry.OrganisationKinds, ", "))
	}
	if err := s.scopeArea(r.Context(), c.user, f.Area); err != nil {
		return err
	}
	p, err := s.store.ListOrganisations(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(p.Items, "organisations", p.Next))
	return nil
}

func (s *Server) getOrganisation(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("org_id")
	if !registry.ValidID(id) {
		return muster.Errorf(muster.Invalid, "org_id: %q is not a valid identifier", id)
	}
	o, err := s.store.Organisation(r.Context(), id, c.user.Area)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) listResources(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := sqlstore.ResourceFilter{Within: c.user.Area, Area: q.Get("area"), Type: q.Get("type")}
	var err error
	if f.After, err = parseCursor("resources", q.Get("after")); err != nil {
		return err
	}
	if f.Limit, err = parseLimit(q.Get("limit")); err != nil {
		return err
	}
	if f.Type != "" && !knownTypeOrClass(f.Type) {
		return muster.Errorf(muster.Invalid, "type: %q is not a resource type (vehicle.truck) or class (vehicle) of the taxonomy", f.Type)
	}
	if o := q.Get("owner"); o != "" {
		owner, err := registry.ParseOwner(o)
		if err != nil {
			// ParseOwner's message quotes the value, which may be a
			// national ID; it goes back to its own sender only.
			return muster.Errorf(muster.Invalid, "owner: %v", err)
		}
		f.Owner = &owner
	}
	if err := s.scopeArea(r.Context(), c.user, f.Area); err != nil {
		return err
	}
	p, err := s.store.ListResources(r.Context(), f)
	if err != nil {
		return err
	}
	if err := s.logOwnerReads(r, c, "resources.list", f, p.Items); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(p.Items, "resources", p.Next))
	return nil
}

func (s *Server) getResource(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("resource_id")
	if !registry.ValidID(id) {
		return muster.Errorf(muster.Invalid, "resource_id: %q is not a valid identifier", id)
	}
	res, err := s.store.Resource(r.Context(), id, c.user.Area)
	if err != nil {
		return err
	}
	if err := s.logOwnerReads(r, c, "resources.read", sqlstore.ResourceFilter{}, []registry.Resource{res}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// logOwnerReads records a read of resources when any is owned by a
// person: the owner's national ID is personal data, so such a read is
// recorded like a read of persons.
func (s *Server) logOwnerReads(r *http.Request, c *caller, action string, f sqlstore.ResourceFilter, items []registry.Resource) error {
	var owners []string
	for _, res := range items {
		if res.Owner.Kind == registry.OwnerPerson {
			owners = append(owners, s.nidIndex(res.Owner.ID))
		}
	}
	if len(owners) == 0 {
		return nil
	}
	var subject string
	if action == "resources.read" {
		subject = "resource=" + items[0].ResourceID + " owner_nid_index=" + owners[0]
	} else {
		var b strings.Builder
		b.WriteString("list")
		for _, kv := range [][2]string{{"area", f.Area}, {"type", f.Type}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
			}
		}
		if f.Owner != nil {
			if f.Owner.Kind == registry.OwnerPerson {
				fmt.Fprintf(&b, " owner_nid_index=%s", s.nidIndex(f.Owner.ID))
			} else {
				fmt.Fprintf(&b, " owner=%s", f.Owner)
			}
		}
		if f.After != 0 {
			fmt.Fprintf(&b, " after=%d", f.After)
		}
		fmt.Fprintf(&b, " count=%d person_owned=%d", len(items), len(owners))
		subject = b.String()
	}
	return s.store.LogAccess(r.Context(), c.user.ID, action, subject)
}

// knownTypeOrClass reports whether s names a taxonomy type or class.
func knownTypeOrClass(s string) bool {
	if _, ok := registry.LookupType(s); ok {
		return true
	}
	return slices.ContainsFunc(registry.Taxonomy, func(t registry.ResourceType) bool { return t.Class() == s })
}
