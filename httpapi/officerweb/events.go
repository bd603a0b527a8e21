package officerweb

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// What an officer records on an order's page, through the same store call
// as `muster orders event`: the printed order handed to its addressee,
// the handover of requisitioned property (with its signed receipt) or the
// addressee reporting for service, the return of the property in its
// condition or the release, which computes the compensation owed, and the
// review board's decisions on claims and appeals. Which form a user sees
// is what the lifecycle (package order) lets their role do in the order's
// state; the store checks it again.

// webEvents are the events this UI records. Acknowledging, claiming and
// appealing are the addressee's, through the citizen channels;
// compensating is the treasurer's, with the payment, in the fund.
var webEvents = []order.Event{order.EventNotify, order.EventFulfil, order.EventReturn, order.EventRelease,
	order.EventExempt, order.EventDefer, order.EventRejectClaim, order.EventUphold, order.EventDismiss, order.EventCancel}

// decisions are the review board's events: each states its reasons.
var decisions = []order.Event{order.EventExempt, order.EventDefer, order.EventRejectClaim, order.EventUphold, order.EventDismiss}

// eventForm is an event's form as typed, with what is wrong with it.
type eventForm struct {
	Event, Condition, Until, Note string
	Errors                        map[string]string
}

// orderActions are the forms an order's page offers its user.
type orderActions struct {
	Notify, Fulfil, Return, Release bool
	Exempt, Defer, RejectClaim      bool
	Uphold, Dismiss                 bool
	Cancel                          bool // withdraw the order, with reasons
	Requisition                     bool
	Conditions                      []string // of a handover
	ReturnConditions                []string // of a return: those, or lost
	Form                            eventForm
	Zone                            string
	// Rule says why a reviewer may not decide this order's claim or
	// appeal: the board's independence, shown like the two-person rule.
	Rule string
}

// Any reports whether the user may record anything on the order now.
func (a orderActions) Any() bool {
	return a.Notify || a.Fulfil || a.Return || a.Release || a.Cancel || a.DecideClaim() || a.DecideAppeal()
}

// DecideClaim and DecideAppeal report whether the user decides a claim
// or an appeal.
func (a orderActions) DecideClaim() bool  { return a.Exempt || a.Defer || a.RejectClaim }
func (a orderActions) DecideAppeal() bool { return a.Uphold || a.Dismiss }

// Typed reports whether the form last sent was the page's form named
// form: an event, or "claim" and "appeal" for the board's decisions.
func (a orderActions) Typed(form string) bool {
	switch e := order.Event(a.Form.Event); form {
	case "claim":
		return e == order.EventExempt || e == order.EventDefer || e == order.EventRejectClaim
	case "appeal":
		return e == order.EventUphold || e == order.EventDismiss
	default:
		return a.Form.Event != "" && a.Form.Event == form
	}
}

// Checked reports whether the form last chose event e, for radio buttons.
func (a orderActions) Checked(e string) bool { return a.Form.Event == e }

// orderActions lists what the user may record on o, with form as typed.
func (h *Handler) orderActions(c *call, o sqlstore.IssuedOrder, form eventForm) orderActions {
	a := orderActions{Requisition: o.Kind == order.Requisition, Conditions: registry.Conditions,
		ReturnConditions: append(slices.Clone(registry.Conditions), order.Lost), Form: form, Zone: h.zone.String()}
	if !auth.Can(c.user.Role, auth.RecordOrderEvents) {
		return a
	}
	for _, e := range order.Allowed(o.Facts(), order.Actor{Role: c.user.Role, Name: c.user.Name}) {
		switch e {
		case order.EventNotify:
			a.Notify = true
		case order.EventFulfil:
			a.Fulfil = true
		case order.EventReturn:
			a.Return = true
		case order.EventRelease:
			a.Release = true
		case order.EventExempt:
			a.Exempt = true
		case order.EventDefer:
			a.Defer = true
		case order.EventRejectClaim:
			a.RejectClaim = true
		case order.EventUphold:
			a.Uphold = true
		case order.EventDismiss:
			a.Dismiss = true
		case order.EventCancel:
			a.Cancel = true
		}
	}
	if rule := independenceRule(o, c.user); rule != "" && !a.DecideClaim() && !a.DecideAppeal() {
		a.Rule = t(c.lang, rule)
	}
	return a
}

// independenceRule names the rule that keeps a reviewer from deciding
// o's pending claim or appeal: the board is independent of whoever
// drafted or approved the order, and an appeal goes to another reviewer
// than the one who decided the claim (order.Rules).
func independenceRule(o sqlstore.IssuedOrder, u auth.User) text {
	if u.Role != auth.Reviewer || o.State != order.StateClaimed && o.State != order.StateAppealed {
		return ""
	}
	switch {
	case o.State == order.StateAppealed && o.ReviewedBy == u.Name:
		return "rule_appeal_other"
	case o.DraftedBy == u.Name || o.ApprovedBy == u.Name:
		return "rule_board_independent"
	}
	return ""
}

// recordEvent records one event on an order, then shows the order again
// with what it leads to (a receipt to print, the compensation owed).
func (h *Handler) recordEvent(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	o, err := h.store.Order(ctx, r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	e, err := order.ParseEvent(r.PostFormValue("event"))
	if err != nil || !slices.Contains(webEvents, e) {
		return muster.Errorf(muster.Invalid, "event: one of notify, fulfil, return, release, exempt, defer, reject_claim, uphold, dismiss, cancel")
	}
	form := eventForm{Event: string(e), Condition: r.PostFormValue("condition"), Until: strings.TrimSpace(r.PostFormValue("until")),
		Note: strings.TrimSpace(r.PostFormValue("note")), Errors: map[string]string{}}
	actor := order.Actor{Role: c.user.Role, Name: c.user.Name}
	refuse := func(status int, problem string) error {
		return h.renderOrder(w, r, c, o, status, problem, form)
	}
	if _, err := order.Transition(o.Facts(), e, actor); err != nil {
		return refuse(h.eventRefusal(c, o, e, err))
	}
	ch := sqlstore.Change{Event: e, Actor: actor, Note: form.Note}
	h.checkEventForm(c, o, e, &form, &ch)
	if len(form.Errors) > 0 {
		return refuse(http.StatusBadRequest, t(c.lang, "err_event_form"))
	}
	_, err = h.store.ApplyOrderEvent(ctx, o.ID, c.user.Area, ch)
	switch kind := muster.ErrorKind(err); {
	case err == nil:
	case kind == muster.Invalid && e == order.EventDefer:
		form.Errors["until"] = t(c.lang, "err_until")
		return refuse(http.StatusBadRequest, t(c.lang, "err_event_form"))
	case kind == muster.Conflict || kind == muster.Forbidden:
		// The order changed since the page was read: show it as it is.
		if now, err := h.store.Order(ctx, o.ID, c.user.Area); err == nil {
			o = now
		}
		return refuse(h.eventRefusal(c, o, e, err))
	default:
		return err
	}
	redirect(w, r, "/o/orders/"+url.PathEscape(o.Code.String()), text("done_"+string(e)), o.Code.String())
	return nil
}

// eventRefusal turns a refused transition into a status and a notice in
// the user's language.
func (h *Handler) eventRefusal(c *call, o sqlstore.IssuedOrder, e order.Event, err error) (int, string) {
	if muster.ErrorKind(err) == muster.Forbidden {
		if rule := independenceRule(o, c.user); rule != "" {
			return http.StatusForbidden, t(c.lang, rule)
		}
		return http.StatusForbidden, t(c.lang, "err_event_role", t(c.lang, text("event_"+string(e))))
	}
	return http.StatusConflict, t(c.lang, "err_event_state", t(c.lang, text("event_"+string(e))), stateName(c.lang, string(o.State)))
}

// checkEventForm reads the fields an event takes into ch, and notes what
// is wrong with them, field by field.
func (h *Handler) checkEventForm(c *call, o sqlstore.IssuedOrder, e order.Event, form *eventForm, ch *sqlstore.Change) {
	bad := func(field string, key text) { form.Errors[field] = t(c.lang, key) }
	requisition := o.Kind == order.Requisition
	switch {
	case e == order.EventFulfil && requisition:
		// The condition at handover is the basis of the damage owed at
		// return: the officer states it.
		if !slices.Contains(registry.Conditions, form.Condition) {
			bad("condition", "err_condition")
		}
		ch.Condition = form.Condition
	case e == order.EventReturn:
		if !slices.Contains(registry.Conditions, form.Condition) && form.Condition != order.Lost {
			bad("condition", "err_condition")
		}
		ch.Condition = form.Condition
	case form.Condition != "":
		bad("condition", "err_condition_none")
	}
	if e == order.EventDefer {
		until, err := time.ParseInLocation(deadlineLayout, form.Until, h.zone)
		if err != nil || !until.After(o.Deadline) || !until.After(h.now()) {
			bad("until", "err_until")
		}
		ch.Until = until.UTC()
	} else if form.Until != "" {
		bad("until", "err_until_none")
	}
	// A decision states its reasons, and so does withdrawing an order: the
	// addressee and an auditor will ask why.
	if (slices.Contains(decisions, e) || e == order.EventCancel) && form.Note == "" {
		bad("note", "err_reasons")
	}
	if utf8.RuneCountInString(form.Note) > order.MaxNote {
		bad("note", "err_note_long")
	}
}

// pdfLang reads the language a PDF is printed in: the page's by default.
func pdfLang(r *http.Request, c *call) (string, error) {
	switch l := r.URL.Query().Get("lang"); l {
	case "":
		return string(c.lang), nil
	case "fr", "en", "ha", "dje":
		return l, nil
	}
	return "", muster.Errorf(muster.Invalid, "lang: fr, en, ha or dje")
}

// receiptPDF answers the handover receipt of a requisition, signed by its
// authority, as `muster orders receipt` prints it for the owner.
func (h *Handler) receiptPDF(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	o, err := h.store.Order(ctx, r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	lang, err := pdfLang(r, c)
	if err != nil {
		return err
	}
	// PrintableReceipt refuses an order without a handover before it
	// reads the owner; the read is logged before the receipt is sent.
	rc, err := h.store.PrintableReceipt(ctx, o, h.verify)
	if err != nil {
		return err
	}
	if err := h.logOrderReads(ctx, c, "orders.receipt", "", []sqlstore.IssuedOrder{o}); err != nil {
		return err
	}
	pdf, err := printout.RenderReceipt(rc, lang)
	if err != nil {
		return err
	}
	sendPDF(w, o.Code.String()+"-receipt.pdf", pdf)
	return nil
}
