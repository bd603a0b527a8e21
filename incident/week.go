package incident

import "time"

// Week returns the start of t's ISO week: Monday, midnight UTC. Charts and
// counts bucket incidents by it.
func Week(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	sinceMonday := (int(day.Weekday()) + 6) % 7
	return day.AddDate(0, 0, -sinceMonday)
}

// Weeks returns the Mondays of every ISO week from the one holding from to
// the one holding to, in order; none when to is before from.
func Weeks(from, to time.Time) []time.Time {
	var out []time.Time
	for w, last := Week(from), Week(to); !w.After(last); w = w.AddDate(0, 0, 7) {
		out = append(out, w)
	}
	return out
}

// WeekCount is what happened in one ISO week.
type WeekCount struct {
	Week       time.Time
	Events     int
	Fatalities int
}

// Weekly counts incidents by the ISO week of their date over the weeks
// from..to, including the weeks with none; incidents outside are left out.
func Weekly(in []Incident, from, to time.Time) []WeekCount {
	weeks := Weeks(from, to)
	out := make([]WeekCount, len(weeks))
	index := make(map[time.Time]int, len(weeks))
	for i, w := range weeks {
		out[i].Week = w
		index[w] = i
	}
	for _, x := range in {
		if i, ok := index[Week(x.Date)]; ok {
			out[i].Events++
			out[i].Fatalities += x.Fatalities
		}
	}
	return out
}
