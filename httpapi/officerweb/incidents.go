package officerweb

import (
	"context"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/situation"
)

// incidentPicture is what the dashboard shows of conflict incidents in
// the window: counts by row, the incidents as map points, and the weekly
// series of the chart.
type incidentPicture struct {
	since          time.Time
	total          incidentCount
	byRow          map[string]incidentCount
	points         []situation.Point
	weeks          []time.Time
	weekEvents     []float64
	weekFatalities []float64
}

type incidentCount struct{ events, fatalities int }

// maxPoints bounds the incidents drawn on the map (the store's limit).
const maxPoints = 1000

// weekStart is the Monday 00:00 UTC of t's ISO week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// incidentPicture reads the incidents of the window within the user's
// area. The weekly counts come from the store's regional sums; the rows'
// counts too when the rows are regions, else from the incidents
// themselves, which a department's dashboard has few enough of.
func (h *Handler) incidentPicture(ctx context.Context, l lang, tree *area.Tree, within string, rows []regionRow, now time.Time) (incidentPicture, error) {
	since := weekStart(now).AddDate(0, 0, -7*(incidentWeeks-1))
	p := incidentPicture{since: since, byRow: map[string]incidentCount{}}
	for i := range incidentWeeks {
		p.weeks = append(p.weeks, since.AddDate(0, 0, 7*i))
	}
	p.weekEvents, p.weekFatalities = make([]float64, incidentWeeks), make([]float64, incidentWeeks)
	counts, err := h.store.IncidentCounts(ctx, within, since)
	if err != nil {
		return p, err
	}
	regional := len(rows) > 0 && rows[0].Depth == 1
	for _, c := range counts {
		if i := int(c.Week.Sub(since).Hours() / (24 * 7)); i >= 0 && i < incidentWeeks {
			p.weekEvents[i] += float64(c.Events)
			p.weekFatalities[i] += float64(c.Fatalities)
		}
		p.total.events += c.Events
		p.total.fatalities += c.Fatalities
		if regional {
			n := p.byRow[c.Region]
			n.events, n.fatalities = n.events+c.Events, n.fatalities+c.Fatalities
			p.byRow[c.Region] = n
		}
	}
	recent, err := h.store.RecentIncidents(ctx, within, since, maxPoints)
	if err != nil {
		return p, err
	}
	rowOf := map[string]bool{}
	for _, r := range rows {
		rowOf[r.Area] = true
	}
	for _, x := range recent {
		p.points = append(p.points, situation.Point{Lat: x.Lat, Lon: x.Lon, Fatalities: x.Fatalities,
			Title: t(l, "incident_title", x.Date.Format("2006-01-02"), x.EventType, x.Location, x.Fatalities)})
		if regional {
			continue
		}
		for code := x.Area; code != ""; {
			if rowOf[code] {
				n := p.byRow[code]
				n.events, n.fatalities = n.events+1, n.fatalities+x.Fatalities
				p.byRow[code] = n
				break
			}
			a, _ := tree.Get(code)
			code = a.Parent
		}
	}
	return p, nil
}
