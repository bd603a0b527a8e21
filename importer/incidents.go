package importer

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/incident"
	"github.com/muster-org/muster/registry"
)

// IncidentStore is what importing conflict incidents takes. The tree must
// carry the areas' geometries: incidents without a known place name are
// placed by their coordinates.
type IncidentStore interface {
	AreaTreeWithGeometry(ctx context.Context) (*area.Tree, error)
	UpsertIncidents(ctx context.Context, in []incident.Incident) error
}

// incidentColumns are the ACLED columns muster keeps; the export's other
// columns (year, inter1, source, tags, timestamp...) are read past.
var incidentColumns = []column[incident.Incident]{
	// The key column comes first: duplicates within a file are reported on it.
	{"event_id_cnty", true, func(in *incident.Incident, v string) error { in.ID = v; return nil }},
	{"event_date", true, func(in *incident.Incident, v string) (err error) { in.Date, err = incident.ParseDate(v); return err }},
	{"event_type", true, func(in *incident.Incident, v string) error {
		in.EventType = v
		if t, ok := incident.CanonicalEventType(v); ok {
			in.EventType = t
		}
		return nil
	}},
	{"sub_event_type", false, func(in *incident.Incident, v string) error { in.SubEventType = v; return nil }},
	{"actor1", false, func(in *incident.Incident, v string) error { in.Actor1 = v; return nil }},
	{"admin1", false, func(in *incident.Incident, v string) error { in.Admin1 = v; return nil }},
	{"admin2", false, func(in *incident.Incident, v string) error { in.Admin2 = v; return nil }},
	{"location", false, func(in *incident.Incident, v string) error { in.Location = v; return nil }},
	{"latitude", true, func(in *incident.Incident, v string) (err error) { in.Lat, err = parseFloat(v); return err }},
	{"longitude", true, func(in *incident.Incident, v string) (err error) { in.Lon, err = parseFloat(v); return err }},
	{"notes", false, func(in *incident.Incident, v string) error { in.Notes = v; return nil }},
	{"fatalities", true, func(in *incident.Incident, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		in.Fatalities = n
		return nil
	}},
}

// Incidents imports conflict incidents from an ACLED CSV export, with its
// columns as ACLED names them, in any order; columns muster does not keep
// are ignored. Each incident is placed in an area: by its admin2 then
// admin1 name, else by its coordinates (see incident.Mapper). A row that
// fits no area is a problem like any other bad row. Importing a newer
// export updates the incidents already stored, by event_id_cnty.
func Incidents(ctx context.Context, store IncidentStore, path string, opts Options) (Summary, error) {
	tree, err := store.AreaTreeWithGeometry(ctx)
	if err != nil {
		return Summary{}, err
	}
	columns, err := incidentHeader(path)
	if err != nil {
		return Summary{File: path, Kind: "incidents"}, err
	}
	mapper := incident.NewMapper(tree)
	lastDay := opts.today().UTC().Truncate(24 * time.Hour)
	k := kind[incident.Incident]{
		name:    "incidents",
		columns: columns,
		key:     func(in *incident.Incident) string { return in.ID },
		area:    func(in *incident.Incident) string { return in.Area },
		validate: func(in *incident.Incident) []registry.FieldError {
			errs := in.Validate()
			if in.Date.After(lastDay) {
				errs = append(errs, registry.FieldError{Field: "event_date",
					Message: fmt.Sprintf("%s is after today (%s)", in.Date.Format(time.DateOnly), lastDay.Format(time.DateOnly))})
			}
			if len(errs) > 0 {
				return errs // placing a row that is wrong anyway would only add noise
			}
			code, err := mapper.Map(*in)
			if err != nil {
				return []registry.FieldError{{Field: "admin1", Message: muster.ErrorMessage(err)}}
			}
			in.Area = code
			return nil
		},
		write: store.UpsertIncidents,
	}
	return importCSV(ctx, k, tree, path, opts)
}

// incidentHeader reads the header row and returns the columns to read
// it with: ours, and one that ignores the value for every other name. A
// file without some of the required columns is refused with all of them
// named at once, since an export with the wrong options misses several.
// A header that cannot be read is left to importCSV to report.
func incidentHeader(path string) ([]column[incident.Incident], error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	if err != nil {
		return incidentColumns, nil
	}
	columns := slices.Clone(incidentColumns)
	present := map[string]bool{}
	for _, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		known := slices.ContainsFunc(columns, func(c column[incident.Incident]) bool { return c.name == name })
		if !known {
			columns = append(columns, column[incident.Incident]{name: name, set: func(*incident.Incident, string) error { return nil }})
		}
		present[name] = true
	}
	var missing []string
	for _, c := range incidentColumns {
		if c.required && !present[c.name] {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return nil, muster.Errorf(muster.Invalid, "%s:1: not an ACLED export: required column(s) %s missing", path, strings.Join(missing, ", "))
	}
	return columns, nil
}
