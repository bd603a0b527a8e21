package allocate

import (
	"math"
	"sync"
	"sync/atomic"
)

// grid is a spatial index of the candidates of one type: a lat/lon grid
// whose cells hold candidate indices. A query walks the cells that can
// hold points of a ring around a need and skips, by a bound on each
// cell's size, those wholly inside or outside the ring.
type grid struct {
	minLat, minLon float64 // degrees, the south-west corner
	step           float64 // degrees, the side of a cell
	rows, cols     int
	start          []int32   // cell i holds items[start[i]:start[i+1]]
	items          []int32   // candidate indices, ascending within a cell
	centre         []vec     // each cell's centre on the unit sphere
	rowRadius      []float64 // km: bound on the distance from a cell's centre to any point of it, per row
}

type vec struct{ x, y, z float64 }

// candidatesPerCell is the density the grid aims at: a few per cell keeps
// both the cells walked and the distances computed per query small.
const candidatesPerCell = 8

// buildGrids builds one grid per prepared type, in parallel.
func buildGrids(p *prepared, nw int) []*grid {
	members := make([][]int32, len(p.types))
	for i, c := range p.cands {
		if c.typ >= 0 {
			members[c.typ] = append(members[c.typ], int32(i))
		}
	}
	grids := make([]*grid, len(p.types))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(nw, len(p.types)) {
		wg.Go(func() {
			for t := int(next.Add(1) - 1); t < len(p.types); t = int(next.Add(1) - 1) {
				grids[t] = newGrid(members[t], p.inC)
			}
		})
	}
	wg.Wait()
	return grids
}

func newGrid(members []int32, cands []Candidate) *grid {
	g := &grid{minLat: math.Inf(1), minLon: math.Inf(1)}
	maxLat, maxLon := math.Inf(-1), math.Inf(-1)
	for _, i := range members {
		pt := cands[i].Point
		g.minLat, maxLat = min(g.minLat, pt.Lat), max(maxLat, pt.Lat)
		g.minLon, maxLon = min(g.minLon, pt.Lon), max(maxLon, pt.Lon)
	}
	spanLat, spanLon := max(maxLat-g.minLat, 1e-6), max(maxLon-g.minLon, 1e-6)
	cells := max(1, len(members)/candidatesPerCell)
	g.step = max(math.Sqrt(spanLat*spanLon/float64(cells)), 1e-3)
	for {
		g.rows, g.cols = int(spanLat/g.step)+1, int(spanLon/g.step)+1
		if g.rows*g.cols <= 4*len(members)+16 {
			break
		}
		g.step *= 1.5
	}
	n := g.rows * g.cols
	g.start = make([]int32, n+1)
	cellOf := make([]int32, len(members))
	for k, i := range members {
		c := g.cell(cands[i].Point.Lat, cands[i].Point.Lon)
		cellOf[k] = c
		g.start[c+1]++
	}
	for c := range n {
		g.start[c+1] += g.start[c]
	}
	g.items = make([]int32, len(members))
	fill := make([]int32, n)
	copy(fill, g.start[:n])
	for k, i := range members {
		c := cellOf[k]
		g.items[fill[c]] = i
		fill[c]++
	}
	g.centre = make([]vec, n)
	for c := range n {
		r, col := c/g.cols, c%g.cols
		lat, lon := g.minLat+(float64(r)+0.5)*g.step, g.minLon+(float64(col)+0.5)*g.step
		x, y, z := unitVectorDeg(lat, lon)
		g.centre[c] = vec{x, y, z}
	}
	g.rowRadius = make([]float64, g.rows)
	half := g.step / 2 * math.Pi / 180
	for r := range g.rows {
		lo, hi := g.minLat+float64(r)*g.step, g.minLat+float64(r+1)*g.step
		cosMax := 1.0
		if lo > 0 || hi < 0 {
			cosMax = max(math.Cos(lo*math.Pi/180), math.Cos(hi*math.Pi/180))
		}
		// Within a cell, a point is at most half a side from the centre
		// along the meridian and then at most half a side of the widest
		// parallel along its own parallel; the triangle inequality adds.
		g.rowRadius[r] = earthRadiusKm*half*(1+cosMax) + 1e-6
	}
	return g
}

func (g *grid) cell(lat, lon float64) int32 {
	r := min(g.rows-1, max(0, int((lat-g.minLat)/g.step)))
	c := min(g.cols-1, max(0, int((lon-g.minLon)/g.step)))
	return int32(r*g.cols + c)
}

func unitVectorDeg(lat, lon float64) (x, y, z float64) {
	la, lo := lat*math.Pi/180, lon*math.Pi/180
	cl := math.Cos(la)
	return cl * math.Cos(lo), cl * math.Sin(lo), math.Sin(la)
}

// ring calls fn for every candidate c of the grid with rMin < distance ≤
// rMax from the point (lat, lon, v); rMin < 0 includes distance 0.
func (g *grid) ring(lat, lon float64, v vec, rMin, rMax float64, cands []candIn, fn func(c int32, km float64)) {
	rowLo, rowHi, colLo, colHi := 0, g.rows-1, 0, g.cols-1
	if rMax < halfCircumferenceKm/2 {
		ang := rMax / earthRadiusKm
		latHalf := ang * 180 / math.Pi
		rowLo = max(rowLo, int(math.Floor((lat-latHalf-g.minLat)/g.step)))
		rowHi = min(rowHi, int(math.Floor((lat+latHalf-g.minLat)/g.step)))
		if math.Abs(lat)+latHalf < 90 {
			// The widest longitude span of a spherical cap not holding a pole.
			dl := math.Asin(math.Sin(ang)/math.Cos(lat*math.Pi/180)) * 180 / math.Pi
			if lon-dl >= -180 && lon+dl <= 180 {
				colLo = max(colLo, int(math.Floor((lon-dl-g.minLon)/g.step)))
				colHi = min(colHi, int(math.Floor((lon+dl-g.minLon)/g.step)))
			}
		}
	}
	for r := rowLo; r <= rowHi; r++ {
		rr := g.rowRadius[r]
		for col := colLo; col <= colHi; col++ {
			c := r*g.cols + col
			if g.start[c] == g.start[c+1] {
				continue
			}
			ce := g.centre[c]
			cd := chordToKm(ce.x-v.x, ce.y-v.y, ce.z-v.z)
			if cd-rr > rMax || cd+rr <= rMin {
				continue
			}
			for _, i := range g.items[g.start[c]:g.start[c+1]] {
				ci := &cands[i]
				km := chordToKm(ci.x-v.x, ci.y-v.y, ci.z-v.z)
				if km > rMin && km <= rMax {
					fn(i, km)
				}
			}
		}
	}
}

// renumber puts the candidates in grid order (type by type, cell by cell)
// and the owners in order of their first candidate, so that the
// candidates and owners one search visits, which are near each other on
// the ground, are near each other in memory too. The grids are rewritten
// to the new numbers; p.orig maps back to the input.
func (p *prepared) renumber(grids []*grid) {
	orig := make([]int32, 0, len(p.cands))
	for _, g := range grids {
		orig = append(orig, g.items...)
	}
	for i, c := range p.cands {
		if c.typ < 0 {
			orig = append(orig, int32(i))
		}
	}
	rank := make([]int32, len(orig))
	for i, o := range orig {
		rank[o] = int32(i)
	}
	for _, g := range grids {
		for i, o := range g.items {
			g.items[i] = rank[o]
		}
	}
	cands := make([]candIn, len(p.cands))
	ownerRank := make([]int32, len(p.owners))
	for i := range ownerRank {
		ownerRank[i] = -1
	}
	owners := make([]ownerIn, 0, len(p.owners))
	for i, o := range orig {
		c := p.cands[o]
		if ownerRank[c.owner] < 0 {
			ownerRank[c.owner] = int32(len(owners))
			owners = append(owners, p.owners[c.owner])
		}
		c.owner = ownerRank[c.owner]
		cands[i] = c
	}
	p.cands, p.owners, p.orig = cands, owners, orig
}
