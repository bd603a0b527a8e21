package order

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// Kind says what an order asks for.
type Kind string

// The kinds of order.
const (
	CallUp      Kind = "call_up"     // a person reports at a place and time for service
	Requisition Kind = "requisition" // property or a service is handed over
)

// Kinds lists the kinds of order.
var Kinds = []Kind{CallUp, Requisition}

// ParseKind reads a kind name.
func ParseKind(s string) (Kind, error) { return parse(s, Kinds, "kind") }

// Item is one thing an order asks for. For a requisition, Type is a type of
// the registry's taxonomy ("vehicle.truck") and Quantity is in one of its
// units; ResourceIDs name the registry resources it is taken from. For a
// call-up, Type is the skill the person is called for ("driver").
type Item struct {
	Type        string   `json:"type"`
	Quantity    float64  `json:"quantity"`
	Unit        string   `json:"unit"`
	ResourceIDs []string `json:"resource_ids,omitempty"`
	// Condition is the items' condition at handover (registry.Conditions)
	// and ValueXOF their declared value: the bases of the damage supplement.
	Condition string `json:"condition,omitempty"`
	ValueXOF  int64  `json:"value_xof,omitempty"`
}

// Place is where the addressee reports or hands over: a text for people,
// and optionally an area code and a position for maps and jurisdictions.
type Place struct {
	Text     string      `json:"text"`
	Area     string      `json:"area,omitempty"`
	Location *area.Point `json:"location,omitempty"`
}

// Order is a call-up or requisition order. ID is the store's key; Code is
// the public, typable handle printed on the order. Seq counts the events in
// the order's history, so the store can refuse a concurrent change.
type Order struct {
	ID         string         `json:"id"`
	Code       Code           `json:"code"`
	Kind       Kind           `json:"kind"`
	Addressee  registry.Owner `json:"addressee"`
	Items      []Item         `json:"items"`
	Place      Place          `json:"place"`
	Deadline   time.Time      `json:"deadline"`
	LegalBasis string         `json:"legal_basis"`
	Authority  string         `json:"authority"`
	Reason     string         `json:"reason"`

	State      State     `json:"state"`
	Seq        int64     `json:"seq"`
	DraftedBy  string    `json:"drafted_by"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	ReviewedBy string    `json:"reviewed_by,omitempty"` // who decided the claim
	CreatedAt  time.Time `json:"created_at"`
	IssuedAt   time.Time `json:"issued_at,omitzero"`

	Compensation *Compensation `json:"compensation,omitempty"`
}

// Bounds on what an order holds, so that a printed order fits its page and
// a CSV of 100,000 drafts cannot carry megabytes of text each.
const (
	MaxItems       = 50
	MaxResourceIDs = 500
	MaxQuantity    = 1e9
	MaxPlace       = 200
	MaxLegalBasis  = 500
	MaxReason      = 1000
	MaxNote        = 1000
)

// Validate checks the order's own fields. Whether the addressee, the
// resources, the area and the authority exist is for the caller to check.
// The deadline is checked against CreatedAt once the order has one.
func (o Order) Validate() []registry.FieldError {
	var errs []registry.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, registry.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch o.Kind {
	case CallUp:
		if o.Addressee.Kind != registry.OwnerPerson {
			add("addressee", "a call-up is addressed to a person, not %q", o.Addressee.Kind)
		}
	case Requisition:
		if o.Addressee.Kind != registry.OwnerPerson && o.Addressee.Kind != registry.OwnerOrganisation {
			add("addressee", "%q is neither a person nor an organisation", o.Addressee.Kind)
		}
	default:
		add("kind", "%q is not call_up or requisition", o.Kind)
	}
	if !registry.ValidID(o.Addressee.ID) {
		add("addressee", "%q is not a valid identifier", o.Addressee.ID)
	}
	errs = append(errs, o.checkItems()...)
	errs = append(errs, checkText("place", o.Place.Text, MaxPlace)...)
	if o.Place.Area != "" && !area.ValidCode(o.Place.Area) {
		add("place.area", "%q is not a valid area code", o.Place.Area)
	}
	if o.Place.Location != nil {
		if err := o.Place.Location.Validate(); err != nil {
			add("place.location", "%s", muster.ErrorMessage(err))
		}
	}
	switch {
	case o.Deadline.IsZero():
		add("deadline", "is empty")
	case !o.CreatedAt.IsZero() && !o.Deadline.After(o.CreatedAt):
		add("deadline", "%s is not after the order's creation", o.Deadline.UTC().Format(time.RFC3339))
	}
	errs = append(errs, checkText("legal_basis", o.LegalBasis, MaxLegalBasis)...)
	if !registry.ValidID(o.Authority) {
		add("authority", "%q is not an authority identifier", o.Authority)
	}
	errs = append(errs, checkText("reason", o.Reason, MaxReason)...)
	return errs
}

func (o Order) checkItems() []registry.FieldError {
	var errs []registry.FieldError
	add := func(i int, field, format string, args ...any) {
		errs = append(errs, registry.FieldError{Field: fmt.Sprintf("items[%d].%s", i, field), Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case o.Kind == CallUp && len(o.Items) > 1:
		return []registry.FieldError{{Field: "items", Message: "a call-up calls one person: at most one item, the skill"}}
	case o.Kind == Requisition && len(o.Items) == 0:
		return []registry.FieldError{{Field: "items", Message: "a requisition names at least one item"}}
	case len(o.Items) > MaxItems:
		return []registry.FieldError{{Field: "items", Message: fmt.Sprintf("%d items is more than %d", len(o.Items), MaxItems)}}
	}
	seen := map[string]bool{}
	for i, it := range o.Items {
		if o.Kind == CallUp {
			if !registry.ValidToken(it.Type) {
				add(i, "type", "%q is not a skill name", it.Type)
			}
			if it.Quantity != 1 || (it.Unit != "" && it.Unit != "person") {
				add(i, "quantity", "a call-up calls 1 person, not %v %s", it.Quantity, it.Unit)
			}
			if len(it.ResourceIDs) > 0 || it.Condition != "" || it.ValueXOF != 0 {
				add(i, "resource_ids", "a call-up takes no resources")
			}
			continue
		}
		rt, ok := registry.LookupType(it.Type)
		if !ok {
			add(i, "type", "%q is not in the resource taxonomy", it.Type)
		}
		switch q := it.Quantity; {
		case math.IsNaN(q) || math.IsInf(q, 0) || q <= 0:
			add(i, "quantity", "%v is not a positive number", q)
		case q > MaxQuantity:
			add(i, "quantity", "%v is more than %v", q, MaxQuantity)
		case ok && rt.Countable && q != math.Trunc(q):
			add(i, "quantity", "%v is not a whole number of %s", q, it.Type)
		case ok && rt.Countable && len(it.ResourceIDs) > 0 && float64(len(it.ResourceIDs)) != q:
			add(i, "resource_ids", "%d resources for a quantity of %v", len(it.ResourceIDs), q)
		}
		if ok && !slices.Contains(rt.Units, it.Unit) {
			add(i, "unit", "%q is not a unit of %s (%s)", it.Unit, it.Type, strings.Join(rt.Units, ", "))
		}
		if len(it.ResourceIDs) > MaxResourceIDs {
			add(i, "resource_ids", "%d resources is more than %d", len(it.ResourceIDs), MaxResourceIDs)
		}
		for _, id := range it.ResourceIDs {
			if !registry.ValidID(id) {
				add(i, "resource_ids", "%q is not a valid identifier", id)
			} else if seen[id] {
				add(i, "resource_ids", "resource %s is named twice", id)
			}
			seen[id] = true
		}
		if it.Condition != "" && !slices.Contains(registry.Conditions, it.Condition) {
			add(i, "condition", "%q is not one of %s", it.Condition, strings.Join(registry.Conditions, ", "))
		}
		if it.ValueXOF < 0 {
			add(i, "value_xof", "%d is negative", it.ValueXOF)
		}
	}
	return errs
}

// checkText accepts printable text of 1 to max characters.
func checkText(field, s string, max int) []registry.FieldError {
	msg := ""
	switch {
	case strings.TrimSpace(s) == "":
		msg = "is empty"
	case !utf8.ValidString(s):
		msg = "is not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		msg = fmt.Sprintf("is longer than %d characters", max)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0:
		msg = "contains a control character"
	default:
		return nil
	}
	return []registry.FieldError{{Field: field, Message: msg}}
}

// invalid turns field errors into one Invalid error.
func invalid(errs []registry.FieldError) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return muster.Errorf(muster.Invalid, "order: %s", strings.Join(msgs, "; "))
}

// Facts returns what the state machine reads of o.
func (o Order) Facts() Facts {
	return Facts{State: o.State, Kind: o.Kind, DraftedBy: o.DraftedBy, ApprovedBy: o.ApprovedBy, ReviewedBy: o.ReviewedBy}
}

// Draft makes o a new draft by officer a at now: it gives o a fresh ID and
// code, validates it and returns it with the first record of its history.
// Whatever lifecycle fields o carried are reset.
func Draft(o Order, a Actor, now time.Time) (Order, Record, error) {
	o.ID, o.Code, o.CreatedAt = NewID(now), NewCode(), now
	o.State, o.Seq, o.DraftedBy, o.ApprovedBy, o.ReviewedBy = StateNone, 0, "", "", ""
	o.IssuedAt, o.Compensation = time.Time{}, nil
	if errs := o.Validate(); len(errs) > 0 {
		return Order{}, Record{}, invalid(errs)
	}
	rec, err := o.Apply(EventDraft, a, now, "")
	if err != nil {
		return Order{}, Record{}, err
	}
	return o, rec, nil
}

// Apply moves o by event e caused by a at time at, and returns the record
// the store keeps with it. On error o is unchanged. Deferrals carry a new
// deadline and go through Defer.
func (o *Order) Apply(e Event, a Actor, at time.Time, note string) (Record, error) {
	if e == EventDefer {
		return Record{}, muster.Errorf(muster.Invalid, "a deferral needs a new deadline")
	}
	return o.apply(e, a, at, note, time.Time{})
}

// Defer records the review board's decision to defer the claimed order to
// a later deadline.
func (o *Order) Defer(a Actor, until, at time.Time, note string) (Record, error) {
	if !until.After(o.Deadline) || !until.After(at) {
		return Record{}, muster.Errorf(muster.Invalid, "a deferral's deadline must be after the current deadline and after now")
	}
	rec, err := o.apply(EventDefer, a, at, note, until)
	if err == nil {
		o.Deadline = until
	}
	return rec, err
}

func (o *Order) apply(e Event, a Actor, at time.Time, note string, deadline time.Time) (Record, error) {
	if errs := checkText("note", note, MaxNote); note != "" && len(errs) > 0 {
		return Record{}, invalid(errs)
	}
	f := o.Facts()
	to, err := Transition(f, e, a)
	if err != nil {
		return Record{}, err
	}
	f = f.next(e, a, to)
	rec := Record{OrderID: o.ID, Seq: o.Seq + 1, Event: e, From: o.State, To: to,
		Actor: a.Name, Role: a.Role, At: at, Deadline: deadline, Note: note}
	o.State, o.DraftedBy, o.ApprovedBy, o.ReviewedBy = f.State, f.DraftedBy, f.ApprovedBy, f.ReviewedBy
	o.Seq = rec.Seq
	if e == EventIssue {
		o.IssuedAt = at
	}
	return rec, nil
}

// NewID returns a new order ID in the ULID layout: 48 bits of milliseconds
// since 1970 then 80 random bits, as 26 Crockford base32 characters. IDs
// made later sort later, so a wave of a million orders appends to the end
// of the store's index instead of splitting pages all over it; the time it
// reveals is no secret (the order carries its issue time anyway), and the
// public handle is the Code, not the ID.
func NewID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:]) // never fails since Go 1.24: it crashes instead of returning weak bytes
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
