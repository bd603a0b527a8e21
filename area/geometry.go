package area

import (
	"encoding/json"
	"fmt"
)

// ValidateGeometry checks that raw is a GeoJSON Polygon or MultiPolygon
// whose positions are in range. Other geometry types are refused: an area
// is a surface.
func ValidateGeometry(raw json.RawMessage) error {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return fmt.Errorf("not a GeoJSON geometry: %v", err)
	}
	switch g.Type {
	case "Polygon":
		var rings [][][]float64
		if err := json.Unmarshal(g.Coordinates, &rings); err != nil {
			return fmt.Errorf("bad Polygon coordinates: %v", err)
		}
		return validateRings(rings)
	case "MultiPolygon":
		var polys [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return fmt.Errorf("bad MultiPolygon coordinates: %v", err)
		}
		for _, rings := range polys {
			if err := validateRings(rings); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("geometry type %q is not Polygon or MultiPolygon", g.Type)
	}
}

func validateRings(rings [][][]float64) error {
	if len(rings) == 0 {
		return fmt.Errorf("polygon has no ring")
	}
	for _, ring := range rings {
		if len(ring) < 4 {
			return fmt.Errorf("ring has %d positions, a closed ring needs at least 4", len(ring))
		}
		for _, pos := range ring {
			if len(pos) < 2 {
				return fmt.Errorf("position has %d numbers, needs longitude and latitude", len(pos))
			}
			if err := (Point{Lat: pos[1], Lon: pos[0]}).Validate(); err != nil {
				return err
			}
		}
		first, last := ring[0], ring[len(ring)-1]
		if first[0] != last[0] || first[1] != last[1] {
			return fmt.Errorf("ring is not closed")
		}
	}
	return nil
}

// Contains reports whether p lies inside the GeoJSON Polygon or
// MultiPolygon raw (even-odd rule, holes honoured). A malformed geometry
// contains nothing.
func Contains(raw json.RawMessage, p Point) bool {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal(raw, &g) != nil {
		return false
	}
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var rings [][][]float64
		if json.Unmarshal(g.Coordinates, &rings) != nil {
			return false
		}
		polys = [][][][]float64{rings}
	case "MultiPolygon":
		if json.Unmarshal(g.Coordinates, &polys) != nil {
			return false
		}
	}
	for _, rings := range polys {
		inside := false
		for _, ring := range rings {
			if ringContains(ring, p) {
				inside = !inside
			}
		}
		if inside {
			return true
		}
	}
	return false
}

func ringContains(ring [][]float64, p Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		xi, yi := ring[i][0], ring[i][1]
		xj, yj := ring[j][0], ring[j][1]
		if (yi > p.Lat) != (yj > p.Lat) && p.Lon < (xj-xi)*(p.Lat-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}
