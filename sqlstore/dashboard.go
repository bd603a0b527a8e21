package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
)

// RegionFigures is the state of the mobilization in one area, summed over
// its subtree: what officers look at first.
type RegionFigures struct {
	Area string `json:"area"`
	Name string `json:"name"`

	NeedsOpen   int `json:"needs_open"`
	NeedsFilled int `json:"needs_filled"`
	// FillRate is the mean, over the area's needs that are not cancelled,
	// of each need's share covered: the quantity of its accepted or
	// drafted proposal lines (need.Need.Filled, which accepting a line
	// raises and drafting keeps) over the quantity needed, capped at 1.
	// Each need weighs the same: summing litres of diesel with trucks
	// would let one fuel need hide every other. NaN when there is no need.
	FillRate float64 `json:"fill_rate"`

	Orders map[order.State]int `json:"orders"` // by state, every order addressed in the area
	// Overdue counts the answers overdue: orders issued or notified, so
	// neither acknowledged nor claimed nor appealed, whose deadline has
	// passed. Unlike order.Overdue it counts an issued order that was
	// never notified, which is the one an officer must chase first.
	Overdue int `json:"overdue"`
	Claims  int `json:"claims"`  // orders claimed, awaiting the review board
	Appeals int `json:"appeals"` // orders appealed, awaiting the review board

	shares    float64 // sum of the needs' covered shares
	needsLive int     // needs not cancelled
}

// Dashboard is the state of the mobilization within a jurisdiction: one
// row per region (the children of the jurisdiction's area, or the area
// itself when it has none) and the total, which also counts what is
// filed on the jurisdiction's area itself.
type Dashboard struct {
	Within  RegionFigures   `json:"total"`
	Regions []RegionFigures `json:"regions"`
}

// overdueStates are the states of an order whose addressee has not
// answered yet.
var overdueStates = []order.State{order.StateIssued, order.StateNotified}

// Dashboard sums the needs and orders within the jurisdiction by region,
// with two grouped queries: their size follows the number of areas, not
// of records. now decides which deadlines have passed.
func (db *DB) Dashboard(ctx context.Context, within string, now time.Time) (Dashboard, error) {
	tree, err := db.AreaTree(ctx)
	if err != nil {
		return Dashboard{}, err
	}
	root, ok := tree.Get(within)
	if !ok {
		return Dashboard{}, notFound(sql.ErrNoRows, "no area %s", within)
	}
	d := Dashboard{Within: newFigures(root)}
	for _, a := range tree.Areas() {
		if a.Parent == within {
			d.Regions = append(d.Regions, newFigures(a))
		}
	}
	if len(d.Regions) == 0 {
		d.Regions = append(d.Regions, newFigures(root))
	}
	index := map[string]int{}
	for i, r := range d.Regions {
		index[r.Area] = i
	}
	// regionOf finds the row an area's records count in, memoized: the
	// region whose subtree holds it, or -1 for the jurisdiction's own area.
	memo := map[string]int{}
	regionOf := func(code string) int {
		if i, ok := memo[code]; ok {
			return i
		}
		i := -1
		for c := code; c != ""; {
			if j, ok := index[c]; ok {
				i = j
				break
			}
			a, _ := tree.Get(c)
			c = a.Parent
		}
		memo[code] = i
		return i
	}
	// each applies fn to the total and to the region of code; when the
	// jurisdiction is its own only region, its row is the total, copied at
	// the end.
	each := func(code string, fn func(f *RegionFigures)) {
		fn(&d.Within)
		if i := regionOf(code); i >= 0 && d.Regions[i].Area != within {
			fn(&d.Regions[i])
		}
	}
	if err := db.dashboardNeeds(ctx, within, each); err != nil {
		return Dashboard{}, err
	}
	if err := db.dashboardOrders(ctx, within, now, each); err != nil {
		return Dashboard{}, err
	}
	finish := func(f *RegionFigures) {
		f.FillRate = math.NaN()
		if f.needsLive > 0 {
			f.FillRate = f.shares / float64(f.needsLive)
		}
	}
	finish(&d.Within)
	for i := range d.Regions {
		if d.Regions[i].Area == within {
			d.Regions[i] = d.Within
			continue
		}
		finish(&d.Regions[i])
	}
	return d, nil
}

func newFigures(a area.Area) RegionFigures {
	return RegionFigures{Area: a.Code, Name: a.Name, Orders: map[order.State]int{}}
}

func (db *DB) dashboardNeeds(ctx context.Context, within string, each func(string, func(*RegionFigures))) error {
	clause, args, err := db.withinClause(ctx, "n.area_id", within)
	if err != nil {
		return err
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT a.code, n.state, COUNT(*),
		SUM(CASE WHEN n.filled >= n.quantity THEN 1.0 ELSE n.filled / n.quantity END)
		FROM needs n JOIN areas a ON a.id = n.area_id WHERE `+clause+` GROUP BY a.code, n.state`), args...)
	if err != nil {
		return fmt.Errorf("dashboard needs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, state string
		var n int
		var shares float64
		if err := rows.Scan(&code, &state, &n, &shares); err != nil {
			return err
		}
		each(code, func(f *RegionFigures) {
			switch need.State(state) {
			case need.Open:
				f.NeedsOpen += n
			case need.Filled:
				f.NeedsFilled += n
			case need.Cancelled:
				return
			}
			f.needsLive += n
			f.shares += shares
		})
	}
	return rows.Err()
}

func (db *DB) dashboardOrders(ctx context.Context, within string, now time.Time, each func(string, func(*RegionFigures))) error {
	clause, args, err := db.withinClause(ctx, "o.area_id", within)
	if err != nil {
		return err
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT a.code, o.state, COUNT(*), SUM(CASE WHEN o.deadline < ? THEN 1 ELSE 0 END)
		FROM orders o JOIN areas a ON a.id = o.area_id WHERE `+clause+` GROUP BY a.code, o.state`), append([]any{now.UTC()}, args...)...)
	if err != nil {
		return fmt.Errorf("dashboard orders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, state string
		var n, late int
		if err := rows.Scan(&code, &state, &n, &late); err != nil {
			return err
		}
		s := order.State(state)
		each(code, func(f *RegionFigures) {
			f.Orders[s] += n
			if slices.Contains(overdueStates, s) {
				f.Overdue += late
			}
			switch s {
			case order.StateClaimed:
				f.Claims += n
			case order.StateAppealed:
				f.Appeals += n
			}
		})
	}
	return rows.Err()
}
