// Package citizen holds the citizen use cases that every citizen channel
// shares (USSD, SMS and the citizen web page): what a citizen may see of an
// order and do with it (Service), the texts they read in French, English,
// Hausa and Zarma, the abuse guard in front of the second factor (Guard),
// and the parsers of what a citizen types: birth dates, order codes in
// letters or digits, and SMS keywords.
//
// It is pure: no database, no network, no transport. The channels (package
// ussd, the SMS and web adapters) call a Service that the application
// implements on top of its store; nothing here imports the store, net/http
// or a gateway client.
package citizen

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// Language is a language a citizen reads: an IETF tag as the printed
// orders use it.
type Language string

// The languages of the citizen channels. French, the official language, is
// the default and the reference the other catalogs are translated from.
const (
	French  Language = "fr"
	English Language = "en"
	Hausa   Language = "ha"
	Zarma   Language = "dje"
)

// Languages lists the citizen languages, the default first, in the order
// the USSD language menu offers them.
var Languages = []Language{French, English, Hausa, Zarma}

// ParseLanguage reads a language tag, any case ("FR", "ha", "dje").
func ParseLanguage(s string) (Language, error) {
	l := Language(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Languages, l) {
		return l, nil
	}
	return "", muster.Errorf(muster.Invalid, "language %q is not one of fr, en, ha, dje", s)
}

// Channel is the way a citizen reached muster. It selects the rate limit
// and says what the identity passed with a request is: a phone number for
// USSD and SMS, a client address for the web page.
type Channel string

// The citizen channels.
const (
	USSD Channel = "ussd"
	SMS  Channel = "sms"
	Web  Channel = "web"
)

// Action is what the addressee may do to their order from a citizen channel.
type Action string

// The addressee's actions: each is one lifecycle event of package order.
const (
	Acknowledge Action = "acknowledge" // the addressee has received the order
	Claim       Action = "claim"       // asks for an exemption or a deferral, on a ground
	Appeal      Action = "appeal"      // contests the decision on the claim
)

// Event returns the lifecycle event the action causes.
func (a Action) Event() order.Event {
	switch a {
	case Acknowledge:
		return order.EventAcknowledge
	case Claim:
		return order.EventClaim
	case Appeal:
		return order.EventAppeal
	}
	return ""
}

// AllowedActions lists what the addressee may do to an order of kind k in
// state s, as the lifecycle says (order.Allowed for the addressee), in the
// order Acknowledge, Claim, Appeal. Services use it to fill
// OrderView.Actions so that no channel offers what Act would refuse.
func AllowedActions(k order.Kind, s order.State) []Action {
	events := order.Allowed(order.Facts{State: s, Kind: k}, order.AddresseeActor)
	var out []Action
	for _, a := range []Action{Acknowledge, Claim, Appeal} {
		if slices.Contains(events, a.Event()) {
			out = append(out, a)
		}
	}
	return out
}

// OrderView is what the addressee sees of their order once they have given
// its code and their second factor. It holds nothing the addressee does
// not already know from the paper: no name, no identity number, no birth
// date. The Service fills it; the channels only lay it out.
type OrderView struct {
	Code  order.Code
	Kind  order.Kind
	State order.State
	// Items says what is asked: for a requisition a summary of the items
	// ("2 trucks, 400 L diesel"), for a call-up the service ("driver").
	Items      string
	Place      string    // where to report or hand over
	Deadline   time.Time // in the local time the citizen reads
	Authority  string    // the issuing authority's name
	LegalBasis string
	// Verified says the order's signature was checked against the trust
	// list. A channel warns the citizen when it is false.
	Verified bool
	// Actions are the actions the addressee may take now (AllowedActions).
	Actions []Action
	// Compensation is what the addressee is owed for the order and what
	// has been paid of it; nil while none was computed (before the return
	// or release, or for an order that ended otherwise).
	Compensation *CompensationView
}

// CompensationView is the compensation of an order as its addressee
// follows it: the amount computed at the return or release, with its
// breakdown, and what the fund has paid of it so far.
type CompensationView struct {
	OwedXOF int64
	PaidXOF int64
	Days    int64 // the days counted, a started day counting
	// Settled says something is owed and all of it is paid.
	Settled bool
	// Lines are the breakdown the amount owed is the sum of: what each
	// line pays for (use, consumed, service, damage) and how.
	Lines []order.Line
}

// OutstandingXOF is what remains to be paid, never below zero.
func (c CompensationView) OutstandingXOF() int64 { return max(c.OwedXOF-c.PaidXOF, 0) }

// Allows reports whether the view offers action a.
func (v OrderView) Allows(a Action) bool { return slices.Contains(v.Actions, a) }

// VerifyView is what anyone holding an order's code may learn of it
// without a second factor: enough to tell a genuine order from a forged
// one, and nothing about the addressee or what is asked of them.
type VerifyView struct {
	Kind      order.Kind
	Authority string
	State     order.State
	Deadline  time.Time // local time
}

// GroundKind says what a claim on a ground asks for.
type GroundKind string

// The kinds of claim ground, as the policy defines them.
const (
	Exemption GroundKind = "exemption" // release from the order
	Deferral  GroundKind = "deferral"  // a later deadline
)

// Ground is a reason the policy accepts for a claim: Code is what Act
// receives, Labels is what a citizen reads, by language.
type Ground struct {
	Code   string
	Kind   GroundKind
	Labels map[Language]string
}

// Label returns the ground's label in l, or in French when l has none, or
// the code as a last resort: a citizen must always see something to choose.
func (g Ground) Label(l Language) string {
	if s := strings.TrimSpace(g.Labels[l]); s != "" {
		return s
	}
	if s := strings.TrimSpace(g.Labels[French]); s != "" {
		return s
	}
	return g.Code
}

// Service is what the citizen channels ask of muster. Implementations
// check the second factor (the addressee's birth date) on every call that
// reveals or changes an order, so a channel cannot skip it by replaying a
// menu path. They do not rate-limit: the channel runs each call through a
// Guard, since only the channel knows the caller's phone or address.
//
// identity is the caller as the channel knows them (a phone number or a
// client address), passed for the service's audit trail.
type Service interface {
	// Lookup returns the addressee's view of the order with this code,
	// or ErrNoMatch when there is no such order or the birth date is not
	// the addressee's: the caller must not be able to tell the two apart.
	Lookup(ctx context.Context, ch Channel, identity string, code order.Code, birthDate time.Time) (OrderView, error)
	// Act records the addressee's action and returns the order as it is
	// now. groundCode is the claim's ground and empty for the other
	// actions. Errors: ErrNoMatch as for Lookup, ErrNotAllowed when the
	// order's state does not allow the action.
	Act(ctx context.Context, ch Channel, identity string, code order.Code, birthDate time.Time, action Action, groundCode string) (OrderView, error)
	// Grounds lists the claim grounds of the policy in force, in the order
	// a menu shows them.
	Grounds(ctx context.Context) []Ground
	// Verify tells whether an order with this code was issued, for anyone
	// holding the paper: ErrNoMatch when there is none.
	Verify(ctx context.Context, code order.Code) (VerifyView, error)
	// PreferredLanguage returns the language known for this phone number,
	// if any, so the menu can skip asking.
	PreferredLanguage(ctx context.Context, phone string) (Language, bool)
}

// The errors a Service and a Guard return. Channels compare them with
// errors.Is and answer each with its own text.
var (
	// ErrNoMatch answers both "no such code" and "wrong birth date", so
	// that nobody can learn which codes exist by trying birth dates.
	ErrNoMatch = muster.Errorf(muster.NotFound, "no order matches this code and birth date")
	// ErrLocked: too many wrong second factors for this code or caller.
	ErrLocked = muster.Errorf(muster.Forbidden, "too many wrong attempts: try again later")
	// ErrRateLimited: too many requests from this caller or for this code.
	ErrRateLimited = muster.Errorf(muster.Forbidden, "too many requests: try again in a few minutes")
	// ErrNotAllowed: the order's state does not allow the action.
	ErrNotAllowed = muster.Errorf(muster.Conflict, "this action is not possible in the order's current state")
)
