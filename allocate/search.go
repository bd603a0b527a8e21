package allocate

import (
	"math"
	"slices"
)

// searchState is the scratch of one Dijkstra search, reused across
// searches: a node's distance counts only when its seen stamp is the
// current search's.
type searchState struct {
	dist      []float64
	seen      []uint32
	done      []uint32
	parent    []int32
	parentArc []int32 // the flow record of a candidate → need arc
	stamp     uint32
	heap      itemHeap
	settled   []int32
	scanned   []int32   // needs whose lists this search has scanned
	scanPos   []int32   // per need: list entries before it are relaxed
	pending   []float64 // per need: key of its live scan entry in the heap, NaN when none
	buf       []arc
	bound     float64 // nothing at or beyond this reduced distance is explored
}

func (st *searchState) init(nodes, needs int) {
	st.dist = make([]float64, nodes)
	st.seen = make([]uint32, nodes)
	st.done = make([]uint32, nodes)
	st.parent = make([]int32, nodes)
	st.parentArc = make([]int32, nodes)
	st.scanPos = make([]int32, needs)
	st.pending = make([]float64, needs)
}

func (st *searchState) begin() {
	st.stamp++
	if st.stamp == 0 {
		clear(st.seen)
		clear(st.done)
		st.stamp = 1
	}
	st.heap = st.heap[:0]
	st.settled = st.settled[:0]
	st.scanned = st.scanned[:0]
	st.bound = math.Inf(1)
}

// augmentPaths runs Dijkstra on reduced costs from need single, or from
// the super source of srcs when single is -1, and augments along each
// path to the sink it finds, in order of length, for as long as the path
// is still a shortest one: its arcs and its need still open (an earlier
// path of the batch may have used them up). The sink is not a node: each
// owner settled offers its next burden step as a terminal entry, offered
// again, dearer, after a path takes it. Paths after the first are nearly
// free, as the search has already settled what they need. It returns how
// many paths were taken, and false when no free supply can be reached, in
// which case the search has settled every node the sources reach.
func (s *solver) augmentPaths(single int32, srcs *sources) (int, bool) {
	st := &s.search
	st.begin()
	if srcs == nil {
		s.reach(single, 0, -1, -1)
	}
	taken, last := 0, 0.0
search:
	for {
		if srcs != nil {
			s.feed(srcs)
		}
		if len(st.heap) == 0 {
			break
		}
		it := st.heap.pop()
		if it.key > st.bound {
			break
		}
		switch it.what {
		case scanEntry:
			if it.key == st.pending[it.node] {
				st.pending[it.node] = math.NaN()
				s.scan(it.node, it.key)
			}
			continue
		case fetchEntry:
			s.fetchMore(it.node, it.key)
			continue
		case terminalEntry:
			o := it.node
			if key := s.terminalKey(o); key > it.key {
				s.pushTerminal(o, key) // the step got dearer since it was offered
				continue
			}
			root, open := s.pathOpen(o)
			if !open {
				break search
			}
			s.augment(root, o)
			taken, last = taken+1, it.key
			if srcs == nil && s.deficit(single) <= eps {
				break search
			}
			s.pushTerminal(o, s.terminalKey(o))
			continue
		}
		v := it.node
		if st.done[v] == st.stamp || it.key > st.dist[v] {
			continue
		}
		st.done[v] = st.stamp
		st.settled = append(st.settled, v)
		switch {
		case v < s.nNeed:
			s.startScan(v, it.key)
		case v < s.nNeed+s.nCand:
			s.fromCandidate(v, it.key)
		default:
			s.fromOwner(v, it.key)
		}
	}
	s.work += len(st.settled)
	if taken == 0 && math.IsInf(st.bound, 1) {
		return 0, false
	}
	if taken > 0 {
		s.lowerPotentials(last)
		if srcs != nil {
			srcs.sigma -= last
		}
	}
	s.resortScanned()
	return taken, true
}

// feed moves from the queue into the search every need whose distance
// from the super source is no more than the search's next key.
func (s *solver) feed(srcs *sources) {
	st := &s.search
	for len(srcs.q) > 0 {
		key, n := srcs.q[0].key, srcs.q[0].need
		if key != srcs.key[n] || s.dead[n] || s.deficit(n) <= eps {
			srcs.q.pop() // stale
			continue
		}
		d := srcs.sigma + key
		if len(st.heap) > 0 && d > st.heap[0].key {
			return
		}
		srcs.q.pop()
		srcs.key[n] = math.NaN()
		srcs.fed = append(srcs.fed, n)
		s.reach(n, max(d, 0), -1, -1)
	}
}

// terminalKey is the reduced distance at which owner o, settled in this
// search, reaches the sink through its next burden step.
func (s *solver) terminalKey(o int32) float64 {
	cost, _ := s.step(o - s.nNeed - s.nCand)
	return s.search.dist[o] + max(cost+s.pot[o], 0)
}

// pushTerminal offers owner o's next step at key, and keeps the search
// from exploring farther than a window past the nearest step offered.
func (s *solver) pushTerminal(o int32, key float64) {
	st := &s.search
	if key <= st.bound {
		st.heap.push(item{key, o, terminalEntry})
		st.bound = min(st.bound, key+s.window)
	}
}

// pathOpen follows the search tree from owner o back to the need it
// started from, and reports that need and whether every arc of the path
// still has room and the need still lacks something: an earlier
// augmentation of the same search may have used one up.
func (s *solver) pathOpen(o int32) (int32, bool) {
	st := &s.search
	v := o
	for ; st.parent[v] >= 0; v = st.parent[v] {
		u := st.parent[v]
		switch s.kind(v) {
		case ownerNode:
			if c := &s.cand[u-s.nNeed]; c.avail-c.used <= eps {
				return v, false
			}
		case candNode:
			if s.kind(u) == ownerNode && s.cand[v-s.nNeed].used <= eps {
				return v, false
			}
		case needNode:
			if s.flows[st.parentArc[v]].amount <= eps {
				return v, false
			}
		}
	}
	return v, s.deficit(v) > eps
}

// reach offers node v at reduced distance d through parent u and arc a.
func (s *solver) reach(v int32, d float64, u, a int32) {
	st := &s.search
	if d > st.bound {
		// The search stops at the bound: a node no nearer cannot be
		// settled before it.
		return
	}
	if st.seen[v] != st.stamp {
		st.seen[v] = st.stamp
		st.dist[v] = math.Inf(1)
	}
	if d < st.dist[v] && st.done[v] != st.stamp {
		st.dist[v], st.parent[v], st.parentArc[v] = d, u, a
		st.heap.push(item{d, v, nodeEntry})
	}
}

// startScan begins relaxing need n's arcs, settled at distance d. Its
// list is sorted by key, a lower bound of each arc's reduced cost less
// the need's potential, so the arcs are relaxed in that order, each only
// when the search reaches its bound; one heap entry stands for the rest.
// Another stands for the candidates beyond the fetched radius, whose
// reduced cost is at least radius plus the need's potential since no
// candidate's potential is above zero.
func (s *solver) startScan(n int32, d float64) {
	st := &s.search
	st.scanPos[n] = 0
	st.pending[n] = math.NaN()
	st.scanned = append(st.scanned, n)
	if b := d + max(s.need[n].radius, 0) + s.pot[n]; !s.need[n].complete && b <= st.bound {
		st.heap.push(item{b, n, fetchEntry})
	}
	s.scan(n, d)
}

// scan relaxes the arcs of need n whose bound is at most key, refreshing
// their keys, and leaves an entry in the heap for the next one.
func (s *solver) scan(n int32, key float64) {
	st := &s.search
	ns := &s.need[n]
	d, pn := st.dist[n], s.pot[n]
	pos := int(st.scanPos[n])
	for ; pos < len(ns.list); pos++ {
		a := &ns.list[pos]
		if d+a.key+pn > key {
			break
		}
		if s.dead[s.nNeed+a.cand] {
			continue
		}
		pc := s.candPot(a.cand)
		a.key = a.km - pc
		s.reach(s.nNeed+a.cand, d+max(a.km+pn-pc, 0), n, -1)
	}
	st.scanPos[n] = int32(pos)
	s.pushScan(n)
}

// pushScan puts in the heap the entry for need n's next unrelaxed arc,
// unless one at least as early is there.
func (s *solver) pushScan(n int32) {
	st := &s.search
	ns := &s.need[n]
	pos := st.scanPos[n]
	if int(pos) >= len(ns.list) {
		return
	}
	b := st.dist[n] + ns.list[pos].key + s.pot[n]
	if p := st.pending[n]; (math.IsNaN(p) || b < p) && b <= st.bound {
		st.pending[n] = b
		st.heap.push(item{b, n, scanEntry})
	}
}

// fetchMore fetches need n's next ring of candidates into the unrelaxed
// part of its list, when the search reaches the ring's bound.
func (s *solver) fetchMore(n int32, key float64) {
	st := &s.search
	st.buf = s.fetch(n, int(st.scanPos[n]), st.buf)
	ns := &s.need[n]
	if b := st.dist[n] + ns.radius + s.pot[n]; !ns.complete && b <= st.bound {
		st.heap.push(item{b, n, fetchEntry})
	}
	s.pushScan(n)
}

// resortScanned restores the order of the lists a search scanned: their
// relaxed prefix got fresh (larger) keys and is sorted again and merged
// with the rest.
func (s *solver) resortScanned() {
	st := &s.search
	for _, n := range st.scanned {
		ns := &s.need[n]
		pos := int(st.scanPos[n])
		pre := append(st.buf[:0], ns.list[:pos]...)
		slices.SortFunc(pre, compareArcs)
		// Merge forward in place: the write index never passes the read
		// index, as the prefix moved out is as long as the room it left.
		w, i, j := 0, 0, pos
		for i < len(pre) && j < len(ns.list) {
			if compareArcs(pre[i], ns.list[j]) <= 0 {
				ns.list[w] = pre[i]
				i++
			} else {
				ns.list[w] = ns.list[j]
				j++
			}
			w++
		}
		w += copy(ns.list[w:], pre[i:])
		w += copy(ns.list[w:], ns.list[j:])
		ns.list = ns.list[:w]
		st.buf = pre
	}
}

// fromCandidate relaxes a candidate's arcs: to its owner while it has
// something left, and back to each need it serves (undoing that flow).
func (s *solver) fromCandidate(v int32, d float64) {
	c := v - s.nNeed
	cs := &s.cand[c]
	pc := s.candPot(c)
	if cs.avail-cs.used > eps {
		o := s.nNeed + s.nCand + cs.owner
		s.reach(o, d+max(pc-s.pot[o], 0), v, -1)
	}
	for f := cs.flows; f >= 0; f = s.flows[f].nextOfCand {
		fr := &s.flows[f]
		if fr.amount <= eps || s.dead[fr.need] {
			continue
		}
		s.reach(fr.need, d+max(-fr.km+pc-s.pot[fr.need], 0), v, f)
	}
}

// fromOwner offers an owner's next burden step to the sink, and relaxes
// its arcs back to each of its candidates in use (taking from another of its
// candidates instead).
func (s *solver) fromOwner(v int32, d float64) {
	o := v - s.nNeed - s.nCand
	s.pushTerminal(v, s.terminalKey(v))
	for _, c := range s.owner[o].touched {
		cv := s.nNeed + c
		if s.cand[c].used <= eps || s.dead[cv] {
			continue
		}
		s.reach(cv, d+max(s.pot[v]-s.pot[cv], 0), v, -1)
	}
}

// candPot is candidate c's potential. While nothing is taken from it, a
// candidate's only way to the sink is its owner, and it has the owner's
// potential: the tightest that keeps reduced costs ≥ 0, so that a search
// sees at once what an owner's burden adds and leaves alone the
// candidates of owners that already cost more than the path it will find.
// Once it serves a need, the reverse arc to that need constrains it, and
// it keeps a potential of its own.
func (s *solver) candPot(c int32) float64 {
	cs := &s.cand[c]
	if cs.used <= eps {
		return s.pot[s.nNeed+s.nCand+cs.owner]
	}
	return s.pot[s.nNeed+c]
}

// augment pushes as much as the search tree's path from src to owner o,
// and o's step, allow: the need's deficit, a candidate's remainder, a flow
// being undone, the owner's burden step.
func (s *solver) augment(src, o int32) {
	st := &s.search
	_, delta := s.step(o - s.nNeed - s.nCand)
	delta = min(delta, s.deficit(src))
	for v := o; v != src; v = st.parent[v] {
		u := st.parent[v]
		switch s.kind(v) {
		case ownerNode:
			c := u - s.nNeed
			delta = min(delta, s.cand[c].avail-s.cand[c].used)
		case candNode:
			if s.kind(u) == ownerNode {
				delta = min(delta, s.cand[v-s.nNeed].used)
			}
		case needNode:
			delta = min(delta, s.flows[st.parentArc[v]].amount)
		}
	}
	ow := &s.owner[o-s.nNeed-s.nCand]
	ow.load = snap(ow.load+delta, math.Round(ow.load+delta))
	for v := o; v != src; v = st.parent[v] {
		u := st.parent[v]
		switch s.kind(v) {
		case ownerNode:
			c := u - s.nNeed
			cs := &s.cand[c]
			if cs.used <= eps {
				// The candidate leaves its owner's potential for one of its
				// own, starting where it stood (see candPot).
				s.pot[s.nNeed+c] = s.pot[v]
				if !contains(s.owner[cs.owner].touched, c) {
					s.owner[cs.owner].touched = append(s.owner[cs.owner].touched, c)
				}
			}
			cs.used = snap(cs.used+delta, cs.avail)
			s.free[cs.typ] -= delta
		case candNode:
			c := v - s.nNeed
			if s.kind(u) == ownerNode {
				s.cand[c].used = snap(s.cand[c].used-delta, 0)
				s.free[s.cand[c].typ] += delta
			} else {
				s.addFlow(u, c, s.arcKm(u, c), delta)
			}
		case needNode:
			f := &s.flows[st.parentArc[v]]
			f.amount = snap(f.amount-delta, 0)
		}
	}
	ns := &s.need[src]
	ns.filled = snap(ns.filled+delta, s.p.needs[src].demand)
}

// arcKm is the distance of need n from candidate c, as fetch computed it.
func (s *solver) arcKm(n, c int32) float64 {
	ni, ci := &s.p.needs[n], &s.p.cands[c]
	return chordToKm(ci.x-ni.x, ci.y-ni.y, ci.z-ni.z)
}

func (s *solver) addFlow(n, c int32, km, delta float64) {
	for f := s.need[n].flows; f >= 0; f = s.flows[f].nextOfNeed {
		if s.flows[f].cand == c {
			s.flows[f].amount += delta
			return
		}
	}
	s.flows = append(s.flows, flowRec{need: n, cand: c, km: km, amount: delta, nextOfNeed: s.need[n].flows, nextOfCand: s.cand[c].flows})
	f := int32(len(s.flows) - 1)
	s.need[n].flows, s.cand[c].flows = f, f
}

type nodeKind int

const (
	needNode nodeKind = iota
	candNode
	ownerNode
	sinkNode
)

func (s *solver) kind(v int32) nodeKind {
	switch {
	case v < s.nNeed:
		return needNode
	case v < s.nNeed+s.nCand:
		return candNode
	case v < s.sink:
		return ownerNode
	}
	return sinkNode
}

// snap returns target when v is within rounding of it, so that sums of
// quantities that should meet do meet.
func snap(v, target float64) float64 {
	if math.Abs(v-target) <= eps*max(1, math.Abs(target)) {
		return target
	}
	return v
}

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
