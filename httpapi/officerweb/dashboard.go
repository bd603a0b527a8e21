package officerweb

import (
	"context"
	"encoding/json"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/situation"
	"github.com/muster-org/muster/sqlstore"
)

// The dashboard: headline figures of the user's jurisdiction, the map,
// a table per region, force targets, and the weekly incidents chart.
// Its tables are offered as CSV with an HXL row and as GeoJSON.

// incidentWeeks is the window of the incidents shown: twelve ISO weeks,
// this one included.
const incidentWeeks = 12

// dashboardView is what the dashboard and its exports show.
type dashboardView struct {
	Total   regionRow
	Regions []regionRow
	States  []order.State // the order states any row has, in lifecycle order
	Forces  []sqlstore.ForceStatus
	// Level names the rows: regions, departments... for the headings.
	Level     text
	Shortfall int64 // the force targets' total shortfall
	Map       template.HTML
	Chart     template.HTML
	HasMap    bool
	Since     time.Time // the start of the incidents' window
	NeedsLink bool      // the user may open the needs list

	incidents incidentPicture
}

// regionRow is one row of the region tables.
type regionRow struct {
	sqlstore.RegionFigures
	Depth      int
	Orders     []int // by View.States
	Incidents  int
	Fatalities int
	Href       string
}

// ordersWaiting are what an officer acts on: drafts to approve.
func (r regionRow) Drafts() int { return r.RegionFigures.Orders[order.StateDraft] }

// Waiting counts the claims and appeals before the review board.
func (r regionRow) Waiting() int { return r.Claims + r.Appeals }

func (h *Handler) dashboardData(ctx context.Context, c *call) (*dashboardView, *area.Tree, error) {
	now := h.now()
	d, err := h.store.Dashboard(ctx, c.user.Area, now)
	if err != nil {
		return nil, nil, err
	}
	tree, err := h.areaTree(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	forces, err := h.store.ForceTargets(ctx, c.user.Area)
	if err != nil {
		return nil, nil, err
	}
	v := &dashboardView{Forces: forces, NeedsLink: auth.Can(c.user.Role, auth.ReadNeeds)}
	for _, f := range forces {
		v.Shortfall += f.Shortfall
	}
	for _, s := range order.States {
		if d.Within.Orders[s] > 0 {
			v.States = append(v.States, s)
		}
	}
	row := func(f sqlstore.RegionFigures) regionRow {
		r := regionRow{RegionFigures: f, Depth: tree.Depth(f.Area)}
		for _, s := range v.States {
			r.Orders = append(r.Orders, f.Orders[s])
		}
		if v.NeedsLink {
			r.Href = "/o/needs?" + url.Values{"area": {f.Area}}.Encode()
		}
		return r
	}
	v.Total = row(d.Within)
	for _, f := range d.Regions {
		v.Regions = append(v.Regions, row(f))
	}
	if len(v.Regions) > 0 {
		v.Level = levelName(v.Regions[0].Depth)
	}
	inc, err := h.incidentPicture(ctx, c.lang, tree, c.user.Area, v.Regions, now)
	if err != nil {
		return nil, nil, err
	}
	v.Since = inc.since
	for i := range v.Regions {
		n := inc.byRow[v.Regions[i].Area]
		v.Regions[i].Incidents, v.Regions[i].Fatalities = n.events, n.fatalities
	}
	v.Total.Incidents, v.Total.Fatalities = inc.total.events, inc.total.fatalities
	v.incidents = inc
	return v, tree, nil
}

// levelName names rows by depth in the area tree: regions are the
// country's children.
func levelName(depth int) text {
	switch depth {
	case 0:
		return "level_country"
	case 1:
		return "level_region"
	case 2:
		return "level_department"
	}
	return "level_area"
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	v, _, err := h.dashboardData(ctx, c)
	if err != nil {
		return err
	}
	if err := h.drawPicture(ctx, c, v); err != nil {
		return err
	}
	h.render(w, r, c, http.StatusOK, "dashboard", "dashboard_title", v)
	return nil
}

// drawPicture draws the map of the user's area with its rows, and the
// weekly incidents chart.
func (h *Handler) drawPicture(ctx context.Context, c *call, v *dashboardView) error {
	outline, err := h.store.Area(ctx, c.user.Area)
	if err != nil {
		return err
	}
	var regions []situation.Region
	withShape := 0
	for _, row := range v.Regions {
		a, err := h.store.Area(ctx, row.Area)
		if err != nil {
			return err
		}
		if len(a.Geometry) > 0 {
			withShape++
		}
		orders := map[string]int{}
		for s, n := range row.RegionFigures.Orders {
			orders[string(s)] = n
		}
		regions = append(regions, situation.Region{Code: a.Code, Name: a.Name, Geometry: a.Geometry, Label: a.Label,
			OpenNeeds: row.NeedsOpen, FillRate: row.FillRate, Orders: orders, Overdue: row.Overdue,
			Incidents: row.Incidents, Fatalities: row.Fatalities, Href: row.Href})
	}
	l := c.lang
	// A map needs something to draw: the area's outline or its rows' shapes.
	if len(outline.Geometry) > 0 || withShape > 0 {
		m, err := situation.Map(outline.Geometry, regions, v.incidents.points, situation.MapOptions{
			Title: t(l, "map_title", outline.Name), Width: 720,
			Labels: situation.MapLabels{OpenNeeds: t(l, "open_needs"), FillRate: t(l, "fill_rate"), Incidents: t(l, "incidents"),
				Fatalities: t(l, "fatalities"), Orders: t(l, "orders")},
		})
		if err != nil {
			h.log.WarnContext(ctx, "officer web: map", "err", err)
		} else {
			v.Map, v.HasMap = m, true
		}
	}
	if inc := v.incidents; inc.total.events > 0 {
		chart, err := situation.WeeklyChart(inc.weeks, []situation.Series{
			{Name: t(l, "incidents"), Values: inc.weekEvents}, {Name: t(l, "fatalities"), Values: inc.weekFatalities}},
			situation.ChartOptions{Title: t(l, "chart_title", incidentWeeks), YLabel: t(l, "chart_y"), Width: 720, Height: 240})
		if err != nil {
			return err
		}
		v.Chart = chart
	}
	return nil
}

// The exports' columns: a header, its HXL hashtag, and the value of a row.
type column struct {
	name, tag string
	value     func(r regionRow) string
}

func (v *dashboardView) columns() []column {
	level := "#adm1"
	if len(v.Regions) > 0 {
		switch d := v.Regions[0].Depth; {
		case d == 0:
			level = "#country"
		case d <= 5:
			level = "#adm" + strconv.Itoa(d)
		default:
			level = "#loc"
		}
	}
	itoa := func(n int) string { return strconv.Itoa(n) }
	cols := []column{
		{"area_code", level + "+code", func(r regionRow) string { return r.Area }},
		{"area_name", level + "+name", func(r regionRow) string { return r.Name }},
		{"needs_open", "#indicator+needs+open", func(r regionRow) string { return itoa(r.NeedsOpen) }},
		{"needs_filled", "#indicator+needs+filled", func(r regionRow) string { return itoa(r.NeedsFilled) }},
		{"fill_rate", "#indicator+fill_rate", func(r regionRow) string {
			if math.IsNaN(r.FillRate) {
				return ""
			}
			return strconv.FormatFloat(math.Round(r.FillRate*1000)/1000, 'f', -1, 64)
		}},
		{"orders_overdue", "#indicator+orders+overdue", func(r regionRow) string { return itoa(r.Overdue) }},
		{"claims_waiting", "#indicator+claims+waiting", func(r regionRow) string { return itoa(r.Claims) }},
		{"appeals_waiting", "#indicator+appeals+waiting", func(r regionRow) string { return itoa(r.Appeals) }},
		{"incidents", "#event+num", func(r regionRow) string { return itoa(r.Incidents) }},
		{"fatalities", "#affected+killed+num", func(r regionRow) string { return itoa(r.Fatalities) }},
	}
	for _, s := range order.States {
		s := s
		cols = append(cols, column{"orders_" + string(s), "#indicator+orders+" + string(s),
			func(r regionRow) string { return itoa(r.RegionFigures.Orders[s]) }})
	}
	return cols
}

// dashboardCSV answers the region table as CSV, the HXL hashtags as its
// second row, so that humanitarian tools read it as they are.
func (h *Handler) dashboardCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	v, _, err := h.dashboardData(r.Context(), c)
	if err != nil {
		return err
	}
	cols := v.columns()
	named := make([]csvColumn, len(cols))
	for i, col := range cols {
		named[i] = csvColumn{col.name, col.tag}
	}
	cw := startCSV(w, "muster-dashboard-"+c.user.Area+".csv", named)
	for _, row := range v.Regions {
		rec := make([]string, len(cols))
		for i, col := range cols {
			rec[i] = col.value(row)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// dashboardGeoJSON answers the regions with their figures as properties.
func (h *Handler) dashboardGeoJSON(w http.ResponseWriter, r *http.Request, c *call) error {
	v, _, err := h.dashboardData(r.Context(), c)
	if err != nil {
		return err
	}
	fc := newFeatureCollection()
	cols := v.columns()
	for _, row := range v.Regions {
		a, err := h.store.Area(r.Context(), row.Area)
		if err != nil {
			return err
		}
		props := map[string]any{}
		for _, col := range cols {
			s := col.value(row)
			if n, err := strconv.ParseFloat(s, 64); err == nil && col.name != "area_code" && col.name != "area_name" {
				props[col.name] = n
			} else if s != "" || col.name == "area_name" {
				props[col.name] = s
			} else {
				props[col.name] = nil
			}
		}
		geom := a.Geometry
		if len(geom) == 0 {
			geom = json.RawMessage("null")
			if a.Label != nil {
				geom, _ = json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{a.Label.Lon, a.Label.Lat}})
			}
		}
		fc.Features = append(fc.Features, geoFeature{Type: "Feature", ID: a.Code, Geometry: geom, Properties: props})
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Content-Disposition", `attachment; filename="muster-dashboard-`+c.user.Area+`.geojson"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
	return nil
}
