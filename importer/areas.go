package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

// maxAreaFile bounds an area file: every area of a country with its
// boundaries fits well under it, and areas are read whole.
const maxAreaFile = 512 << 20

var areaColumns = []column[area.Area]{
	{"code", true, func(a *area.Area, v string) error { a.Code = v; return nil }},
	{"name", true, func(a *area.Area, v string) error { a.Name = v; return nil }},
	{"level", true, func(a *area.Area, v string) error { a.Level = v; return nil }},
	{"parent", false, func(a *area.Area, v string) error { a.Parent = v; return nil }},
	{"latitude", false, func(a *area.Area, v string) error { return setLabel(a, v, true) }},
	{"longitude", false, func(a *area.Area, v string) error { return setLabel(a, v, false) }},
	{"population", false, func(a *area.Area, v string) (err error) { a.Population, err = parseInt(v); return err }},
	{"geometry", false, func(a *area.Area, v string) error { a.Geometry = json.RawMessage(v); return nil }},
}

func setLabel(a *area.Area, v string, lat bool) error {
	f, err := parseFloat(v)
	if err != nil {
		return err
	}
	if a.Label == nil {
		a.Label = &area.Point{Lat: math.NaN(), Lon: math.NaN()}
	}
	if lat {
		a.Label.Lat = f
	} else {
		a.Label.Lon = f
	}
	return nil
}

type areaRow struct {
	where    Problem // file and line or feature, for messages
	area     area.Area
	problems []Problem // found while parsing
}

// Areas imports administrative areas from a CSV file (columns code, name,
// level, parent, latitude, longitude, population, geometry) or a GeoJSON
// FeatureCollection (the same names as feature properties, the feature's
// geometry as the area's). A row without a parent takes the one its HASC
// code implies ("NE.DS.D01" → "NE.DS") when that area exists. Areas are
// written in one transaction.
func Areas(ctx context.Context, store Store, path string, opts Options) (Summary, error) {
	sum := Summary{File: path, Kind: "areas", DryRun: opts.DryRun, Strict: opts.Strict}
	// Areas are few: every problem is held, then all are reported in file
	// order and each rejected row is counted once.
	var problems []Problem
	reject := func(p Problem) { problems = append(problems, p) }
	var rows []areaRow
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".geojson", ".json":
		rows, err = readAreaGeoJSON(path)
	default:
		rows, err = readAreaCSV(path, reject)
	}
	if err != nil {
		return sum, err
	}
	tree, err := store.AreaTree(ctx)
	if err != nil {
		return sum, err
	}
	good := resolveAreas(rows, tree, reject)
	slices.SortStableFunc(problems, func(a, b Problem) int { return a.Line + a.Feature - b.Line - b.Feature })
	rejectedAt := map[int]bool{}
	for _, p := range problems {
		rejectedAt[p.Line+p.Feature] = true
		if opts.Reject != nil {
			opts.Reject(p)
		}
	}
	sum.Rejected = len(rejectedAt)
	sum.Valid = len(good)
	if opts.DryRun || (opts.Strict && sum.Rejected > 0) || len(good) == 0 {
		return sum, nil
	}
	if err := store.SaveAreas(ctx, good); err != nil {
		return sum, fmt.Errorf("%s: %w", path, err)
	}
	sum.Imported = len(good)
	return sum, nil
}

// resolveAreas validates rows, then keeps those whose parent is known or
// kept, rejecting the rest (and, in turn, their children).
func resolveAreas(rows []areaRow, tree *area.Tree, reject func(Problem)) []area.Area {
	byCode := map[string]int{}
	ok := make([]bool, len(rows))
	for i := range rows {
		r := &rows[i]
		problems := r.problems
		checked := r.area
		if l := checked.Label; l != nil && (math.IsNaN(l.Lat) || math.IsNaN(l.Lon)) {
			problems = merge(problems, []Problem{r.problem("latitude", "latitude and longitude go together: give both or neither")})
			checked.Label = nil
		}
		var validated []Problem
		for _, fe := range checked.Validate() {
			validated = append(validated, r.problem(fe.Field, fe.Message))
		}
		problems = merge(problems, validated)
		if first, dup := byCode[r.area.Code]; dup && len(problems) == 0 {
			problems = append(problems, r.problem("code", fmt.Sprintf("%q appears twice in the file (first at %s)", r.area.Code, rows[first].where.position())))
		}
		if len(problems) > 0 {
			for _, p := range problems {
				reject(p)
			}
			continue
		}
		byCode[r.area.Code] = i
		ok[i] = true
	}
	for i := range rows {
		a := &rows[i].area
		if ok[i] && a.Parent == "" {
			if p := area.HASCParent(a.Code); p != "" {
				if _, inTree := tree.Get(p); inTree {
					a.Parent = p
				} else if _, inFile := byCode[p]; inFile {
					a.Parent = p
				}
			}
		}
	}
	// Settle parents: a row is good when its parent is stored or good.
	const (
		unknown int8 = iota
		visiting
		good
		bad
	)
	state := make([]int8, len(rows))
	var settle func(i int) bool
	settle = func(i int) bool {
		switch state[i] {
		case good:
			return true
		case bad:
			return false
		case visiting:
			return false // a cycle: the row that closes it reports it
		}
		state[i] = visiting
		r := &rows[i]
		parent := r.area.Parent
		var problem string
		switch j, inFile := byCode[parent]; {
		case parent == "":
		case inFile && state[j] == visiting:
			problem = fmt.Sprintf("area %s would be its own ancestor", r.area.Code)
		case inFile && (!ok[j] || !settle(j)):
			problem = fmt.Sprintf("parent %s was rejected", parent)
		case !inFile:
			if _, inTree := tree.Get(parent); !inTree {
				problem = fmt.Sprintf("unknown area %q", parent)
			}
		}
		if problem != "" {
			reject(r.problem("parent", problem))
			state[i] = bad
			return false
		}
		state[i] = good
		return true
	}
	var out []area.Area
	for i := range rows {
		if ok[i] && settle(i) {
			out = append(out, rows[i].area)
		}
	}
	return out
}

func (r *areaRow) problem(column, msg string) Problem {
	p := r.where
	p.Column, p.Message = column, msg
	return p
}

func (p Problem) position() string {
	if p.Line > 0 {
		return "line " + strconv.Itoa(p.Line)
	}
	return "feature " + strconv.Itoa(p.Feature)
}

func readAreaCSV(path string, reject func(Problem)) ([]areaRow, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(io.LimitReader(f, maxAreaFile))
	header, err := r.Read()
	if err != nil {
		return nil, muster.Errorf(muster.Invalid, "%s:1: cannot read the header row: %v", path, err)
	}
	k := kind[area.Area]{name: "areas", columns: areaColumns}
	setters, err := mapHeader(k, header, path)
	if err != nil {
		return nil, err
	}
	var rows []areaRow
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			reject(Problem{File: path, Line: pe.StartLine, Message: csvMessage(pe, len(header))})
			continue
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		var a area.Area
		ps := parseRecord(k, setters, record, &a, path, line)
		rows = append(rows, areaRow{where: Problem{File: path, Line: line}, area: a, problems: ps})
	}
	return rows, nil
}

func readAreaGeoJSON(path string) ([]areaRow, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.NewDecoder(io.LimitReader(f, maxAreaFile)).Decode(&fc); err != nil {
		return nil, muster.Errorf(muster.Invalid, "%s: not GeoJSON: %v", path, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, muster.Errorf(muster.Invalid, "%s: GeoJSON type is %q, want FeatureCollection", path, fc.Type)
	}
	rows := make([]areaRow, 0, len(fc.Features))
	for i, ft := range fc.Features {
		where := Problem{File: path, Feature: i + 1}
		a := area.Area{}
		str := func(k string) string {
			if v, ok := ft.Properties[k].(string); ok {
				return strings.TrimSpace(v)
			}
			return ""
		}
		a.Code, a.Name, a.Level, a.Parent = str("code"), str("name"), str("level"), str("parent")
		if v, ok := ft.Properties["population"].(float64); ok {
			a.Population = int64(v)
		}
		lat, hasLat := ft.Properties["latitude"].(float64)
		lon, hasLon := ft.Properties["longitude"].(float64)
		if hasLat || hasLon {
			a.Label = &area.Point{Lat: math.NaN(), Lon: math.NaN()}
			if hasLat {
				a.Label.Lat = lat
			}
			if hasLon {
				a.Label.Lon = lon
			}
		}
		if len(ft.Geometry) > 0 && string(ft.Geometry) != "null" {
			a.Geometry = ft.Geometry
		}
		rows = append(rows, areaRow{where: where, area: a})
	}
	return rows, nil
}
