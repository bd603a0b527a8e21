package citizen

import (
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
)

// Birth years outside this range are typing errors, not people: the range
// also keeps every accepted date a valid time.Time.
const (
	minBirthYear = 1900
	maxBirthYear = 2099
)

// birthDateForms is the hint every birth date error ends with.
const birthDateForms = "write it DDMMYYYY, DD/MM/YYYY, DD-MM-YYYY or YYYY-MM-DD"

// ParseBirthDate reads a birth date as a citizen types it: DDMMYYYY (all a
// phone keypad can type in USSD), DD/MM/YYYY, DD-MM-YYYY or YYYY-MM-DD,
// with one-digit days and months accepted where a separator marks them off
// (5/3/1990). It returns midnight UTC of that day, as the registry stores
// birth dates. The errors never repeat the text: a birth date is personal
// data and an error message may end up in a log.
func ParseBirthDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, muster.Errorf(muster.Invalid, "birth date is empty: %s", birthDateForms)
	}
	if len(s) > len("DD/MM/YYYY")+2 {
		return time.Time{}, muster.Errorf(muster.Invalid, "birth date is too long: %s", birthDateForms)
	}
	day, month, year, err := splitDate(s)
	if err != nil {
		return time.Time{}, err
	}
	// allDigits first: Atoi would take "+5" for a day.
	if !allDigits(day) || !allDigits(month) || !allDigits(year) {
		return time.Time{}, muster.Errorf(muster.Invalid, "birth date has a character that is not a digit: %s", birthDateForms)
	}
	d, _ := strconv.Atoi(day)
	m, _ := strconv.Atoi(month)
	y, _ := strconv.Atoi(year)
	switch {
	case y < minBirthYear || y > maxBirthYear:
		return time.Time{}, muster.Errorf(muster.Invalid, "birth date's year is not between %d and %d", minBirthYear, maxBirthYear)
	case m < 1 || m > 12:
		return time.Time{}, muster.Errorf(muster.Invalid, "birth date's month is not 01 to 12")
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if d < 1 || t.Day() != d {
		return time.Time{}, muster.Errorf(muster.Invalid, "birth date's day does not exist in that month")
	}
	return t, nil
}

// splitDate cuts s into its day, month and year digits by its layout.
func splitDate(s string) (day, month, year string, err error) {
	sep := strings.IndexAny(s, "/-.")
	if sep < 0 {
		if len(s) != len("DDMMYYYY") || !allDigits(s) {
			return "", "", "", muster.Errorf(muster.Invalid, "birth date without separators has 8 digits: %s", birthDateForms)
		}
		return s[0:2], s[2:4], s[4:8], nil
	}
	parts := strings.Split(s, s[sep:sep+1])
	if len(parts) != 3 {
		return "", "", "", muster.Errorf(muster.Invalid, "birth date has three parts with the same separator: %s", birthDateForms)
	}
	if len(parts[0]) == 4 && s[sep] == '-' {
		year, month, day = parts[0], parts[1], parts[2]
		if len(month) != 2 || len(day) != 2 {
			return "", "", "", muster.Errorf(muster.Invalid, "birth date in the form YYYY-MM-DD has two-digit months and days")
		}
		return day, month, year, nil
	}
	day, month, year = parts[0], parts[1], parts[2]
	if len(day) < 1 || len(day) > 2 || len(month) < 1 || len(month) > 2 || len(year) != 4 {
		return "", "", "", muster.Errorf(muster.Invalid, "birth date's day and month have 1 or 2 digits and its year 4: %s", birthDateForms)
	}
	return day, month, year, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
