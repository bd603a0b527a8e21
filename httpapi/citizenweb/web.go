// Package citizenweb is the citizen page: a citizen opens their order with
// its code and the addressee's birth date, reads it (what, where, by when,
// its state, who issued it, on what legal basis, whether its signature
// checks), and acknowledges it, claims an exemption or a deferral, or
// appeals; anyone holding a paper checks that an order is genuine.
//
// It is made for a slow phone browser: server-rendered html/template, no
// JavaScript, no image, one small stylesheet inlined (and pinned by the
// Content-Security-Policy), a few kilobytes a page, in French (the
// default), English, Hausa and Zarma, switched by ?lang= and remembered in
// a cookie.
//
// There is no session. The order page carries, in each action form, the
// code and birth date the citizen gave with an expiry and a token that
// signs them (HMAC-SHA256 under Pages.FormKey), so an action is taken only
// from a page this server produced after the second factor was checked,
// and only for FormTTL; the Service checks the birth date again anyway.
// Every look-up and action goes through the Guard by client address.
//
// The package imports no store: the application passes a citizen.Service.
package citizenweb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
)

//go:embed page.html style.css
var files embed.FS

var (
	style = mustRead("style.css")
	// pageTemplates holds the page template of each language, parsed once
	// with the page's fixed texts and the stylesheet written into it:
	// looking texts up while rendering cost a third of a look-up's CPU.
	pageTemplates = func() map[citizen.Language]*template.Template {
		src := mustRead("page.html")
		m := make(map[citizen.Language]*template.Template, len(citizen.Languages))
		for _, l := range citizen.Languages {
			baked := textAction.ReplaceAllStringFunc(src, func(action string) string {
				key := text(textAction.FindStringSubmatch(action)[1])
				if _, ok := texts[citizen.French][key]; !ok {
					panic("citizenweb: page.html names the unknown text " + string(key))
				}
				return template.HTMLEscapeString(t(l, key))
			})
			baked = strings.ReplaceAll(baked, "{{.Style}}", style)
			if strings.Contains(baked, ".T ") {
				panic("citizenweb: page.html asks for a text in a form textAction does not know")
			}
			m[l] = template.Must(template.New("").Parse(baked))
		}
		return m
	}()
	// textAction is how page.html asks for one of its fixed texts.
	textAction = regexp.MustCompile(`\{\{\$?\.T "([a-z_]+)"\}\}`)
	// csp allows the inline stylesheet by its hash and nothing else: no
	// script, no frame, forms posted only here.
	csp = func() string {
		sum := sha256.Sum256([]byte(style))
		return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
			"'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	}()
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// FormTTL is how long an order page's action forms stay valid.
const FormTTL = 30 * time.Minute

// maxForm bounds a request body: a form holds a code, a date and a token.
const maxForm = 4 << 10

// Pages serves the citizen page. Service, FormKey and ClientIP must be
// set; a nil Service answers "service unavailable".
type Pages struct {
	Service citizen.Service
	// Guard rate-limits each client address and each code, and locks out
	// after repeated wrong birth dates; nil allows everything.
	Guard *citizen.Guard
	// FormKey signs the action forms: at least 32 random bytes, the same
	// on every server behind one load balancer.
	FormKey  []byte
	USSDCode string                     // the service code shown for phones without internet
	ClientIP func(*http.Request) string // the caller's address, as the guard counts it
	Now      func() time.Time           // nil → time.Now
	Logger   *slog.Logger               // nil → slog.Default()
	// PDF, when set, renders the order as its printable PDF in the
	// language, after the second factor: the page then offers it.
	PDF func(ctx context.Context, code order.Code, birth time.Time, lang citizen.Language) ([]byte, error)

	grounds groundsCache
}

// Home serves the look-up and verification forms at /c and /c/; any
// other path under /c/ is not found.
func (p *Pages) Home(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/c" && r.URL.Path != "/c/" {
		pg := p.newPage(w, r)
		pg.Notice, pg.NoticeIsError = t(pg.Lang, txtNotFound), true
		p.render(w, http.StatusNotFound, pg)
		return
	}
	pg := p.newPage(w, r)
	pg.Forms = true
	p.render(w, http.StatusOK, pg)
}

// Lookup answers the look-up form (POST /c/) with the order, or with the
// forms again and what went wrong. No such code and a wrong birth date
// get the very same page.
func (p *Pages) Lookup(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	pg := p.newPage(w, r)
	code, birth, problem := readSecondFactor(pg.Lang, r.PostFormValue("code"), r.PostFormValue("birth"))
	if problem != "" {
		p.form(w, pg, http.StatusOK, problem)
		return
	}
	if p.Service == nil {
		p.form(w, pg, http.StatusServiceUnavailable, pg.Lang.Text(citizen.MsgUnavailable))
		return
	}
	var v citizen.OrderView
	err := p.Guard.Attempt(citizen.Web, p.ClientIP(r), code, func() error {
		var err error
		v, err = p.Service.Lookup(r.Context(), citizen.Web, p.ClientIP(r), code, birth)
		return err
	})
	if err != nil {
		p.fail(w, r, pg, err)
		return
	}
	p.order(w, r, pg, v, birth, "")
}

// Act carries out an action posted from an order page (POST /c/act).
func (p *Pages) Act(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	pg := p.newPage(w, r)
	code, birth, ok := p.checkToken(r)
	action := citizen.Action(r.PostFormValue("a"))
	if !ok || action.Event() == "" {
		p.form(w, pg, http.StatusOK, t(pg.Lang, txtExpired))
		return
	}
	if p.Service == nil {
		p.form(w, pg, http.StatusServiceUnavailable, pg.Lang.Text(citizen.MsgUnavailable))
		return
	}
	ground := ""
	if action == citizen.Claim {
		ground = r.PostFormValue("g")
	}
	ip := p.ClientIP(r)
	var v citizen.OrderView
	err := p.Guard.Attempt(citizen.Web, ip, code, func() error {
		var err error
		v, err = p.Service.Act(r.Context(), citizen.Web, ip, code, birth, action, ground)
		return err
	})
	if errors.Is(err, citizen.ErrNotAllowed) {
		// Someone acted from another page or channel meanwhile: show the
		// order as it is now, with what it allows.
		err = p.Guard.Attempt(citizen.Web, ip, code, func() error {
			var err error
			v, err = p.Service.Lookup(r.Context(), citizen.Web, ip, code, birth)
			return err
		})
		if err == nil {
			pg.NoticeIsError = true
			p.order(w, r, pg, v, birth, pg.Lang.Text(citizen.MsgNotAllowed))
			return
		}
	}
	if err != nil {
		p.fail(w, r, pg, err)
		return
	}
	var done string
	switch action {
	case citizen.Acknowledge:
		done = pg.Lang.Text(citizen.MsgDoneAcknowledge, citizen.FormatDeadline(v.Deadline))
	case citizen.Claim:
		done = pg.Lang.Text(citizen.MsgDoneClaim)
	default:
		done = pg.Lang.Text(citizen.MsgDoneAppeal)
	}
	p.order(w, r, pg, v, birth, done)
}

// Download answers POST /c/pdf from an order page's form: the order as
// the PDF it was printed as, in the page's language, once the signed form
// and the birth date check again.
func (p *Pages) Download(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	pg := p.newPage(w, r)
	code, birth, ok := p.checkToken(r)
	if !ok {
		p.form(w, pg, http.StatusOK, t(pg.Lang, txtExpired))
		return
	}
	if p.Service == nil || p.PDF == nil {
		p.form(w, pg, http.StatusServiceUnavailable, pg.Lang.Text(citizen.MsgUnavailable))
		return
	}
	ip := p.ClientIP(r)
	var pdf []byte
	err := p.Guard.Attempt(citizen.Web, ip, code, func() error {
		if _, err := p.Service.Lookup(r.Context(), citizen.Web, ip, code, birth); err != nil {
			return err
		}
		var err error
		pdf, err = p.PDF(r.Context(), code, birth, pg.Lang)
		return err
	})
	if err != nil {
		p.fail(w, r, pg, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+code.String()+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
}

// Verify answers GET /c/verify?code=...: whether an order with this code
// was issued, by whom, and its state. Without a code it shows the forms.
func (p *Pages) Verify(w http.ResponseWriter, r *http.Request) {
	pg := p.newPage(w, r)
	typed := r.URL.Query().Get("code")
	if strings.TrimSpace(typed) == "" {
		pg.Forms = true
		p.render(w, http.StatusOK, pg)
		return
	}
	code, err := citizen.ParseCodeInput(typed)
	if err != nil {
		p.form(w, pg, http.StatusOK, pg.Lang.Text(citizen.MsgBadCode))
		return
	}
	if p.Service == nil {
		p.form(w, pg, http.StatusServiceUnavailable, pg.Lang.Text(citizen.MsgUnavailable))
		return
	}
	// No second factor here, so a code that matches nothing counts no
	// failure: it is a forged paper, not a guess at a birth date.
	if err := p.Guard.Allow(citizen.Web, p.ClientIP(r), code); err != nil {
		p.fail(w, r, pg, err)
		return
	}
	vv, err := p.Service.Verify(r.Context(), code)
	switch {
	case errors.Is(err, citizen.ErrNoMatch):
		p.form(w, pg, http.StatusOK, pg.Lang.Text(citizen.MsgVerifyUnknown))
	case err != nil:
		p.fail(w, r, pg, err)
	default:
		pg.Verified, pg.Forms = pg.Lang.VerifyText(vv), true
		p.render(w, http.StatusOK, pg)
	}
}

// readSecondFactor reads the code and birth date of the look-up form; a
// non-empty problem says what is wrong, in l.
func readSecondFactor(l citizen.Language, codeText, birthText string) (order.Code, time.Time, string) {
	switch {
	case strings.TrimSpace(codeText) == "":
		return "", time.Time{}, t(l, txtMissingCode)
	case strings.TrimSpace(birthText) == "":
		return "", time.Time{}, t(l, txtMissingBirth)
	}
	code, err := citizen.ParseCodeInput(codeText)
	if err != nil {
		return "", time.Time{}, l.Text(citizen.MsgBadCode)
	}
	birth, err := citizen.ParseBirthDate(birthText)
	if err != nil {
		return "", time.Time{}, l.Text(citizen.MsgBadBirthDate)
	}
	return code, birth, ""
}

// fail answers an error of the guard or the service with the forms and
// its text. ErrNoMatch is one text for both of its causes.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, pg *page, err error) {
	l := pg.Lang
	switch {
	case errors.Is(err, citizen.ErrNoMatch):
		p.form(w, pg, http.StatusOK, l.Text(citizen.MsgNoMatch))
	case errors.Is(err, citizen.ErrLocked):
		p.form(w, pg, http.StatusTooManyRequests, l.Text(citizen.MsgLocked))
	case errors.Is(err, citizen.ErrRateLimited):
		p.form(w, pg, http.StatusTooManyRequests, l.Text(citizen.MsgRateLimited))
	default:
		p.logger().ErrorContext(r.Context(), "citizen page", "err", err)
		p.form(w, pg, http.StatusServiceUnavailable, l.Text(citizen.MsgUnavailable))
	}
}

// form answers with the forms under an error notice.
func (p *Pages) form(w http.ResponseWriter, pg *page, status int, notice string) {
	pg.Forms, pg.Notice, pg.NoticeIsError = true, notice, true
	p.render(w, status, pg)
}

// order answers with the order and its action forms, under notice if any.
func (p *Pages) order(w http.ResponseWriter, r *http.Request, pg *page, v citizen.OrderView, birth time.Time, notice string) {
	pg.Notice = notice
	pg.Order = p.orderView(r, pg.Lang, v, birth)
	p.render(w, http.StatusOK, pg)
}

// signature signs an action form's code, birth date and expiry.
func (p *Pages) signature(code order.Code, birth string, exp int64) []byte {
	m := hmac.New(sha256.New, p.FormKey)
	fmt.Fprintf(m, "citizen-act|%s|%s|%d", code, birth, exp)
	return m.Sum(nil)
}

// checkToken reads the code and birth date of an action form, if its
// token signs them and has not expired.
func (p *Pages) checkToken(r *http.Request) (order.Code, time.Time, bool) {
	if len(p.FormKey) == 0 {
		return "", time.Time{}, false
	}
	exp, err := strconv.ParseInt(r.PostFormValue("exp"), 10, 64)
	now := p.now()
	if err != nil || now.Unix() > exp || exp > now.Add(FormTTL).Unix()+60 {
		return "", time.Time{}, false
	}
	tok, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("tok"))
	code, birthText := order.Code(r.PostFormValue("code")), r.PostFormValue("birth")
	if err != nil || !hmac.Equal(tok, p.signature(code, birthText, exp)) {
		return "", time.Time{}, false
	}
	birth, err := citizen.ParseBirthDate(birthText)
	if err != nil {
		return "", time.Time{}, false
	}
	return code, birth, true
}

func (p *Pages) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pages) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}
