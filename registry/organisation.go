package registry

import (
	"fmt"
	"slices"
	"strings"
)

// OrganisationKinds lists the kinds of organisation the registry knows.
var OrganisationKinds = []string{
	"company", "cooperative", "ngo", "clinic", "hospital", "ministry",
	"school", "transporter", "utility", "religious",
}

// Organisation is a company, cooperative, NGO, clinic or public body. A
// protected organisation (health, humanitarian, water, food security) is
// never requisitioned; Reason says why it is protected.
type Organisation struct {
	OrgID           string `json:"org_id"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	Area            string `json:"area"`
	Protected       bool   `json:"protected"`
	ProtectedReason string `json:"protected_reason,omitempty"`
}

// Validate checks the organisation's own fields.
func (o Organisation) Validate() []FieldError {
	var errs []FieldError
	errs = append(errs, checkID("org_id", o.OrgID)...)
	errs = append(errs, checkName("name", o.Name)...)
	if !slices.Contains(OrganisationKinds, o.Kind) {
		errs = append(errs, FieldError{"kind", fmt.Sprintf("%q is not a known kind (%s)", o.Kind, strings.Join(OrganisationKinds, ", "))})
	}
	if o.Area == "" {
		errs = append(errs, FieldError{"area", "is empty"})
	}
	switch {
	case o.Protected && strings.TrimSpace(o.ProtectedReason) == "":
		errs = append(errs, FieldError{"protected_reason", "a protected organisation needs a reason"})
	case !o.Protected && o.ProtectedReason != "":
		errs = append(errs, FieldError{"protected_reason", "given for an organisation that is not protected"})
	case o.Protected:
		errs = append(errs, checkName("protected_reason", o.ProtectedReason)...)
	}
	return errs
}

// ParseBool reads the ways a spreadsheet writes a yes/no value.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "non", "n":
		return false, nil
	case "1", "true", "yes", "oui", "y":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value (true, false, yes, no, 1, 0)", s)
}
