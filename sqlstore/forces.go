package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// ForceTarget is the strength a force or unit must reach: a national
// army's 50,000, a contribution to a joint force. Base is the strength it
// has apart from muster's call-ups, as its command declares it.
type ForceTarget struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Scope     string    `json:"scope"` // the area whose campaigns may fill it
	Target    int64     `json:"target"`
	Base      int64     `json:"base"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ForceStatus is a force target with what campaigns brought: persons who
// answered their call-up (acknowledged or reported), persons called whose
// answer is pending, and the shortfall still to fill.
type ForceStatus struct {
	ForceTarget
	Reported  int64 `json:"reported"`  // call-ups acknowledged, fulfilled or beyond
	Pending   int64 `json:"pending"`   // call-ups drafted to notified, or waiting on a claim
	Strength  int64 `json:"strength"`  // Base + Reported
	Shortfall int64 `json:"shortfall"` // Target − Strength − Pending, never below zero
}

// reportedStates are the states of a call-up whose addressee answered it;
// pendingStates those still on their way.
var (
	reportedStates = []order.State{order.StateAcknowledged, order.StateFulfilled, order.StateReturned, order.StateReleased,
		order.StateCompensated, order.StateClosed, order.StateClaimRejected, order.StateDismissed}
	pendingStates = []order.State{order.StateDraft, order.StateApproved, order.StateIssued, order.StateNotified,
		order.StateClaimed, order.StateAppealed, order.StateDeferred}
)

// SetForceTarget creates or updates a force target.
func (db *DB) SetForceTarget(ctx context.Context, f ForceTarget) (ForceTarget, error) {
	if !registry.ValidID(f.Code) {
		return f, muster.Errorf(muster.Invalid, "code: %q is not a valid identifier (2 to 40 letters, digits, '.', '-', '_')", f.Code)
	}
	if strings.TrimSpace(f.Name) == "" || len(f.Name) > 200 {
		return f, muster.Errorf(muster.Invalid, "name: 1 to 200 characters")
	}
	if f.Target <= 0 || f.Base < 0 {
		return f, muster.Errorf(muster.Invalid, "target must be above 0 and strength not below 0 (target %d, strength %d)", f.Target, f.Base)
	}
	if _, err := db.areaID(ctx, f.Scope); err != nil {
		return f, muster.Wrap(muster.Invalid, err, "scope")
	}
	f.UpdatedAt = db.now().UTC()
	err := db.inTx(ctx, func(tx *dbTx) error {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE force_targets SET name = ?, scope = ?, target = ?, base = ?, updated_by = ?,
			updated_at = ? WHERE code = ?`), f.Name, f.Scope, f.Target, f.Base, f.UpdatedBy, f.UpdatedAt, f.Code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO force_targets (code, name, scope, target, base, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), f.Code, f.Name, f.Scope, f.Target, f.Base, f.UpdatedBy, f.UpdatedAt)
		return err
	})
	return f, err
}

func (db *DB) forceTarget(ctx context.Context, code string) (ForceTarget, error) {
	var f ForceTarget
	err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT code, name, scope, target, base, updated_by, updated_at FROM force_targets WHERE code = ?`),
		code).Scan(&f.Code, &f.Name, &f.Scope, &f.Target, &f.Base, &f.UpdatedBy, &f.UpdatedAt)
	if err != nil {
		return f, notFound(err, "no force target %s", code)
	}
	f.UpdatedAt = f.UpdatedAt.UTC()
	return f, nil
}

// ForceTargets returns every force target whose scope lies within the
// jurisdiction ("" for all), with the call-ups its campaigns issued.
func (db *DB) ForceTargets(ctx context.Context, within string) ([]ForceStatus, error) {
	tree, err := db.AreaTree(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT code, name, scope, target, base, updated_by, updated_at FROM force_targets ORDER BY code`)
	if err != nil {
		return nil, err
	}
	var out []ForceStatus
	index := map[string]int{}
	for rows.Next() {
		var f ForceStatus
		if err := rows.Scan(&f.Code, &f.Name, &f.Scope, &f.Target, &f.Base, &f.UpdatedBy, &f.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		if within != "" && !tree.Within(f.Scope, within) {
			continue
		}
		f.UpdatedAt = f.UpdatedAt.UTC()
		index[f.Code] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts, err := db.sql.QueryContext(ctx, `SELECT c.force, o.state, count(*) FROM orders o JOIN campaigns c ON c.id = o.batch
		WHERE c.force <> '' AND o.kind = 'call_up' GROUP BY c.force, o.state`)
	if err != nil {
		return nil, err
	}
	defer counts.Close()
	for counts.Next() {
		var force, state string
		var n int64
		if err := counts.Scan(&force, &state, &n); err != nil {
			return nil, err
		}
		i, ok := index[force]
		if !ok {
			continue
		}
		switch {
		case slices.Contains(reportedStates, order.State(state)):
			out[i].Reported += n
		case slices.Contains(pendingStates, order.State(state)):
			out[i].Pending += n
		}
	}
	for i := range out {
		f := &out[i]
		f.Strength = f.Base + f.Reported
		f.Shortfall = max(0, f.Target-f.Strength-f.Pending)
	}
	return out, counts.Err()
}
