package sqlstore

import (
	"context"
	"fmt"
)

// ProposalsWithin returns the newest proposals whose scope lies in the
// jurisdiction within (an area and its subtree), newest first: what an
// officer of that jurisdiction may review. A proposal's scope is an area
// code, so the jurisdiction is matched on the areas' paths in the query
// rather than by reading every proposal of the country.
func (db *DB) ProposalsWithin(ctx context.Context, within string, limit int) ([]StoredProposal, error) {
	var path string
	if err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT path FROM areas WHERE code = ?`), within).Scan(&path); err != nil {
		return nil, notFound(err, "no area %s", within)
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(fmt.Sprintf(`SELECT id, created_by, created_at, scope, policy_version, policy_hash,
		state, total_cost, needs, candidates FROM proposals
		WHERE scope IN (SELECT code FROM areas WHERE substr(path, 1, ?) = ?)
		ORDER BY created_at DESC, id DESC LIMIT %d`, clampLimit(limit))), len(path), path)
	if err != nil {
		return nil, fmt.Errorf("proposals within %s: %w", within, err)
	}
	defer rows.Close()
	var out []StoredProposal
	for rows.Next() {
		var sp StoredProposal
		if err := rows.Scan(&sp.ID, &sp.CreatedBy, &sp.CreatedAt, &sp.Scope, &sp.PolicyVersion, &sp.PolicyHash, &sp.State,
			&sp.TotalCost, &sp.Needs, &sp.Candidates); err != nil {
			return nil, err
		}
		sp.CreatedAt = sp.CreatedAt.UTC()
		out = append(out, sp)
	}
	return out, rows.Err()
}
