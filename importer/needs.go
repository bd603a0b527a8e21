package importer

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/registry"
)

// NeedStore is what importing needs takes.
type NeedStore interface {
	AreaTree(ctx context.Context) (*area.Tree, error)
	FileNeedsWithin(ctx context.Context, needs []need.Need, by, within string) ([]need.Need, error)
}

// Needs imports needs from a CSV file, filed by one user whose
// jurisdiction is within (every row's area must lie in it). Columns:
// need_id, unit, type or skill, quantity, area, latitude and longitude
// (optional, together), deadline (RFC 3339, YYYY-MM-DDTHH:MM or
// YYYY-MM-DD, UTC), priority (1 to 5), justification, legal_basis.
// need_id is the unit's own reference: importing the file again corrects
// the needs that are still open and untouched.
func Needs(ctx context.Context, store NeedStore, path, by, within string, opts Options) (Summary, error) {
	tree, err := store.AreaTree(ctx)
	if err != nil {
		return Summary{}, err
	}
	k := kind[need.Need]{
		name: "needs",
		columns: []column[need.Need]{
			{"need_id", true, func(n *need.Need, v string) error { n.ID = v; return nil }},
			{"unit", true, func(n *need.Need, v string) error { n.Unit = v; return nil }},
			{"type", false, func(n *need.Need, v string) error { n.Type = v; return nil }},
			{"skill", false, func(n *need.Need, v string) error { n.Skill = v; return nil }},
			{"quantity", true, func(n *need.Need, v string) (err error) { n.Quantity, err = parseFloat(v); return err }},
			{"area", true, func(n *need.Need, v string) error { n.Area = v; return nil }},
			{"latitude", false, func(n *need.Need, v string) error { return setNeedCoordinate(n, v, true) }},
			{"longitude", false, func(n *need.Need, v string) error { return setNeedCoordinate(n, v, false) }},
			{"deadline", true, func(n *need.Need, v string) (err error) { n.Deadline, err = parseTime(v); return err }},
			{"priority", true, func(n *need.Need, v string) (err error) { n.Priority, err = parsePriority(v); return err }},
			{"justification", true, func(n *need.Need, v string) error { n.Justification = v; return nil }},
			{"legal_basis", true, func(n *need.Need, v string) error { n.LegalBasis = v; return nil }},
		},
		key:  func(n *need.Need) string { return n.ID },
		area: func(n *need.Need) string { return n.Area },
		validate: func(n *need.Need) []registry.FieldError {
			c := *n
			var errs []registry.FieldError
			if c.Point != nil && (math.IsNaN(c.Point.Lat) || math.IsNaN(c.Point.Lon)) {
				field := "longitude"
				if math.IsNaN(c.Point.Lat) {
					field = "latitude"
				}
				c.Point = nil
				errs = append(errs, registry.FieldError{Field: field, Message: "is missing: latitude and longitude go together"})
			}
			c.CreatedAt = opts.today()
			errs = append(c.Validate(), errs...)
			if within != "" && c.Area != "" {
				if _, ok := tree.Get(c.Area); ok && !tree.Within(c.Area, within) {
					errs = append(errs, registry.FieldError{Field: "area", Message: fmt.Sprintf("%s is outside your jurisdiction %s", c.Area, within)})
				}
			}
			return errs
		},
		write: func(ctx context.Context, needs []need.Need) error {
			_, err := store.FileNeedsWithin(ctx, needs, by, within)
			return err
		},
	}
	return importCSV(ctx, k, tree, path, opts)
}

func setNeedCoordinate(n *need.Need, v string, lat bool) error {
	f, err := parseFloat(v)
	if err != nil {
		return err
	}
	if n.Point == nil {
		nan := math.NaN()
		n.Point = &area.Point{Lat: nan, Lon: nan}
	}
	if lat {
		n.Point.Lat = f
	} else {
		n.Point.Lon = f
	}
	return nil
}

func parsePriority(v string) (int, error) {
	p, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number from %d to %d", v, need.MinPriority, need.MaxPriority)
	}
	return p, nil
}
