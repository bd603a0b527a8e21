package incident

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func valid() Incident {
	return Incident{ID: "NIG12345", Date: day("2026-11-02"), EventType: "Battles", Lat: 14.2, Lon: 1.45, Fatalities: 3, Area: "NE.TL"}
}

func TestIncidentValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Incident)
		field  string // "" when valid
	}{
		{"valid", func(*Incident) {}, ""},
		{"no fatalities", func(in *Incident) { in.Fatalities = 0 }, ""},
		{"event type in other case", func(in *Incident) { in.EventType = "violence AGAINST civilians" }, ""},
		{"empty id", func(in *Incident) { in.ID = "" }, "event_id_cnty"},
		{"id with space", func(in *Incident) { in.ID = "NIG 1" }, "event_id_cnty"},
		{"id too long", func(in *Incident) { in.ID = strings.Repeat("X", MaxID+1) }, "event_id_cnty"},
		{"no date", func(in *Incident) { in.Date = time.Time{} }, "event_date"},
		{"unknown event type", func(in *Incident) { in.EventType = "Skirmish" }, "event_type"},
		{"empty event type", func(in *Incident) { in.EventType = "" }, "event_type"},
		{"latitude out of range", func(in *Incident) { in.Lat = 91 }, "latitude"},
		{"latitude NaN", func(in *Incident) { in.Lat = math.NaN() }, "latitude"},
		{"longitude out of range", func(in *Incident) { in.Lon = -181 }, "longitude"},
		{"negative fatalities", func(in *Incident) { in.Fatalities = -1 }, "fatalities"},
		{"too many fatalities", func(in *Incident) { in.Fatalities = MaxFatalities + 1 }, "fatalities"},
		{"long location", func(in *Incident) { in.Location = strings.Repeat("é", MaxText+1) }, "location"},
		{"long notes", func(in *Incident) { in.Notes = strings.Repeat("n", MaxNotes+1) }, "notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			errs := in.Validate()
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("Validate() = %v, want none", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.field {
				t.Fatalf("Validate() = %v, want one error on %s", errs, tt.field)
			}
		})
	}
}

func TestIncidentErrNeedsArea(t *testing.T) {
	in := valid()
	if err := in.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	in.Area = ""
	err := in.Err()
	if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "area") {
		t.Fatalf("Err() without area = %v, want an invalid error naming the area", err)
	}
}

func TestIncidentEventType(t *testing.T) {
	got, ok := CanonicalEventType(" explosions/remote VIOLENCE ")
	if !ok || got != "Explosions/Remote violence" {
		t.Fatalf("CanonicalEventType = %q, %v", got, ok)
	}
	if _, ok := CanonicalEventType("Battle"); ok {
		t.Fatal("Battle accepted as an event type")
	}
}

func TestIncidentParseDate(t *testing.T) {
	for _, s := range []string{"2026-11-02", "02 November 2026", "2 November 2026", " 2026-11-02 "} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(day("2026-11-02")) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2026-13-01", "02/11/2026", "November 2026", "2026-11-02T10:00:00Z"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

func TestIncidentWeek(t *testing.T) {
	tests := []struct{ at, monday string }{
		{"2026-11-02", "2026-11-02"}, // a Monday
		{"2026-11-08", "2026-11-02"}, // its Sunday
		{"2026-11-09", "2026-11-09"},
		{"2027-01-01", "2026-12-28"}, // a Friday: ISO week 53 of 2026
		{"2025-12-31", "2025-12-29"}, // ISO week 1 of 2026 starts in 2025
	}
	for _, tt := range tests {
		if got := Week(day(tt.at)); !got.Equal(day(tt.monday)) {
			t.Errorf("Week(%s) = %s, want %s", tt.at, got.Format(time.DateOnly), tt.monday)
		}
	}
	// Late on Sunday in UTC+1 is still Sunday in UTC only until midnight UTC.
	lagos := time.FixedZone("WAT", 3600)
	if got := Week(time.Date(2026, 11, 9, 0, 30, 0, 0, lagos)); !got.Equal(day("2026-11-02")) {
		t.Errorf("Week of 00:30 WAT on Monday = %s, want the previous week (it is Sunday in UTC)", got.Format(time.DateOnly))
	}
	if y, w := Week(day("2027-01-01")).ISOWeek(); y != 2026 || w != 53 {
		t.Errorf("ISO week of 2027-01-01's Monday = %d-W%d", y, w)
	}
}

func TestIncidentWeekly(t *testing.T) {
	in := []Incident{
		{Date: day("2026-11-02"), Fatalities: 2},
		{Date: day("2026-11-08"), Fatalities: 1},
		{Date: day("2026-11-17"), Fatalities: 0},
		{Date: day("2026-10-30"), Fatalities: 9}, // before the window
	}
	got := Weekly(in, day("2026-11-04"), day("2026-11-20"))
	want := []WeekCount{{day("2026-11-02"), 2, 3}, {day("2026-11-09"), 0, 0}, {day("2026-11-16"), 1, 0}}
	if len(got) != len(want) {
		t.Fatalf("Weekly = %v", got)
	}
	for i := range want {
		if !got[i].Week.Equal(want[i].Week) || got[i].Events != want[i].Events || got[i].Fatalities != want[i].Fatalities {
			t.Errorf("week %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(Weeks(day("2026-11-20"), day("2026-11-04"))); n != 0 {
		t.Errorf("Weeks backwards = %d weeks", n)
	}
}

// square is a GeoJSON polygon from lon0,lat0 to lon1,lat1.
func square(lon0, lat0, lon1, lat1 float64) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][]float64{
		{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}}})
	return b
}

func testTree(t *testing.T) *area.Tree {
	t.Helper()
	tree, err := area.NewTree([]area.Area{
		{Code: "NE", Name: "Niger", Level: "country", Geometry: square(0, 11, 16, 24)},
		{Code: "NE.TL", Name: "Tillabéri", Level: "region", Parent: "NE", Geometry: square(0, 11, 4, 16)},
		{Code: "NE.TL.D01", Name: "Ouallam", Level: "department", Parent: "NE.TL", Geometry: square(1, 14, 3, 16)},
		{Code: "NE.TL.D02", Name: "Say", Level: "department", Parent: "NE.TL"},
		{Code: "NE.DF", Name: "Diffa", Level: "region", Parent: "NE"},
		{Code: "NE.DF.D01", Name: "Diffa", Level: "department", Parent: "NE.DF"},
		{Code: "NE.DS", Name: "Dosso", Level: "region", Parent: "NE"},
		{Code: "NE.DS.D01", Name: "Say", Level: "department", Parent: "NE.DS"}, // a namesake in another region
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestIncidentMapper(t *testing.T) {
	m := NewMapper(testTree(t))
	tests := []struct {
		name           string
		admin1, admin2 string
		lat, lon       float64
		want           string // "" for an error
	}{
		{"admin2 under its admin1", "Tillaberi", "OUALLAM", 0, 0, "NE.TL.D01"},
		{"admin2 alone", "", "ouallam", 0, 0, "NE.TL.D01"},
		{"admin2 namesake told apart by admin1", "Dosso", "Say", 0, 0, "NE.DS.D01"},
		{"admin2 namesake without admin1 falls to the point", "", "Say", 15, 2, "NE.TL.D01"},
		{"admin2 in another region than admin1: the region", "Diffa", "Ouallam", 0, 0, "NE.DF"},
		{"unknown admin2: admin1", "TILLABÉRI", "Nowhere", 0, 0, "NE.TL"},
		{"admin1 with accents and spaces", "  tillabéri ", "", 0, 0, "NE.TL"},
		{"a region and a department of the same name", "Diffa", "Diffa", 0, 0, "NE.DF.D01"},
		{"no name: deepest geometry", "", "", 15, 2, "NE.TL.D01"},
		{"no name: region geometry", "", "", 12, 3.5, "NE.TL"},
		{"no name: country geometry", "", "", 20, 10, "NE"},
		{"nothing matches", "Borno", "Maiduguri", 11.8, 13.1 + 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Map(Incident{Admin1: tt.admin1, Admin2: tt.admin2, Lat: tt.lat, Lon: tt.lon})
			if tt.want == "" {
				if err == nil || muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "Maiduguri") {
					t.Fatalf("Map = %q, %v; want an invalid error naming what was tried", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Map = %q, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestIncidentNormalize(t *testing.T) {
	for _, s := range []string{"Tillabéri", "TILLABERI", "  tillaberi ", "Tillabe\u0301ri"} {
		if got := normalize(s); got != "tillaberi" {
			t.Errorf("normalize(%q) = %q", s, got)
		}
	}
	if got := normalize("Birni-N'Konni"); got != normalize("BIRNI N KONNI") {
		t.Errorf("normalize = %q", got)
	}
}
