package ussd

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
)

// The longest a text from the service is shown, in characters: a place of
// 200 characters would need pages of scrolling on a phone that shows a
// few lines. The printed order has it in full.
const (
	maxItems      = 80
	maxPlace      = 60
	maxAuthority  = 50
	maxGround     = 40
	maxGroundRows = 8 // choices 1 to 8 on a page: 9 is "more", 0 is "back"
)

// budget is the room for a screen's body, after "CON " or "END ".
const budget = MaxScreen - len("CON ")

// overflow, when set (by tests), hears of every screen cut to fit: the
// pagination is meant to make that never happen.
var overflow func(screen string)

// render writes the screen of st, carrying out its action when st ends the
// session.
func (s *session) render(st state) string {
	l := s.lang
	switch st.step {
	case stepLanguage:
		return con(l.Text(citizen.MsgLanguageMenu))
	case stepMain:
		return con(withHint(l, st.hint, l.Text(citizen.MsgMainTitle),
			option(1, l.Text(citizen.MsgMenuOrder)), option(2, l.Text(citizen.MsgMenuVerify)), option(0, l.Text(citizen.MsgMenuLanguage))))
	case stepOrderCode, stepVerifyCode:
		return con(withHint(l, st.hint, l.Text(citizen.MsgAskCode), option(0, l.Text(citizen.MsgBack))))
	case stepBirthDate:
		return con(withHint(l, st.hint, l.Text(citizen.MsgAskBirthDate), option(0, l.Text(citizen.MsgBack))))
	case stepView:
		v, stop := s.view(st.code, st.birth)
		if stop != "" {
			return stop
		}
		return con(v.pages[min(st.page, len(v.pages)-1)])
	case stepGrounds:
		return con(s.groundScreen(st))
	case stepConfirmClaim:
		g := s.groundList()[st.ground]
		ask := citizen.MsgConfirmExemption
		if g.Kind == citizen.Deferral {
			ask = citizen.MsgConfirmDeferral
		}
		return con(withHint(l, st.hint, l.Text(ask, clip(g.Label(l), maxGround)),
			option(1, l.Text(citizen.MsgConfirm)), option(0, l.Text(citizen.MsgCancel))))
	case stepConfirmAppeal:
		return con(withHint(l, st.hint, l.Text(citizen.MsgConfirmAppeal),
			option(1, l.Text(citizen.MsgConfirm)), option(0, l.Text(citizen.MsgCancel))))
	case stepAcknowledge:
		return s.act(st, citizen.Acknowledge, "")
	case stepClaim:
		return s.act(st, citizen.Claim, s.groundList()[st.ground].Code)
	case stepAppeal:
		return s.act(st, citizen.Appeal, "")
	case stepVerify:
		return s.verify(st.code)
	}
	return end(l, citizen.MsgUnavailable)
}

// act carries out the addressee's action and says what happens next.
func (s *session) act(st state, a citizen.Action, ground string) string {
	var v citizen.OrderView
	err := s.h.Guard.Attempt(citizen.USSD, s.phone, st.code, func() error {
		var err error
		v, err = s.h.Service.Act(s.ctx, citizen.USSD, s.phone, st.code, st.birth, a, ground)
		return err
	})
	if err != nil {
		return s.fail(err)
	}
	switch a {
	case citizen.Acknowledge:
		return end(s.lang, citizen.MsgDoneAcknowledge, citizen.FormatDeadline(v.Deadline))
	case citizen.Claim:
		return end(s.lang, citizen.MsgDoneClaim)
	}
	return end(s.lang, citizen.MsgDoneAppeal)
}

// verify answers whether an order with this code was issued. It needs no
// second factor, so it is rate-limited but a code that matches nothing
// counts no failure: it is a forged paper, not a guess.
func (s *session) verify(code order.Code) string {
	if err := s.h.Guard.Allow(citizen.USSD, s.phone, code); err != nil {
		return s.fail(err)
	}
	v, err := s.h.Service.Verify(s.ctx, code)
	if errors.Is(err, citizen.ErrNoMatch) {
		return end(s.lang, citizen.MsgVerifyUnknown)
	}
	if err != nil {
		return s.fail(err)
	}
	// The authority's name is the one text of unknown length: it gets the
	// room the rest of the answer leaves.
	fixed := v
	fixed.Authority = ""
	room := budget - septets(citizen.FoldGSM7(s.lang.VerifyText(fixed)))
	v.Authority = clip(v.Authority, max(min(maxAuthority, room), len("...")+1))
	return "END " + fit(s.lang.VerifyText(v), budget)
}

// fail ends the session with the text for err. "No such code" and "wrong
// birth date" are one error and one text, by design of citizen.Service.
func (s *session) fail(err error) string {
	switch {
	case errors.Is(err, citizen.ErrNoMatch):
		return end(s.lang, citizen.MsgNoMatch)
	case errors.Is(err, citizen.ErrLocked):
		return end(s.lang, citizen.MsgLocked)
	case errors.Is(err, citizen.ErrRateLimited):
		return end(s.lang, citizen.MsgRateLimited)
	case errors.Is(err, citizen.ErrNotAllowed):
		return end(s.lang, citizen.MsgNotAllowed)
	}
	return end(s.lang, citizen.MsgUnavailable)
}

// viewKey names one look-up within a callback.
type viewKey struct {
	code  order.Code
	birth time.Time
}

// viewResult is an order as looked up, laid out in pages in the session's
// language.
type viewResult struct {
	view  citizen.OrderView
	lang  citizen.Language // of the pages
	pages []string
	stop  string // the reply that ends the session when the look-up failed
}

// view looks the order up, once per callback whatever the path: each
// look-up checks the birth date again and goes through the guard. A
// non-empty second result is the reply that ends the session.
func (s *session) view(code order.Code, birth time.Time) (*viewResult, string) {
	key := viewKey{code, birth}
	if r, ok := s.views[key]; ok {
		if r.stop == "" && r.lang != s.lang { // the citizen changed language since
			r.pages, r.lang = viewPages(s.lang, r.view), s.lang
		}
		return r, r.stop
	}
	r := &viewResult{}
	s.views[key] = r
	err := s.h.Guard.Attempt(citizen.USSD, s.phone, code, func() error {
		var err error
		r.view, err = s.h.Service.Lookup(s.ctx, citizen.USSD, s.phone, code, birth)
		return err
	})
	if err != nil {
		r.stop = s.fail(err)
		return r, r.stop
	}
	r.pages, r.lang = viewPages(s.lang, r.view), s.lang
	return r, ""
}

// viewPages lays out the order: what is asked, where and by when, its
// state, its compensation once computed (owed and paid) and who issued
// it; "9 More" at the foot of every page but the last, which lists the
// actions the order allows. The legal basis and the compensation's
// breakdown are left to the paper and the citizen page: on a phone they
// would cost screens.
func viewPages(l citizen.Language, v citizen.OrderView) []string {
	var lines []string
	if !v.Verified {
		lines = append(lines, l.Text(citizen.MsgViewUnverified))
	}
	deadline := citizen.FormatDeadline(v.Deadline)
	if v.Kind == order.CallUp {
		lines = append(lines, l.Text(citizen.MsgViewCallUp, clip(v.Items, maxItems), clip(v.Place, maxPlace), deadline))
	} else {
		lines = append(lines, l.Text(citizen.MsgViewRequisition, clip(v.Items, maxItems), clip(v.Place, maxPlace), deadline))
	}
	lines = append(lines, l.Text(citizen.MsgViewState, l.State(v.State)))
	if v.Compensation != nil {
		lines = append(lines, l.CompensationText(*v.Compensation))
	}
	lines = append(lines, l.Text(citizen.MsgViewAuthority, clip(v.Authority, maxAuthority)))
	var actions []string
	for i, a := range []citizen.Action{citizen.Acknowledge, citizen.Claim, citizen.Appeal} {
		if v.Allows(a) {
			actions = append(actions, option(i+1, l.Text(actionText[a])))
		}
	}
	actions = append(actions, option(0, l.Text(citizen.MsgMenu)))
	return paginate(citizen.FoldGSM7(strings.Join(lines, "\n")),
		citizen.FoldGSM7(option(9, l.Text(citizen.MsgMore))),
		citizen.FoldGSM7(strings.Join(actions, "\n")), budget)
}

var actionText = map[citizen.Action]citizen.Message{
	citizen.Acknowledge: citizen.MsgActAcknowledge,
	citizen.Claim:       citizen.MsgActClaim,
	citizen.Appeal:      citizen.MsgActAppeal,
}

// groundList returns the policy's claim grounds, asked once per callback.
func (s *session) groundList() []citizen.Ground {
	if !s.loaded {
		s.grounds, s.loaded = s.h.Service.Grounds(s.ctx), true
	}
	return s.grounds
}

// groundPages splits the grounds into pages of numbered choices. The
// split depends only on the grounds and the language, so every callback of
// a session makes the same pages and a choice means the same ground.
func (s *session) groundPages() [][]int {
	if s.pages != nil && s.pagesLang == s.lang {
		return s.pages
	}
	l := s.lang
	grounds := s.groundList()
	room := budget - septets(citizen.FoldGSM7(l.Text(citizen.MsgBadChoice))+"\n") -
		septets(citizen.FoldGSM7("\n"+option(9, l.Text(citizen.MsgMore))+"\n"+option(0, l.Text(citizen.MsgBack))))
	used := septets(citizen.FoldGSM7(l.Text(citizen.MsgGroundsTitle)))
	pages := [][]int{{}}
	for i, g := range grounds {
		row := septets(citizen.FoldGSM7("\n" + option(maxGroundRows, clip(g.Label(l), maxGround))))
		page := pages[len(pages)-1]
		if len(page) > 0 && (len(page) == maxGroundRows || used+row > room) {
			pages = append(pages, nil)
			used = septets(citizen.FoldGSM7(l.Text(citizen.MsgGroundsTitle)))
		}
		pages[len(pages)-1] = append(pages[len(pages)-1], i)
		used += row
	}
	s.pages, s.pagesLang = pages, l
	return pages
}

// groundScreen writes one page of grounds.
func (s *session) groundScreen(st state) string {
	l := s.lang
	pages := s.groundPages()
	page := pages[min(st.page, len(pages)-1)]
	lines := []string{l.Text(citizen.MsgGroundsTitle)}
	for n, i := range page {
		lines = append(lines, option(n+1, clip(s.groundList()[i].Label(l), maxGround)))
	}
	if st.page+1 < len(pages) {
		lines = append(lines, option(9, l.Text(citizen.MsgMore)))
	}
	lines = append(lines, option(0, l.Text(citizen.MsgBack)))
	return withHint(l, st.hint, lines...)
}

// paginate splits body into pages of at most room septets: each page but
// the last ends with the line more, the last with the line last.
func paginate(body, more, last string, room int) []string {
	var pages []string
	rest := strings.TrimSpace(body)
	for {
		if rest == "" {
			return append(pages, last)
		}
		if septets(rest+"\n"+last) <= room {
			return append(pages, rest+"\n"+last)
		}
		page := room - septets("\n"+more)
		cut := prefixFitting(rest, page)
		if cut < len(rest) {
			// Break at a line's end when that fills half the page, so a
			// short line ("State: claimed.") is not cut in two; else
			// between words; else, for one overlong word, anywhere.
			if nl := strings.LastIndexByte(rest[:cut], '\n'); nl > 0 && 2*septets(rest[:nl]) >= page {
				cut = nl
			} else if ws := strings.LastIndexAny(rest[:cut], " \n"); ws > 0 {
				cut = ws
			}
		}
		pages = append(pages, strings.TrimSpace(rest[:cut])+"\n"+more)
		rest = strings.TrimSpace(rest[cut:])
	}
}

// prefixFitting returns the length in bytes of the longest prefix of s
// that takes at most room septets, and at least one character, so that
// pagination always moves on.
func prefixFitting(s string, room int) int {
	used := 0
	for i, r := range s {
		used += septets(string(r))
		if used > room && i > 0 {
			return i
		}
	}
	return len(s)
}

// withHint joins lines into a screen, under the hint when there is one.
func withHint(l citizen.Language, hint citizen.Message, lines ...string) string {
	if hint != 0 {
		lines = append([]string{l.Text(hint)}, lines...)
	}
	return strings.Join(lines, "\n")
}

// option writes a numbered menu line.
func option(n int, text string) string { return strconv.Itoa(n) + " " + text }

func con(body string) string { return "CON " + fit(body, budget) }

func end(l citizen.Language, m citizen.Message, args ...any) string {
	return "END " + fit(l.Text(m, args...), budget)
}

// fit folds a screen into the GSM alphabet (one character outside it would
// switch the whole screen to UCS-2 and halve it) and cuts it to room
// septets as a last resort.
func fit(body string, room int) string {
	body = citizen.FoldGSM7(body)
	if septets(body) <= room {
		return body
	}
	if overflow != nil {
		overflow(body)
	}
	return body[:prefixFitting(body, room)]
}

// septets is the length of folded text on the air.
func septets(s string) int {
	n, ok := citizen.GSM7Septets(s)
	if !ok {
		return utf8.RuneCountInString(s) * 2 // not folded: count it long, never short
	}
	return n
}

// clip cuts a text from the service to n characters.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-3])) + "..."
}
