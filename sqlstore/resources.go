package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

var resourceUpsert = upsert{
	table: "resources",
	cols: []string{"resource_id", "owner_person_id", "owner_org_id", "type", "quantity", "unit", "area_id",
		"lat", "lon", "condition", "declared_value_xof", "updated_at"},
}

// UpsertResources inserts or updates resources by resource_id, in one
// transaction. Every owner and area must exist.
func (db *DB) UpsertResources(ctx context.Context, resources []registry.Resource) error {
	personIDs, orgIDs, err := db.ownerRowIDs(ctx, resources)
	if err != nil {
		return err
	}
	rows := make([][]any, len(resources))
	now := db.now().UTC()
	for i, r := range resources {
		areaID, err := db.areaID(ctx, r.Area)
		if err != nil {
			return fmt.Errorf("resource %s: %w", r.ResourceID, err)
		}
		var personID, orgID *int64
		switch r.Owner.Kind {
		case registry.OwnerPerson:
			if id, ok := personIDs[r.Owner.ID]; ok {
				personID = &id
			}
		case registry.OwnerOrganisation:
			if id, ok := orgIDs[r.Owner.ID]; ok {
				orgID = &id
			}
		}
		if personID == nil && orgID == nil {
			return muster.Errorf(muster.Invalid, "resource %s: unknown owner %s", r.ResourceID, r.Owner)
		}
		var lat, lon *float64
		if r.Location != nil {
			lat, lon = &r.Location.Lat, &r.Location.Lon
		}
		rows[i] = []any{r.ResourceID, personID, orgID, r.Type, r.Quantity, r.Unit, areaID, lat, lon,
			r.Condition, r.DeclaredValueXOF, now}
	}
	return db.write(ctx, resourceUpsert, rows)
}

// ownerRowIDs resolves the owners of resources to row ids, by national ID
// and by org ID.
func (db *DB) ownerRowIDs(ctx context.Context, resources []registry.Resource) (persons, orgs map[string]int64, err error) {
	persons, orgs = map[string]int64{}, map[string]int64{}
	nidByIndex := map[string]string{}
	var personArgs, orgArgs []any
	for _, r := range resources {
		switch r.Owner.Kind {
		case registry.OwnerPerson:
			idx := db.NationalIDIndex(r.Owner.ID)
			if _, ok := nidByIndex[string(idx)]; !ok {
				nidByIndex[string(idx)] = r.Owner.ID
				personArgs = append(personArgs, idx)
			}
		case registry.OwnerOrganisation:
			orgArgs = append(orgArgs, r.Owner.ID)
		}
	}
	err = db.inChunks(ctx, `SELECT id, nid_index FROM persons WHERE nid_index IN `, personArgs, func(rows *sql.Rows) error {
		var id int64
		var idx []byte
		if err := rows.Scan(&id, &idx); err != nil {
			return err
		}
		persons[nidByIndex[string(idx)]] = id
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("resolve owners: %w", err)
	}
	err = db.inChunks(ctx, `SELECT id, org_id FROM organisations WHERE org_id IN `, orgArgs, func(rows *sql.Rows) error {
		var id int64
		var orgID string
		if err := rows.Scan(&id, &orgID); err != nil {
			return err
		}
		orgs[orgID] = id
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("resolve owners: %w", err)
	}
	return persons, orgs, nil
}

// ResourceFilter selects resources; see PersonFilter. Type matches a full
// type ("vehicle.truck") or a class ("vehicle").
type ResourceFilter struct {
	Within string
	Area   string
	Type   string
	Owner  *registry.Owner
	After  int64
	Limit  int
}

// Resource returns one resource if it lies within the jurisdiction.
func (db *DB) Resource(ctx context.Context, resourceID, within string) (registry.Resource, error) {
	page, err := db.listResources(ctx, ResourceFilter{Within: within, Limit: 1}, resourceID)
	if err != nil {
		return registry.Resource{}, err
	}
	if len(page.Items) == 0 {
		return registry.Resource{}, muster.Errorf(muster.NotFound, "no resource %s in your jurisdiction", resourceID)
	}
	return page.Items[0], nil
}

// ListResources returns resources matching f, in a stable order.
func (db *DB) ListResources(ctx context.Context, f ResourceFilter) (Page[registry.Resource], error) {
	return db.listResources(ctx, f, "")
}

func (db *DB) listResources(ctx context.Context, f ResourceFilter, resourceID string) (Page[registry.Resource], error) {
	q := `SELECT r.id, r.resource_id, p.nid_index, p.personal, o.org_id, r.type, r.quantity, r.unit, a.code,
			r.lat, r.lon, r.condition, r.declared_value_xof
		FROM resources r JOIN areas a ON a.id = r.area_id
		LEFT JOIN persons p ON p.id = r.owner_person_id
		LEFT JOIN organisations o ON o.id = r.owner_org_id
		WHERE r.id > ?`
	args := []any{f.After}
	for _, root := range []string{f.Within, f.Area} {
		if root == "" {
			continue
		}
		clause, arg, err := db.withinClause(ctx, "r.area_id", root)
		if err != nil {
			return Page[registry.Resource]{}, err
		}
		q += " AND " + clause
		args = append(args, arg...)
	}
	if resourceID != "" {
		q += ` AND r.resource_id = ?`
		args = append(args, resourceID)
	}
	if f.Type != "" {
		q += ` AND (r.type = ? OR substr(r.type, 1, ?) = ?)`
		args = append(args, f.Type, len(f.Type)+1, f.Type+".")
	}
	if f.Owner != nil {
		switch f.Owner.Kind {
		case registry.OwnerPerson:
			q += ` AND p.nid_index = ?`
			args = append(args, db.NationalIDIndex(f.Owner.ID))
		default:
			q += ` AND o.org_id = ?`
			args = append(args, f.Owner.ID)
		}
	}
	limit := clampLimit(f.Limit)
	q += fmt.Sprintf(` ORDER BY r.id LIMIT %d`, limit+1)
	return queryPage(ctx, db, q, args, limit, func(rows *sql.Rows) (registry.Resource, int64, error) {
		var (
			r        registry.Resource
			id       int64
			idx, nid []byte
			orgID    sql.NullString
			lat, lon sql.NullFloat64
		)
		if err := rows.Scan(&id, &r.ResourceID, &idx, &nid, &orgID, &r.Type, &r.Quantity, &r.Unit, &r.Area,
			&lat, &lon, &r.Condition, &r.DeclaredValueXOF); err != nil {
			return r, 0, err
		}
		if orgID.Valid {
			r.Owner = registry.Owner{Kind: registry.OwnerOrganisation, ID: orgID.String}
		} else {
			pf, err := db.openPersonal(idx, nid)
			if err != nil {
				return r, 0, muster.Wrap(muster.Internal, err, "resource %s: owner", r.ResourceID)
			}
			r.Owner = registry.Owner{Kind: registry.OwnerPerson, ID: pf.nationalID}
		}
		if lat.Valid && lon.Valid {
			r.Location = &area.Point{Lat: lat.Float64, Lon: lon.Float64}
		}
		return r, id, nil
	})
}
