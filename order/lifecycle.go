package order

import (
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// State is where an order stands in its lifecycle; see LIFECYCLE.md.
type State string

// The states of DESIGN.md. StateNone is the state of an order that has not
// been drafted yet: the draft event starts from it.
const (
	StateNone          State = ""
	StateDraft         State = "draft"
	StateApproved      State = "approved"
	StateIssued        State = "issued"
	StateNotified      State = "notified"
	StateAcknowledged  State = "acknowledged"
	StateFulfilled     State = "fulfilled"
	StateReturned      State = "returned"
	StateReleased      State = "released"
	StateCompensated   State = "compensated"
	StateClosed        State = "closed"
	StateClaimed       State = "claimed"
	StateExempted      State = "exempted"
	StateDeferred      State = "deferred"
	StateClaimRejected State = "claim_rejected"
	StateAppealed      State = "appealed"
	StateUpheld        State = "upheld"
	StateDismissed     State = "dismissed"
	StateCancelled     State = "cancelled"
)

// States lists every state an order can be in, in lifecycle order.
var States = []State{
	StateDraft, StateApproved, StateIssued, StateNotified, StateAcknowledged,
	StateFulfilled, StateReturned, StateReleased, StateCompensated, StateClosed,
	StateClaimed, StateExempted, StateDeferred, StateClaimRejected,
	StateAppealed, StateUpheld, StateDismissed, StateCancelled,
}

// Event is something that happens to an order and moves it to another state.
type Event string

// The events. Fulfil records the handover of requisitioned property or the
// addressee reporting for service; Return and Release end that period.
const (
	EventDraft       Event = "draft"
	EventApprove     Event = "approve"
	EventIssue       Event = "issue"
	EventNotify      Event = "notify"
	EventAcknowledge Event = "acknowledge"
	EventFulfil      Event = "fulfil"
	EventReturn      Event = "return"
	EventRelease     Event = "release"
	EventCompensate  Event = "compensate"
	EventClose       Event = "close"
	EventClaim       Event = "claim"
	EventExempt      Event = "exempt"
	EventDefer       Event = "defer"
	EventRejectClaim Event = "reject_claim"
	EventAppeal      Event = "appeal"
	EventUphold      Event = "uphold"
	EventDismiss     Event = "dismiss"
	EventCancel      Event = "cancel"
)

// Events lists every event, in lifecycle order.
var Events = []Event{
	EventDraft, EventApprove, EventIssue, EventNotify, EventAcknowledge,
	EventFulfil, EventReturn, EventRelease, EventCompensate, EventClose,
	EventClaim, EventExempt, EventDefer, EventRejectClaim,
	EventAppeal, EventUphold, EventDismiss, EventCancel,
}

// ParseState reads a state name.
func ParseState(s string) (State, error) { return parse(s, States, "state") }

// ParseEvent reads an event name.
func ParseEvent(s string) (Event, error) { return parse(s, Events, "event") }

func parse[T ~string](s string, all []T, what string) (T, error) {
	if slices.Contains(all, T(s)) {
		return T(s), nil
	}
	names := make([]string, len(all))
	for i, v := range all {
		names[i] = string(v)
	}
	return "", muster.Errorf(muster.Invalid, "%q is not an order %s (%s)", s, what, strings.Join(names, ", "))
}

// Citizen and System are the actors that are not officers. They are not in
// auth.Roles, so auth.ParseRole refuses them and no user account can hold
// them: only the citizen channels and muster's own jobs construct them.
const (
	Citizen auth.Role = "citizen"
	System  auth.Role = "system"
)

// Actor is who causes an event: an officer by user name and role, the
// addressee, or the system.
type Actor struct {
	Role auth.Role
	Name string
	// IsAddressee says the actor is the order's addressee. A citizen must
	// be; an officer must not be, since nobody acts on their own order.
	IsAddressee bool
}

// SystemActor is muster itself: issuing after approval, notifying, closing.
var SystemActor = Actor{Role: System, Name: "system"}

// AddresseeActor is the addressee acting through a citizen channel. Its
// name is a fixed word, not the person's identity, so that the event
// history holds no personal data: the order already names its addressee.
var AddresseeActor = Actor{Role: Citizen, Name: "addressee", IsAddressee: true}

// Party is a person the order names, whom a rule may exclude from acting.
type Party string

// The parties the independence rules refer to.
const (
	PartyDrafter       Party = "drafter"
	PartyApprover      Party = "approver"
	PartyClaimReviewer Party = "claim reviewer"
)

// Facts are what the state machine reads of an order: its state, its kind
// (some events apply to one kind only) and who drafted, approved and
// decided its claim (for the independence rules).
type Facts struct {
	State      State
	Kind       Kind
	DraftedBy  string
	ApprovedBy string
	ReviewedBy string // the reviewer who decided the claim
}

func (f Facts) party(p Party) string {
	switch p {
	case PartyDrafter:
		return f.DraftedBy
	case PartyApprover:
		return f.ApprovedBy
	case PartyClaimReviewer:
		return f.ReviewedBy
	}
	return ""
}

// next returns the facts after a moved the order to state to by event e.
func (f Facts) next(e Event, a Actor, to State) Facts {
	f.State = to
	switch e {
	case EventDraft:
		f.DraftedBy = a.Name
	case EventApprove:
		f.ApprovedBy = a.Name
	case EventExempt, EventDefer, EventRejectClaim:
		f.ReviewedBy = a.Name
	}
	return f
}

// Rule is one legal transition: from a state, by an event, to a state, for
// orders of one kind or both (Kind ""), by one of Roles, never by the
// parties in NotBy.
type Rule struct {
	From  State
	Event Event
	To    State
	Kind  Kind
	Roles []auth.Role
	NotBy []Party
}

// rules is the lifecycle: the single source of the transition table, of
// LIFECYCLE.md and of the package documentation (a test keeps them equal).
// It has no cycle, so every order ends, a claim is made at most once and an
// appeal at most once; the decision states of a claim or appeal that leave
// the obligation standing (claim_rejected, deferred, dismissed) are kept
// rather than folded back into acknowledged, so the state still tells why.
var rules = func() []Rule {
	var (
		officer   = []auth.Role{auth.Officer}
		approver  = []auth.Role{auth.Approver}
		reviewer  = []auth.Role{auth.Reviewer}
		treasurer = []auth.Role{auth.Treasurer}
		citizen   = []auth.Role{Citizen}
		system    = []auth.Role{System}
		closer    = []auth.Role{auth.Officer, System}
		// An order is notified by the SMS delivery report (system) or by
		// an officer who hands the printed order to the addressee.
		notifier    = []auth.Role{System, auth.Officer}
		canceller   = []auth.Role{auth.Officer, auth.Approver}
		claimBoard  = []Party{PartyDrafter, PartyApprover}
		appealBoard = []Party{PartyDrafter, PartyApprover, PartyClaimReviewer}
	)
	r := []Rule{
		{StateNone, EventDraft, StateDraft, "", officer, nil},
		{StateDraft, EventApprove, StateApproved, "", approver, []Party{PartyDrafter}},
		{StateApproved, EventIssue, StateIssued, "", system, nil},
		{StateIssued, EventNotify, StateNotified, "", notifier, nil},
		{StateNotified, EventAcknowledge, StateAcknowledged, "", citizen, nil},
		{StateNotified, EventClaim, StateClaimed, "", citizen, nil},
		{StateAcknowledged, EventClaim, StateClaimed, "", citizen, nil},
		{StateClaimed, EventExempt, StateExempted, "", reviewer, claimBoard},
		{StateClaimed, EventDefer, StateDeferred, "", reviewer, claimBoard},
		{StateClaimed, EventRejectClaim, StateClaimRejected, "", reviewer, claimBoard},
		{StateClaimRejected, EventAppeal, StateAppealed, "", citizen, nil},
		{StateDeferred, EventAppeal, StateAppealed, "", citizen, nil},
		{StateAppealed, EventUphold, StateUpheld, "", reviewer, appealBoard},
		{StateAppealed, EventDismiss, StateDismissed, "", reviewer, appealBoard},
	}
	// The obligation stands, and can be met, once the addressee has been
	// told and no claim or appeal is pending.
	for _, s := range []State{StateNotified, StateAcknowledged, StateClaimRejected, StateDeferred, StateDismissed} {
		r = append(r, Rule{s, EventFulfil, StateFulfilled, "", officer, nil})
	}
	r = append(r,
		Rule{StateFulfilled, EventReturn, StateReturned, Requisition, officer, nil},
		Rule{StateFulfilled, EventRelease, StateReleased, "", officer, nil},
		Rule{StateReturned, EventCompensate, StateCompensated, "", treasurer, nil},
		Rule{StateReleased, EventCompensate, StateCompensated, "", treasurer, nil},
		Rule{StateCompensated, EventClose, StateClosed, "", closer, nil},
	)
	// The authority may withdraw an order at any time before it is
	// fulfilled, even with a claim or appeal pending: that moots them.
	for _, s := range []State{StateDraft, StateApproved, StateIssued, StateNotified, StateAcknowledged,
		StateClaimed, StateClaimRejected, StateDeferred, StateAppealed, StateDismissed} {
		r = append(r, Rule{s, EventCancel, StateCancelled, "", canceller, nil})
	}
	return r
}()

type ruleKey struct {
	from  State
	event Event
}

var ruleIndex = func() map[ruleKey]int {
	m := make(map[ruleKey]int, len(rules))
	for i, r := range rules {
		m[ruleKey{r.From, r.Event}] = i
	}
	return m
}()

// Rules returns a copy of the transition table, in the order of LIFECYCLE.md.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		r.Roles, r.NotBy = slices.Clone(r.Roles), slices.Clone(r.NotBy)
		out[i] = r
	}
	return out
}

// Final reports whether no event leads out of s: closed, exempted, upheld
// and cancelled.
func (s State) Final() bool {
	for _, r := range rules {
		if r.From == s {
			return false
		}
	}
	return slices.Contains(States, s)
}

// Transition is the lifecycle: the state an order with facts f moves to
// when actor a causes event e, or an error. An event that does not apply
// to the state (or the kind) is a Conflict naming both ("cannot approve an
// order that is issued"); an actor whose role may not cause the event, or
// who is a party the rule excludes (the drafter approving: the two-person
// rule), is Forbidden. The full table is in LIFECYCLE.md and the package
// documentation.
func Transition(f Facts, e Event, a Actor) (State, error) {
	if !slices.Contains(Events, e) {
		return "", muster.Errorf(muster.Invalid, "%q is not an order event", e)
	}
	if f.State != StateNone && !slices.Contains(States, f.State) {
		return "", muster.Errorf(muster.Invalid, "%q is not an order state", f.State)
	}
	i, ok := ruleIndex[ruleKey{f.State, e}]
	if !ok {
		if f.State == StateNone {
			return "", muster.Errorf(muster.Conflict, "cannot %s an order that has not been drafted", e)
		}
		return "", muster.Errorf(muster.Conflict, "cannot %s an order that is %s", e, f.State)
	}
	r := rules[i]
	if r.Kind != "" && r.Kind != f.Kind {
		return "", muster.Errorf(muster.Conflict, "cannot %s a %s order that is %s (%s applies to %s orders only)", e, f.Kind, f.State, e, r.Kind)
	}
	if err := r.permits(f, e, a); err != nil {
		return "", err
	}
	return r.To, nil
}

// permits checks the actor against the rule's roles and independence.
func (r Rule) permits(f Facts, e Event, a Actor) error {
	if a.Name == "" {
		return muster.Errorf(muster.Invalid, "the %s event has no actor name", e)
	}
	if !slices.Contains(r.Roles, a.Role) {
		return muster.Errorf(muster.Forbidden, "role %s may not %s an order", roleName(a.Role), e)
	}
	if a.Role == Citizen && !a.IsAddressee {
		return muster.Errorf(muster.Forbidden, "only the addressee may %s an order", e)
	}
	if a.Role != Citizen && a.IsAddressee {
		return muster.Errorf(muster.Forbidden, "%s %s is the addressee and may not %s their own order", a.Role, a.Name, e)
	}
	for _, p := range r.NotBy {
		if f.party(p) == a.Name {
			why := "the review board is independent of the issuer"
			switch p {
			case PartyDrafter:
				if e == EventApprove {
					why = "two-person rule"
				}
			case PartyClaimReviewer:
				why = "an appeal goes to another reviewer"
			}
			return muster.Errorf(muster.Forbidden, "%s %s is the %s of this order and may not %s it (%s)", a.Role, a.Name, p, e, why)
		}
	}
	return nil
}

func roleName(r auth.Role) string {
	if r == "" {
		return "(none)"
	}
	return string(r)
}

// Allowed lists the events a may cause on an order with facts f now, in
// table order: the actions a user interface offers.
func Allowed(f Facts, a Actor) []Event {
	var out []Event
	for _, r := range rules {
		if r.From != f.State {
			continue
		}
		if _, err := Transition(f, r.Event, a); err == nil {
			out = append(out, r.Event)
		}
	}
	return out
}

// owing lists the states in which the addressee still owes fulfilment and
// no claim or appeal suspends it.
var owing = []State{StateNotified, StateAcknowledged, StateClaimRejected, StateDeferred, StateDismissed}

// Overdue reports whether the deadline has passed while the addressee
// still owes fulfilment. It is a computed flag, not a state: an order
// issued but not yet notified is not overdue (the addressee cannot be
// late for an order they have not received), and a pending claim or appeal
// suspends the deadline.
func (o Order) Overdue(now time.Time) bool {
	return slices.Contains(owing, o.State) && now.After(o.Deadline)
}
