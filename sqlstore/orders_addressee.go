package sqlstore

import (
	"context"
	"fmt"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

// AddresseeOrders returns the orders addressed to owner (a person by
// national ID, or an organisation), newest first, at most limit, if they
// lie within the jurisdiction ("" for all).
func (db *DB) AddresseeOrders(ctx context.Context, owner registry.Owner, within string, limit int) ([]IssuedOrder, error) {
	query := `SELECT ` + orderColumns + orderFrom + ` WHERE `
	var args []any
	switch owner.Kind {
	case registry.OwnerPerson:
		query += `o.addressee_person_id = (SELECT id FROM persons WHERE nid_index = ?)`
		args = append(args, db.NationalIDIndex(owner.ID))
	case registry.OwnerOrganisation:
		query += `o.addressee_org_id = (SELECT id FROM organisations WHERE org_id = ?)`
		args = append(args, owner.ID)
	default:
		return nil, muster.Errorf(muster.Invalid, "addressee: %q is neither a person nor an organisation", owner.Kind)
	}
	if within != "" {
		clause, arg, err := db.withinClause(ctx, "o.area_id", within)
		if err != nil {
			return nil, err
		}
		query += " AND " + clause
		args = append(args, arg...)
	}
	query += fmt.Sprintf(` ORDER BY o.created_at DESC, o.id DESC LIMIT %d`, clampLimit(limit))
	return db.queryOrders(ctx, "orders of an addressee", query, args)
}
