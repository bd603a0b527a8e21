package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// OrderStore is what importing draft orders needs.
type OrderStore interface {
	AreaTree(ctx context.Context) (*area.Tree, error)
	ownerLookup
	DraftOrders(ctx context.Context, drafts []order.Order, by order.Actor) ([]order.Order, error)
}

// orderBatchSize keeps a batch of drafts, their events and their log
// leaves in one modest transaction.
const orderBatchSize = 5000

// Orders imports draft orders from a CSV file, drafted by one officer.
// Columns: kind, addressee (person:ID or org:ID), items ("type:quantity[:unit]"
// separated by ';'), place, place_area, deadline (RFC 3339 or
// YYYY-MM-DDTHH:MM, UTC), legal_basis, authority, reason.
func Orders(ctx context.Context, store OrderStore, path string, by order.Actor, opts Options) (Summary, error) {
	tree, err := store.AreaTree(ctx)
	if err != nil {
		return Summary{}, err
	}
	if opts.BatchSize <= 0 || opts.BatchSize > orderBatchSize {
		opts.BatchSize = orderBatchSize
	}
	k := kind[order.Order]{
		name: "orders",
		columns: []column[order.Order]{
			{"kind", true, func(o *order.Order, v string) (err error) { o.Kind, err = order.ParseKind(v); return err }},
			{"addressee", true, func(o *order.Order, v string) (err error) { o.Addressee, err = registry.ParseOwner(v); return err }},
			{"items", false, func(o *order.Order, v string) (err error) { o.Items, err = parseItems(v); return err }},
			{"place", true, func(o *order.Order, v string) error { o.Place.Text = v; return nil }},
			{"place_area", false, func(o *order.Order, v string) error { o.Place.Area = v; return nil }},
			{"deadline", true, func(o *order.Order, v string) (err error) { o.Deadline, err = parseTime(v); return err }},
			{"legal_basis", true, func(o *order.Order, v string) error { o.LegalBasis = v; return nil }},
			{"authority", true, func(o *order.Order, v string) error { o.Authority = v; return nil }},
			{"reason", true, func(o *order.Order, v string) error { o.Reason = v; return nil }},
		},
		// Every row is a new order: there is no natural key to repeat.
		key:  func(*order.Order) string { return "" },
		area: func(o *order.Order) string { return o.Place.Area },
		validate: func(o *order.Order) []registry.FieldError {
			if o.Kind == "" {
				return nil // its column is reported; the rules depend on the kind
			}
			c := *o
			c.CreatedAt = time.Now()
			return c.Validate()
		},
		check: func(ctx context.Context, rows []row[order.Order]) (map[int][]Problem, error) {
			return checkAddressees(ctx, store, path, rows)
		},
		write: func(ctx context.Context, drafts []order.Order) error {
			_, err := store.DraftOrders(ctx, drafts, by)
			return err
		},
	}
	return importCSV(ctx, k, tree, path, opts)
}

func checkAddressees(ctx context.Context, store ownerLookup, path string, rows []row[order.Order]) (map[int][]Problem, error) {
	owners := make([]registry.Owner, len(rows))
	for i, rw := range rows {
		owners[i] = rw.rec.Addressee
	}
	known, err := knownOwners(ctx, store, owners)
	if err != nil {
		return nil, err
	}
	problems := map[int][]Problem{}
	for i, rw := range rows {
		if a := rw.rec.Addressee; !known[a] {
			problems[i] = append(problems[i], Problem{File: path, Line: rw.line, Column: "addressee", Message: fmt.Sprintf("%s is not in the registry", a)})
		}
	}
	return problems, nil
}

// parseItems reads "type:quantity[:unit]" items separated by ';'.
func parseItems(s string) ([]order.Item, error) {
	var items []order.Item
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, ":")
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("%q is not type:quantity[:unit]", part)
		}
		q, err := parseFloat(f[1])
		if err != nil {
			return nil, fmt.Errorf("%q: %v", part, err)
		}
		it := order.Item{Type: f[0], Quantity: q}
		if len(f) == 3 {
			it.Unit = f[2]
		}
		items = append(items, it)
	}
	return items, nil
}

func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (RFC 3339, YYYY-MM-DDTHH:MM or YYYY-MM-DD, UTC)", v)
}
