package allocate

import (
	"math"

	"github.com/muster-org/muster/area"
)

// earthRadiusKm is the mean Earth radius (IUGG).
const earthRadiusKm = 6371.0088

// halfCircumferenceKm is the farthest two points on the sphere can be.
const halfCircumferenceKm = math.Pi * earthRadiusKm

// DistanceKm is the great-circle distance between two points on a sphere
// of the Earth's mean radius.
func DistanceKm(a, b area.Point) float64 {
	ax, ay, az := unitVector(a)
	bx, by, bz := unitVector(b)
	return chordToKm(ax-bx, ay-by, az-bz)
}

// unitVector is the point on the unit sphere for a lat/lon position.
// Distances are computed from these, which needs no trigonometry per pair
// but one arcsine.
func unitVector(p area.Point) (x, y, z float64) {
	lat, lon := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	cl := math.Cos(lat)
	return cl * math.Cos(lon), cl * math.Sin(lon), math.Sin(lat)
}

// chordToKm turns the difference of two unit vectors into the great-circle
// distance between them.
func chordToKm(dx, dy, dz float64) float64 {
	half := math.Sqrt(dx*dx+dy*dy+dz*dz) / 2
	return 2 * earthRadiusKm * math.Asin(min(half, 1))
}
