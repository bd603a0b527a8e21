// Package registry holds the persons, organisations and resources that a
// mobilization may call on, and the rules a record must meet to enter the
// registry. It is pure: storage and transports live elsewhere.
package registry

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError names the field of a record that breaks a rule. Importers
// prefix it with the file and line.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$`)

// ValidID reports whether s can be a natural key (national_id, org_id,
// resource_id): 2 to 40 letters, digits, '.', '-' or '_'.
func ValidID(s string) bool { return idPattern.MatchString(s) }

func checkID(field, s string) []FieldError {
	if s == "" {
		return []FieldError{{field, "is empty"}}
	}
	if !ValidID(s) {
		return []FieldError{{field, fmt.Sprintf("%q is not a valid identifier (2 to 40 letters, digits, '.', '-', '_')", s)}}
	}
	return nil
}

// checkName accepts any printable text of 1 to 100 characters.
func checkName(field, s string) []FieldError {
	switch {
	case strings.TrimSpace(s) == "":
		return []FieldError{{field, "is empty"}}
	case !utf8.ValidString(s):
		return []FieldError{{field, "is not valid UTF-8"}}
	case utf8.RuneCountInString(s) > 100:
		return []FieldError{{field, "is longer than 100 characters"}}
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return []FieldError{{field, "contains a control character"}}
	}
	return nil
}

var tokenPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,39}$`)

// ValidToken reports whether s is a lower-case vocabulary word such as a
// skill or an organisation kind.
func ValidToken(s string) bool { return tokenPattern.MatchString(s) }
