package importer

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// Persons imports persons from a CSV file.
func Persons(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
	tree, err := store.AreaTree(ctx)
	if err != nil {
		return Summary{}, err
	}
	today := opts.today()
	k := kind[registry.Person]{
		name: "persons",
		columns: []column[registry.Person]{
			{"national_id", true, func(p *registry.Person, v string) error { p.NationalID = v; return nil }},
			{"given_name", true, func(p *registry.Person, v string) error { p.GivenName = v; return nil }},
			{"family_name", true, func(p *registry.Person, v string) error { p.FamilyName = v; return nil }},
			{"sex", true, func(p *registry.Person, v string) error { p.Sex = registry.Sex(v); return nil }},
			{"birth_date", true, func(p *registry.Person, v string) (err error) { p.BirthDate, err = registry.ParseDate(v); return err }},
			{"phone", false, func(p *registry.Person, v string) error { p.Phone = v; return nil }},
			{"area", true, func(p *registry.Person, v string) error { p.Area = v; return nil }},
			{"skills", false, func(p *registry.Person, v string) error { p.Skills = registry.ParseSkills(v); return nil }},
			{"status", true, func(p *registry.Person, v string) error { p.Status = registry.Status(v); return nil }},
			{"rank", false, func(p *registry.Person, v string) error { p.Rank = v; return nil }},
			{"language", false, func(p *registry.Person, v string) error { p.Language = v; return nil }},
		},
		key:      func(p *registry.Person) string { return p.NationalID },
		area:     func(p *registry.Person) string { return p.Area },
		validate: func(p *registry.Person) []registry.FieldError { return p.Validate(today) },
		write:    store.UpsertPersons,
	}
	if p, ok := store.(personPreparer); ok {
		k.prepare = p.PreparePersons
	}
	return importCSV(ctx, k, tree, path, opts)
}

// personPreparer is implemented by stores that can seal a batch of persons
// apart from writing it (see sqlstore.DB.PreparePersons).
type personPreparer interface {
	PreparePersons(ctx context.Context, persons []registry.Person) (func(context.Context) error, error)
}

// Organisations imports organisations from a CSV file.
func Organisations(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
	tree, err := store.AreaTree(ctx)
	if err != nil {
		return Summary{}, err
	}
	k := kind[registry.Organisation]{
		name: "organisations",
		columns: []column[registry.Organisation]{
			{"org_id", true, func(o *registry.Organisation, v string) error { o.OrgID = v; return nil }},
			{"name", true, func(o *registry.Organisation, v string) error { o.Name = v; return nil }},
			{"kind", true, func(o *registry.Organisation, v string) error { o.Kind = v; return nil }},
			{"area", true, func(o *registry.Organisation, v string) error { o.Area = v; return nil }},
			{"protected", false, func(o *registry.Organisation, v string) (err error) {
				o.Protected, err = registry.ParseBool(v)
				return err
			}},
			{"protected_reason", false, func(o *registry.Organisation, v string) error { o.ProtectedReason = v; return nil }},
		},
		key:      func(o *registry.Organisation) string { return o.OrgID },
		area:     func(o *registry.Organisation) string { return o.Area },
		validate: func(o *registry.Organisation) []registry.FieldError { return o.Validate() },
		write:    store.UpsertOrganisations,
	}
	return importCSV(ctx, k, tree, path, opts)
}

// Resources imports resources from a CSV file. Owners must already be in
// the registry.
func Resources(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
	tree, err := store.AreaTree(ctx)
	if err != nil {
		return Summary{}, err
	}
	k := kind[registry.Resource]{
		name: "resources",
		columns: []column[registry.Resource]{
			{"resource_id", true, func(r *registry.Resource, v string) error { r.ResourceID = v; return nil }},
			{"owner", true, func(r *registry.Resource, v string) (err error) { r.Owner, err = registry.ParseOwner(v); return err }},
			{"type", true, func(r *registry.Resource, v string) error { r.Type = v; return nil }},
			{"quantity", true, func(r *registry.Resource, v string) (err error) { r.Quantity, err = parseFloat(v); return err }},
			{"unit", true, func(r *registry.Resource, v string) error { r.Unit = v; return nil }},
			{"area", true, func(r *registry.Resource, v string) error { r.Area = v; return nil }},
			{"latitude", false, func(r *registry.Resource, v string) error { return setCoordinate(r, v, true) }},
			{"longitude", false, func(r *registry.Resource, v string) error { return setCoordinate(r, v, false) }},
			{"condition", false, func(r *registry.Resource, v string) error { r.Condition = v; return nil }},
			{"declared_value_xof", false, func(r *registry.Resource, v string) (err error) { r.DeclaredValueXOF, err = parseInt(v); return err }},
		},
		key:  func(r *registry.Resource) string { return r.ResourceID },
		area: func(r *registry.Resource) string { return r.Area },
		validate: func(r *registry.Resource) []registry.FieldError {
			if r.Location != nil && (math.IsNaN(r.Location.Lat) || math.IsNaN(r.Location.Lon)) {
				field := "longitude"
				if math.IsNaN(r.Location.Lat) {
					field = "latitude"
				}
				c := *r
				c.Location = nil
				return append(c.Validate(), registry.FieldError{Field: field, Message: "is missing: latitude and longitude go together"})
			}
			return r.Validate()
		},
		check: func(ctx context.Context, rows []row[registry.Resource]) (map[int][]Problem, error) {
			return checkOwners(ctx, store, path, rows)
		},
		write: store.UpsertResources,
	}
	return importCSV(ctx, k, tree, path, opts)
}

// setCoordinate fills one half of a location; the other half stays NaN
// until its column is read, so that a lone latitude is caught.
func setCoordinate(r *registry.Resource, v string, lat bool) error {
	f, err := parseFloat(v)
	if err != nil {
		return err
	}
	if r.Location == nil {
		nan := math.NaN()
		r.Location = &area.Point{Lat: nan, Lon: nan}
	}
	if lat {
		r.Location.Lat = f
	} else {
		r.Location.Lon = f
	}
	return nil
}

// checkOwners finds the rows whose owner is not in the registry.
func checkOwners(ctx context.Context, store ownerLookup, path string, rows []row[registry.Resource]) (map[int][]Problem, error) {
	owners := make([]registry.Owner, len(rows))
	for i, rw := range rows {
		owners[i] = rw.rec.Owner
	}
	known, err := knownOwners(ctx, store, owners)
	if err != nil {
		return nil, err
	}
	problems := map[int][]Problem{}
	for i, rw := range rows {
		if o := rw.rec.Owner; !known[o] {
			what := map[registry.OwnerKind]string{registry.OwnerPerson: "person", registry.OwnerOrganisation: "organisation"}[o.Kind]
			problems[i] = append(problems[i], Problem{File: path, Line: rw.line, Column: "owner",
				Message: fmt.Sprintf("unknown owner %s: import the %s first", o, what)})
		}
	}
	return problems, nil
}

// ownerLookup is what finding owners in the registry needs.
type ownerLookup interface {
	ExistingNationalIDs(ctx context.Context, ids []string) (map[string]bool, error)
	ExistingOrgIDs(ctx context.Context, ids []string) (map[string]bool, error)
}

// knownOwners tells which owners are in the registry, with one query per
// kind of owner for the whole batch.
func knownOwners(ctx context.Context, store ownerLookup, owners []registry.Owner) (map[registry.Owner]bool, error) {
	var nids, orgs []string
	for _, o := range owners {
		if o.Kind == registry.OwnerPerson {
			nids = append(nids, o.ID)
		} else {
			orgs = append(orgs, o.ID)
		}
	}
	persons, err := store.ExistingNationalIDs(ctx, nids)
	if err != nil {
		return nil, err
	}
	organisations, err := store.ExistingOrgIDs(ctx, orgs)
	if err != nil {
		return nil, err
	}
	known := make(map[registry.Owner]bool, len(owners))
	for _, o := range owners {
		known[o] = (o.Kind == registry.OwnerPerson && persons[o.ID]) || (o.Kind == registry.OwnerOrganisation && organisations[o.ID])
	}
	return known, nil
}

func parseFloat(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", v)
	}
	return f, nil
}

func parseInt(v string) (int64, error) {
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", v)
	}
	return i, nil
}
