package allocate

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

// TestExactMatchesBruteForce enumerates every whole-unit allocation of
// tiny instances (one priority level), picks the one that fills most and
// then costs least under the package's cost model, and checks that Exact
// and Allocate find the same fill and cost.
func TestExactMatchesBruteForce(t *testing.T) {
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 1))
		needs, cands, opt := tinyInstance(rng)
		bestFill, bestCost := bruteForce(needs, cands, opt)
		for _, solver := range []struct {
			name string
			run  func([]Need, []Candidate, Options) (Proposal, error)
		}{{"Exact", Exact}, {"Allocate", Allocate}} {
			p, err := solver.run(needs, cands, opt)
			if err != nil {
				t.Fatalf("seed %d: %s: %v", seed, solver.name, err)
			}
			fill := 0.0
			for _, l := range p.Lines {
				fill += l.Quantity
			}
			if fill != bestFill || math.Abs(p.TotalCost-bestCost) > 1e-6*(1+bestCost) {
				t.Errorf("seed %d: %s fills %v at cost %v; brute force %v at %v", seed, solver.name, fill, p.TotalCost, bestFill, bestCost)
			}
		}
	}
}

// tinyInstance is 2–3 needs and 2–4 candidates of 1–3 owners, whole
// quantities up to 3, within about 100 km.
func tinyInstance(rng *rand.Rand) ([]Need, []Candidate, Options) {
	near := func() area.Point { return area.Point{Lat: 14 + rng.Float64(), Lon: 5 + rng.Float64()} }
	types := []string{"vehicle.truck", "vehicle.bus", "vehicle"}
	needs := make([]Need, 2+rng.IntN(2))
	for i := range needs {
		needs[i] = Need{ID: genID("N", i), Type: types[rng.IntN(3)], Quantity: float64(1 + rng.IntN(3)), Point: near()}
	}
	owners := 1 + rng.IntN(3)
	given := make([]float64, owners)
	for o := range given {
		given[o] = float64(rng.IntN(3))
	}
	cands := make([]Candidate, 2+rng.IntN(3))
	for i := range cands {
		o := rng.IntN(owners)
		cands[i] = Candidate{ID: genID("C", i), Owner: genID("person:", o), Type: types[rng.IntN(2)],
			Available: float64(1 + rng.IntN(3)), Point: near(), OwnerGiven: given[o]}
	}
	opt := Options{BurdenWeight: float64(rng.IntN(3)) * 20, FairnessWeight: float64(rng.IntN(2)) * 15}
	if rng.IntN(3) == 0 {
		opt.MaxDistanceKm = 60
	}
	return needs, cands, opt
}

// bruteForce tries every whole-unit allocation.
func bruteForce(needs []Need, cands []Candidate, opt Options) (fill, cost float64) {
	type pair struct {
		n, c int
		km   float64
	}
	var pairs []pair
	for n, nd := range needs {
		for c, cd := range cands {
			if km := DistanceKm(nd.Point, cd.Point); Matches(nd.Type, cd.Type) && (opt.MaxDistanceKm == 0 || km <= opt.MaxDistanceKm) {
				pairs = append(pairs, pair{n, c, km})
			}
		}
	}
	gotN, gotC := make([]float64, len(needs)), make([]float64, len(cands))
	x := make([]float64, len(pairs))
	bestFill, bestCost := -1.0, 0.0
	var try func(i int)
	try = func(i int) {
		if i == len(pairs) {
			f, c := 0.0, 0.0
			load := make(map[string]float64)
			given := make(map[string]float64)
			for k, p := range pairs {
				f += x[k]
				c += p.km * x[k]
				load[cands[p.c].Owner] += x[k]
				given[cands[p.c].Owner] = cands[p.c].OwnerGiven
			}
			for o, l := range load {
				c += opt.BurdenWeight*staircase(l) + opt.FairnessWeight*given[o]*l
			}
			if f > bestFill || f == bestFill && c < bestCost {
				bestFill, bestCost = f, c
			}
			return
		}
		p := pairs[i]
		for q := 0.0; gotN[p.n]+q <= needs[p.n].Quantity && gotC[p.c]+q <= cands[p.c].Available; q++ {
			x[i] = q
			gotN[p.n] += q
			gotC[p.c] += q
			try(i + 1)
			gotN[p.n] -= q
			gotC[p.c] -= q
		}
		x[i] = 0
	}
	try(0)
	return bestFill, bestCost
}

func TestStaircase(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{0, 0}, {0.5, 0}, {1, 0}, {1.5, 0.5}, {2, 1}, {3, 3}, {3.25, 3.75}, {4, 6},
	} {
		if got := staircase(c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("staircase(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

func TestExactRefusesLargeInstances(t *testing.T) {
	needs, cands := Generate(1, GenOptions{Needs: 100, Candidates: 10_000, Supply: 3})
	_, err := Exact(needs, cands, Options{})
	if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), "use Allocate") {
		t.Fatalf("error %v", err)
	}
}
