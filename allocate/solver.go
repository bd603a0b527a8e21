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

// arc is a need's arc to a candidate at a distance.
type arc struct {
	cand int32
	km   float64
}

type needState struct {
	list     []arc   // matching live candidates by distance then index: all of those within radius
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
	cell        int32 // the candidate's cell in its type's grid
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
	pot                 []float64 // node potentials; they only ever decrease from 0
	dead                []bool    // nodes that can no longer reach free supply
	lat, lon            []float64 // each need's position in degrees, for grid queries
	free                []float64 // per type, the standard units not yet taken
	search              searchState
	settledNeeds, total int
	lastReport          int
}

func newSolver(p *prepared, cands []Candidate) *solver {
	s := &solver{p: p, nNeed: int32(len(p.needs)), nCand: int32(len(p.cands)), nOwn: int32(len(p.owners))}
	s.sink = s.nNeed + s.nCand + s.nOwn
	nodes := int(s.sink) + 1
	s.pot = make([]float64, nodes)
	s.dead = make([]bool, nodes)
	s.search.init(nodes)
	s.cand = make([]candState, s.nCand)
	s.free = make([]float64, len(p.types))
	for _, c := range p.cands {
		if c.typ >= 0 {
			s.free[c.typ] += c.avail
		}
	}
	cellOf := make([]int32, s.nCand)
	s.grids = buildGrids(p, workers(p.opt), cellOf)
	p.renumber(s.grids, cellOf)
	for i, c := range p.cands {
		s.cand[i] = candState{avail: c.avail, owner: c.owner, typ: c.typ, flows: -1, cell: cellOf[i]}
	}
	s.owner = make([]ownerState, s.nOwn)
	s.need = make([]needState, s.nNeed)
	s.lat, s.lon = make([]float64, s.nNeed), make([]float64, s.nNeed)
	for i := range s.need {
		s.need[i] = needState{radius: -1, flows: -1}
		s.lat[i], s.lon[i] = p.in[i].Point.Lat, p.in[i].Point.Lon
	}
	s.total = len(p.needs)
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
						before := len(ns.list)
						buf = s.fetch(int32(n), buf)
						for _, a := range ns.list[before:] {
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
// keeping it sorted by distance then candidate index.
func (s *solver) fetch(n int32, buf []arc) []arc {
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
	deadCands := s.dead[s.nNeed : s.nNeed+s.nCand]
	for _, t := range ni.types {
		s.grids[t].ring(s.lat[n], s.lon[n], v, ns.radius, next, s.p.cands, deadCands, func(c int32, km float64) {
			buf = append(buf, arc{c, km})
		})
	}
	slices.SortFunc(buf, func(a, b arc) int {
		if c := cmp.Compare(a.km, b.km); c != 0 {
			return c
		}
		return cmp.Compare(a.cand, b.cand)
	})
	ns.list = append(ns.list, buf...)
	ns.radius = next
	if len(ni.types) == 0 {
		ns.complete = true
	}
	return buf
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

// run serves the priority levels in turn, each by successive shortest
// paths taken in order of cost across all its needs.
func (s *solver) run() {
	var q needQueue
	for _, level := range s.p.levels {
		q = q[:0]
		for _, n := range level {
			q.push(0, n)
		}
		fillable := s.fillable(level)
		for len(q) > 0 {
			_, n := q.pop()
			if s.dead[n] || s.deficit(n) <= eps {
				s.settle()
				continue
			}
			limit := math.Inf(1)
			if len(q) > 0 && !fillable {
				limit = q[0].key + 1e-9*(1+math.Abs(q[0].key))
			}
			switch out, d := s.shortestPath(n, math.Inf(1)); out {
			case aborted:
				q.push(d, n)
			case exhausted:
				if dbgExhaust < 5 { dbgExhaust++; println("exhausted", n, s.deficit(n), s.p.needs[n].demand, len(s.search.settled), s.need[n].complete, len(s.need[n].list)) }
				s.markDead()
				s.settle()
			case found:
				cost := d - s.pot[n]
				s.lowerPotentials(d)
				if cost > limit {
					q.push(cost, n)
					continue
				}
				s.augment(n)
				if s.deficit(n) > eps {
					q.push(cost, n)
				} else {
					s.settle()
				}
			}
		}
	}
	if s.p.opt.Progress != nil && s.lastReport != s.total {
		s.p.opt.Progress(s.total, s.total)
	}
}

// fillable reports whether the free supply is sure to fill every need of
// the level, whatever the order: there is no distance limit, and for each
// need type the level's demand under it is at most the free supply under
// it (Hall's condition, which these nested sets make enough). Then each
// shortest path may be taken as it comes instead of in global order, which
// only matters for who goes short, and saves the searches that find a need
// no longer the cheapest.
func (s *solver) fillable(level []int32) bool {
	if !math.IsInf(s.p.maxKm, 1) {
		return false
	}
	demand := make(map[string]float64)
	for _, n := range level {
		demand[s.p.in[n].Type] += s.p.needs[n].demand
	}
	for typ := range demand {
		var want, have float64
		for other, d := range demand {
			if Matches(typ, other) {
				want += d
			}
		}
		for t, name := range s.p.types {
			if Matches(typ, name) {
				have += s.free[t]
			}
		}
		if want > have*(1-1e-9) {
			return false
		}
	}
	return true
}

func (s *solver) deficit(n int32) float64 { return s.p.needs[n].demand - s.need[n].filled }

func (s *solver) settle() {
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
	deadCands := s.nNeed + s.nCand
	for _, v := range s.search.settled {
		s.dead[v] = true
		switch {
		case v < s.nNeed:
			s.need[v].list = nil
		case v < deadCands:
			c := v - s.nNeed
			s.grids[s.cand[c].typ].alive[s.cand[c].cell]--
		}
	}
}

// needQueue is a binary min-heap of needs keyed by a lower bound of the
// cost of their cheapest augmenting path; ties go to input order.
type needQueue []struct {
	key  float64
	need int32
}

func (q needQueue) less(i, j int) bool {
	return q[i].key < q[j].key || q[i].key == q[j].key && q[i].need < q[j].need
}

func (q *needQueue) push(key float64, n int32) {
	*q = append(*q, struct {
		key  float64
		need int32
	}{key, n})
	h := *q
	for i := len(h) - 1; i > 0; {
		up := (i - 1) / 2
		if !h.less(i, up) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
}

func (q *needQueue) pop() (float64, int32) {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(h) && h.less(l, small) {
			small = l
		}
		if l+1 < len(h) && h.less(l+1, small) {
			small = l + 1
		}
		if small == i {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
	*q = h
	return top.key, top.need
}

var dbgExhaust int
