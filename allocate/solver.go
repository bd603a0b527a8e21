package allocate

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// eps is the quantity, in standard units, below which a residual capacity
// or a flow counts as zero: far below any real quantity, far above the
// rounding of sums of a few thousand terms.
const eps = 1e-9

// The first arcs fetched for a need: at least this many candidates, and
// at least this multiple of its demand in supply, unless there are fewer
// in range.
const (
	firstArcs   = 8
	firstSupply = 2
)

// arc is a need's arc to a candidate at a distance. Key is km less the
// candidate's potential when the arc was last relaxed: potentials never
// rise, so key plus the need's potential is a lower bound of the arc's
// reduced cost, and a list sorted by key can be relaxed lazily.
type arc struct {
	cand int32
	km   float64
	key  float64
}

func compareArcs(a, b arc) int {
	return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.cand, b.cand))
}

type needState struct {
	list     []arc   // matching candidates by key, then index: all of those within radius
	radius   float64 // km; -1 before the first fetch
	complete bool    // list holds every matching candidate within MaxDistanceKm
	filled   float64 // standard units
	flows    int32   // first flow record of this need, -1 when none
}

// candState is what a search reads of a candidate, kept together (and
// candidates numbered by grid cell) so that a search's memory accesses
// stay close.
type candState struct {
	avail, used float64 // standard units available, taken
	owner, typ  int32
	flows       int32 // first flow record on this candidate, -1 when none
}

type ownerState struct {
	load    float64 // standard units taken from the owner by the proposal
	touched []int32 // candidates of the owner that have been used
}

// flowRec is the flow on one need → candidate arc, linked into the lists
// of its need and of its candidate.
type flowRec struct {
	need, cand             int32
	km, amount             float64
	nextOfNeed, nextOfCand int32
}

// solver is Allocate's lazy successive-shortest-paths solver. Nodes are
// numbered needs, then candidates, then owners, then the sink.
type solver struct {
	p                   *prepared
	grids               []*grid
	nNeed, nCand, nOwn  int32
	sink                int32
	need                []needState
	cand                []candState
	owner               []ownerState
	flows               []flowRec
	pot                 []float64 // node potentials: never above 0, never rising
	dead                []bool    // nodes that can no longer reach free supply
	lat, lon            []float64 // each need's position in degrees, for grid queries
	free                []float64 // per type, the standard units not yet taken
	search              searchState
	window              float64 // how far past its first path a search looks for more: two burden steps
	settledNeeds, total int
	counted             []bool // needs already counted as settled for Progress
	work                int    // nodes settled by all searches so far
	optimal             bool   // every level got its optimum (see serveLevel)
	lastReport          int
}

func newSolver(p *prepared) *solver {
	s := &solver{p: p, nNeed: int32(len(p.needs)), nCand: int32(len(p.cands)), nOwn: int32(len(p.owners))}
	s.sink = s.nNeed + s.nCand + s.nOwn
	nodes := int(s.sink) + 1
	s.pot = make([]float64, nodes)
	s.dead = make([]bool, nodes)
	s.search.init(nodes, int(s.nNeed))
	s.cand = make([]candState, s.nCand)
	s.free = make([]float64, len(p.types))
	for _, c := range p.cands {
		if c.typ >= 0 {
			s.free[c.typ] += c.avail
		}
	}
	s.grids = buildGrids(p, workers(p.opt))
	p.renumber(s.grids)
	for i, c := range p.cands {
		s.cand[i] = candState{avail: c.avail, owner: c.owner, typ: c.typ, flows: -1}
	}
	s.owner = make([]ownerState, s.nOwn)
	for o := range s.nOwn {
		// An owner no search has reached is exactly its first step away
		// from the sink.
		s.pot[s.nNeed+s.nCand+o] = -p.wf * p.owners[o].given
	}
	s.need = make([]needState, s.nNeed)
	s.lat, s.lon = make([]float64, s.nNeed), make([]float64, s.nNeed)
	for i := range s.need {
		s.need[i] = needState{radius: -1, flows: -1}
		s.lat[i], s.lon[i] = p.in[i].Point.Lat, p.in[i].Point.Lon
	}
	s.total = len(p.needs)
	s.window = 2 * (p.wb + 1)
	s.fetchFirstArcs(workers(p.opt))
	return s
}

// fetchFirstArcs fetches every need's nearest candidates in parallel: the
// bulk of the spatial work, done before the sequential augmentations.
// Each goroutine writes only the needs it takes, so the result does not
// depend on scheduling.
func (s *solver) fetchFirstArcs(nw int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	const batch = 64
	for range min(nw, max(1, len(s.need)/batch)) {
		wg.Go(func() {
			var buf []arc
			for {
				lo := int(next.Add(batch) - batch)
				if lo >= len(s.need) {
					return
				}
				for n := lo; n < min(lo+batch, len(s.need)); n++ {
					ns, supply := &s.need[n], 0.0
					for !ns.complete && (len(ns.list) < firstArcs || supply < firstSupply*s.p.needs[n].demand) {
						buf = s.fetch(int32(n), 0, buf)
						for _, a := range buf {
							supply += s.cand[a.cand].avail
						}
					}
				}
			}
		})
	}
	wg.Wait()
}

// fetch extends need n's list to twice its radius (or the whole range),
// merging the new arcs into the list from position from on; the part
// before from is left alone, as a search has relaxed it.
func (s *solver) fetch(n int32, from int, buf []arc) []arc {
	ns := &s.need[n]
	next := 2 * ns.radius
	if ns.radius < 0 {
		next = s.firstRadius(n)
	}
	if next >= s.p.maxKm {
		next, ns.complete = s.p.maxKm, true
	}
	if next >= halfCircumferenceKm {
		next, ns.complete = math.Inf(1), true
	}
	buf = buf[:0]
	ni := &s.p.needs[n]
	v := vec{ni.x, ni.y, ni.z}
	for _, t := range ni.types {
		s.grids[t].ring(s.lat[n], s.lon[n], v, ns.radius, next, s.p.cands, func(c int32, km float64) {
			buf = append(buf, arc{c, km, km - s.candPot(c)})
		})
	}
	slices.SortFunc(buf, compareArcs)
	ns.list = mergeArcs(ns.list, from, buf)
	ns.radius = next
	if len(ni.types) == 0 {
		ns.complete = true
	}
	return buf
}

// mergeArcs merges the sorted arcs add into the sorted list[from:], from
// the back so that it needs no other room.
func mergeArcs(list []arc, from int, add []arc) []arc {
	i := len(list) - 1
	list = append(list, add...)
	for w, j := len(list)-1, len(add)-1; j >= 0; w-- {
		if i >= from && compareArcs(list[i], add[j]) > 0 {
			list[w] = list[i]
			i--
		} else {
			list[w] = add[j]
			j--
		}
	}
	return list
}

// firstRadius is about one grid cell of the need's first type: enough to
// find a few candidates where they are dense, and doubled where not.
func (s *solver) firstRadius(n int32) float64 {
	r := 1.0
	for _, t := range s.p.needs[n].types {
		r = max(r, s.grids[t].step*111.0)
	}
	return r
}

func (s *solver) deficit(n int32) float64 { return s.p.needs[n].demand - s.need[n].filled }

func (s *solver) settle(n int32) {
	if s.counted[n] {
		return
	}
	s.counted[n] = true
	s.settledNeeds++
	if s.p.opt.Progress != nil && (s.settledNeeds == s.total || s.settledNeeds-s.lastReport >= max(1, s.total/200)) {
		s.lastReport = s.settledNeeds
		s.p.opt.Progress(s.settledNeeds, s.total)
	}
}

// step is the cost per standard unit of the owner's next burden step and
// how much of the step is left.
func (s *solver) step(o int32) (cost, capacity float64) {
	base := s.p.wf * s.p.owners[o].given
	if s.p.wb == 0 {
		return base, math.Inf(1)
	}
	load := s.owner[o].load
	k := math.Floor(load + eps)
	return base + s.p.wb*k, max(k+1-load, 0)
}

// lowerPotentials applies the shortest-path distances of the last search,
// cut at d, the sink's distance: every node settled closer than d has its
// potential lowered by the difference. Reduced costs stay ≥ 0 on every
// residual arc, the fetched ones and those not yet fetched.
func (s *solver) lowerPotentials(d float64) {
	for _, v := range s.search.settled {
		if dv := s.search.dist[v]; dv < d {
			s.pot[v] -= d - dv
		}
	}
}

// markDead marks every node settled by a search that found no path: none
// of them can reach free supply now, and augmentations only ever add arcs
// between nodes that could, so none ever will.
func (s *solver) markDead() {
	for _, v := range s.search.settled {
		s.dead[v] = true
	}
}
