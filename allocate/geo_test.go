package allocate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/muster-org/muster/area"
)

// haversineKm is the textbook formula, as an independent check of
// DistanceKm.
func haversineKm(a, b area.Point) float64 {
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(h))
}

func TestDistanceKm(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b area.Point
		want float64
		tol  float64
	}{
		{"same point", area.Point{Lat: 13.5, Lon: 2.1}, area.Point{Lat: 13.5, Lon: 2.1}, 0, 1e-9},
		{"one degree along the equator", area.Point{Lat: 0, Lon: 10}, area.Point{Lat: 0, Lon: 11}, 111.195, 0.001},
		{"one degree along a meridian", area.Point{Lat: 14, Lon: 5}, area.Point{Lat: 15, Lon: 5}, 111.195, 0.001},
		{"Niamey to Agadez", area.Point{Lat: 13.5116, Lon: 2.1254}, area.Point{Lat: 16.9742, Lon: 7.9865}, 739, 3},
		{"pole to pole", area.Point{Lat: 90, Lon: 0}, area.Point{Lat: -90, Lon: 0}, math.Pi * earthRadiusKm, 1e-6},
		{"across the antimeridian", area.Point{Lat: 0, Lon: 179.5}, area.Point{Lat: 0, Lon: -179.5}, 111.195, 0.001},
		{"antipodes", area.Point{Lat: 10, Lon: 20}, area.Point{Lat: -10, Lon: -160}, math.Pi * earthRadiusKm, 1e-6},
	} {
		if got := DistanceKm(c.a, c.b); math.Abs(got-c.want) > c.tol {
			t.Errorf("%s: %v km, want %v ± %v", c.name, got, c.want, c.tol)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		a := area.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		b := area.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		if got, want := DistanceKm(a, b), haversineKm(a, b); math.Abs(got-want) > 1e-6*(1+want) {
			t.Fatalf("DistanceKm(%v, %v) = %v, haversine %v", a, b, got, want)
		}
	}
}

// TestGridRing checks every ring query against a scan of all points, for
// grids over Niger, around the antimeridian and near a pole.
func TestGridRing(t *testing.T) {
	for _, c := range []struct {
		name                   string
		minLat, maxLat         float64
		minLon, maxLon         float64
		points                 int
		radii                  []float64
		queryLatPad, queryLonP float64
	}{
		{"Niger", 11.7, 23.5, 0.1, 16, 3000, []float64{-1, 0, 5, 40, 150, 600, 2500, math.Inf(1)}, 2, 2},
		{"antimeridian", -10, 10, -180, 180, 800, []float64{-1, 50, 300, 1500}, 0, 0},
		{"near the north pole", 80, 90, -180, 180, 800, []float64{-1, 20, 200, 900}, 0, 0},
		{"one spot", 14, 14, 5, 5, 20, []float64{-1, 0, 1}, 0.1, 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			cands := make([]Candidate, c.points)
			in := make([]candIn, c.points)
			members := make([]int32, c.points)
			for i := range cands {
				cands[i].Point = area.Point{Lat: c.minLat + rng.Float64()*(c.maxLat-c.minLat), Lon: c.minLon + rng.Float64()*(c.maxLon-c.minLon)}
				in[i].x, in[i].y, in[i].z = unitVector(cands[i].Point)
				members[i] = int32(i)
			}
			g := newGrid(members, cands)
			for q := range 40 {
				p := area.Point{
					Lat: max(-90, min(90, c.minLat-c.queryLatPad+rng.Float64()*(c.maxLat-c.minLat+2*c.queryLatPad))),
					Lon: max(-180, min(180, c.minLon-c.queryLonP+rng.Float64()*(c.maxLon-c.minLon+2*c.queryLonP))),
				}
				if q == 0 {
					p = cands[0].Point
				}
				x, y, z := unitVector(p)
				for i := 1; i < len(c.radii); i++ {
					rMin, rMax := c.radii[i-1], c.radii[i]
					var got, want []int32
					g.ring(p.Lat, p.Lon, vec{x, y, z}, rMin, rMax, in, func(ci int32, km float64) { got = append(got, ci) })
					for j := range cands {
						if d := chordToKm(in[j].x-x, in[j].y-y, in[j].z-z); d > rMin && d <= rMax {
							want = append(want, int32(j))
						}
					}
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Fatalf("query %v ring (%v, %v]: %d candidates, want %d", p, rMin, rMax, len(got), len(want))
					}
				}
			}
		})
	}
}
