package allocate

import (
	"math"

	"github.com/muster-org/muster"
)

// MaxExactArcs bounds the network Exact builds: it holds every matching
// need–candidate pair, which is what makes it exact and small-only.
const MaxExactArcs = 100_000

// Exact solves the same problem as Allocate on the whole network, every
// matching pair within MaxDistanceKm an arc, by successive shortest paths
// found with Bellman-Ford. It is the yardstick for Allocate (tests,
// `muster bench allocate`) and is meant for small instances: more than
// MaxExactArcs arcs is a muster.Invalid error. It ignores Options.Workers
// and Options.Progress.
func Exact(needs []Need, cands []Candidate, opt Options) (Proposal, error) {
	p, err := prepare(needs, cands, opt)
	if err != nil {
		return Proposal{}, err
	}
	net, err := newNetwork(p)
	if err != nil {
		return Proposal{}, err
	}
	if err := net.solve(); err != nil {
		return Proposal{}, err
	}
	return net.proposal(), nil
}

type edge struct {
	to        int32
	cap, cost float64
}

// network is the explicit flow network: source, needs, candidates,
// owners, sink. Edge e's reverse is e^1.
type network struct {
	p          *prepared
	src, sink  int32
	edges      []edge
	head, next []int32
	fromSource []int32 // per need, its source edge
	pairs      []flowOut
	pairEdge   []int32 // per pair, its need → candidate edge
	hasArc     []bool  // per need, whether any candidate is in range
}

func newNetwork(p *prepared) (*network, error) {
	nN, nC, nO := int32(len(p.needs)), int32(len(p.cands)), int32(len(p.owners))
	net := &network{p: p, src: 0, sink: 1 + nN + nC + nO}
	net.head = make([]int32, net.sink+1)
	for i := range net.head {
		net.head[i] = -1
	}
	byType := make([][]int32, len(p.types))
	for c, ci := range p.cands {
		if ci.typ >= 0 {
			byType[ci.typ] = append(byType[ci.typ], int32(c))
		}
	}
	bound := 0
	for _, n := range p.needs {
		for _, t := range n.types {
			bound += len(byType[t])
		}
	}
	if bound > MaxExactArcs {
		return nil, muster.Errorf(muster.Invalid, "allocate: Exact: %d need–candidate pairs, more than %d; use Allocate", bound, MaxExactArcs)
	}
	net.fromSource = make([]int32, nN)
	net.hasArc = make([]bool, nN)
	for n := range nN {
		net.fromSource[n] = net.add(net.src, 1+n, 0, 0)
		ni := &p.needs[n]
		for _, t := range ni.types {
			for _, c := range byType[t] {
				ci := &p.cands[c]
				km := chordToKm(ni.x-ci.x, ni.y-ci.y, ni.z-ci.z)
				if km > p.maxKm {
					continue
				}
				net.hasArc[n] = true
				net.pairs = append(net.pairs, flowOut{need: n, cand: c, km: km})
				net.pairEdge = append(net.pairEdge, net.add(1+n, 1+nN+c, math.Inf(1), km))
			}
		}
	}
	ownerSupply := make([]float64, nO)
	for c, ci := range p.cands {
		if ci.typ >= 0 {
			net.add(1+nN+int32(c), 1+nN+nC+ci.owner, ci.avail, 0)
			ownerSupply[ci.owner] += ci.avail
		}
	}
	// No owner can give more than all needs together ask.
	var demand float64
	for _, n := range p.needs {
		demand += n.demand
	}
	steps := 0
	for o := range nO {
		from, base := 1+nN+nC+o, p.wf*p.owners[o].given
		if p.wb == 0 {
			net.add(from, net.sink, math.Inf(1), base)
			continue
		}
		// One arc per standard unit, each dearer than the last: the
		// convex burden as parallel linear arcs.
		for k := 0; float64(k) < min(ownerSupply[o], demand); k++ {
			if steps++; steps > MaxExactArcs {
				return nil, muster.Errorf(muster.Invalid, "allocate: Exact: more than %d burden steps; use Allocate", MaxExactArcs)
			}
			net.add(from, net.sink, 1, base+p.wb*float64(k))
		}
	}
	return net, nil
}

func (net *network) add(from, to int32, capacity, cost float64) int32 {
	e := int32(len(net.edges))
	net.edges = append(net.edges, edge{to, capacity, cost}, edge{from, 0, -cost})
	net.next = append(net.next, net.head[from], net.head[to])
	net.head[from], net.head[to] = e, e+1
	return e
}

// solve serves the levels in turn: the level's needs get their source
// edges, shortest paths are augmented until none is left, and the source
// edges are closed again so that later levels can re-route but never
// un-fill them.
func (net *network) solve() error {
	// Each augmentation saturates an edge; in exact arithmetic far fewer
	// than this many are needed, so more means rounding has made it cycle.
	budget := 4*len(net.edges) + 1000
	for _, level := range net.p.levels {
		for _, n := range level {
			net.edges[net.fromSource[n]].cap = net.p.needs[n].demand
		}
		for {
			if budget--; budget < 0 {
				return muster.Errorf(muster.Internal, "allocate: Exact: no convergence after %d augmentations", 4*len(net.edges)+1000)
			}
			parent, ok, err := net.shortestPath()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			net.augment(parent)
		}
		for _, n := range level {
			net.edges[net.fromSource[n]].cap = 0
		}
	}
	return nil
}

// shortestPath is Bellman-Ford with a queue from the source; edges into
// the source are never taken (they would un-fill a need). It returns the
// edge by which each node was reached.
func (net *network) shortestPath() ([]int32, bool, error) {
	nodes := len(net.head)
	dist := make([]float64, nodes)
	parent := make([]int32, nodes)
	queued := make([]bool, nodes)
	visits := make([]int, nodes)
	for i := range dist {
		dist[i], parent[i] = math.Inf(1), -1
	}
	dist[net.src] = 0
	queue := []int32{net.src}
	queued[net.src] = true
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		queued[u] = false
		for e := net.head[u]; e >= 0; e = net.next[e] {
			ed := &net.edges[e]
			if ed.cap <= eps || ed.to == net.src {
				continue
			}
			if d := dist[u] + ed.cost; d < dist[ed.to]-1e-12*(1+math.Abs(d)) {
				dist[ed.to], parent[ed.to] = d, e
				if !queued[ed.to] {
					if visits[ed.to]++; visits[ed.to] > nodes {
						return nil, false, muster.Errorf(muster.Internal, "allocate: Exact: negative cycle in the residual network")
					}
					queue = append(queue, ed.to)
					queued[ed.to] = true
				}
			}
		}
	}
	return parent, !math.IsInf(dist[net.sink], 1), nil
}

func (net *network) augment(parent []int32) {
	delta := math.Inf(1)
	for v := net.sink; v != net.src; v = net.edges[parent[v]^1].to {
		delta = min(delta, net.edges[parent[v]].cap)
	}
	for v := net.sink; v != net.src; v = net.edges[parent[v]^1].to {
		e := parent[v]
		net.edges[e].cap -= delta
		net.edges[e^1].cap += delta
	}
}

func (net *network) proposal() Proposal {
	var flows []flowOut
	for i, f := range net.pairs {
		if amount := net.edges[net.pairEdge[i]^1].cap; amount > eps {
			f.amount = amount
			flows = append(flows, f)
		}
	}
	filled := make([]float64, len(net.fromSource))
	for n, e := range net.fromSource {
		filled[n] = net.edges[e^1].cap
	}
	return buildProposal(net.p, flows, filled, func(n int32) bool { return net.hasArc[n] })
}
