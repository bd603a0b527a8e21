// Package area holds administrative areas: a hierarchy of any depth whose
// subtrees are the jurisdictions of officers. It is pure: no database, no
// transport.
package area

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/muster-org/muster"
)

// Area is one administrative area. Code is its stable key (a HASC code such
// as NE.DS, or an OCHA P-code); Parent is the code of the area that contains
// it, empty for a root.
type Area struct {
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Level      string          `json:"level"`
	Parent     string          `json:"parent,omitempty"`
	Label      *Point          `json:"label,omitempty"`
	Population int64           `json:"population"`
	Geometry   json.RawMessage `json:"geometry,omitempty"` // a GeoJSON geometry object
}

// Point is a WGS84 position.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Validate checks a point's range.
func (p Point) Validate() error {
	if math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90 {
		return muster.Errorf(muster.Invalid, "latitude %v is outside -90..90", p.Lat)
	}
	if math.IsNaN(p.Lon) || p.Lon < -180 || p.Lon > 180 {
		return muster.Errorf(muster.Invalid, "longitude %v is outside -180..180", p.Lon)
	}
	return nil
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// ValidCode reports whether s can be an area code: 1 to 40 letters, digits,
// dots, dashes or underscores, starting with a letter or digit.
func ValidCode(s string) bool { return codePattern.MatchString(s) }

// FieldError names the field of an area that breaks a rule.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks the area's own fields; whether its parent exists is the
// Tree's concern.
func (a Area) Validate() []FieldError {
	var errs []FieldError
	if !ValidCode(a.Code) {
		errs = append(errs, FieldError{"code", fmt.Sprintf("%q is not a valid area code (letters, digits, '.', '-', '_'; at most 40)", a.Code)})
	}
	if strings.TrimSpace(a.Name) == "" {
		errs = append(errs, FieldError{"name", "is empty"})
	}
	if strings.TrimSpace(a.Level) == "" {
		errs = append(errs, FieldError{"level", "is empty"})
	}
	if a.Parent != "" && a.Parent == a.Code {
		errs = append(errs, FieldError{"parent", "an area cannot be its own parent"})
	}
	if a.Population < 0 {
		errs = append(errs, FieldError{"population", "is negative"})
	}
	if a.Label != nil {
		if err := a.Label.Validate(); err != nil {
			errs = append(errs, FieldError{"latitude", muster.ErrorMessage(err)})
		}
	}
	if len(a.Geometry) > 0 {
		if err := ValidateGeometry(a.Geometry); err != nil {
			errs = append(errs, FieldError{"geometry", err.Error()})
		}
	}
	return errs
}

// HASCParent returns the parent a HASC-style code implies: the code without
// its last dot-separated part ("NE.DS.D01" → "NE.DS"), or "" when there is none.
func HASCParent(code string) string {
	i := strings.LastIndexByte(code, '.')
	if i <= 0 {
		return ""
	}
	return code[:i]
}
