package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
)

// FileNeeds stores needs filed by a user. A need whose id is new is
// inserted open; one already stored is replaced if it is still open and
// nothing has been filled yet, so that a unit can correct and re-import
// its file. All or nothing: one need that cannot be stored rejects the
// call. CreatedAt and State are set here.
func (db *DB) FileNeeds(ctx context.Context, needs []need.Need, by string) ([]need.Need, error) {
	return db.FileNeedsWithin(ctx, needs, by, "")
}

// FileNeedsWithin is FileNeeds for a filer whose jurisdiction is within
// ("" for none): need ids are national, so filing again the id of a need
// that lies outside within is refused (Forbidden) rather than moving that
// need into the filer's jurisdiction.
func (db *DB) FileNeedsWithin(ctx context.Context, needs []need.Need, by, within string) ([]need.Need, error) {
	var allowed map[int64]bool
	if within != "" {
		ids, err := db.subtreeIDs(ctx, within)
		if err != nil {
			return nil, err
		}
		allowed = make(map[int64]bool, len(ids))
		for _, id := range ids {
			allowed[id] = true
		}
	}
	now := db.now().UTC()
	out := make([]need.Need, len(needs))
	err := db.inTx(ctx, func(tx *dbTx) error {
		for i, n := range needs {
			n.State, n.Filled, n.FiledBy, n.CreatedAt = need.Open, 0, by, now
			if err := n.Err(); err != nil {
				return err
			}
			areaID, err := db.areaID(ctx, n.Area)
			if err != nil {
				return muster.Wrap(muster.Invalid, err, "need %s: area", n.ID)
			}
			var lat, lon *float64
			if n.Point != nil {
				lat, lon = &n.Point.Lat, &n.Point.Lon
			}
			var state string
			var filled float64
			var storedArea int64
			err = tx.QueryRowContext(ctx, db.rebind(`SELECT state, filled, area_id FROM needs WHERE need_id = ?`+db.forUpdate()), n.ID).
				Scan(&state, &filled, &storedArea)
			switch {
			case err == nil && allowed != nil && !allowed[storedArea]:
				return muster.Errorf(muster.Forbidden, "need %s was filed outside your jurisdiction (%s); file under another id", n.ID, within)
			case err == sql.ErrNoRows:
				_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO needs (need_id, unit, type, skill, quantity, area_id,
					lat, lon, deadline, priority, justification, legal_basis, state, filled, filed_by, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`),
					n.ID, n.Unit, n.Type, n.Skill, n.Quantity, areaID, lat, lon, n.Deadline.UTC(), n.Priority,
					n.Justification, n.LegalBasis, string(need.Open), by, now, now)
			case err != nil:
				return err
			case state != string(need.Open) || filled > 0:
				return muster.Errorf(muster.Conflict, "need %s is %s with %g filled: it can no longer be changed; file a new need", n.ID, state, filled)
			default:
				_, err = tx.ExecContext(ctx, db.rebind(`UPDATE needs SET unit = ?, type = ?, skill = ?, quantity = ?,
					area_id = ?, lat = ?, lon = ?, deadline = ?, priority = ?, justification = ?, legal_basis = ?,
					filed_by = ?, updated_at = ? WHERE need_id = ?`),
					n.Unit, n.Type, n.Skill, n.Quantity, areaID, lat, lon, n.Deadline.UTC(), n.Priority,
					n.Justification, n.LegalBasis, by, now, n.ID)
			}
			if err != nil {
				return fmt.Errorf("need %s: %w", n.ID, err)
			}
			out[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NeedFilter selects needs: within a jurisdiction (required for officers;
// "" for all), an area subtree, a state, a requesting unit.
type NeedFilter struct {
	Within string
	Area   string
	State  need.State
	Unit   string
	After  int64
	Limit  int
}

const needColumns = `n.id, n.need_id, n.unit, n.type, n.skill, n.quantity, a.code, n.lat, n.lon, n.deadline,
	n.priority, n.justification, n.legal_basis, n.state, n.filled, n.filed_by, n.created_at`

func scanNeed(rows interface{ Scan(...any) error }) (need.Need, int64, error) {
	var (
		n        need.Need
		id       int64
		lat, lon sql.NullFloat64
		state    string
	)
	if err := rows.Scan(&id, &n.ID, &n.Unit, &n.Type, &n.Skill, &n.Quantity, &n.Area, &lat, &lon, &n.Deadline,
		&n.Priority, &n.Justification, &n.LegalBasis, &state, &n.Filled, &n.FiledBy, &n.CreatedAt); err != nil {
		return n, 0, err
	}
	n.State = need.State(state)
	n.Deadline, n.CreatedAt = n.Deadline.UTC(), n.CreatedAt.UTC()
	if lat.Valid && lon.Valid {
		n.Point = &area.Point{Lat: lat.Float64, Lon: lon.Float64}
	}
	return n, id, nil
}

// ListNeeds returns needs matching f in filing order.
func (db *DB) ListNeeds(ctx context.Context, f NeedFilter) (Page[need.Need], error) {
	return db.listNeeds(ctx, f, nil)
}

func (db *DB) listNeeds(ctx context.Context, f NeedFilter, ids []string) (Page[need.Need], error) {
	q := `SELECT ` + needColumns + ` FROM needs n JOIN areas a ON a.id = n.area_id WHERE n.id > ?`
	args := []any{f.After}
	for _, root := range []string{f.Within, f.Area} {
		if root == "" {
			continue
		}
		clause, arg, err := db.withinClause(ctx, "n.area_id", root)
		if err != nil {
			return Page[need.Need]{}, err
		}
		q += " AND " + clause
		args = append(args, arg...)
	}
	if f.State != "" {
		q += ` AND n.state = ?`
		args = append(args, string(f.State))
	}
	if f.Unit != "" {
		q += ` AND n.unit = ?`
		args = append(args, f.Unit)
	}
	limit := clampLimit(f.Limit)
	if ids != nil {
		q += ` AND n.need_id IN ` + placeholders(1, len(ids))
		for _, id := range ids {
			args = append(args, id)
		}
		limit = len(ids)
	}
	q += fmt.Sprintf(` ORDER BY n.id LIMIT %d`, limit+1)
	return queryPage(ctx, db, q, args, limit, func(rows *sql.Rows) (need.Need, int64, error) { return scanNeed(rows) })
}

// Need returns one need if its area lies within the jurisdiction;
// otherwise not found.
func (db *DB) Need(ctx context.Context, needID, within string) (need.Need, error) {
	page, err := db.listNeeds(ctx, NeedFilter{Within: within}, []string{needID})
	if err != nil {
		return need.Need{}, err
	}
	if len(page.Items) == 0 {
		return need.Need{}, muster.Errorf(muster.NotFound, "no need %s in your jurisdiction", needID)
	}
	return page.Items[0], nil
}

// OpenNeeds returns every open need within the jurisdiction whose id is
// in ids (all open needs when ids is empty), for the allocator.
func (db *DB) OpenNeeds(ctx context.Context, within string, ids []string) ([]need.Need, error) {
	var out []need.Need
	f := NeedFilter{Within: within, State: need.Open, Limit: 1000}
	if len(ids) > 0 {
		for start := 0; start < len(ids); start += 500 {
			page, err := db.listNeeds(ctx, f, ids[start:min(start+500, len(ids))])
			if err != nil {
				return nil, err
			}
			out = append(out, page.Items...)
		}
		if len(out) != len(uniq(ids)) {
			found := map[string]bool{}
			for _, n := range out {
				found[n.ID] = true
			}
			var missing []string
			for _, id := range ids {
				if !found[id] {
					missing = append(missing, id)
				}
			}
			return nil, muster.Errorf(muster.NotFound, "no open need %s in your jurisdiction", strings.Join(missing, ", "))
		}
		return out, nil
	}
	for {
		page, err := db.listNeeds(ctx, f, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == 0 {
			return out, nil
		}
		f.After = page.Next
	}
}

// CancelNeed withdraws an open need within the jurisdiction. Lines of
// pending proposals for it can no longer be accepted.
func (db *DB) CancelNeed(ctx context.Context, needID, within string) (need.Need, error) {
	n, err := db.Need(ctx, needID, within)
	if err != nil {
		return n, err
	}
	if n.State != need.Open {
		return n, muster.Errorf(muster.Conflict, "need %s is %s, not open", needID, n.State)
	}
	res, err := db.sql.ExecContext(ctx, db.rebind(`UPDATE needs SET state = ?, updated_at = ? WHERE need_id = ? AND state = ?`),
		string(need.Cancelled), db.now().UTC(), needID, string(need.Open))
	if err != nil {
		return n, err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return n, muster.Errorf(muster.Conflict, "need %s changed meanwhile; look again", needID)
	}
	n.State = need.Cancelled
	return n, nil
}
