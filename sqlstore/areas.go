package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

// SaveAreas inserts or updates areas by code, in one transaction. The
// areas already stored and the new ones must form one tree: an unknown
// parent or a cycle is an invalid error and nothing is written.
func (db *DB) SaveAreas(ctx context.Context, areas []area.Area) error {
	defer db.resetAreaCache()
	return db.inTx(ctx, func(tx *dbTx) error {
		existing, err := db.loadAreas(ctx, tx, false)
		if err != nil {
			return err
		}
		merged := make(map[string]area.Area, len(existing)+len(areas))
		for _, a := range existing {
			merged[a.Code] = a
		}
		for _, a := range areas {
			merged[a.Code] = a
		}
		all := make([]area.Area, 0, len(merged))
		for _, a := range merged {
			all = append(all, a)
		}
		tree, err := area.NewTree(all)
		if err != nil {
			return err
		}
		now := db.now().UTC()
		upsert := db.rebind(`INSERT INTO areas (code, name, level, parent_code, path, label_lat, label_lon, population, geometry, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
				parent_code = excluded.parent_code, path = excluded.path, label_lat = excluded.label_lat,
				label_lon = excluded.label_lon, population = excluded.population,
				geometry = excluded.geometry, updated_at = excluded.updated_at`)
		for _, a := range areas {
			var lat, lon sql.NullFloat64
			if a.Label != nil {
				lat, lon = sql.NullFloat64{Float64: a.Label.Lat, Valid: true}, sql.NullFloat64{Float64: a.Label.Lon, Valid: true}
			}
			var geom sql.NullString
			if len(a.Geometry) > 0 {
				geom = sql.NullString{String: string(a.Geometry), Valid: true}
			}
			if _, err := tx.ExecContext(ctx, upsert, a.Code, a.Name, a.Level, nullString(a.Parent), tree.Path(a.Code),
				lat, lon, a.Population, geom, now); err != nil {
				return fmt.Errorf("save area %s: %w", a.Code, err)
			}
		}
		// A moved area moves its descendants: refresh every stored path.
		update := db.rebind(`UPDATE areas SET path = ? WHERE code = ? AND path <> ?`)
		for _, a := range existing {
			p := tree.Path(a.Code)
			if _, err := tx.ExecContext(ctx, update, p, a.Code, p); err != nil {
				return fmt.Errorf("save area %s: %w", a.Code, err)
			}
		}
		return nil
	})
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const areaColumns = `code, name, level, COALESCE(parent_code, ''), label_lat, label_lon, population`

func scanArea(s interface{ Scan(...any) error }, withGeometry bool) (area.Area, error) {
	var a area.Area
	var lat, lon sql.NullFloat64
	var geom sql.NullString
	dest := []any{&a.Code, &a.Name, &a.Level, &a.Parent, &lat, &lon, &a.Population}
	if withGeometry {
		dest = append(dest, &geom)
	}
	if err := s.Scan(dest...); err != nil {
		return a, err
	}
	if lat.Valid && lon.Valid {
		a.Label = &area.Point{Lat: lat.Float64, Lon: lon.Float64}
	}
	if geom.Valid {
		a.Geometry = json.RawMessage(geom.String)
	}
	return a, nil
}

func (db *DB) loadAreas(ctx context.Context, q querier, withGeometry bool) ([]area.Area, error) {
	cols := areaColumns
	if withGeometry {
		cols += ", geometry"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM areas ORDER BY path`)
	if err != nil {
		return nil, fmt.Errorf("load areas: %w", err)
	}
	defer rows.Close()
	var out []area.Area
	for rows.Next() {
		a, err := scanArea(rows, withGeometry)
		if err != nil {
			return nil, fmt.Errorf("load areas: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AreaTree returns the stored hierarchy (without geometries).
func (db *DB) AreaTree(ctx context.Context) (*area.Tree, error) {
	areas, err := db.loadAreas(ctx, db.sql, false)
	if err != nil {
		return nil, err
	}
	return area.NewTree(areas)
}

// Area returns one area with its geometry.
func (db *DB) Area(ctx context.Context, code string) (area.Area, error) {
	row := db.sql.QueryRowContext(ctx, db.rebind(`SELECT `+areaColumns+`, geometry FROM areas WHERE code = ?`), code)
	a, err := scanArea(row, true)
	if err != nil {
		return a, notFound(err, "no area %s", code)
	}
	return a, nil
}

// AreaFilter selects areas. Within limits them to a subtree (a
// jurisdiction); Parent to the children of one area; Level to one level.
type AreaFilter struct {
	Within string
	Parent string
	Level  string
}

// ListAreas returns the areas that match f, parents before children,
// without geometries.
func (db *DB) ListAreas(ctx context.Context, f AreaFilter) ([]area.Area, error) {
	q := `SELECT ` + areaColumns + ` FROM areas WHERE 1=1`
	var args []any
	if f.Within != "" {
		clause, arg, err := db.withinClause(ctx, "id", f.Within)
		if err != nil {
			return nil, err
		}
		q += ` AND ` + clause
		args = append(args, arg...)
	}
	if f.Parent != "" {
		q += ` AND parent_code = ?`
		args = append(args, f.Parent)
	}
	if f.Level != "" {
		q += ` AND level = ?`
		args = append(args, f.Level)
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(q+` ORDER BY path`), args...)
	if err != nil {
		return nil, fmt.Errorf("list areas: %w", err)
	}
	defer rows.Close()
	var out []area.Area
	for rows.Next() {
		a, err := scanArea(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// withinClause returns a condition that keeps rows whose area column lies
// in the subtree of root, and its arguments.
//
// The clause lists the subtree's area ids rather than selecting them in a
// subquery: the query planner cannot tell how many areas a path prefix
// matches, and at national scale its guess of two made PostgreSQL read
// every person of a region, then sort them, for each page of a thousand.
func (db *DB) withinClause(ctx context.Context, column, root string) (string, []any, error) {
	ids, err := db.subtreeIDs(ctx, root)
	if err != nil {
		return "", nil, err
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	if len(ids) == 1 {
		return column + ` = ?`, args, nil
	}
	return column + ` IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `)`, args, nil
}

// subtreeIDs returns the row ids of root and the areas below it, cached
// until the areas change.
func (db *DB) subtreeIDs(ctx context.Context, root string) ([]int64, error) {
	db.areaMu.RLock()
	ids, ok := db.subtrees[root]
	db.areaMu.RUnlock()
	if ok {
		return ids, nil
	}
	var path string
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT path FROM areas WHERE code = ?`), root).Scan(&path)
	if err != nil {
		return nil, notFound(err, "no area %s", root)
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT id FROM areas WHERE substr(path, 1, ?) = ? ORDER BY id`), len(path), path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	db.areaMu.Lock()
	if db.subtrees == nil {
		db.subtrees = map[string][]int64{}
	}
	db.subtrees[root] = ids
	db.areaMu.Unlock()
	return ids, nil
}

// areaID resolves an area code to its row id.
func (db *DB) areaID(ctx context.Context, code string) (int64, error) {
	db.areaMu.RLock()
	id, ok := db.areaIDs[code]
	db.areaMu.RUnlock()
	if ok {
		return id, nil
	}
	db.areaMu.Lock()
	defer db.areaMu.Unlock()
	if db.areaIDs == nil {
		rows, err := db.sql.QueryContext(ctx, `SELECT code, id FROM areas`)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		m := map[string]int64{}
		for rows.Next() {
			var c string
			var i int64
			if err := rows.Scan(&c, &i); err != nil {
				return 0, err
			}
			m[c] = i
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
		db.areaIDs = m
	}
	if id, ok := db.areaIDs[code]; ok {
		return id, nil
	}
	return 0, muster.Errorf(muster.Invalid, "unknown area %s", code)
}

func (db *DB) resetAreaCache() {
	db.areaMu.Lock()
	db.areaIDs, db.subtrees = nil, nil
	db.areaMu.Unlock()
}
