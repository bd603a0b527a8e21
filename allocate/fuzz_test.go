package allocate

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

// FuzzAllocate feeds Allocate small instances decoded from arbitrary bytes,
// odd numbers included (NaN, infinities, negatives, huge and tiny values,
// duplicate ids, points at 0,0): it must never panic, must reject bad
// input as muster.Invalid, and on good input must propose what Exact
// proposes in fill and cost, and a consistent proposal.
func FuzzAllocate(f *testing.F) {
	f.Add([]byte{3, 4, 10, 20, 30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 5, 255, 128, 7, 200, 100, 50, 25, 12, 6, 3, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 42, 42, 42})
	f.Fuzz(func(t *testing.T, data []byte) {
		needs, cands, opt := decodeInstance(data)
		p, err := Allocate(needs, cands, opt)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %s: %v", muster.ErrorKind(err), err)
			}
			return
		}
		checkProposal(t, needs, cands, p)
		e, err := Exact(needs, cands, opt)
		if muster.ErrorKind(err) == muster.Invalid && strings.Contains(err.Error(), "use Allocate") {
			return // too large for Exact to compare
		}
		if err != nil {
			t.Fatalf("Exact fails where Allocate did not: %v", err)
		}
		fm, em := missingByLevel(needs, p), missingByLevel(needs, e)
		for level, m := range em {
			if math.Abs(fm[level]-m) > 1e-6*(1+m) {
				t.Fatalf("priority %d misses %v, Exact %v", level, fm[level], m)
			}
		}
		if math.Abs(p.TotalCost-e.TotalCost) > 1e-6*(1+e.TotalCost) {
			t.Fatalf("cost %v, Exact %v", p.TotalCost, e.TotalCost)
		}
	})
}

// decodeInstance reads up to 4 needs and 6 candidates from data; missing
// bytes read as zero. A byte with its top bit set makes the next eight
// bytes a raw float64, so that every float value can occur.
func decodeInstance(data []byte) ([]Need, []Candidate, Options) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	number := func(scale float64) float64 {
		b := next()
		if b&0x80 != 0 && len(data) >= 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data))
			data = data[8:]
			return v
		}
		return float64(b&0x7f) * scale
	}
	types := []string{"vehicle.truck", "vehicle", "fuel.diesel", "skill.driver", "vehicle.bus", ""}
	point := func() area.Point { return area.Point{Lat: 13 + number(0.01), Lon: 4 + number(0.01)} }
	needs := make([]Need, int(next())%5)
	for i := range needs {
		needs[i] = Need{ID: genID("N", int(next())%6), Type: types[int(next())%len(types)], Quantity: number(0.5), Point: point(), Priority: int(next()) % 3}
	}
	cands := make([]Candidate, int(next())%7)
	for i := range cands {
		cands[i] = Candidate{ID: genID("C", i), Owner: genID("o", int(next())%3), Type: types[int(next())%len(types)],
			Available: number(0.5), Point: point(), OwnerGiven: float64(next() % 3)}
	}
	opt := Options{BurdenWeight: number(1), FairnessWeight: number(1), MaxDistanceKm: number(2)}
	return needs, cands, opt
}
