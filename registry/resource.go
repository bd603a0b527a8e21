package registry

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/muster-org/muster/area"
)

// OwnerKind says whether a resource belongs to a person or an organisation.
type OwnerKind string

const (
	OwnerPerson       OwnerKind = "person"
	OwnerOrganisation OwnerKind = "org"
)

// Owner refers to a resource's owner by natural key: "person:<national_id>"
// or "org:<org_id>".
type Owner struct {
	Kind OwnerKind
	ID   string
}

func (o Owner) String() string { return string(o.Kind) + ":" + o.ID }

// ParseOwner reads "person:<national_id>" or "org:<org_id>".
func ParseOwner(s string) (Owner, error) {
	kind, id, ok := strings.Cut(s, ":")
	if !ok || (kind != string(OwnerPerson) && kind != string(OwnerOrganisation)) {
		return Owner{}, fmt.Errorf("%q is not person:<national_id> or org:<org_id>", s)
	}
	if !ValidID(id) {
		return Owner{}, fmt.Errorf("%q: %q is not a valid identifier", s, id)
	}
	return Owner{Kind: OwnerKind(kind), ID: id}, nil
}

// MarshalText writes the owner as "kind:id".
func (o Owner) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads "kind:id".
func (o *Owner) UnmarshalText(b []byte) error {
	v, err := ParseOwner(string(b))
	*o = v
	return err
}

// Conditions lists the states a resource may be recorded in.
var Conditions = []string{"new", "good", "fair", "poor", "unserviceable"}

// Resource is something an owner has that can be requisitioned.
type Resource struct {
	ResourceID       string      `json:"resource_id"`
	Owner            Owner       `json:"owner"`
	Type             string      `json:"type"`
	Quantity         float64     `json:"quantity"`
	Unit             string      `json:"unit"`
	Area             string      `json:"area"`
	Location         *area.Point `json:"location,omitempty"`
	Condition        string      `json:"condition,omitempty"`
	DeclaredValueXOF int64       `json:"declared_value_xof"`
}

// Validate checks the resource's own fields; whether the owner and area
// exist is for the caller to check.
func (r Resource) Validate() []FieldError {
	var errs []FieldError
	errs = append(errs, checkID("resource_id", r.ResourceID)...)
	if r.Owner.ID == "" {
		errs = append(errs, FieldError{"owner", "is empty"})
	}
	rt, ok := LookupType(r.Type)
	if !ok {
		errs = append(errs, FieldError{"type", fmt.Sprintf("%q is not in the resource taxonomy (for example %s)", r.Type, strings.Join(exampleTypes, ", "))})
	}
	switch {
	case math.IsNaN(r.Quantity) || math.IsInf(r.Quantity, 0):
		errs = append(errs, FieldError{"quantity", "is not a number"})
	case r.Quantity < 0:
		errs = append(errs, FieldError{"quantity", fmt.Sprintf("%v is negative", r.Quantity)})
	case ok && rt.Countable && r.Quantity != math.Trunc(r.Quantity):
		errs = append(errs, FieldError{"quantity", fmt.Sprintf("%v is not a whole number of %s", r.Quantity, r.Type)})
	}
	if ok && !slices.Contains(rt.Units, r.Unit) {
		errs = append(errs, FieldError{"unit", fmt.Sprintf("%q is not a unit of %s (%s)", r.Unit, r.Type, strings.Join(rt.Units, ", "))})
	}
	if r.Area == "" {
		errs = append(errs, FieldError{"area", "is empty"})
	}
	if r.Location != nil {
		if r.Location.Lat < -90 || r.Location.Lat > 90 || math.IsNaN(r.Location.Lat) {
			errs = append(errs, FieldError{"latitude", fmt.Sprintf("%v is outside -90..90", r.Location.Lat)})
		}
		if r.Location.Lon < -180 || r.Location.Lon > 180 || math.IsNaN(r.Location.Lon) {
			errs = append(errs, FieldError{"longitude", fmt.Sprintf("%v is outside -180..180", r.Location.Lon)})
		}
	}
	if r.Condition != "" && !slices.Contains(Conditions, r.Condition) {
		errs = append(errs, FieldError{"condition", fmt.Sprintf("%q is not one of %s", r.Condition, strings.Join(Conditions, ", "))})
	}
	if r.DeclaredValueXOF < 0 {
		errs = append(errs, FieldError{"declared_value_xof", fmt.Sprintf("%d is negative", r.DeclaredValueXOF)})
	}
	return errs
}
