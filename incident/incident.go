// Package incident holds conflict incidents as ACLED (the Armed Conflict
// Location & Event Data project) publishes them: what happened, where and
// when, and how many died. Officers see them on the situational map next to
// needs and orders. Incidents are public data and hold nothing personal.
//
// The package is pure: it validates incidents, maps each to an area of the
// hierarchy, and buckets them by ISO week. It imports no database and no
// transport.
package incident

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

// Incident is one event of an ACLED export. Area is the code of the area
// it was mapped to (see Mapper); the other fields keep ACLED's meaning.
type Incident struct {
	ID           string    `json:"event_id_cnty"` // ACLED's event id, stable across exports
	Date         time.Time `json:"event_date"`    // the day, midnight UTC
	EventType    string    `json:"event_type"`
	SubEventType string    `json:"sub_event_type,omitempty"`
	Actor1       string    `json:"actor1,omitempty"`
	Admin1       string    `json:"admin1,omitempty"`
	Admin2       string    `json:"admin2,omitempty"`
	Location     string    `json:"location,omitempty"`
	Lat          float64   `json:"latitude"`
	Lon          float64   `json:"longitude"`
	Fatalities   int       `json:"fatalities"`
	Notes        string    `json:"notes,omitempty"`
	Area         string    `json:"area"`
}

// EventTypes are ACLED's six event types, as it spells them.
var EventTypes = []string{
	"Battles",
	"Violence against civilians",
	"Explosions/Remote violence",
	"Protests",
	"Riots",
	"Strategic developments",
}

// Bounds on an incident's fields, so that one row of a CSV cannot carry
// megabytes. ACLED's notes run to a few hundred characters.
const (
	MaxID         = 64
	MaxText       = 500
	MaxNotes      = 5000
	MaxFatalities = 100000
)

// CanonicalEventType returns ACLED's spelling of an event type given in
// any letter case, and false when it is not one of EventTypes.
func CanonicalEventType(s string) (string, bool) {
	for _, t := range EventTypes {
		if strings.EqualFold(strings.TrimSpace(s), t) {
			return t, true
		}
	}
	return "", false
}

// Validate checks the incident's own fields, by ACLED column name.
// Whether Area exists is the caller's concern.
func (in Incident) Validate() []registry.FieldError {
	var errs []registry.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, registry.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(in.ID) == "" || utf8.RuneCountInString(in.ID) > MaxID || strings.ContainsAny(in.ID, " \t\r\n") {
		add("event_id_cnty", "must be ACLED's event id: 1 to %d characters without spaces", MaxID)
	}
	if in.Date.IsZero() {
		add("event_date", "is empty")
	}
	if _, ok := CanonicalEventType(in.EventType); !ok {
		add("event_type", "%q is not an ACLED event type (%s)", in.EventType, strings.Join(EventTypes, ", "))
	}
	if math.IsNaN(in.Lat) || in.Lat < -90 || in.Lat > 90 {
		add("latitude", "%v is outside -90..90", in.Lat)
	}
	if math.IsNaN(in.Lon) || in.Lon < -180 || in.Lon > 180 {
		add("longitude", "%v is outside -180..180", in.Lon)
	}
	if in.Fatalities < 0 || in.Fatalities > MaxFatalities {
		add("fatalities", "must be a whole number from 0 to %d", MaxFatalities)
	}
	for _, f := range []struct{ name, value string }{
		{"sub_event_type", in.SubEventType}, {"actor1", in.Actor1}, {"admin1", in.Admin1},
		{"admin2", in.Admin2}, {"location", in.Location},
	} {
		if utf8.RuneCountInString(f.value) > MaxText {
			add(f.name, "is longer than %d characters", MaxText)
		}
	}
	if utf8.RuneCountInString(in.Notes) > MaxNotes {
		add("notes", "is longer than %d characters", MaxNotes)
	}
	return errs
}

// Err is Validate as one error of kind Invalid, or nil; it also requires
// the area, which a stored incident must have.
func (in Incident) Err() error {
	errs := in.Validate()
	if in.Area == "" {
		errs = append(errs, registry.FieldError{Field: "area", Message: "is empty: the incident was not mapped to an area"})
	}
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Field + ": " + e.Message
	}
	return muster.Errorf(muster.Invalid, "incident %s: %s", in.ID, strings.Join(msgs, "; "))
}

// dateLayouts are the forms of event_date: ISO (ACLED's API and current
// exports) and the day-month-year of its older web exports.
var dateLayouts = []string{"2006-01-02", "02 January 2006", "2 January 2006", "02-January-2006"}

// ParseDate reads an ACLED event_date, "2026-11-02" or "02 November 2026",
// as midnight UTC of that day.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD or \"02 November 2026\")", s)
}
