package allocate

import "math"

// searchState is the scratch of one Dijkstra search, reused across
// searches: a node's distance counts only when its seen stamp is the
// current search's.
type searchState struct {
	dist      []float64
	seen      []uint32
	done      []uint32
	parent    []int32
	parentArc []int32 // list index (need → candidate) or flow record (candidate → need)
	stamp     uint32
	heap      itemHeap
	settled   []int32
	buf       []arc
}

func (st *searchState) init(nodes int) {
	st.dist = make([]float64, nodes)
	st.seen = make([]uint32, nodes)
	st.done = make([]uint32, nodes)
	st.parent = make([]int32, nodes)
	st.parentArc = make([]int32, nodes)
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
}

type outcome int

const (
	found     outcome = iota // a path to the sink; the distance is its reduced length
	aborted                  // the cheapest path costs more than the limit; the value is a lower bound of its cost
	exhausted                // no path: every node reachable was settled
)

// shortestPath runs Dijkstra on reduced costs from need src to the sink,
// giving up once the real cost of any remaining path exceeds limit.
var searches, settledTotal int
var outcomes [3]int
func (s *solver) shortestPath(src int32, limit float64) (o outcome, dd float64) {
	searches++
	defer func() { settledTotal += len(s.search.settled); outcomes[o]++ }()
	st := &s.search
	st.begin()
	s.reach(src, 0, -1, -1)
	base := -s.pot[src] // real cost = reduced length + base, as the sink's potential stays 0
	for len(st.heap) > 0 {
		it := st.heap.pop()
		if it.key+base > limit {
			return aborted, it.key + base
		}
		if it.pos >= 0 {
			s.scan(it.node, it.pos, it.key)
			continue
		}
		v := it.node
		if st.done[v] == st.stamp || it.key > st.dist[v] {
			continue
		}
		st.done[v] = st.stamp
		st.settled = append(st.settled, v)
		switch {
		case v == s.sink:
			return found, it.key
		case v < s.nNeed:
			s.scan(v, 0, it.key)
		case v < s.nNeed+s.nCand:
			s.fromCandidate(v, it.key)
		default:
			s.fromOwner(v, it.key)
		}
	}
	return exhausted, 0
}

// reach offers node v at reduced distance d through parent u and arc a.
func (s *solver) reach(v int32, d float64, u, a int32) {
	st := &s.search
	if st.seen[v] != st.stamp {
		st.seen[v] = st.stamp
		st.dist[v] = math.Inf(1)
	}
	if d < st.dist[v] && st.done[v] != st.stamp {
		st.dist[v], st.parent[v], st.parentArc[v] = d, u, a
		st.heap.push(item{d, v, -1})
	}
}

// scan relaxes need n's arcs from list position pos whose reduced cost may
// be at most key, and leaves in the heap one entry keyed by a lower bound
// of the rest: the next arc's distance (or the fetched radius) plus the
// need's potential, since no candidate's potential is above zero. The rest
// are relaxed, or fetched from the grids, only if the search gets there.
func (s *solver) scan(n, pos int32, key float64) {
	st := &s.search
	ns := &s.need[n]
	d, pn := st.dist[n], s.pot[n]
	for {
		for int(pos) < len(ns.list) {
			a := ns.list[pos]
			if bound := d + a.km + pn; bound > key {
				st.heap.push(item{bound, n, pos})
				return
			}
			c := s.nNeed + a.cand
			pos++
			if s.dead[c] {
				continue
			}
			s.reach(c, d+max(a.km+pn-s.pot[c], 0), n, pos-1)
		}
		if ns.complete {
			return
		}
		if bound := d + max(ns.radius, 0) + pn; bound > key {
			st.heap.push(item{bound, n, pos})
			return
		}
		st.buf = s.fetch(n, st.buf)
	}
}

// fromCandidate relaxes a candidate's arcs: to its owner while it has
// something left, and back to each need it serves (undoing that flow).
func (s *solver) fromCandidate(v int32, d float64) {
	c := v - s.nNeed
	cs := &s.cand[c]
	if s.cand[c].avail-cs.used > eps {
		o := s.nNeed + s.nCand + s.cand[c].owner
		s.reach(o, d+max(s.pot[v]-s.pot[o], 0), v, -1)
	}
	for f := cs.flows; f >= 0; f = s.flows[f].nextOfCand {
		fr := &s.flows[f]
		if fr.amount <= eps || s.dead[fr.need] {
			continue
		}
		s.reach(fr.need, d+max(-fr.km+s.pot[v]-s.pot[fr.need], 0), v, f)
	}
}

// fromOwner relaxes an owner's arcs: its next burden step to the sink,
// and back to each of its candidates in use (taking from another of its
// candidates instead).
func (s *solver) fromOwner(v int32, d float64) {
	o := v - s.nNeed - s.nCand
	cost, _ := s.step(o)
	s.reach(s.sink, d+max(cost+s.pot[v]-s.pot[s.sink], 0), v, -1)
	for _, c := range s.owner[o].touched {
		cv := s.nNeed + c
		if s.cand[c].used <= eps || s.dead[cv] {
			continue
		}
		s.reach(cv, d+max(s.pot[v]-s.pot[cv], 0), v, -1)
	}
}

// augment pushes as much as the path found from src allows: the need's
// deficit, a candidate's remainder, a flow being undone, an owner's burden
// step.
func (s *solver) augment(src int32) {
	st := &s.search
	delta := s.deficit(src)
	for v := s.sink; v != src; v = st.parent[v] {
		u := st.parent[v]
		switch s.kind(v) {
		case sinkNode:
			_, capacity := s.step(u - s.nNeed - s.nCand)
			delta = min(delta, capacity)
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
	for v := s.sink; v != src; v = st.parent[v] {
		u := st.parent[v]
		switch s.kind(v) {
		case sinkNode:
			ow := &s.owner[u-s.nNeed-s.nCand]
			ow.load = snap(ow.load+delta, math.Round(ow.load+delta))
		case ownerNode:
			c := u - s.nNeed
			cs := &s.cand[c]
			if cs.used <= eps {
				o := s.cand[c].owner
				if !contains(s.owner[o].touched, c) {
					s.owner[o].touched = append(s.owner[o].touched, c)
				}
			}
			cs.used = snap(cs.used+delta, s.cand[c].avail)
			s.free[s.cand[c].typ] -= delta
		case candNode:
			c := v - s.nNeed
			if s.kind(u) == ownerNode {
				s.cand[c].used = snap(s.cand[c].used-delta, 0)
				s.free[s.cand[c].typ] += delta
			} else {
				s.addFlow(u, c, s.need[u].list[st.parentArc[v]].km, delta)
			}
		case needNode:
			f := &s.flows[st.parentArc[v]]
			f.amount = snap(f.amount-delta, 0)
		}
	}
	ns := &s.need[src]
	ns.filled = snap(ns.filled+delta, s.p.needs[src].demand)
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

// item is a heap entry: a node at a reduced distance, or (pos ≥ 0) the
// unrelaxed arcs of need node from list position pos, at a lower bound.
type item struct {
	key  float64
	node int32
	pos  int32
}

type itemHeap []item

func (h itemHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.key != b.key {
		return a.key < b.key
	}
	if a.node != b.node {
		return a.node < b.node
	}
	return a.pos < b.pos
}

func (h *itemHeap) push(it item) {
	*h = append(*h, it)
	q := *h
	for i := len(q) - 1; i > 0; {
		up := (i - 1) / 2
		if !q.less(i, up) {
			break
		}
		q[i], q[up] = q[up], q[i]
		i = up
	}
}

func (h *itemHeap) pop() item {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(q) && q.less(l, small) {
			small = l
		}
		if l+1 < len(q) && q.less(l+1, small) {
			small = l + 1
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}
