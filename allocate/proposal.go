package allocate

import (
	"cmp"
	"math"
	"slices"
)

// flowOut is a solver's answer for one need → candidate arc, in standard
// units.
type flowOut struct {
	need, cand int32
	km, amount float64
}

// proposal turns the solver's flows into a Proposal.
func (s *solver) proposal() Proposal {
	var flows []flowOut
	for _, f := range s.flows {
		if f.amount > eps {
			flows = append(flows, flowOut{f.need, f.cand, f.km, f.amount})
		}
	}
	filled := make([]float64, len(s.need))
	for n := range s.need {
		filled[n] = s.need[n].filled
	}
	p := buildProposal(s.p, flows, filled, s.inRange)
	p.Optimal = s.optimal
	return p
}

// inRange reports whether any candidate matching need n, used up or not,
// is within MaxDistanceKm of it.
func (s *solver) inRange(n int32) bool {
	ni := &s.p.needs[n]
	if math.IsInf(s.p.maxKm, 1) {
		return len(ni.types) > 0
	}
	any := false
	for _, t := range ni.types {
		s.grids[t].ring(s.lat[n], s.lon[n], vec{ni.x, ni.y, ni.z}, -1, s.p.maxKm, s.p.cands, func(int32, float64) { any = true })
	}
	return any
}

// buildProposal prices the flows with the one cost model both solvers
// share, and lists what each need lacks.
func buildProposal(p *prepared, flows []flowOut, filled []float64, inRange func(int32) bool) Proposal {
	slices.SortFunc(flows, func(a, b flowOut) int {
		if c := cmp.Compare(a.need, b.need); c != 0 {
			return c
		}
		return cmp.Compare(p.input(a.cand), p.input(b.cand))
	})
	load := make([]float64, len(p.owners))
	for _, f := range flows {
		load[p.cands[f.cand].owner] += f.amount
	}
	prop := Proposal{Lines: make([]Line, 0, len(flows)), Shortfalls: []Shortfall{}, Optimal: true}
	for _, f := range flows {
		o := p.cands[f.cand].owner
		share := f.amount / load[o]
		c := Cost{
			DistanceKm: f.km,
			Travel:     f.km * f.amount,
			Burden:     p.wb * staircase(load[o]) * share,
			Fairness:   p.wf * p.owners[o].given * load[o] * share,
		}
		c.Total = c.Travel + c.Burden + c.Fairness
		prop.TotalCost += c.Total
		in := p.inC[p.input(f.cand)]
		prop.Lines = append(prop.Lines, Line{
			Need:      p.in[f.need].ID,
			Candidate: in.ID,
			Owner:     in.Owner,
			Type:      in.Type,
			Quantity:  roundQuantity(f.amount / p.needs[f.need].scale),
			Cost:      c,
		})
	}
	for n := range p.needs {
		missing := p.needs[n].demand - filled[n]
		if missing <= eps*max(1, p.needs[n].demand) {
			continue
		}
		r := SupplyShort
		switch {
		case len(p.needs[n].types) == 0:
			r = NoCandidate
		case !inRange(int32(n)):
			r = OutOfRange
		}
		prop.Shortfalls = append(prop.Shortfalls, Shortfall{Need: p.in[n].ID, Missing: roundQuantity(missing / p.needs[n].scale), Reason: r})
	}
	return prop
}

// staircase is ∫₀ˣ ⌊t⌋ dt: the burden of taking x standard units from one
// owner, per unit of BurdenWeight.
func staircase(x float64) float64 {
	k := math.Floor(x + eps)
	return k*(k-1)/2 + k*(x-k)
}

// roundQuantity removes the rounding that converting to standard units and
// back leaves (1999.9999999999998 l is 2000 l).
func roundQuantity(q float64) float64 {
	if r := math.Round(q); math.Abs(q-r) <= 1e-9*max(1, math.Abs(q)) {
		return r
	}
	return q
}
