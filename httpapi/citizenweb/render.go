package citizenweb

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
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
	Style         template.CSS
	Langs         []langLink
	Notice        string
	NoticeIsError bool
	Order         *orderView
	Verified      string // the answer to a verification
	Forms         bool
	VerifyTitle   string
	ByPhone       string
}

// T returns the page's text named key, for the template.
func (pg *page) T(key string) string { return t(pg.Lang, text(key)) }

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
	Form                                                 hiddenForm
	Actions                                              []actionForm
	PDF                                                  bool // the page offers the printable order
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

type actionForm struct {
	Action       citizen.Action
	Label        string
	GroundsLabel string
	Grounds      []groundGroup // for a claim: the grounds, by kind
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
	pg := &page{Lang: l, Title: l.Text(citizen.MsgMainTitle), Heading: l.Text(citizen.MsgMainTitle), Style: template.CSS(style),
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
	for _, other := range citizen.Languages {
		pg.Langs = append(pg.Langs, langLink{Code: other, Name: languageNames[other], Href: base + "lang=" + string(other), Current: other == l})
	}
	return pg
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
			Token: base64.RawURLEncoding.EncodeToString(p.signature(v.Code, birthText, exp))},
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
			f.Grounds = groundGroups(l, p.Service.Grounds(r.Context()))
			if len(f.Grounds) == 0 {
				continue // a policy without grounds: nothing to claim on
			}
			f.GroundsLabel = l.Text(citizen.MsgGroundsTitle)
		}
		ov.Actions = append(ov.Actions, f)
	}
	return ov
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
	if err := pageTemplate.ExecuteTemplate(&b, "page", pg); err != nil {
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
