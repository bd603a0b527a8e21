package citizenweb

import (
	"bytes"
	"encoding/base64"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/registry"
)

// langCookie remembers the language a citizen picked, for a year. It is
// the page's only cookie and holds nothing but a language tag.
const (
	langCookie    = "lang"
	langCookieAge = 365 * 24 * 60 * 60
)

// page is what the template lays out.
type page struct {
	Lang          citizen.Language
	Title         string
	Heading       string
	Langs         template.HTML // the language switch
	Notice        string
	NoticeIsError bool
	Order         *orderView
	Verified      string // the answer to a verification
	Forms         bool
	VerifyTitle   string
	ByPhone       string
}

type langLink struct {
	Code    citizen.Language
	Name    string
	Href    string
	Current bool
}

// orderView is an order as the page shows it, with its action forms.
type orderView struct {
	Title, Unverified                                    string
	Verified                                             bool
	Items, Place, Deadline, State, Authority, LegalBasis string
	Code, Numeric                                        string
	Compensation                                         *compensationView // nil: none computed
	Form                                                 template.HTML     // hiddenForm's fields, for every form of the page
	Actions                                              []actionForm
	PDF                                                  bool // the page offers the printable order
	// Details and ActionForms are the order's fields and its action forms,
	// written out by hand (see details): the template engine's escaping of
	// each value was a fifth of a look-up's CPU.
	Details, ActionForms template.HTML
}

// compensationView is an order's compensation as the page shows it: the
// one-line status the phone channels show too, the amounts, and the
// breakdown.
type compensationView struct {
	Status                  string
	Owed, Paid, Outstanding string
	Days                    int64
	Lines                   []compensationLine
}

type compensationLine struct{ Basis, Detail, Amount string }

// hiddenForm is what every action form of an order page posts back: the
// second factor, signed with an expiry.
type hiddenForm struct {
	Lang  citizen.Language
	Code  string
	Birth string
	Exp   int64
	Token string
}

// fields renders f as hidden inputs. It is written out by hand because
// the page repeats it in every form and the template engine's escaping
// of each field was a tenth of a look-up's CPU.
func (f hiddenForm) fields() template.HTML {
	var b strings.Builder
	b.Grow(200 + len(f.Token))
	for _, field := range [...]struct{ name, value string }{
		{"lang", string(f.Lang)}, {"code", f.Code}, {"birth", f.Birth}, {"exp", strconv.FormatInt(f.Exp, 10)}, {"tok", f.Token},
	} {
		b.WriteString(`<input type="hidden" name="`)
		b.WriteString(field.name)
		b.WriteString(`" value="`)
		b.WriteString(html.EscapeString(field.value))
		b.WriteString(`">`)
	}
	return template.HTML(b.String())
}

type actionForm struct {
	Action       citizen.Action
	Label        string
	GroundsLabel string
	Grounds      template.HTML // for a claim: the grounds' <option>s, by kind
}

type groundGroup struct {
	Label   string
	Options []groundOption
}

type groundOption struct{ Code, Label string }

// newPage starts a page in the citizen's language: ?lang= or the form's
// lang field first (remembered in the cookie), then the cookie, then
// French.
func (p *Pages) newPage(w http.ResponseWriter, r *http.Request) *page {
	l := citizen.French
	if asked := r.FormValue("lang"); asked != "" {
		if parsed, err := citizen.ParseLanguage(asked); err == nil {
			l = parsed
			if c, err := r.Cookie(langCookie); err != nil || c.Value != string(l) {
				http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/c", MaxAge: langCookieAge,
					HttpOnly: true, SameSite: http.SameSiteLaxMode})
			}
		}
	} else if c, err := r.Cookie(langCookie); err == nil {
		if parsed, err := citizen.ParseLanguage(c.Value); err == nil {
			l = parsed
		}
	}
	pg := &page{Lang: l, Title: l.Text(citizen.MsgMainTitle), Heading: l.Text(citizen.MsgMainTitle),
		VerifyTitle: l.Text(citizen.MsgMenuVerify)}
	if p.USSDCode != "" {
		pg.ByPhone = t(l, txtByPhone, p.USSDCode)
	}
	// The switch leads back to the forms, or to the same verification:
	// an order page is not reopened without its second factor.
	base := "/c/?"
	if code := r.URL.Query().Get("code"); r.URL.Path == "/c/verify" && code != "" {
		base = "/c/verify?code=" + url.QueryEscape(code) + "&"
	}
	if base == "/c/?" {
		pg.Langs = langSwitches[l]
	} else {
		pg.Langs = langSwitch(l, base)
	}
	return pg
}

// langSwitches are the language switches of the pages that lead back to
// the forms, rendered once.
var langSwitches = func() map[citizen.Language]template.HTML {
	m := make(map[citizen.Language]template.HTML, len(citizen.Languages))
	for _, l := range citizen.Languages {
		m[l] = langSwitch(l, "/c/?")
	}
	return m
}()

// langSwitch renders the links to the page in the other languages: base
// followed by lang=.
func langSwitch(l citizen.Language, base string) template.HTML {
	links := make([]langLink, 0, len(citizen.Languages))
	for _, other := range citizen.Languages {
		links = append(links, langLink{Code: other, Name: languageNames[other], Href: base + "lang=" + string(other), Current: other == l})
	}
	var b strings.Builder
	if err := pageTemplates[l].ExecuteTemplate(&b, "langs", links); err != nil {
		panic("citizenweb: the language switch template fails on its own data: " + err.Error())
	}
	return template.HTML(b.String())
}

// orderView lays out v in l, with action forms that carry birth signed
// until FormTTL from now.
func (p *Pages) orderView(r *http.Request, l citizen.Language, v citizen.OrderView, birth time.Time) *orderView {
	birthText := birth.Format(registry.DateLayout)
	exp := p.now().Add(FormTTL).Unix()
	ov := &orderView{
		Title: l.KindTitle(v.Kind), Unverified: l.Text(citizen.MsgViewUnverified), Verified: v.Verified,
		Items: v.Items, Place: v.Place, Deadline: citizen.FormatDeadline(v.Deadline), State: l.State(v.State),
		Authority: v.Authority, LegalBasis: v.LegalBasis, Code: v.Code.String(), Numeric: citizen.NumericCode(v.Code),
		Form: hiddenForm{Lang: l, Code: string(v.Code), Birth: birthText, Exp: exp,
			Token: base64.RawURLEncoding.EncodeToString(p.signature(v.Code, birthText, exp))}.fields(),
		PDF: p.PDF != nil,
	}
	if c := v.Compensation; c != nil {
		ov.Compensation = &compensationView{Status: l.CompensationText(*c), Owed: l.FormatAmount(c.OwedXOF),
			Paid: l.FormatAmount(c.PaidXOF), Outstanding: l.FormatAmount(c.OutstandingXOF()), Days: c.Days}
		for _, line := range c.Lines {
			ov.Compensation.Lines = append(ov.Compensation.Lines,
				compensationLine{Basis: basisLabel(l, line.Basis), Detail: line.Detail, Amount: l.FormatAmount(line.AmountXOF)})
		}
	}
	labels := map[citizen.Action]citizen.Message{
		citizen.Acknowledge: citizen.MsgActAcknowledge, citizen.Claim: citizen.MsgActClaim, citizen.Appeal: citizen.MsgActAppeal,
	}
	for _, a := range v.Actions {
		f := actionForm{Action: a, Label: l.Text(labels[a])}
		if a == citizen.Claim {
			f.Grounds = p.grounds.options(l, p.Service.Grounds(r.Context()))
			if f.Grounds == "" {
				continue // a policy without grounds: nothing to claim on
			}
			f.GroundsLabel = l.Text(citizen.MsgGroundsTitle)
		}
		ov.Actions = append(ov.Actions, f)
	}
	ov.Details, ov.ActionForms = ov.details(l), ov.actionForms(l)
	return ov
}

// details renders the order's fields as the page's definition list. Every
// value is escaped with html.EscapeString, which is right for element
// content and for double-quoted attributes, the only places it goes.
func (ov *orderView) details(l citizen.Language) template.HTML {
	var b strings.Builder
	b.Grow(1024)
	b.WriteString("<dl>\n")
	for _, row := range [...]struct {
		term  text
		value string
	}{
		{txtWhat, ov.Items}, {txtWhere, ov.Place}, {txtDeadline, ov.Deadline}, {txtState, ov.State},
		{txtAuthority, ov.Authority}, {txtLegal, ov.LegalBasis},
	} {
		b.WriteString("<dt>")
		b.WriteString(html.EscapeString(t(l, row.term)))
		b.WriteString("</dt><dd>")
		b.WriteString(html.EscapeString(row.value))
		b.WriteString("</dd>\n")
	}
	b.WriteString("<dt>")
	b.WriteString(html.EscapeString(t(l, txtNumber)))
	b.WriteString(`</dt><dd class="code">`)
	b.WriteString(html.EscapeString(ov.Code))
	b.WriteString("<br>")
	b.WriteString(html.EscapeString(ov.Numeric))
	b.WriteString("</dd>\n")
	if ov.Verified {
		b.WriteString("<dt>")
		b.WriteString(html.EscapeString(t(l, txtSignature)))
		b.WriteString(`</dt><dd class="ok">`)
		b.WriteString(html.EscapeString(t(l, txtVerified)))
		b.WriteString("</dd>\n")
	}
	b.WriteString("</dl>")
	return template.HTML(b.String())
}

// actionForms renders one form per action the addressee may take, each
// carrying the signed second factor; a claim's form lists the grounds.
func (ov *orderView) actionForms(l citizen.Language) template.HTML {
	if len(ov.Actions) == 0 {
		return template.HTML("<p>" + html.EscapeString(t(l, txtNoActions)) + "</p>")
	}
	var b strings.Builder
	b.Grow(len(ov.Actions) * (400 + len(ov.Form)))
	for _, a := range ov.Actions {
		b.WriteString(`<form method="post" action="/c/act" class="act">` + "\n")
		b.WriteString(string(ov.Form))
		b.WriteString(`<input type="hidden" name="a" value="`)
		b.WriteString(html.EscapeString(string(a.Action)))
		b.WriteString(`">` + "\n")
		if a.Grounds != "" {
			b.WriteString(`<label for="g">`)
			b.WriteString(html.EscapeString(a.GroundsLabel))
			b.WriteString(`</label>` + "\n" + `<select id="g" name="g">`)
			b.WriteString(string(a.Grounds))
			b.WriteString("</select>\n")
		}
		b.WriteString(`<button type="submit">`)
		b.WriteString(html.EscapeString(a.Label))
		b.WriteString("</button>\n</form>\n")
	}
	return template.HTML(b.String())
}

// groundGroups sorts the grounds into exemptions and deferrals, each in
// the policy's order.
func groundGroups(l citizen.Language, grounds []citizen.Ground) []groundGroup {
	var out []groundGroup
	for _, kind := range []struct {
		kind  citizen.GroundKind
		label text
	}{{citizen.Exemption, txtExemption}, {citizen.Deferral, txtDeferral}} {
		g := groundGroup{Label: t(l, kind.label)}
		for _, gr := range grounds {
			if gr.Kind == kind.kind {
				g.Options = append(g.Options, groundOption{Code: gr.Code, Label: gr.Label(l)})
			}
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// render writes pg with status. Pages may show an order, so no cache
// keeps them; the language cookie varies them.
func (p *Pages) render(w http.ResponseWriter, status int, pg *page) {
	var b bytes.Buffer
	if err := pageTemplates[pg.Lang].ExecuteTemplate(&b, "page", pg); err != nil {
		p.logger().Error("citizen page: template", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Cookie")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// groundsCache keeps the claim form's options rendered per language for
// the grounds list they were rendered from: the list changes only with the
// policy (the service hands the same slice out until then), and rendering
// it for every look-up was a sixth of the look-up's CPU.
type groundsCache struct {
	mu   sync.Mutex
	from []citizen.Ground
	html map[citizen.Language]template.HTML
}

// options returns the <optgroup>s of grounds in l, "" when there is none.
func (c *groundsCache) options(l citizen.Language, grounds []citizen.Ground) template.HTML {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(grounds) != len(c.from) || len(grounds) > 0 && &grounds[0] != &c.from[0] {
		c.from, c.html = grounds, map[citizen.Language]template.HTML{}
	}
	if h, ok := c.html[l]; ok {
		return h
	}
	var h template.HTML
	if groups := groundGroups(l, grounds); len(groups) > 0 {
		var b strings.Builder
		if err := pageTemplates[l].ExecuteTemplate(&b, "grounds", groups); err != nil {
			panic("citizenweb: the grounds template fails on its own data: " + err.Error())
		}
		h = template.HTML(b.String())
	}
	c.html[l] = h
	return h
}
