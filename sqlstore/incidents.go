package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/incident"
)

var incidentUpsert = upsert{
	table: "incidents",
	cols: []string{"event_id", "event_date", "week", "event_type", "sub_event_type", "actor1", "admin1", "admin2",
		"location", "lat", "lon", "fatalities", "notes", "area_id", "updated_at"},
}

// UpsertIncidents inserts incidents, or updates them by ACLED event id
// when a newer export carries them again, in one transaction. Each must be
// valid and mapped to an existing area.
func (db *DB) UpsertIncidents(ctx context.Context, in []incident.Incident) error {
	rows := make([][]any, len(in))
	now := db.now().UTC()
	for i, x := range in {
		if err := x.Err(); err != nil {
			return err
		}
		areaID, err := db.areaID(ctx, x.Area)
		if err != nil {
			return muster.Wrap(muster.Invalid, err, "incident %s: area", x.ID)
		}
		date := x.Date.UTC()
		rows[i] = []any{x.ID, date, incident.Week(date), x.EventType, x.SubEventType, x.Actor1, x.Admin1, x.Admin2,
			x.Location, x.Lat, x.Lon, x.Fatalities, x.Notes, areaID, now}
	}
	return db.write(ctx, incidentUpsert, rows)
}

// IncidentCount is what happened in one region in one ISO week (Week is
// its Monday, midnight UTC). Region is the region-level area (a child of
// the root) holding the incidents' areas; incidents mapped to the root
// itself count under the root's code.
type IncidentCount struct {
	Region     string
	Week       time.Time
	Events     int
	Fatalities int
}

// IncidentCounts counts the incidents within an area's subtree ("" for
// all) dated on or after since, by region and week, in region then week
// order. Weeks without incidents are absent.
func (db *DB) IncidentCounts(ctx context.Context, within string, since time.Time) ([]IncidentCount, error) {
	tree, err := db.AreaTree(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT a.code, i.week, COUNT(*), COALESCE(SUM(i.fatalities), 0)
		FROM incidents i JOIN areas a ON a.id = i.area_id WHERE i.event_date >= ?`
	args := []any{since.UTC()}
	if q, args, err = db.incidentsWithin(ctx, q, args, within); err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(q+` GROUP BY a.code, i.week`), args...)
	if err != nil {
		return nil, fmt.Errorf("incident counts: %w", err)
	}
	defer rows.Close()
	type key struct {
		region string
		week   time.Time
	}
	sums := map[key]*IncidentCount{}
	for rows.Next() {
		var code string
		var week time.Time
		var events, fatalities int
		if err := rows.Scan(&code, &week, &events, &fatalities); err != nil {
			return nil, fmt.Errorf("incident counts: %w", err)
		}
		k := key{regionOf(tree, code), week.UTC()}
		c := sums[k]
		if c == nil {
			c = &IncidentCount{Region: k.region, Week: k.week}
			sums[k] = c
		}
		c.Events += events
		c.Fatalities += fatalities
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incident counts: %w", err)
	}
	out := make([]IncidentCount, 0, len(sums))
	for _, c := range sums {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b IncidentCount) int {
		return cmp.Or(strings.Compare(a.Region, b.Region), a.Week.Compare(b.Week))
	})
	return out, nil
}

// regionOf is the region-level ancestor of code (the second element of its
// path "/NE/NE.TL/..."), or the root itself.
func regionOf(tree *area.Tree, code string) string {
	parts := strings.Split(strings.Trim(tree.Path(code), "/"), "/")
	if len(parts) >= 2 {
		return parts[1]
	}
	return parts[0]
}

// RecentIncidents returns the incidents within an area's subtree ("" for
// all) dated on or after since, latest first, at most limit (100 when 0,
// never more than 1000).
func (db *DB) RecentIncidents(ctx context.Context, within string, since time.Time, limit int) ([]incident.Incident, error) {
	q := `SELECT i.event_id, i.event_date, i.event_type, i.sub_event_type, i.actor1, i.admin1, i.admin2,
		i.location, i.lat, i.lon, i.fatalities, i.notes, a.code
		FROM incidents i JOIN areas a ON a.id = i.area_id WHERE i.event_date >= ?`
	args := []any{since.UTC()}
	var err error
	if q, args, err = db.incidentsWithin(ctx, q, args, within); err != nil {
		return nil, err
	}
	q += fmt.Sprintf(` ORDER BY i.event_date DESC, i.id DESC LIMIT %d`, clampLimit(limit))
	rows, err := db.sql.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("recent incidents: %w", err)
	}
	defer rows.Close()
	var out []incident.Incident
	for rows.Next() {
		var x incident.Incident
		if err := rows.Scan(&x.ID, &x.Date, &x.EventType, &x.SubEventType, &x.Actor1, &x.Admin1, &x.Admin2,
			&x.Location, &x.Lat, &x.Lon, &x.Fatalities, &x.Notes, &x.Area); err != nil {
			return nil, fmt.Errorf("recent incidents: %w", err)
		}
		x.Date = x.Date.UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}

func (db *DB) incidentsWithin(ctx context.Context, q string, args []any, within string) (string, []any, error) {
	if within == "" {
		return q, args, nil
	}
	clause, arg, err := db.withinClause(ctx, "i.area_id", within)
	if err != nil {
		return "", nil, err
	}
	return q + " AND " + clause, append(args, arg...), nil
}

// AreaTreeWithGeometry is AreaTree with every area's geometry, for what
// places points in areas (the incident importer).
func (db *DB) AreaTreeWithGeometry(ctx context.Context) (*area.Tree, error) {
	areas, err := db.loadAreas(ctx, db.sql, true)
	if err != nil {
		return nil, err
	}
	return area.NewTree(areas)
}
