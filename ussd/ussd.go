// Package ussd is the USSD menu of the citizen channels, for the basic
// phones most citizens carry: a citizen dials the service code, picks a
// language, opens their order with its number and their birth date, and
// acknowledges it, claims an exemption or a deferral, or appeals; or checks
// that an order someone shows them is genuine.
//
// It follows Africa's Talking's callback conventions: the gateway posts
// sessionId, serviceCode, phoneNumber and text, where text is every input
// of the session so far joined by '*'; the reply starts with "CON " while
// the menu goes on and "END " when it stops, in at most 160 characters.
//
// Handle is pure given its citizen.Service: it keeps no session state (so
// any server behind a load balancer can answer any request) and rebuilds
// where the citizen is from the whole text each time. It must not import
// net/http or a store: the application wraps Handle in its HTTP handler.
package ussd

import (
	"context"
	"strings"
	"time"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
)

// Request is one callback of the USSD gateway. SessionID and ServiceCode
// are carried for the caller's logs: the menu needs only the phone and the
// text.
type Request struct {
	SessionID   string
	ServiceCode string
	PhoneNumber string
	// Text is every input of the session so far, joined by '*': "" on
	// the first request, then "1", "1*0120892581...", and so on.
	Text string
}

// Handler answers the gateway's callbacks. Service must be set; Guard, when
// set, rate-limits each phone and code and locks out after repeated wrong
// birth dates (see citizen.Guard).
type Handler struct {
	Service citizen.Service
	Guard   *citizen.Guard
}

// Bounds on a session. Sessions are short: a claim takes about eight
// inputs. Anything longer is a stuck client or an attack, and is ended
// before any work.
const (
	MaxScreen = 160  // characters of a reply, "CON "/"END " included
	maxText   = 1000 // bytes of text
	maxInputs = 40
)

// step is where a citizen is in the menu.
type step int

const (
	stepLanguage step = iota
	stepMain
	stepOrderCode // the number of one's own order
	stepBirthDate
	stepView // the order, page by page, and the actions on its last page
	stepGrounds
	stepConfirmClaim
	stepConfirmAppeal
	stepVerifyCode // the number of an order to check
	// The steps below end the session: their action is carried out when the
	// text ends on them, and any input after them is refused.
	stepAcknowledge
	stepClaim
	stepAppeal
	stepVerify
)

func (s step) final() bool { return s >= stepAcknowledge }

// state is a point in the menu with what the citizen has given so far.
type state struct {
	step   step
	code   order.Code
	birth  time.Time
	page   int // of the order view or of the grounds
	ground int // index in the grounds: stepConfirmClaim, stepClaim
	// hint says what was wrong with the last input, above the screen that
	// asks again; zero when the last input was fine.
	hint citizen.Message
}

// Handle answers one callback with the next screen.
func (h *Handler) Handle(ctx context.Context, r Request) string {
	if h.Service == nil || !validPhone(r.PhoneNumber) {
		return end(citizen.French, citizen.MsgUnavailable)
	}
	s := &session{ctx: ctx, h: h, phone: r.PhoneNumber, lang: citizen.French, views: map[viewKey]*viewResult{}}
	st := state{step: stepLanguage}
	if l, ok := h.Service.PreferredLanguage(ctx, r.PhoneNumber); ok {
		if _, err := citizen.ParseLanguage(string(l)); err == nil {
			s.lang, st.step = l, stepMain
		}
	}
	inputs, ok := splitText(r.Text)
	if !ok {
		return end(s.lang, citizen.MsgSessionEnded)
	}
	for _, in := range inputs {
		if st.step.final() {
			return end(s.lang, citizen.MsgSessionEnded)
		}
		next, stop := s.next(st, in)
		if stop != "" {
			return stop
		}
		st = next
	}
	return s.render(st)
}

// validPhone accepts what gateways send: digits with an optional leading
// '+'. The phone is the caller's identity for the guard, so it must not be
// empty.
func validPhone(p string) bool {
	p = strings.TrimPrefix(p, "+")
	if len(p) < 3 || len(p) > 20 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// splitText cuts the gateway's text into inputs. A keypad cannot type '*'
// inside an input, so every '*' separates; '#' (which some phones send
// with the input) and surrounding spaces are dropped. Empty inputs stay: they are a
// citizen pressing send with nothing typed, and get the screen again.
func splitText(text string) ([]string, bool) {
	if text == "" {
		return nil, true
	}
	if len(text) > maxText || strings.Count(text, "*") >= maxInputs {
		return nil, false
	}
	inputs := strings.Split(text, "*")
	for i, in := range inputs {
		inputs[i] = strings.TrimSpace(strings.ReplaceAll(in, "#", ""))
	}
	return inputs, true
}

// session is what one callback knows while it walks the text: the
// citizen's language and what it has asked the service already.
type session struct {
	ctx     context.Context
	h       *Handler
	phone   string
	lang    citizen.Language
	views   map[viewKey]*viewResult
	grounds []citizen.Ground
	loaded  bool // grounds fetched
	// pages are the grounds laid out in pagesLang, computed once unless
	// the citizen changes language.
	pages     [][]int
	pagesLang citizen.Language
}

// next moves from st by one input. An input that does not fit the screen
// leaves the citizen where they are with a hint. A non-empty stop is the
// reply that ends the session there: the order could not be looked up.
func (s *session) next(st state, in string) (next state, stop string) {
	if in == "" { // send pressed with nothing typed: the same screen again
		st.hint = 0
		return st, ""
	}
	again := st
	again.hint = citizen.MsgBadChoice
	switch st.step {
	case stepLanguage:
		if n := choice(in, len(citizen.Languages)); n > 0 {
			s.lang = citizen.Languages[n-1]
			return state{step: stepMain}, ""
		}
	case stepMain:
		switch in {
		case "1":
			return state{step: stepOrderCode}, ""
		case "2":
			return state{step: stepVerifyCode}, ""
		case "0":
			return state{step: stepLanguage}, ""
		}
	case stepOrderCode, stepVerifyCode:
		if in == "0" {
			return state{step: stepMain}, ""
		}
		code, err := citizen.ParseCodeInput(in)
		if err != nil {
			again.hint = citizen.MsgBadCode
			return again, ""
		}
		if st.step == stepVerifyCode {
			return state{step: stepVerify, code: code}, ""
		}
		return state{step: stepBirthDate, code: code}, ""
	case stepBirthDate:
		if in == "0" {
			return state{step: stepOrderCode}, ""
		}
		birth, err := citizen.ParseBirthDate(in)
		if err != nil {
			again.hint = citizen.MsgBadBirthDate
			return again, ""
		}
		return state{step: stepView, code: st.code, birth: birth}, ""
	case stepView:
		return s.nextFromView(st, in)
	case stepGrounds:
		return s.nextFromGrounds(st, in)
	case stepConfirmClaim:
		switch in {
		case "1":
			return state{step: stepClaim, code: st.code, birth: st.birth, ground: st.ground}, ""
		case "0":
			return state{step: stepGrounds, code: st.code, birth: st.birth, page: st.page}, ""
		}
	case stepConfirmAppeal:
		switch in {
		case "1":
			return state{step: stepAppeal, code: st.code, birth: st.birth}, ""
		case "0":
			return s.backToActions(st)
		}
	}
	return again, ""
}

func (s *session) nextFromView(st state, in string) (state, string) {
	if in == "0" {
		return state{step: stepMain}, ""
	}
	v, stop := s.view(st.code, st.birth)
	if stop != "" {
		return st, stop
	}
	again := st
	again.hint = citizen.MsgBadChoice
	at := state{code: st.code, birth: st.birth}
	switch in {
	case "9":
		if st.page+1 < len(v.pages) {
			st.page++
			return st, ""
		}
	case "1":
		if v.view.Allows(citizen.Acknowledge) {
			at.step = stepAcknowledge
			return at, ""
		}
	case "2":
		if v.view.Allows(citizen.Claim) {
			if len(s.groundList()) == 0 {
				return st, end(s.lang, citizen.MsgUnavailable) // a policy without grounds: nothing to claim on
			}
			at.step = stepGrounds
			return at, ""
		}
	case "3":
		if v.view.Allows(citizen.Appeal) {
			at.step = stepConfirmAppeal
			return at, ""
		}
	}
	return again, ""
}

func (s *session) nextFromGrounds(st state, in string) (state, string) {
	pages := s.groundPages()
	again := st
	again.hint = citizen.MsgBadChoice
	switch in {
	case "0":
		if st.page > 0 {
			st.page--
			return st, ""
		}
		return s.backToActions(st)
	case "9":
		if st.page+1 < len(pages) {
			st.page++
			return st, ""
		}
		return again, ""
	}
	page := pages[min(st.page, len(pages)-1)]
	if n := choice(in, len(page)); n > 0 {
		return state{step: stepConfirmClaim, code: st.code, birth: st.birth, page: st.page, ground: page[n-1]}, ""
	}
	return again, ""
}

// backToActions returns to the last page of the order view, where the
// actions are.
func (s *session) backToActions(st state) (state, string) {
	v, stop := s.view(st.code, st.birth)
	if stop != "" {
		return st, stop
	}
	return state{step: stepView, code: st.code, birth: st.birth, page: len(v.pages) - 1}, ""
}

// choice reads a menu choice from 1 to n, and 0 for anything else.
func choice(in string, n int) int {
	if len(in) != 1 || in[0] < '1' || in[0] > '9' {
		return 0
	}
	if c := int(in[0] - '0'); c <= n {
		return c
	}
	return 0
}
