package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

var organisationUpsert = upsert{
	table: "organisations",
	cols:  []string{"org_id", "name", "kind", "area_id", "protected", "protected_reason", "updated_at"},
}

// UpsertOrganisations inserts or updates organisations by org_id, in one
// transaction. Every area must exist.
func (db *DB) UpsertOrganisations(ctx context.Context, orgs []registry.Organisation) error {
	rows := make([][]any, len(orgs))
	now := db.now().UTC()
	for i, o := range orgs {
		areaID, err := db.areaID(ctx, o.Area)
		if err != nil {
			return fmt.Errorf("organisation %s: %w", o.OrgID, err)
		}
		rows[i] = []any{o.OrgID, o.Name, o.Kind, areaID, o.Protected, o.ProtectedReason, now}
	}
	return db.write(ctx, organisationUpsert, rows)
}

// OrganisationFilter selects organisations; see PersonFilter.
type OrganisationFilter struct {
	Within    string
	Area      string
	Kind      string
	Protected *bool
	After     int64
	Limit     int
}

// Organisation returns one organisation if it lies within the jurisdiction.
func (db *DB) Organisation(ctx context.Context, orgID, within string) (registry.Organisation, error) {
	page, err := db.listOrganisations(ctx, OrganisationFilter{Within: within, Limit: 1}, orgID)
	if err != nil {
		return registry.Organisation{}, err
	}
	if len(page.Items) == 0 {
		return registry.Organisation{}, muster.Errorf(muster.NotFound, "no organisation %s in your jurisdiction", orgID)
	}
	return page.Items[0], nil
}

// ListOrganisations returns organisations matching f, in a stable order.
func (db *DB) ListOrganisations(ctx context.Context, f OrganisationFilter) (Page[registry.Organisation], error) {
	return db.listOrganisations(ctx, f, "")
}

func (db *DB) listOrganisations(ctx context.Context, f OrganisationFilter, orgID string) (Page[registry.Organisation], error) {
	q := `SELECT o.id, o.org_id, o.name, o.kind, a.code, o.protected, o.protected_reason
		FROM organisations o JOIN areas a ON a.id = o.area_id WHERE o.id > ?`
	args := []any{f.After}
	for _, root := range []string{f.Within, f.Area} {
		if root == "" {
			continue
		}
		clause, arg, err := db.withinClause(ctx, "o.area_id", root)
		if err != nil {
			return Page[registry.Organisation]{}, err
		}
		q += " AND " + clause
		args = append(args, arg...)
	}
	if orgID != "" {
		q += ` AND o.org_id = ?`
		args = append(args, orgID)
	}
	if f.Kind != "" {
		q += ` AND o.kind = ?`
		args = append(args, f.Kind)
	}
	if f.Protected != nil {
		q += ` AND o.protected = ?`
		args = append(args, *f.Protected)
	}
	limit := clampLimit(f.Limit)
	q += fmt.Sprintf(` ORDER BY o.id LIMIT %d`, limit+1)
	return queryPage(ctx, db, q, args, limit, func(rows *sql.Rows) (registry.Organisation, int64, error) {
		var o registry.Organisation
		var id int64
		err := rows.Scan(&id, &o.OrgID, &o.Name, &o.Kind, &o.Area, &o.Protected, &o.ProtectedReason)
		return o, id, err
	})
}

// queryPage runs a keyset-paginated query that asked for limit+1 rows.
func queryPage[T any](ctx context.Context, db *DB, q string, args []any, limit int, scan func(*sql.Rows) (T, int64, error)) (Page[T], error) {
	rows, err := db.sql.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return Page[T]{}, err
	}
	defer rows.Close()
	var page Page[T]
	var lastID int64
	for rows.Next() {
		if len(page.Items) == limit {
			page.Next = lastID
			break
		}
		item, id, err := scan(rows)
		if err != nil {
			return Page[T]{}, err
		}
		page.Items = append(page.Items, item)
		lastID = id
	}
	return page, rows.Err()
}

// ExistingOrgIDs returns which of the given org IDs are in the registry.
func (db *DB) ExistingOrgIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	found := make(map[string]bool, len(ids))
	err := db.inChunks(ctx, `SELECT org_id FROM organisations WHERE org_id IN `, args, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		found[id] = true
		return nil
	})
	return found, err
}
