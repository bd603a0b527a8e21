package officerweb

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The registry pages: persons, organisations and resources of the user's
// jurisdiction, searched and opened one by one with what they own and
// the orders addressed to them.
//
// Persons are personal data: a search lists nothing until it is asked
// for, and every listing, export and person's page is recorded in the
// access log before it is shown, with the filters and national IDs only
// as their blind index, as the API records them. Resources name a person
// owner by the reference printed in orders' QR codes; a resource's own
// page names the owner, and that read is recorded too.

// regTab is a tab of the registry: the kinds of record the role may read.
type regTab struct {
	Href    string
	Label   string
	Current bool
}

func registryTabs(c *call, current string) []regTab {
	var out []regTab
	for _, tab := range []struct {
		href   string
		label  text
		action auth.Action
	}{
		{"/o/persons", "nav_persons", auth.ReadPersons},
		{"/o/organisations", "nav_organisations", auth.ReadOrganisations},
		{"/o/resources", "nav_resources", auth.ReadResources},
	} {
		if auth.Can(c.user.Role, tab.action) {
			out = append(out, regTab{Href: tab.href, Label: t(c.lang, tab.label), Current: tab.href == current})
		}
	}
	return out
}

// checkFilterArea checks the area a list is filtered on: known, and in
// the jurisdiction.
func checkFilterArea(tree *area.Tree, code, within string) error {
	if code == "" {
		return nil
	}
	if _, ok := tree.Get(code); !ok {
		return muster.Errorf(muster.Invalid, "area: no area %q", code)
	}
	if !tree.Within(code, within) {
		return muster.Errorf(muster.Forbidden, "area: %s is outside your jurisdiction (%s)", code, within)
	}
	return nil
}

// parseAfter reads the keyset cursor of a registry list.
func parseAfter(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, muster.Errorf(muster.Invalid, "after: not a page of this list")
	}
	return n, nil
}

// pageLinks names the first and next pages of a list filtered by q.
func pageLinks(path string, q url.Values, after, next int64) (first, nextHref string) {
	q = setValues(q)
	q.Del("after")
	if after != 0 {
		first = path + "?" + q.Encode()
	}
	if next != 0 {
		q.Set("after", strconv.FormatInt(next, 10))
		nextHref = path + "?" + q.Encode()
	}
	return first, nextHref
}

// setValues copies query values, keeping only those that are set.
func setValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" && k != "lang" && k != "done" && k != "arg" {
			out.Set(k, v[0])
		}
	}
	return out
}

func (h *Handler) nidIndex(nationalID string) string {
	return hex.EncodeToString(h.store.NationalIDIndex(nationalID))
}

// ownerRecords reads what owner owns and the orders addressed to them,
// each if the role reads it.
func (h *Handler) ownerRecords(ctx context.Context, c *call, tree *area.Tree, owner registry.Owner, resources *[]resourceRow,
	orders *[]orderRow, showResources, showOrders *bool) error {
	if *showResources = auth.Can(c.user.Role, auth.ReadResources); *showResources {
		p, err := h.store.ListResources(ctx, sqlstore.ResourceFilter{Within: c.user.Area, Owner: &owner, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, res := range p.Items {
			*resources = append(*resources, h.resourceRow(res, c, tree))
		}
	}
	if *showOrders = auth.Can(c.user.Role, auth.ReadOrders); *showOrders {
		found, err := h.store.AddresseeOrders(ctx, owner, c.user.Area, registryOrders)
		if err != nil {
			return err
		}
		for _, o := range found {
			*orders = append(*orders, h.orderRow(o, c))
		}
	}
	return nil
}

type organisationsList struct {
	Area, Kind, Protected string

	Areas         []areaOption
	Kinds         []string
	Tabs          []regTab
	Organisations []organisationRow
	Next, First   string
	CSV           string
}

type organisationRow struct {
	registry.Organisation
	AreaName string
}

func (h *Handler) organisationFilter(r *http.Request, c *call) (sqlstore.OrganisationFilter, *area.Tree, error) {
	q := r.URL.Query()
	f := sqlstore.OrganisationFilter{Within: c.user.Area, Area: q.Get("area"), Kind: q.Get("kind"), Limit: pageSize}
	var err error
	if f.After, err = parseAfter(q.Get("after")); err != nil {
		return f, nil, err
	}
	switch q.Get("protected") {
	case "":
	case "yes", "no":
		protected := q.Get("protected") == "yes"
		f.Protected = &protected
	default:
		return f, nil, muster.Errorf(muster.Invalid, "protected: yes or no")
	}
	if f.Kind != "" && !slices.Contains(registry.OrganisationKinds, f.Kind) {
		return f, nil, muster.Errorf(muster.Invalid, "kind: %q is not a known kind (%s)", f.Kind, strings.Join(registry.OrganisationKinds, ", "))
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return f, nil, err
	}
	return f, tree, checkFilterArea(tree, f.Area, c.user.Area)
}

func (h *Handler) listOrganisations(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, err := h.organisationFilter(r, c)
	if err != nil {
		return err
	}
	p, err := h.store.ListOrganisations(r.Context(), f)
	if err != nil {
		return err
	}
	v := organisationsList{Area: f.Area, Kind: f.Kind, Protected: r.URL.Query().Get("protected"), Kinds: registry.OrganisationKinds,
		Areas: areaOptions(tree, c.user.Area, 3, f.Area), Tabs: registryTabs(c, "/o/organisations")}
	for _, o := range p.Items {
		v.Organisations = append(v.Organisations, organisationRow{Organisation: o, AreaName: areaName(tree, o.Area)})
	}
	q := url.Values{"area": {f.Area}, "kind": {f.Kind}, "protected": {v.Protected}}
	v.First, v.Next = pageLinks("/o/organisations", q, f.After, p.Next)
	v.CSV = "/o/organisations.csv?" + setValues(q).Encode()
	h.render(w, r, c, http.StatusOK, "organisations", "organisations_title", v)
	return nil
}

var organisationColumns = []csvColumn{
	{"org_id", "#org+id"}, {"name", "#org+name"}, {"kind", "#org+type"}, {"area_code", "#loc+code"}, {"area_name", "#loc+name"},
	{"protected", "#indicator+protected"}, {"protected_reason", "#description+protected"},
}

func (h *Handler) organisationsCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, err := h.organisationFilter(r, c)
	if err != nil {
		return err
	}
	f.Limit = exportRows
	cw := startCSV(w, "muster-organisations-"+c.user.Area+".csv", organisationColumns)
	for {
		p, err := h.store.ListOrganisations(r.Context(), f)
		if err != nil {
			h.log.ErrorContext(r.Context(), "officer web: organisations CSV", "err", err)
			break
		}
		for _, o := range p.Items {
			cw.Write([]string{o.OrgID, o.Name, o.Kind, o.Area, areaName(tree, o.Area), strconv.FormatBool(o.Protected), o.ProtectedReason})
		}
		if p.Next == 0 {
			break
		}
		f.After = p.Next
	}
	cw.Flush()
	return cw.Error()
}

type organisationView struct {
	organisationRow
	Resources                 []resourceRow
	Orders                    []orderRow
	ShowResources, ShowOrders bool
	Tabs                      []regTab
}

func (h *Handler) showOrganisation(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if !registry.ValidID(id) {
		return muster.Errorf(muster.Invalid, "organisation: %q is not a valid identifier", id)
	}
	ctx := r.Context()
	o, err := h.store.Organisation(ctx, id, c.user.Area)
	if err != nil {
		return err
	}
	tree, err := h.areaTree(ctx, c)
	if err != nil {
		return err
	}
	v := organisationView{organisationRow: organisationRow{Organisation: o, AreaName: areaName(tree, o.Area)}, Tabs: registryTabs(c, "")}
	owner := registry.Owner{Kind: registry.OwnerOrganisation, ID: o.OrgID}
	if err := h.ownerRecords(ctx, c, tree, owner, &v.Resources, &v.Orders, &v.ShowResources, &v.ShowOrders); err != nil {
		return err
	}
	pg := h.newPage(r, c, "organisation_title", v)
	pg.Title = t(c.lang, "organisation_title", o.Name)
	h.renderPage(w, http.StatusOK, "organisation", pg)
	return nil
}

type resourcesList struct {
	Area, Type, Owner string

	Areas       []areaOption
	Types       []typeGroup
	Tabs        []regTab
	Resources   []resourceRow
	Next, First string
	CSV         string
}

// resourceRow is a resource in a list: a person owner by reference.
type resourceRow struct {
	registry.Resource
	AreaName   string
	OwnerLabel string
	OwnerHref  string // an organisation's page
}

func (h *Handler) resourceRow(res registry.Resource, c *call, tree *area.Tree) resourceRow {
	row := resourceRow{Resource: res, AreaName: areaName(tree, res.Area)}
	if res.Owner.Kind == registry.OwnerPerson {
		row.OwnerLabel = t(c.lang, "person_ref", h.store.AddresseeRef(res.Owner))
	} else {
		row.OwnerLabel = t(c.lang, "org_ref", res.Owner.ID)
		if auth.Can(c.user.Role, auth.ReadOrganisations) {
			row.OwnerHref = "/o/organisations/" + url.PathEscape(res.Owner.ID)
		}
	}
	return row
}

func (h *Handler) resourceFilter(r *http.Request, c *call) (sqlstore.ResourceFilter, *area.Tree, error) {
	q := r.URL.Query()
	f := sqlstore.ResourceFilter{Within: c.user.Area, Area: q.Get("area"), Type: q.Get("type"), Limit: pageSize}
	var err error
	if f.After, err = parseAfter(q.Get("after")); err != nil {
		return f, nil, err
	}
	if f.Type != "" && !knownTypeOrClass(f.Type) {
		return f, nil, muster.Errorf(muster.Invalid, "type: %q is not a resource type (vehicle.truck) or class (vehicle) of the taxonomy", f.Type)
	}
	if o := strings.TrimSpace(q.Get("owner")); o != "" {
		owner, err := registry.ParseOwner(o)
		if err != nil {
			return f, nil, muster.Errorf(muster.Invalid, "owner: person:<national ID> or org:<organisation id>")
		}
		f.Owner = &owner
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return f, nil, err
	}
	return f, tree, checkFilterArea(tree, f.Area, c.user.Area)
}

func knownTypeOrClass(s string) bool {
	if _, ok := registry.LookupType(s); ok {
		return true
	}
	return slices.ContainsFunc(registry.Taxonomy, func(t registry.ResourceType) bool { return t.Class() == s })
}

// logOwnerFilter records a resources list filtered on a person owner:
// the list then says what that person owns.
// count is -1 for an export, counted as it streams.
func (h *Handler) logOwnerFilter(ctx context.Context, c *call, action string, f sqlstore.ResourceFilter, count int) error {
	if f.Owner == nil || f.Owner.Kind != registry.OwnerPerson {
		return nil
	}
	subject := "web export"
	if count >= 0 {
		subject = "web list"
	}
	for _, kv := range [][2]string{{"area", f.Area}, {"type", f.Type}} {
		if kv[1] != "" {
			subject += " " + kv[0] + "=" + kv[1]
		}
	}
	subject += " owner_nid_index=" + h.nidIndex(f.Owner.ID)
	if count >= 0 {
		subject += " count=" + strconv.Itoa(count)
	}
	return h.store.LogAccess(ctx, c.user.ID, action, subject)
}

func (h *Handler) listResources(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, err := h.resourceFilter(r, c)
	if err != nil {
		return err
	}
	p, err := h.store.ListResources(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.logOwnerFilter(r.Context(), c, "resources.list", f, len(p.Items)); err != nil {
		return err
	}
	v := resourcesList{Area: f.Area, Type: f.Type, Owner: strings.TrimSpace(r.URL.Query().Get("owner")), Types: taxonomyGroups,
		Areas: areaOptions(tree, c.user.Area, 3, f.Area), Tabs: registryTabs(c, "/o/resources")}
	for _, res := range p.Items {
		v.Resources = append(v.Resources, h.resourceRow(res, c, tree))
	}
	q := url.Values{"area": {f.Area}, "type": {f.Type}, "owner": {v.Owner}}
	v.First, v.Next = pageLinks("/o/resources", q, f.After, p.Next)
	v.CSV = "/o/resources.csv?" + setValues(q).Encode()
	h.render(w, r, c, http.StatusOK, "resources", "resources_title", v)
	return nil
}

var resourceColumns = []csvColumn{
	{"resource_id", "#item+id"}, {"type", "#item+type"}, {"quantity", "#item+num"}, {"unit", "#item+unit"},
	{"owner_kind", "#org+owner+type"}, {"owner_ref", "#org+owner+ref"}, {"area_code", "#loc+code"}, {"area_name", "#loc+name"},
	{"latitude", "#geo+lat"}, {"longitude", "#geo+lon"}, {"condition", "#status+condition"}, {"declared_value_xof", "#value+declared+xof"},
}

func (h *Handler) resourcesCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, err := h.resourceFilter(r, c)
	if err != nil {
		return err
	}
	if err := h.logOwnerFilter(r.Context(), c, "resources.export", f, -1); err != nil {
		return err
	}
	f.Limit = exportRows
	cw := startCSV(w, "muster-resources-"+c.user.Area+".csv", resourceColumns)
	for {
		p, err := h.store.ListResources(r.Context(), f)
		if err != nil {
			h.log.ErrorContext(r.Context(), "officer web: resources CSV", "err", err)
			break
		}
		for _, res := range p.Items {
			ref := res.Owner.ID
			if res.Owner.Kind == registry.OwnerPerson {
				ref = h.store.AddresseeRef(res.Owner)
			}
			lat, lon := "", ""
			if res.Location != nil {
				lat, lon = num(res.Location.Lat), num(res.Location.Lon)
			}
			cw.Write([]string{res.ResourceID, res.Type, num(res.Quantity), res.Unit, string(res.Owner.Kind), ref, res.Area,
				areaName(tree, res.Area), lat, lon, res.Condition, strconv.FormatInt(res.DeclaredValueXOF, 10)})
		}
		if p.Next == 0 {
			break
		}
		f.After = p.Next
	}
	cw.Flush()
	return cw.Error()
}

type resourceView struct {
	resourceRow
	// PersonOwner is the owner's national ID, and PersonHref their page
	// for the roles that read persons.
	PersonOwner, PersonHref string
	Orders                  []orderRow
	ShowOrders              bool
	Tabs                    []regTab
}

func (h *Handler) showResource(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if !registry.ValidID(id) {
		return muster.Errorf(muster.Invalid, "resource: %q is not a valid identifier", id)
	}
	ctx := r.Context()
	res, err := h.store.Resource(ctx, id, c.user.Area)
	if err != nil {
		return err
	}
	tree, err := h.areaTree(ctx, c)
	if err != nil {
		return err
	}
	v := resourceView{resourceRow: h.resourceRow(res, c, tree), Tabs: registryTabs(c, "")}
	if res.Owner.Kind == registry.OwnerPerson {
		if err := h.store.LogAccess(ctx, c.user.ID, "resources.read", "web resource="+res.ResourceID+" owner_nid_index="+h.nidIndex(res.Owner.ID)); err != nil {
			return err
		}
		v.PersonOwner = res.Owner.ID
		if auth.Can(c.user.Role, auth.ReadPersons) {
			v.PersonHref = "/o/persons/" + url.PathEscape(res.Owner.ID)
		}
	}
	// The orders that take this resource: the owner's, naming it.
	if v.ShowOrders = auth.Can(c.user.Role, auth.ReadOrders); v.ShowOrders {
		found, err := h.store.AddresseeOrders(ctx, res.Owner, c.user.Area, 1000)
		if err != nil {
			return err
		}
		for _, o := range found {
			if slices.ContainsFunc(o.Items, func(it order.Item) bool { return slices.Contains(it.ResourceIDs, res.ResourceID) }) {
				v.Orders = append(v.Orders, h.orderRow(o, c))
			}
		}
	}
	pg := h.newPage(r, c, "resource_title", v)
	pg.Title = t(c.lang, "resource_title", res.ResourceID)
	h.renderPage(w, http.StatusOK, "resource", pg)
	return nil
}
