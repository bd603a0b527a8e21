package order

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// facts returns facts in state s whose parties are none of the actors
// that actorFor makes.
func facts(s State, k Kind) Facts {
	return Facts{State: s, Kind: k, DraftedBy: "dora", ApprovedBy: "abdou", ReviewedBy: "rakia"}
}

// actorFor returns an actor with role r who is none of the order's parties.
func actorFor(r auth.Role) Actor {
	switch r {
	case Citizen:
		return AddresseeActor
	case System:
		return SystemActor
	}
	return Actor{Role: r, Name: "other-" + string(r)}
}

// allRoles is every role an actor can have.
var allRoles = append(slices.Clone(auth.Roles), Citizen, System)

func kindsOf(r Rule) []Kind {
	if r.Kind != "" {
		return []Kind{r.Kind}
	}
	return Kinds
}

func wantKind(t *testing.T, err error, kind muster.Kind, words ...string) {
	t.Helper()
	if got := muster.ErrorKind(err); got != kind {
		t.Fatalf("error = %v (kind %q), want kind %q", err, got, kind)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}

func TestLegalTransitions(t *testing.T) {
	for _, r := range Rules() {
		for _, k := range kindsOf(r) {
			for _, role := range r.Roles {
				t.Run(string(k)+"/"+stateName(r.From)+"/"+string(r.Event)+"/"+string(role), func(t *testing.T) {
					got, err := Transition(facts(r.From, k), r.Event, actorFor(role))
					if err != nil || got != r.To {
						t.Fatalf("Transition = %q, %v; want %q", got, err, r.To)
					}
				})
			}
		}
	}
}

// TestEveryPair tries every (state, event) pair for both kinds and every
// role: a pair in the table succeeds for an allowed actor; any other is a
// Conflict naming the state and the event, whoever tries it.
func TestEveryPair(t *testing.T) {
	legal := 0
	for _, s := range append([]State{StateNone}, States...) {
		for _, e := range Events {
			for _, k := range Kinds {
				i, inTable := ruleIndex[ruleKey{s, e}]
				if inTable && (rules[i].Kind == "" || rules[i].Kind == k) {
					legal++
					if _, err := Transition(facts(s, k), e, actorFor(rules[i].Roles[0])); err != nil {
						t.Errorf("%s %s %s: %v", k, s, e, err)
					}
					continue
				}
				for _, role := range allRoles {
					_, err := Transition(facts(s, k), e, actorFor(role))
					if muster.ErrorKind(err) != muster.Conflict {
						t.Errorf("%s order %s, event %s by %s: error %v, want a conflict", k, stateName(s), e, role, err)
						continue
					}
					name := string(s)
					if s == StateNone {
						name = "not been drafted"
					}
					if msg := err.Error(); !strings.Contains(msg, name) || !strings.Contains(msg, string(e)) {
						t.Errorf("conflict %q does not name state %q and event %q", msg, s, e)
					}
				}
			}
		}
	}
	if want := 2*len(rules) - 1; legal != want { // one rule is for requisitions only
		t.Errorf("%d legal (state, event, kind) triples, want %d", legal, want)
	}
}

func TestConflictMessages(t *testing.T) {
	cases := []struct {
		name string
		f    Facts
		e    Event
		want string
	}{
		{"approve issued", facts(StateIssued, CallUp), EventApprove, "cannot approve an order that is issued"},
		{"approve undrafted", facts(StateNone, CallUp), EventApprove, "cannot approve an order that has not been drafted"},
		{"draft twice", facts(StateDraft, CallUp), EventDraft, "cannot draft an order that is draft"},
		{"return a call-up", facts(StateFulfilled, CallUp), EventReturn, "cannot return a call_up order that is fulfilled (return applies to requisition orders only)"},
		{"fulfil while claimed", facts(StateClaimed, Requisition), EventFulfil, "cannot fulfil an order that is claimed"},
		{"cancel after handover", facts(StateFulfilled, Requisition), EventCancel, "cannot cancel an order that is fulfilled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Transition(c.f, c.e, actorFor(auth.Officer))
			wantKind(t, err, muster.Conflict)
			if err.Error() != c.want {
				t.Errorf("error = %q, want %q", err, c.want)
			}
		})
	}
}

// TestRoles checks every rule against every role it does not list.
func TestRoles(t *testing.T) {
	for _, r := range Rules() {
		for _, role := range allRoles {
			if slices.Contains(r.Roles, role) {
				continue
			}
			_, err := Transition(facts(r.From, Requisition), r.Event, actorFor(role))
			if muster.ErrorKind(err) != muster.Forbidden {
				t.Errorf("%s by %s from %s: error %v, want forbidden", r.Event, role, stateName(r.From), err)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, string(role)) || !strings.Contains(msg, string(r.Event)) {
				t.Errorf("forbidden %q does not name role %q and event %q", msg, role, r.Event)
			}
		}
	}
	cases := []struct {
		name  string
		state State
		e     Event
		a     Actor
		kind  muster.Kind
		words []string
	}{
		{"officer approves", StateDraft, EventApprove, Actor{Role: auth.Officer, Name: "omar"}, muster.Forbidden, []string{"officer", "approve"}},
		{"approver hands over", StateNotified, EventFulfil, Actor{Role: auth.Approver, Name: "amina"}, muster.Forbidden, []string{"approver", "fulfil"}},
		{"auditor cancels", StateIssued, EventCancel, Actor{Role: auth.Auditor, Name: "aude"}, muster.Forbidden, []string{"auditor", "cancel"}},
		{"citizen not the addressee", StateNotified, EventAcknowledge, Actor{Role: Citizen, Name: "addressee"}, muster.Forbidden, []string{"addressee", "acknowledge"}},
		{"officer is the addressee", StateNotified, EventFulfil, Actor{Role: auth.Officer, Name: "omar", IsAddressee: true}, muster.Forbidden, []string{"officer", "own order"}},
		{"system acknowledges", StateNotified, EventAcknowledge, SystemActor, muster.Forbidden, []string{"system", "acknowledge"}},
		{"no role", StateDraft, EventApprove, Actor{Name: "x"}, muster.Forbidden, []string{"(none)", "approve"}},
		{"no name", StateDraft, EventApprove, Actor{Role: auth.Approver}, muster.Invalid, []string{"approve"}},
		{"unknown event", StateDraft, "sign", actorFor(auth.Approver), muster.Invalid, []string{"sign"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Transition(facts(c.state, CallUp), c.e, c.a)
			wantKind(t, err, c.kind, c.words...)
		})
	}
	if _, err := Transition(Facts{State: "lost"}, EventClose, SystemActor); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("unknown state: %v, want invalid", err)
	}
}

// TestIndependence covers the two-person rule and the review board's
// independence from the issuer and, on appeal, from the first decision.
func TestIndependence(t *testing.T) {
	f := Facts{Kind: CallUp, DraftedBy: "dora", ApprovedBy: "abdou", ReviewedBy: "rakia"}
	cases := []struct {
		name  string
		state State
		e     Event
		a     Actor
		words []string // empty: allowed
	}{
		{"drafter approves", StateDraft, EventApprove, Actor{Role: auth.Approver, Name: "dora"}, []string{"approver", "dora", "drafter", "approve", "two-person rule"}},
		{"another approves", StateDraft, EventApprove, Actor{Role: auth.Approver, Name: "abdou"}, nil},
		{"approver decides the claim", StateClaimed, EventExempt, Actor{Role: auth.Reviewer, Name: "abdou"}, []string{"reviewer", "abdou", "approver", "exempt"}},
		{"drafter decides the claim", StateClaimed, EventRejectClaim, Actor{Role: auth.Reviewer, Name: "dora"}, []string{"drafter", "reject_claim"}},
		{"claim reviewer defers", StateClaimed, EventDefer, Actor{Role: auth.Reviewer, Name: "rakia"}, nil},
		{"claim reviewer decides the appeal", StateAppealed, EventDismiss, Actor{Role: auth.Reviewer, Name: "rakia"}, []string{"claim reviewer", "dismiss", "another reviewer"}},
		{"approver upholds", StateAppealed, EventUphold, Actor{Role: auth.Reviewer, Name: "abdou"}, []string{"approver", "uphold"}},
		{"second reviewer upholds", StateAppealed, EventUphold, Actor{Role: auth.Reviewer, Name: "issa"}, nil},
		{"drafter cancels", StateIssued, EventCancel, Actor{Role: auth.Officer, Name: "dora"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.State = c.state
			_, err := Transition(f, c.e, c.a)
			if len(c.words) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantKind(t, err, muster.Forbidden, c.words...)
		})
	}
}

// TestShape checks the graph: every state reachable from a draft, no
// cycle, and exactly the expected final states.
func TestShape(t *testing.T) {
	const (
		unseen = iota
		open
		done
	)
	mark := map[State]int{}
	var visit func(s State)
	visit = func(s State) {
		mark[s] = open
		for _, r := range rules {
			if r.From != s {
				continue
			}
			switch mark[r.To] {
			case open:
				t.Errorf("cycle through %s -%s-> %s", s, r.Event, r.To)
			case unseen:
				visit(r.To)
			}
		}
		mark[s] = done
	}
	visit(StateNone)
	var finals []State
	for _, s := range States {
		if mark[s] != done {
			t.Errorf("state %s is unreachable", s)
		}
		if s.Final() {
			finals = append(finals, s)
		}
	}
	want := []State{StateClosed, StateExempted, StateUpheld, StateCancelled}
	if !slices.Equal(finals, want) {
		t.Errorf("final states %v, want %v", finals, want)
	}
	if StateNone.Final() || State("bogus").Final() {
		t.Error("none or an unknown state is final")
	}
}

func TestAllowed(t *testing.T) {
	cases := []struct {
		name string
		f    Facts
		a    Actor
		want []Event
	}{
		{"addressee notified", facts(StateNotified, CallUp), AddresseeActor, []Event{EventAcknowledge, EventClaim}},
		{"officer notified", facts(StateNotified, CallUp), actorFor(auth.Officer), []Event{EventFulfil, EventCancel}},
		{"officer, fulfilled call-up", facts(StateFulfilled, CallUp), actorFor(auth.Officer), []Event{EventRelease}},
		{"officer, fulfilled requisition", facts(StateFulfilled, Requisition), actorFor(auth.Officer), []Event{EventReturn, EventRelease}},
		{"drafter, draft", facts(StateDraft, CallUp), Actor{Role: auth.Approver, Name: "dora"}, []Event{EventCancel}},
		{"auditor", facts(StateNotified, CallUp), actorFor(auth.Auditor), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Allowed(c.f, c.a); !slices.Equal(got, c.want) {
				t.Errorf("Allowed = %v, want %v", got, c.want)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	deadline := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	before, after := deadline.Add(-time.Minute), deadline.Add(time.Minute)
	for _, s := range States {
		o := Order{State: s, Deadline: deadline}
		want := slices.Contains([]State{StateNotified, StateAcknowledged, StateClaimRejected, StateDeferred, StateDismissed}, s)
		if got := o.Overdue(after); got != want {
			t.Errorf("%s after the deadline: overdue = %v, want %v", s, got, want)
		}
		if o.Overdue(before) || o.Overdue(deadline) {
			t.Errorf("%s: overdue before or at the deadline", s)
		}
	}
}

func TestParse(t *testing.T) {
	if s, err := ParseState("claim_rejected"); err != nil || s != StateClaimRejected {
		t.Errorf("ParseState = %q, %v", s, err)
	}
	if e, err := ParseEvent("reject_claim"); err != nil || e != EventRejectClaim {
		t.Errorf("ParseEvent = %q, %v", e, err)
	}
	if k, err := ParseKind("call_up"); err != nil || k != CallUp {
		t.Errorf("ParseKind = %q, %v", k, err)
	}
	for _, bad := range []string{"", "Draft", "callup"} {
		_, err1 := ParseState(bad)
		_, err2 := ParseEvent(bad)
		_, err3 := ParseKind(bad)
		for _, err := range []error{err1, err2, err3} {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("parse %q: %v, want invalid", bad, err)
			}
		}
	}
}
