package officerweb

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The needs pages: requesting units file needs in their jurisdiction and
// cancel them; officers, approvers and auditors read them.

// pageSize is the rows of one page of a list.
const pageSize = 100

// areaOption is an area in a select, indented by its depth below the
// user's area.
type areaOption struct {
	Code, Name string
	Indent     string
	Selected   bool
}

// areaOptions lists the areas of the subtree of within, down to maxDepth
// levels below it, parents first.
func areaOptions(tree *area.Tree, within string, maxDepth int, selected string) []areaOption {
	var out []areaOption
	base := tree.Depth(within)
	for _, a := range tree.Areas() {
		if !tree.Within(a.Code, within) {
			continue
		}
		d := tree.Depth(a.Code) - base
		if d > maxDepth {
			continue
		}
		out = append(out, areaOption{Code: a.Code, Name: a.Name, Indent: strings.Repeat("\u00a0\u00a0", d), Selected: a.Code == selected})
	}
	return out
}

// needFilter reads the list's filters: a state and an area within the
// user's jurisdiction.
func (h *Handler) needFilter(r *http.Request, c *call) (sqlstore.NeedFilter, *area.Tree, error) {
	q := r.URL.Query()
	f := sqlstore.NeedFilter{Within: c.user.Area, Area: q.Get("area"), Limit: pageSize}
	if v := q.Get("state"); v != "" {
		s, err := need.ParseState(v)
		if err != nil {
			return f, nil, muster.Errorf(muster.Invalid, "state: %s", muster.ErrorMessage(err))
		}
		f.State = s
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, nil, muster.Errorf(muster.Invalid, "after: not a page of this list")
		}
		f.After = n
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return f, nil, err
	}
	if f.Area != "" {
		if _, ok := tree.Get(f.Area); !ok {
			return f, nil, muster.Errorf(muster.Invalid, "area: no area %q", f.Area)
		}
		if !tree.Within(f.Area, c.user.Area) {
			return f, nil, muster.Errorf(muster.Forbidden, "area: %s is outside your jurisdiction (%s)", f.Area, c.user.Area)
		}
	}
	return f, tree, nil
}

type needsList struct {
	Needs    []needRow
	State    string
	States   []need.State
	Areas    []areaOption
	Next     string // the next page's URL, "" on the last
	First    string // the first page's URL when this is not it
	CSV      string
	GeoJSON  string
	CanFile  bool
	Filtered bool
}

type needRow struct {
	need.Need
	AreaName string
}

func (h *Handler) listNeeds(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, err := h.needFilter(r, c)
	if err != nil {
		return err
	}
	p, err := h.store.ListNeeds(r.Context(), f)
	if err != nil {
		return err
	}
	v := needsList{State: string(f.State), States: []need.State{need.Open, need.Filled, need.Cancelled},
		Areas: areaOptions(tree, c.user.Area, 2, f.Area), CanFile: auth.Can(c.user.Role, auth.WriteNeeds),
		Filtered: f.State != "" || f.Area != ""}
	for _, n := range p.Items {
		v.Needs = append(v.Needs, needRow{Need: n, AreaName: areaName(tree, n.Area)})
	}
	q := url.Values{}
	if f.State != "" {
		q.Set("state", string(f.State))
	}
	if f.Area != "" {
		q.Set("area", f.Area)
	}
	v.CSV = "/o/needs.csv?" + q.Encode()
	v.GeoJSON = "/o/needs.geojson?" + q.Encode()
	if f.After != 0 {
		v.First = "/o/needs?" + q.Encode()
	}
	if p.Next != 0 {
		q.Set("after", strconv.FormatInt(p.Next, 10))
		v.Next = "/o/needs?" + q.Encode()
	}
	h.render(w, r, c, http.StatusOK, "needs", "needs_title", v)
	return nil
}

func areaName(tree *area.Tree, code string) string {
	if a, ok := tree.Get(code); ok {
		return a.Name
	}
	return code
}

// needsCSV answers the filtered needs, every page of them, as CSV with an
// HXL hashtag row.
func (h *Handler) needsCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	f, _, err := h.needFilter(r, c)
	if err != nil {
		return err
	}
	f.Limit = 1000
	cw := startCSV(w, "muster-needs-"+c.user.Area+".csv", needColumns)
	num := func(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }
	for {
		p, err := h.store.ListNeeds(r.Context(), f)
		if err != nil {
			// The header is sent: end the file short, and say so in the log.
			h.log.ErrorContext(r.Context(), "officer web: needs CSV", "err", err)
			break
		}
		for _, n := range p.Items {
			lat, lon := "", ""
			if n.Point != nil {
				lat, lon = num(n.Point.Lat), num(n.Point.Lon)
			}
			cw.Write([]string{n.ID, n.Unit, n.Type, n.Skill, num(n.Quantity), num(n.Filled), n.Area, lat, lon,
				n.Deadline.UTC().Format(time.RFC3339), strconv.Itoa(n.Priority), string(n.State), n.Justification, n.LegalBasis,
				n.FiledBy, n.CreatedAt.UTC().Format(time.RFC3339)})
		}
		if p.Next == 0 {
			break
		}
		f.After = p.Next
	}
	cw.Flush()
	return cw.Error()
}

type needView struct {
	needRow
	Share     float64
	CanCancel bool
}

func (h *Handler) showNeed(w http.ResponseWriter, r *http.Request, c *call) error {
	n, err := h.store.Need(r.Context(), r.PathValue("id"), c.user.Area)
	if err != nil {
		return err
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return err
	}
	v := needView{needRow: needRow{Need: n, AreaName: areaName(tree, n.Area)}, Share: min(n.Filled/n.Quantity, 1),
		CanCancel: n.State == need.Open && auth.Can(c.user.Role, auth.WriteNeeds)}
	pg := h.newPage(r, c, "need_title", v)
	pg.Title = t(c.lang, "need_title", n.ID)
	h.renderPage(w, http.StatusOK, "need", pg)
	return nil
}

func (h *Handler) cancelNeed(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if _, err := h.store.CancelNeed(r.Context(), id, c.user.Area); err != nil {
		return err
	}
	redirect(w, r, "/o/needs/"+url.PathEscape(id), "done_cancelled", id)
	return nil
}

// needForm is the "file a need" form: what was typed, and what is wrong
// with it, field by field.
type needForm struct {
	ID, Unit, Type, Skill, Quantity, Area, Lat, Lon, Deadline, Priority, Justification, LegalBasis string

	Errors map[string]string
	Areas  []areaOption
	Types  []typeGroup
	Zone   string
}

// typeGroup is a class of the taxonomy with its types, for the select.
type typeGroup struct {
	Class string
	Types []string
}

var taxonomyGroups = func() []typeGroup {
	var out []typeGroup
	for _, rt := range registry.Taxonomy {
		if len(out) == 0 || out[len(out)-1].Class != rt.Class() {
			out = append(out, typeGroup{Class: rt.Class()})
		}
		g := &out[len(out)-1]
		g.Types = append(g.Types, rt.Name)
	}
	return out
}()

func (h *Handler) needForm(w http.ResponseWriter, r *http.Request, c *call) error {
	f := needForm{ID: newNeedID(h.now()), Priority: "3", Area: c.user.Area}
	return h.renderNeedForm(w, r, c, http.StatusOK, f)
}

func (h *Handler) renderNeedForm(w http.ResponseWriter, r *http.Request, c *call, status int, f needForm) error {
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return err
	}
	f.Areas = areaOptions(tree, c.user.Area, 3, f.Area)
	f.Types = taxonomyGroups
	f.Zone = h.zone.String()
	h.render(w, r, c, status, "need_form", "need_new_title", f)
	return nil
}

// newNeedID suggests an identifier for a new need: the day and four
// random characters, which the unit may replace with its own.
func newNeedID(now time.Time) string {
	const alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := make([]byte, 4)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "N-" + now.UTC().Format("20060102") + "-" + string(b)
}

// deadlineLayout is how a datetime-local field sends its value.
const deadlineLayout = "2006-01-02T15:04"

func (h *Handler) fileNeed(w http.ResponseWriter, r *http.Request, c *call) error {
	f := needForm{}
	for field, dst := range map[string]*string{"need_id": &f.ID, "unit": &f.Unit, "type": &f.Type, "skill": &f.Skill,
		"quantity": &f.Quantity, "area": &f.Area, "lat": &f.Lat, "lon": &f.Lon, "deadline": &f.Deadline, "priority": &f.Priority,
		"justification": &f.Justification, "legal_basis": &f.LegalBasis} {
		*dst = strings.TrimSpace(r.PostFormValue(field))
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return err
	}
	n, errs := f.toNeed(h.now().UTC(), h.zone, tree, c.user.Area)
	if len(errs) == 0 {
		_, err := h.store.FileNeedsWithin(r.Context(), []need.Need{n}, c.user.Name, c.user.Area)
		switch muster.ErrorKind(err) {
		case "":
			redirect(w, r, "/o/needs/"+url.PathEscape(n.ID), "done_filed", n.ID)
			return nil
		case muster.Conflict, muster.Forbidden: // filed already, here or in another jurisdiction
			errs = map[string]string{"need_id": "err_need_taken"}
		default:
			return err
		}
	}
	f.Errors = map[string]string{}
	for field, key := range errs {
		f.Errors[field] = t(c.lang, text(key))
	}
	return h.renderNeedForm(w, r, c, http.StatusBadRequest, f)
}

// toNeed reads the form into a need and returns what is wrong with it, as
// text keys by field: the form's own parsing first, then the need's rules.
func (f needForm) toNeed(now time.Time, zone *time.Location, tree *area.Tree, within string) (need.Need, map[string]string) {
	errs := map[string]string{}
	n := need.Need{ID: f.ID, Unit: f.Unit, Type: f.Type, Skill: f.Skill, Area: f.Area, Justification: f.Justification,
		LegalBasis: f.LegalBasis, CreatedAt: now}
	var err error
	if n.Quantity, err = strconv.ParseFloat(strings.ReplaceAll(f.Quantity, ",", "."), 64); err != nil {
		errs["quantity"] = "err_quantity"
	}
	if n.Priority, err = strconv.Atoi(f.Priority); err != nil {
		errs["priority"] = "err_priority"
	}
	if f.Deadline != "" {
		if n.Deadline, err = time.ParseInLocation(deadlineLayout, f.Deadline, zone); err != nil {
			errs["deadline"] = "err_deadline"
		}
		n.Deadline = n.Deadline.UTC()
	}
	if f.Lat != "" || f.Lon != "" {
		lat, err1 := strconv.ParseFloat(strings.ReplaceAll(f.Lat, ",", "."), 64)
		lon, err2 := strconv.ParseFloat(strings.ReplaceAll(f.Lon, ",", "."), 64)
		if err1 != nil || err2 != nil {
			errs["point"] = "err_point"
		} else {
			n.Point = &area.Point{Lat: lat, Lon: lon}
		}
	}
	if f.Area != "" {
		if _, ok := tree.Get(f.Area); !ok {
			errs["area"] = "err_area_unknown"
		} else if !tree.Within(f.Area, within) {
			errs["area"] = "err_area_outside"
		}
	}
	for _, e := range n.Validate() {
		field := e.Field
		if _, seen := errs[field]; seen {
			continue
		}
		if field == "skill" {
			field = "type" // one message beside the what
		}
		if _, seen := errs[field]; !seen {
			errs[field] = "err_" + field
		}
	}
	return n, errs
}

// needColumns are the columns of the needs export and their HXL tags.
var needColumns = []csvColumn{
	{"need_id", "#meta+id"}, {"unit", "#org+unit"}, {"type", "#item+type"}, {"skill", "#item+skill"},
	{"quantity", "#indicator+num+needed"}, {"filled", "#indicator+num+filled"}, {"area", "#loc+code"},
	{"latitude", "#geo+lat"}, {"longitude", "#geo+lon"}, {"deadline", "#date+deadline"}, {"priority", "#indicator+priority"},
	{"state", "#status"}, {"justification", "#description+justification"}, {"legal_basis", "#meta+legal_basis"},
	{"filed_by", "#meta+filed_by"}, {"created_at", "#date+filed"},
}
