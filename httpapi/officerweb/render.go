package officerweb

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
)

//go:embed templates/*.html style.css
var files embed.FS

var (
	pages = parsePages()
	style = mustRead("style.css")
	// styleHref names the stylesheet by its hash, so that browsers keep
	// it for a year and fetch it again only when it changes.
	styleHref = func() string {
		sum := sha256.Sum256(style)
		return "/o/static/style.css?v=" + hex.EncodeToString(sum[:6])
	}()
)

// csp allows this server's stylesheet and nothing else: no script, no
// inline style, no frame, forms posted only here. The icon is the empty
// data: URL, so that browsers do not ask for /favicon.ico.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", n))
	}
	return out
}

// funcs are the templates' helpers; texts and numbers go through the
// page's methods, which know its language.
var funcs = template.FuncMap{
	"field": func(p *page, name, typ, value string, errs map[string]string) formField {
		f := formField{Name: name, Type: typ, Value: value, Label: p.T(name), Error: errs[name]}
		if hint := text(name + "_hint"); hasText(hint) {
			f.Hint = p.T(string(hint))
		}
		return f
	},
	"list":      func(s ...string) []string { return s },
	"items":     func(p *page, items []order.Item) itemList { return itemList{p, items} },
	"orders":    func(p *page, orders []orderRow) orderList { return orderList{p, orders} },
	"tabs":      func(p *page, tabs []regTab) tabList { return tabList{p, tabs} },
	"resources": func(p *page, rows []resourceRow) resourceList { return resourceList{p, rows} },
	"note": func(p *page, a orderActions, form string, required bool) eventField {
		f := eventField{Page: p, Form: form, Required: required}
		if a.Typed(form) {
			f.Value, f.Error = a.Form.Note, a.Form.Errors["note"]
		}
		return f
	},
	"condition": func(p *page, a orderActions, form string, conditions []string) eventField {
		f := eventField{Page: p, Form: form, Conditions: conditions}
		if a.Typed(form) {
			f.Value, f.Error = a.Form.Condition, a.Form.Errors["condition"]
		}
		return f
	},
}

// eventField is a field of an order event's form, for the "eventnote" and
// "condition" templates: Form names the form on the page.
type eventField struct {
	Page         *page
	Form         string
	Required     bool
	Value, Error string
	Conditions   []string
}

// resourceList is resources of a registry page, for the "restable"
// template.
type resourceList struct {
	Page      *page
	Resources []resourceRow
}

// tabList is the registry's tabs, for the "regtabs" template.
type tabList struct {
	Page *page
	Tabs []regTab
}

// orderList is a few orders of a registry page, for the "ordertable"
// template.
type orderList struct {
	Page   *page
	Orders []orderRow
}

// itemList is an order's items, for the "items" template.
type itemList struct {
	Page  *page
	Items []order.Item
}

// formField is one labelled input of a form, with its error.
type formField struct{ Name, Type, Value, Label, Hint, Error string }

// page is what the layout lays out; Data is the page's own content.
type page struct {
	Lang      lang
	Title     string
	User      *auth.User
	AreaName  string
	RoleName  string
	Nav       []navLink
	CSRF      string
	StyleHref string
	Langs     []langLink
	Notice    string
	Error     bool // the notice is an error
	Data      any

	zone *time.Location
}

type navLink struct {
	Href, Label string
	Current     bool
}

type langLink struct {
	Code    lang
	Name    string
	Href    string
	Current bool
}

// nav lists the sections a role may open. The registry is one section
// whose first page is the persons' search for the roles that may read
// persons and the organisations' for the others.
var nav = []struct {
	href   string
	label  text
	action auth.Action
	within []string // the other paths of the section
}{
	{"/o/", "nav_dashboard", auth.ReadAreas, nil},
	{"/o/needs", "nav_needs", auth.ReadNeeds, nil},
	{"/o/proposals", "nav_proposals", auth.Allocate, nil},
	{"/o/approvals", "nav_approvals", auth.ApproveOrders, nil},
	{"/o/orders", "nav_orders", auth.ReadOrders, nil},
	{"/o/claims", "nav_claims", auth.RecordOrderEvents, nil},
	{"/o/persons", "nav_registry", auth.ReadPersons, []string{"/o/organisations", "/o/resources"}},
	{"/o/organisations", "nav_registry", auth.ReadOrganisations, []string{"/o/persons", "/o/resources"}},
}

// T returns the text key in the page's language, formatted with args.
func (p *page) T(key string, args ...any) string { return t(p.Lang, text(key), args...) }

// Int writes a whole number with the language's digit grouping.
func (p *page) Int(n int) string { return formatInt(p.Lang, int64(n)) }

// Int64 is Int for int64.
func (p *page) Int64(n int64) string { return formatInt(p.Lang, n) }

// Num writes a quantity to the thousandth, without float noise.
func (p *page) Num(q float64) string { return formatNum(p.Lang, q) }

// CompLine writes the working of a compensation line in the page's
// language; a line stored before lines carried their working as data
// keeps its English Detail.
func (p *page) CompLine(l order.Line) string {
	days := p.T("comp_days", l.Days)
	if l.Days == 1 {
		days = p.T("comp_day")
	}
	qty := p.Num(l.Quantity)
	if l.Unit != "" && l.Unit != "unit" {
		qty += " " + l.Unit
	}
	switch {
	case l.Subject == "" && l.Basis != "service", l.Days == 0 && (l.Basis == "use" || l.Basis == "service"):
		return l.Detail
	case l.Basis == "use":
		return p.T("comp_use", l.Subject, qty, days, p.Int64(l.RateXOF))
	case l.Basis == "consumed":
		return p.T("comp_consumed", l.Subject, qty, p.Int64(l.RateXOF))
	case l.Basis == "service":
		skill := l.Subject
		if skill == "" {
			skill = p.T("comp_no_skill")
		}
		return p.T("comp_service", skill, days, p.Int64(l.RateXOF))
	case l.Basis == "damage":
		return p.T("comp_damage", l.Subject, p.T("cond_"+l.From), p.T("cond_"+l.To), l.Percent, p.Int64(l.ValueXOF))
	}
	return l.Detail
}

// Dec writes a cost or a distance to one decimal.
func (p *page) Dec(f float64) string { return formatNum(p.Lang, math.Round(f*10)/10) }

// Pct writes a share as a whole percentage, or a dash when it is NaN.
func (p *page) Pct(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	if p.Lang == fr {
		return strconv.Itoa(int(math.Round(f*100))) + "\u00a0%"
	}
	return strconv.Itoa(int(math.Round(f*100))) + "%"
}

// Time writes an instant in the officers' zone, to the minute.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(p.zone).Format("2006-01-02 15:04")
}

// Date writes an instant's day in the officers' zone.
func (p *page) Date(t time.Time) string { return t.In(p.zone).Format("2006-01-02") }

// State names an order state in the page's language.
func (p *page) State(s any) string { return stateName(p.Lang, fmt.Sprint(s)) }

// Can reports whether the user may do action, for buttons a role may not use.
func (p *page) Can(action string) bool {
	return p.User != nil && auth.Can(p.User.Role, auth.Action(action))
}

// newPage starts a page for the call.
func (h *Handler) newPage(r *http.Request, c *call, title text, data any) *page {
	p := &page{Lang: c.lang, Title: t(c.lang, title), StyleHref: styleHref, Data: data, zone: h.zone}
	if c.user.Name != "" {
		u := c.user
		p.User = &u
		p.RoleName = t(c.lang, text("role_"+string(u.Role)))
		p.AreaName = u.Area
		if tree, err := h.areaTree(r.Context(), c); err == nil {
			if a, ok := tree.Get(u.Area); ok {
				p.AreaName = a.Name
			}
		}
		p.CSRF = h.csrfToken(c.tokenHash)
		shown := map[text]bool{}
		for _, n := range nav {
			if !auth.Can(u.Role, n.action) || shown[n.label] {
				continue
			}
			shown[n.label] = true
			current := r.URL.Path == n.href || n.href != "/o/" && strings.HasPrefix(r.URL.Path, n.href)
			for _, other := range n.within {
				current = current || strings.HasPrefix(r.URL.Path, other)
			}
			p.Nav = append(p.Nav, navLink{Href: n.href, Label: t(c.lang, n.label), Current: current})
		}
	}
	if done := text(r.URL.Query().Get("done")); r.Method == http.MethodGet && doneTexts[done] {
		arg := r.URL.Query().Get("arg")
		if len(arg) > 80 {
			arg = arg[:80]
		}
		p.Notice = t(c.lang, done, arg)
	}
	// The switch reloads the same page in the other language; after a
	// POST it leads to the page the form was on.
	q := url.Values{}
	path := r.URL.Path
	if r.Method == http.MethodGet {
		q = r.URL.Query()
		q.Del("done")
		q.Del("arg")
	}
	for _, l := range langs {
		q.Set("lang", string(l))
		p.Langs = append(p.Langs, langLink{Code: l, Name: langNames[l], Href: path + "?" + q.Encode(), Current: l == c.lang})
	}
	return p
}

// render writes a page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, c *call, status int, name string, title text, data any) {
	h.renderPage(w, status, name, h.newPage(r, c, title, data))
}

func (h *Handler) renderPage(w http.ResponseWriter, status int, name string, p *page) {
	var b bytes.Buffer
	tmpl, ok := pages[name]
	if !ok {
		h.log.Error("officer web: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := tmpl.ExecuteTemplate(&b, "layout", p); err != nil {
		h.log.Error("officer web: template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	// Pages may show personal data: no cache keeps them.
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Cookie")
	hd.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// errorPage answers an error with a page in the user's language: the
// status of its kind, a title, and the error's message unless internal.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, c *call, err error) {
	status, title := http.StatusInternalServerError, txtErrInternal
	detail := ""
	var csrf *csrfError
	switch kind := muster.ErrorKind(err); {
	case errors.As(err, &csrf):
		status, title = http.StatusForbidden, txtErrCSRF
	case kind == muster.Invalid:
		status, title, detail = http.StatusBadRequest, txtErrInvalid, muster.ErrorMessage(err)
	case kind == muster.NotFound:
		status, title = http.StatusNotFound, txtErrNotFound
	case kind == muster.Conflict:
		status, title, detail = http.StatusConflict, txtErrConflict, muster.ErrorMessage(err)
	case kind == muster.Forbidden:
		status, title, detail = http.StatusForbidden, txtErrForbidden, muster.ErrorMessage(err)
	case kind == muster.Unauthorized:
		h.toLogin(w, r)
		return
	default:
		h.log.ErrorContext(r.Context(), "officer web: internal error", "path_pattern", r.Pattern, "err", err)
	}
	h.render(w, r, c, status, "error", title, errorData{Detail: detail})
}

type errorData struct{ Detail string }

func (h *Handler) serveStyle(w http.ResponseWriter, r *http.Request, _ *call) error {
	hd := w.Header()
	hd.Set("Content-Type", "text/css; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("Content-Length", strconv.Itoa(len(style)))
	w.WriteHeader(http.StatusOK)
	w.Write(style)
	return nil
}

// redirect answers a form with a redirect to path (Post/Redirect/Get),
// where the notice done (one of doneTexts) is shown with its argument. The
// URL carries the notice's key, never its text, so that a link cannot
// make the page say anything else.
func redirect(w http.ResponseWriter, r *http.Request, path string, done text, arg string) {
	q := url.Values{"done": {string(done)}}
	if arg != "" {
		q.Set("arg", arg)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+q.Encode(), http.StatusSeeOther)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// formatInt groups digits by three: a narrow no-break space in French, a
// comma in English.
func formatInt(l lang, n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if l == fr {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatNum writes a quantity to the thousandth, with the language's
// decimal mark.
func formatNum(l lang, q float64) string {
	q = math.Round(q*1000) / 1000
	whole, frac := math.Modf(math.Abs(q))
	s := formatInt(l, int64(whole))
	if q < 0 {
		s = "-" + s
	}
	if frac > 0 {
		digits := strings.TrimRight(strconv.FormatFloat(frac, 'f', 3, 64)[2:], "0")
		mark := "."
		if l == fr {
			mark = ","
		}
		s += mark + digits
	}
	return s
}
