package allocate

import (
	"cmp"
	"math"
	"slices"
)

// run serves the priority levels in turn (see serveLevel).
func (s *solver) run() {
	s.counted = make([]bool, s.nNeed)
	s.optimal = true
	for _, level := range s.p.levels {
		s.serveLevel(level)
	}
	if s.p.opt.Progress != nil && s.lastReport != s.total {
		s.p.opt.Progress(s.total, s.total)
	}
}

// Cheapest-first serving may cost this many times the work of serving
// need by need (in nodes settled), plus a floor that small instances never
// reach, before the allocator settles for the need-by-need answer. They
// are variables only so that a test can force the fallback.
var (
	cheapestFirstWorkRatio = 10
	cheapestFirstWorkFloor = 2_000_000
)

// serveLevel serves one priority level. When every need of the level can
// be filled, the order of service does not matter: each need is served in
// turn until filled, which keeps each search's memory close to the last,
// and the result is the level's optimum. When some need goes short, the
// order decides who: the level is served again from where it started,
// cheapest path first across all its needs, which is exact but explores
// more. If that would cost more than cheapestFirstWorkRatio times the
// need-by-need service, the level is served need by need again, the
// needs nearest to supply first; the fill is still the most possible (no
// order changes that), only the choice of who goes short may cost more
// than the optimum, and Proposal.Optimal says so.
func (s *solver) serveLevel(level []int32) {
	order := s.nearestFirst(level)
	if s.fillable(level) {
		s.fillInTurn(order)
		return
	}
	start := s.snapshot()
	before := s.work
	s.fillInTurn(order)
	if !s.anyShort(level) {
		return
	}
	budget := cheapestFirstWorkRatio*(s.work-before) + cheapestFirstWorkFloor
	s.restore(start)
	if s.serveCheapestFirst(level, s.work+budget) {
		return
	}
	s.restore(start)
	s.fillInTurn(order)
	s.optimal = false
}

func (s *solver) fillInTurn(order []int32) {
	for _, n := range order {
		s.fill(n)
	}
}

func (s *solver) anyShort(level []int32) bool {
	for _, n := range level {
		if s.deficit(n) > eps {
			return true
		}
	}
	return false
}

// fill augments from need n along shortest paths until it is filled or
// nothing more can reach it.
func (s *solver) fill(n int32) {
	for !s.dead[n] && s.deficit(n) > eps {
		taken, ok := s.augmentPaths(n, nil)
		if !ok {
			s.markDead()
			break
		}
		if taken == 0 {
			break // cannot happen with a single source; never loop on it
		}
	}
	s.settle(n)
}

// sources are the needs of a level with something missing, for searches
// that start from all of them at once: a super source joins them, with
// potential sigma, and each need enters a search at distance sigma less
// its own potential. The queue holds them by minus their potential, lazily:
// an entry whose key is no longer the need's is stale.
type sources struct {
	q     needQueue
	key   []float64 // per need: the key of its live entry, NaN when none
	level []bool    // per need: whether it is of the level served
	sigma float64
	fed   []int32 // needs taken from the queue by the current search
}

func (src *sources) add(n int32, key float64) {
	src.key[n] = key
	src.q.push(key, n)
}

// serveCheapestFirst is successive shortest paths from a super source over
// all the needs of a level, so that every augmentation is the cheapest in
// the whole level. It gives up, reporting false, once the work counter
// passes limit.
func (s *solver) serveCheapestFirst(level []int32, limit int) bool {
	src := &sources{key: make([]float64, s.nNeed), level: make([]bool, s.nNeed)}
	for i := range src.key {
		src.key[i] = math.NaN()
	}
	for _, n := range level {
		src.level[n] = true
		if !s.dead[n] && s.deficit(n) > eps {
			src.add(n, -s.pot[n])
		}
	}
	for len(src.q) > 0 {
		if s.work > limit {
			return false
		}
		_, ok := s.augmentPaths(-1, src)
		if !ok {
			s.markDead()
		}
		for _, n := range append(src.fed, s.search.settled...) {
			if n >= s.nNeed || !src.level[n] {
				continue
			}
			if s.dead[n] || s.deficit(n) <= eps {
				src.key[n] = math.NaN()
				s.settle(n)
			} else if k := -s.pot[n]; k != src.key[n] {
				src.add(n, k)
			}
		}
		src.fed = src.fed[:0]
	}
	return true
}

// fillable reports whether the free supply is sure to fill every need of
// the level, whatever the order: there is no distance limit, and for each
// need type the level's demand under it is at most the free supply under
// it (Hall's condition, which these nested sets make enough).
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

// nearestFirst orders a level's needs by their cheapest arc as first
// fetched, then input order: served in this order, the needs nearest to
// supply take it first, as the optimum mostly has them do.
func (s *solver) nearestFirst(level []int32) []int32 {
	first := make(map[int32]float64, len(level))
	for _, n := range level {
		best := math.Inf(1)
		if l := s.need[n].list; len(l) > 0 {
			best = l[0].key
		}
		first[n] = best
	}
	order := slices.Clone(level)
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(first[a], first[b]) })
	return order
}

// snapshot is the solver's state between levels, to serve a level again.
// The needs' lists are not in it: they only ever gain arcs, which stay
// true, and their keys are recomputed on restore.
type snapshot struct {
	pot, load, filled, free []float64
	dead                    []bool
	cand                    []candState
	needFlows               []int32
	flows                   []flowRec
}

func (s *solver) snapshot() *snapshot {
	sn := &snapshot{
		pot: slices.Clone(s.pot), free: slices.Clone(s.free), dead: slices.Clone(s.dead),
		cand: slices.Clone(s.cand), flows: slices.Clone(s.flows),
		load: make([]float64, len(s.owner)), filled: make([]float64, len(s.need)), needFlows: make([]int32, len(s.need)),
	}
	for o := range s.owner {
		sn.load[o] = s.owner[o].load
	}
	for n := range s.need {
		sn.filled[n], sn.needFlows[n] = s.need[n].filled, s.need[n].flows
	}
	return sn
}

func (s *solver) restore(sn *snapshot) {
	copy(s.pot, sn.pot)
	copy(s.free, sn.free)
	copy(s.dead, sn.dead)
	copy(s.cand, sn.cand)
	s.flows = append(s.flows[:0], sn.flows...)
	for o := range s.owner {
		s.owner[o].load = sn.load[o]
	}
	for n := range s.need {
		ns := &s.need[n]
		ns.filled, ns.flows = sn.filled[n], sn.needFlows[n]
		// The keys were computed with potentials lower than the restored
		// ones, so they may no longer be lower bounds: recompute them.
		for i := range ns.list {
			a := &ns.list[i]
			a.key = a.km - s.candPot(a.cand)
		}
		slices.SortFunc(ns.list, compareArcs)
	}
}
