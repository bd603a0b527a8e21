// Package need holds what requesting units ask for: a resource type or a
// skill, how much, where, by when and why. Needs are the input of the
// allocator (package allocate) and the reason written on the orders that
// fill them. It is pure: storage and transports live elsewhere.
package need

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// State is where a need stands. A need is open until accepted proposal
// lines cover its quantity (filled) or its unit withdraws it (cancelled).
type State string

const (
	Open      State = "open"
	Filled    State = "filled"
	Cancelled State = "cancelled"
)

// ParseState reads a state name.
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case Open, Filled, Cancelled:
		return st, nil
	}
	return "", muster.Errorf(muster.Invalid, "unknown need state %q (open, filled or cancelled)", s)
}

// Bounds on a need's fields, so that a need fits on an order and a CSV of
// needs cannot carry megabytes of text each.
const (
	MinPriority      = 1
	MaxPriority      = 5
	MaxQuantity      = 1e9
	MaxJustification = 1000
	MaxLegalBasis    = 500
)

// Need is one request of a requesting unit. Exactly one of Type (a
// resource type like "vehicle.truck" or a class like "vehicle") and Skill
// (a person's skill like "driver", for call-ups) is set.
type Need struct {
	ID            string      `json:"need_id"`
	Unit          string      `json:"unit"` // the requesting unit
	Type          string      `json:"type,omitempty"`
	Skill         string      `json:"skill,omitempty"`
	Quantity      float64     `json:"quantity"`
	Area          string      `json:"area"`
	Point         *area.Point `json:"point,omitempty"` // where exactly; the area's label point when absent
	Deadline      time.Time   `json:"deadline"`
	Priority      int         `json:"priority"` // 1 (routine) to 5 (critical)
	Justification string      `json:"justification"`
	LegalBasis    string      `json:"legal_basis"`

	State     State     `json:"state"`
	Filled    float64   `json:"filled"` // quantity covered by accepted proposal lines
	FiledBy   string    `json:"filed_by"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Remaining is the quantity still to be filled.
func (n Need) Remaining() float64 { return max(n.Quantity-n.Filled, 0) }

// AllocationType is the type the allocator matches candidates on: the
// resource type or class, or "skill.<name>" for persons.
func (n Need) AllocationType() string {
	if n.Skill != "" {
		return "skill." + n.Skill
	}
	return n.Type
}

// Validate checks the need's own fields. Whether the area lies in the
// filer's jurisdiction is for the caller to check. The deadline is
// checked against CreatedAt once the need has one.
func (n Need) Validate() []registry.FieldError {
	var errs []registry.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, registry.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !registry.ValidID(n.ID) {
		add("need_id", "%q is not a valid identifier (2 to 40 letters, digits, '.', '-', '_')", n.ID)
	}
	if strings.TrimSpace(n.Unit) == "" || utf8.RuneCountInString(n.Unit) > 100 {
		add("unit", "must be the requesting unit's name, 1 to 100 characters")
	}
	switch {
	case n.Type != "" && n.Skill != "":
		add("type", "give a resource type or a skill, not both")
	case n.Type == "" && n.Skill == "":
		add("type", "give a resource type (vehicle.truck) or class (vehicle), or a skill")
	case n.Type != "":
		if !knownTypeOrClass(n.Type) {
			add("type", "%q is neither a resource type nor a class of the taxonomy", n.Type)
		}
	default:
		if !registry.ValidToken(n.Skill) {
			add("skill", "%q is not a skill name (lower-case letters, digits, '_', '.', '-')", n.Skill)
		}
	}
	switch {
	case math.IsNaN(n.Quantity) || n.Quantity <= 0 || n.Quantity > MaxQuantity:
		add("quantity", "must be a number above 0 and at most %g", float64(MaxQuantity))
	case n.Skill != "" && n.Quantity != math.Trunc(n.Quantity):
		add("quantity", "counts persons: must be whole")
	case n.Type != "" && countable(n.Type) && n.Quantity != math.Trunc(n.Quantity):
		add("quantity", "%s is counted in whole items", n.Type)
	}
	if n.Area == "" {
		add("area", "is empty")
	}
	if n.Point != nil {
		if err := n.Point.Validate(); err != nil {
			add("point", "%v", err)
		}
	}
	if n.Deadline.IsZero() {
		add("deadline", "is empty")
	} else if !n.CreatedAt.IsZero() && !n.Deadline.After(n.CreatedAt) {
		add("deadline", "%s is not after the need's filing at %s", n.Deadline.Format(time.RFC3339), n.CreatedAt.Format(time.RFC3339))
	}
	if n.Priority < MinPriority || n.Priority > MaxPriority {
		add("priority", "must be %d (routine) to %d (critical)", MinPriority, MaxPriority)
	}
	if strings.TrimSpace(n.Justification) == "" || utf8.RuneCountInString(n.Justification) > MaxJustification {
		add("justification", "must say why, 1 to %d characters", MaxJustification)
	}
	if strings.TrimSpace(n.LegalBasis) == "" || utf8.RuneCountInString(n.LegalBasis) > MaxLegalBasis {
		add("legal_basis", "must cite the legal basis, 1 to %d characters", MaxLegalBasis)
	}
	return errs
}

// Err is Validate as one error of kind Invalid, or nil.
func (n Need) Err() error {
	errs := n.Validate()
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return muster.Errorf(muster.Invalid, "need %s: %s", n.ID, strings.Join(msgs, "; "))
}

func knownTypeOrClass(t string) bool {
	for _, rt := range registry.Taxonomy {
		if rt.Name == t || rt.Class() == t {
			return true
		}
	}
	return false
}

func countable(t string) bool {
	for _, rt := range registry.Taxonomy {
		if rt.Name == t {
			return rt.Countable
		}
	}
	// A class is countable when all its types are.
	found := false
	for _, rt := range registry.Taxonomy {
		if rt.Class() == t {
			found = true
			if !rt.Countable {
				return false
			}
		}
	}
	return found
}

// Matches reports whether a resource of type resourceType can serve a
// need for t, a type or a class.
func Matches(t, resourceType string) bool {
	return t == resourceType || strings.HasPrefix(resourceType, t+".")
}
