package registry

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Sex as recorded in the civil registry.
type Sex string

const (
	Female Sex = "F"
	Male   Sex = "M"
)

// Status is a person's relation to the armed forces.
type Status string

const (
	Civilian  Status = "civilian"
	Reservist Status = "reservist"
	Active    Status = "active"
	Retired   Status = "retired"
)

// Statuses lists the valid statuses.
var Statuses = []Status{Civilian, Reservist, Active, Retired}

// Ranks lists the military ranks, lowest first; policy rules (retirement
// age by rank) refer to them by these names.
var Ranks = []string{
	"private", "corporal", "sergeant", "staff_sergeant", "warrant_officer",
	"second_lieutenant", "lieutenant", "captain", "major",
	"lieutenant_colonel", "colonel", "brigadier_general", "major_general", "general",
}

// DateLayout is how dates are written everywhere muster reads or writes them.
const DateLayout = "2006-01-02"

// Person is one entry of the registry of persons. NationalID, GivenName,
// FamilyName, BirthDate and Phone are personal data: stores keep them
// encrypted.
type Person struct {
	NationalID string    `json:"national_id"`
	GivenName  string    `json:"given_name"`
	FamilyName string    `json:"family_name"`
	Sex        Sex       `json:"sex"`
	BirthDate  time.Time `json:"-"`
	Phone      string    `json:"phone,omitempty"`
	Area       string    `json:"area"`
	Skills     []string  `json:"skills"`
	Status     Status    `json:"status"`
	Rank       string    `json:"rank,omitempty"`
	// Language is the language the person reads, as a lower-case ISO 639
	// code (fr, en, ha, dje...): notices and the phone menus use it when
	// the channel speaks it. Empty when not known.
	Language string `json:"language,omitempty"`
}

var languageCode = regexp.MustCompile(`^[a-z]{2,3}$`)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidPhone reports whether s is an E.164 number such as +22790123456.
func ValidPhone(s string) bool { return e164.MatchString(s) }

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return t, nil
}

// ParseSkills reads a list of skills separated by ';' (or ',' or spaces),
// keeping the order and dropping repeats.
func ParseSkills(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Age is the person's age in whole years on the given day.
func (p Person) Age(on time.Time) int {
	y := on.Year() - p.BirthDate.Year()
	// Compare month and day, not the day of the year, which a leap day
	// shifts: someone born on 1 March 2000 is 18 on 1 March 2018.
	if on.Month() < p.BirthDate.Month() || on.Month() == p.BirthDate.Month() && on.Day() < p.BirthDate.Day() {
		y--
	}
	return y
}

// Validate checks the person's own fields against the registry's rules,
// with today as the reference for birth dates. Whether the area exists is
// for the caller to check.
func (p Person) Validate(today time.Time) []FieldError {
	var errs []FieldError
	errs = append(errs, checkID("national_id", p.NationalID)...)
	errs = append(errs, checkName("given_name", p.GivenName)...)
	errs = append(errs, checkName("family_name", p.FamilyName)...)
	if p.Sex != Female && p.Sex != Male {
		errs = append(errs, FieldError{"sex", fmt.Sprintf("%q is not F or M", p.Sex)})
	}
	switch {
	case p.BirthDate.IsZero():
		errs = append(errs, FieldError{"birth_date", "is empty"})
	case p.BirthDate.After(today):
		errs = append(errs, FieldError{"birth_date", fmt.Sprintf("%s is in the future", p.BirthDate.Format(DateLayout))})
	case p.BirthDate.Year() < 1900:
		errs = append(errs, FieldError{"birth_date", fmt.Sprintf("%s is before 1900", p.BirthDate.Format(DateLayout))})
	}
	if p.Phone != "" && !ValidPhone(p.Phone) {
		errs = append(errs, FieldError{"phone", fmt.Sprintf("%q is not an E.164 number such as +22790123456", p.Phone)})
	}
	if p.Language != "" && !languageCode.MatchString(p.Language) {
		errs = append(errs, FieldError{"language", fmt.Sprintf("%q is not a lower-case ISO 639 language code such as fr, ha or dje", p.Language)})
	}
	if p.Area == "" {
		errs = append(errs, FieldError{"area", "is empty"})
	}
	for _, s := range p.Skills {
		if !ValidToken(s) {
			errs = append(errs, FieldError{"skills", fmt.Sprintf("%q is not a skill name (lower-case letters, digits, '_', '.', '-')", s)})
			break
		}
	}
	if !slices.Contains(Statuses, p.Status) {
		errs = append(errs, FieldError{"status", fmt.Sprintf("%q is not one of civilian, reservist, active, retired", p.Status)})
	}
	switch {
	case p.Rank != "" && !slices.Contains(Ranks, p.Rank):
		errs = append(errs, FieldError{"rank", fmt.Sprintf("%q is not a known rank (%s)", p.Rank, strings.Join(Ranks, ", "))})
	case p.Rank != "" && p.Status == Civilian:
		errs = append(errs, FieldError{"rank", "a civilian has no rank"})
	}
	return errs
}

// personJSON is Person with its birth date written as YYYY-MM-DD.
type personJSON struct {
	personFields
	BirthDate string `json:"birth_date"`
}

// personFields has Person's fields and JSON tags without its methods, so
// that marshalling it does not recurse.
type personFields Person

// MarshalJSON writes the birth date as YYYY-MM-DD.
func (p Person) MarshalJSON() ([]byte, error) {
	j := personJSON{personFields: personFields(p)}
	if !p.BirthDate.IsZero() {
		j.BirthDate = p.BirthDate.Format(DateLayout)
	}
	if j.Skills == nil {
		j.Skills = []string{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the birth date as YYYY-MM-DD.
func (p *Person) UnmarshalJSON(b []byte) error {
	var j personJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = Person(j.personFields)
	if j.BirthDate != "" {
		d, err := ParseDate(j.BirthDate)
		if err != nil {
			return fmt.Errorf("birth_date: %w", err)
		}
		p.BirthDate = d
	}
	return nil
}
