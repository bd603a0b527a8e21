package officerweb

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The persons' pages of the registry: a search, its export, and a
// person's record. Each listing, export and record shown is recorded in
// the access log first (see registry.go).

// personSearch is the persons' search form and, once asked, its results.
type personSearch struct {
	NationalID, Area, Status, Skill string

	Areas    []areaOption
	Statuses []registry.Status
	Tabs     []regTab
	Searched bool
	Persons  []personRow
	Next     string
	First    string
	CSV      string
}

type personRow struct {
	registry.Person
	AreaName string
}

// personFilter reads the search's filters, checked as the API checks
// them. searched says whether a search was asked for: the form and the
// page links carry search=1, so that an empty search lists everyone.
func (h *Handler) personFilter(r *http.Request, c *call) (sqlstore.PersonFilter, *area.Tree, bool, error) {
	q := r.URL.Query()
	searched := q.Get("search") != "" || q.Get("national_id") != "" || q.Get("area") != "" || q.Get("status") != "" ||
		q.Get("skill") != "" || q.Get("after") != ""
	f := sqlstore.PersonFilter{Within: c.user.Area, Area: q.Get("area"), NationalID: strings.TrimSpace(q.Get("national_id")),
		Status: registry.Status(q.Get("status")), Skill: strings.TrimSpace(q.Get("skill")), Limit: pageSize}
	var err error
	if f.After, err = parseAfter(q.Get("after")); err != nil {
		return f, nil, searched, err
	}
	if f.NationalID != "" && !registry.ValidID(f.NationalID) {
		return f, nil, searched, muster.Errorf(muster.Invalid, "national ID: not a valid identifier (2 to 40 letters, digits, '.', '-', '_')")
	}
	if f.Status != "" && !slices.Contains(registry.Statuses, f.Status) {
		return f, nil, searched, muster.Errorf(muster.Invalid, "status: %q is not one of civilian, reservist, active, retired", f.Status)
	}
	if f.Skill != "" && !registry.ValidToken(f.Skill) {
		return f, nil, searched, muster.Errorf(muster.Invalid, "skill: %q is not a skill name (lower-case letters, digits, '_', '.', '-')", f.Skill)
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return f, nil, searched, err
	}
	return f, tree, searched, checkFilterArea(tree, f.Area, c.user.Area)
}

// personsSubject describes a listing or an export of persons for the
// access log, as the API does: the filters, a national ID by its blind
// index, and how many persons were shown (-1: an export, counted as it
// streams).
func (h *Handler) personsSubject(what string, f sqlstore.PersonFilter, count int) string {
	var b strings.Builder
	b.WriteString("web " + what)
	for _, kv := range [][2]string{{"area", f.Area}, {"status", string(f.Status)}, {"skill", f.Skill}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	if f.NationalID != "" {
		fmt.Fprintf(&b, " nid_index=%s", h.nidIndex(f.NationalID))
	}
	if f.After != 0 {
		fmt.Fprintf(&b, " after=%d", f.After)
	}
	if count >= 0 {
		fmt.Fprintf(&b, " count=%d", count)
	}
	return b.String()
}

func (h *Handler) listPersons(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, searched, err := h.personFilter(r, c)
	if err != nil {
		return err
	}
	v := personSearch{NationalID: f.NationalID, Area: f.Area, Status: string(f.Status), Skill: f.Skill, Statuses: registry.Statuses,
		Areas: areaOptions(tree, c.user.Area, 3, f.Area), Tabs: registryTabs(c, "/o/persons"), Searched: searched}
	if searched {
		p, err := h.store.ListPersons(r.Context(), f)
		if err != nil {
			return err
		}
		// Recorded before it is shown: if the read cannot be recorded,
		// the data is not shown.
		if err := h.store.LogAccess(r.Context(), c.user.ID, "persons.list", h.personsSubject("list", f, len(p.Items))); err != nil {
			return err
		}
		for _, p := range p.Items {
			v.Persons = append(v.Persons, personRow{Person: p, AreaName: areaName(tree, p.Area)})
		}
		q := url.Values{"search": {"1"}, "national_id": {f.NationalID}, "area": {f.Area}, "status": {string(f.Status)}, "skill": {f.Skill}}
		v.First, v.Next = pageLinks("/o/persons", q, f.After, p.Next)
		v.CSV = "/o/persons.csv?" + setValues(q).Encode()
	}
	h.render(w, r, c, http.StatusOK, "persons", "persons_title", v)
	return nil
}

var personColumns = []csvColumn{
	{"national_id", "#meta+id+national"}, {"family_name", "#contact+name+family"}, {"given_name", "#contact+name+given"},
	{"area_code", "#loc+code"}, {"area_name", "#loc+name"}, {"status", "#status"}, {"skills", "#meta+skills"}, {"rank", "#meta+rank"},
}

// personsCSV answers the search, every page of it, with the columns the
// list shows and nothing more of each person's.
func (h *Handler) personsCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, _, err := h.personFilter(r, c)
	if err != nil {
		return err
	}
	if err := h.store.LogAccess(r.Context(), c.user.ID, "persons.export", h.personsSubject("export", f, -1)); err != nil {
		return err
	}
	f.Limit = exportRows
	cw := startCSV(w, "muster-persons-"+c.user.Area+".csv", personColumns)
	for {
		p, err := h.store.ListPersons(r.Context(), f)
		if err != nil {
			h.log.ErrorContext(r.Context(), "officer web: persons CSV", "err", err)
			break
		}
		for _, p := range p.Items {
			cw.Write([]string{p.NationalID, p.FamilyName, p.GivenName, p.Area, areaName(tree, p.Area), string(p.Status),
				strings.Join(p.Skills, ";"), p.Rank})
		}
		if p.Next == 0 {
			break
		}
		f.After = p.Next
	}
	cw.Flush()
	return cw.Error()
}

// personView is a person's page: every field, what they own and the
// orders addressed to them, for the roles that read those.
type personView struct {
	personRow
	Age       int
	Resources []resourceRow
	Orders    []orderRow
	// ShowResources and ShowOrders say whether the role reads them.
	ShowResources, ShowOrders bool
	Tabs                      []regTab
}

// registryOrders is how many orders a registry page lists, newest first.
const registryOrders = 50

func (h *Handler) showPerson(w http.ResponseWriter, r *http.Request, c *call) error {
	nid := r.PathValue("nid")
	if !registry.ValidID(nid) {
		return muster.Errorf(muster.Invalid, "national ID: not a valid identifier (2 to 40 letters, digits, '.', '-', '_')")
	}
	ctx := r.Context()
	p, err := h.store.Person(ctx, nid, c.user.Area)
	if err != nil {
		return err
	}
	if err := h.store.LogAccess(ctx, c.user.ID, "persons.read", "web nid_index="+h.nidIndex(nid)); err != nil {
		return err
	}
	tree, err := h.areaTree(ctx, c)
	if err != nil {
		return err
	}
	v := personView{personRow: personRow{Person: p, AreaName: areaName(tree, p.Area)}, Age: age(p.BirthDate, h.now().In(h.zone)),
		Tabs: registryTabs(c, "")}
	owner := registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID}
	if err := h.ownerRecords(ctx, c, tree, owner, &v.Resources, &v.Orders, &v.ShowResources, &v.ShowOrders); err != nil {
		return err
	}
	pg := h.newPage(r, c, "person_title", v)
	pg.Title = t(c.lang, "person_title", p.GivenName+" "+p.FamilyName)
	h.renderPage(w, http.StatusOK, "person", pg)
	return nil
}

// age is the whole years from birth to now.
func age(birth, now time.Time) int {
	years := now.Year() - birth.Year()
	if now.Month() < birth.Month() || now.Month() == birth.Month() && now.Day() < birth.Day() {
		years--
	}
	return years
}
