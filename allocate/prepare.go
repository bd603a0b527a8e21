package allocate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

// MaxStandardUnits bounds a need's quantity and a candidate's Available in
// standard units: the allocator works in steps of one standard unit, so a
// quantity of a billion would mean a billion steps (see Options.Scale).
// MinStandardUnits is the least a need may ask: below it, quantities are
// lost in rounding.
// MaxWeight bounds the weights of Options, in km per standard unit: far
// beyond any sensible value, and low enough that sums of costs keep their
// precision.
const (
	MaxStandardUnits = 1e6
	MinStandardUnits = 1e-6
	MaxWeight        = 1e6
)

// maxReported is how many input errors one error message lists.
const maxReported = 10

// prepared is the validated input in the form both solvers use: positions
// as unit vectors, quantities in standard units, owners and types as
// indices.
type prepared struct {
	in     []Need
	inC    []Candidate
	needs  []needIn
	cands  []candIn
	owners []ownerIn
	types  []string  // candidate types that a need matches, with supply
	levels [][]int32 // need indices by priority, highest first
	orig   []int32   // candidate index → input index, when renumbered
	maxKm  float64   // +Inf when there is no limit
	wb, wf float64
	opt    Options
}

type needIn struct {
	x, y, z float64
	demand  float64 // standard units
	scale   float64 // standard units per unit of quantity
	types   []int32 // the candidate types that match
}

type candIn struct {
	x, y, z float64
	avail   float64 // standard units
	owner   int32
	typ     int32 // index into prepared.types, -1 when no need can use it
}

type ownerIn struct {
	id    string
	given float64
}

// problems collects input errors, keeping the first few messages.
type problems struct {
	count int
	msgs  []string
}

func (p *problems) add(format string, args ...any) {
	p.count++
	if len(p.msgs) < maxReported {
		p.msgs = append(p.msgs, fmt.Sprintf(format, args...))
	}
}

func (p *problems) merge(q problems) {
	p.count += q.count
	for _, m := range q.msgs {
		if len(p.msgs) < maxReported {
			p.msgs = append(p.msgs, m)
		}
	}
}

func (p *problems) err() error {
	switch {
	case p.count == 0:
		return nil
	case p.count == 1:
		return muster.Errorf(muster.Invalid, "allocate: %s", p.msgs[0])
	case p.count > len(p.msgs):
		return muster.Errorf(muster.Invalid, "allocate: %d invalid inputs: %s; and %d more", p.count, strings.Join(p.msgs, "; "), p.count-len(p.msgs))
	}
	return muster.Errorf(muster.Invalid, "allocate: %d invalid inputs: %s", p.count, strings.Join(p.msgs, "; "))
}

func prepare(needs []Need, cands []Candidate, opt Options) (*prepared, error) {
	var bad problems
	checkOptions(&bad, opt)
	if err := bad.err(); err != nil {
		return nil, err
	}
	if opt.Scale == nil {
		opt.Scale = DefaultScale
	}
	p := &prepared{in: needs, inC: cands, opt: opt, wb: opt.BurdenWeight, wf: opt.FairnessWeight, maxKm: math.Inf(1)}
	if opt.MaxDistanceKm > 0 {
		p.maxKm = opt.MaxDistanceKm
	}
	p.needs = make([]needIn, len(needs))
	needIDs := make(map[string]int, len(needs))
	for i, n := range needs {
		checkNeed(&bad, i, n, opt.Scale, &p.needs[i])
		if j, dup := needIDs[n.ID]; dup && n.ID != "" {
			bad.add("need #%d (%q): need_id: duplicate of need #%d", i, n.ID, j)
		}
		needIDs[n.ID] = i
	}
	p.cands = make([]candIn, len(cands))
	bad.merge(checkCandidates(cands, p.cands, opt.Scale, workers(opt)))
	p.internOwners(&bad)
	if err := bad.err(); err != nil {
		return nil, err
	}
	p.internTypes()
	p.levels = levels(needs)
	return p, nil
}

func checkOptions(bad *problems, opt Options) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"BurdenWeight", opt.BurdenWeight}, {"FairnessWeight", opt.FairnessWeight}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > MaxWeight {
			bad.add("options: %s: must be a number from 0 to %v, got %v", f.name, float64(MaxWeight), f.v)
		}
	}
	if d := opt.MaxDistanceKm; math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
		bad.add("options: MaxDistanceKm: must be a finite number ≥ 0, got %v", d)
	}
	if opt.Workers < 0 {
		bad.add("options: Workers: must be ≥ 0, got %d", opt.Workers)
	}
	keys := make([]string, 0, len(opt.Scale))
	for k := range opt.Scale {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" || strings.Contains(k, ".") || !validType(k) {
			bad.add("options: Scale: key %q is not a class (a type name without a dot)", k)
		}
		if v := opt.Scale[k]; math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			bad.add("options: Scale[%q]: must be a finite number > 0, got %v", k, v)
		}
	}
}

func checkNeed(bad *problems, i int, n Need, scale map[string]float64, out *needIn) {
	at := fmt.Sprintf("need #%d (%q)", i, n.ID)
	if n.ID == "" {
		bad.add("%s: need_id: is empty", at)
	}
	if !validType(n.Type) {
		bad.add("%s: type: %q is not a type name (dot-separated words, e.g. vehicle.truck)", at, n.Type)
	}
	sc := classScale(scale, n.Type)
	switch q := n.Quantity; {
	case math.IsNaN(q) || math.IsInf(q, 0) || q <= 0:
		bad.add("%s: quantity: must be a finite number > 0, got %v", at, q)
	case q*sc > MaxStandardUnits:
		bad.add("%s: quantity: %v is %v standard units, more than %v (see Options.Scale)", at, q, q*sc, float64(MaxStandardUnits))
	case q*sc < MinStandardUnits:
		bad.add("%s: quantity: %v is %v standard units, less than %v (see Options.Scale)", at, q, q*sc, MinStandardUnits)
	}
	checkPoint(bad, at, n.Point)
	out.x, out.y, out.z = unitVector(n.Point)
	out.scale = sc
	out.demand = n.Quantity * sc
}

func checkPoint(bad *problems, at string, pt area.Point) {
	if pt == (area.Point{}) {
		bad.add("%s: point: location is missing (0, 0)", at)
		return
	}
	if err := pt.Validate(); err != nil {
		bad.add("%s: point: %s", at, muster.ErrorMessage(err))
	}
}

// checkCandidates validates the candidates' own fields and converts them,
// in parallel over contiguous chunks so that the messages stay in input
// order.
func checkCandidates(cands []Candidate, out []candIn, scale map[string]float64, nw int) problems {
	chunks := min(nw, max(1, len(cands)/4096))
	found := make([]problems, chunks)
	var wg sync.WaitGroup
	for w := range chunks {
		lo, hi := w*len(cands)/chunks, (w+1)*len(cands)/chunks
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				checkCandidate(&found[w], i, cands[i], scale, &out[i])
			}
		})
	}
	wg.Wait()
	var all problems
	for _, f := range found {
		all.merge(f)
	}
	return all
}

func checkCandidate(bad *problems, i int, c Candidate, scale map[string]float64, out *candIn) {
	at := fmt.Sprintf("candidate #%d (%q)", i, c.ID)
	if c.ID == "" {
		bad.add("%s: candidate_id: is empty", at)
	}
	if c.Owner == "" {
		bad.add("%s: owner: is empty", at)
	}
	if !validType(c.Type) {
		bad.add("%s: type: %q is not a type name (dot-separated words, e.g. vehicle.truck)", at, c.Type)
	}
	sc := classScale(scale, c.Type)
	switch a := c.Available; {
	case math.IsNaN(a) || math.IsInf(a, 0) || a < 0:
		bad.add("%s: available: must be a finite number ≥ 0, got %v", at, a)
	case a*sc > MaxStandardUnits:
		bad.add("%s: available: %v is %v standard units, more than %v (see Options.Scale)", at, a, a*sc, float64(MaxStandardUnits))
	}
	if g := c.OwnerGiven; math.IsNaN(g) || g < 0 || g > MaxStandardUnits {
		bad.add("%s: owner_given: must be a number from 0 to %v standard units, got %v", at, float64(MaxStandardUnits), g)
	}
	checkPoint(bad, at, c.Point)
	out.x, out.y, out.z = unitVector(c.Point)
	out.avail = c.Available * sc
}

// internOwners numbers the owners in order of first appearance, checks
// that an owner's candidates agree on OwnerGiven and that candidate ids are
// unique.
func (p *prepared) internOwners(bad *problems) {
	owners := make(map[string]int32)
	ids := make(map[string]int32, len(p.inC))
	for i, c := range p.inC {
		if j, dup := ids[c.ID]; dup && c.ID != "" {
			bad.add("candidate #%d (%q): candidate_id: duplicate of candidate #%d", i, c.ID, j)
		}
		ids[c.ID] = int32(i)
		o, seen := owners[c.Owner]
		if !seen {
			o = int32(len(p.owners))
			owners[c.Owner] = o
			p.owners = append(p.owners, ownerIn{id: c.Owner, given: c.OwnerGiven})
		} else if g := p.owners[o].given; g != c.OwnerGiven && !math.IsNaN(c.OwnerGiven) {
			bad.add("candidate #%d (%q): owner_given: %v differs from %v on an earlier candidate of owner %q", i, c.ID, c.OwnerGiven, g, c.Owner)
		}
		p.cands[i].owner = o
	}
}

// internTypes keeps the candidate types that some need matches and some
// candidate has supply of, and gives each need the list it matches.
func (p *prepared) internTypes() {
	seen := make(map[string]int32)
	var all []string
	for i, c := range p.inC {
		t, ok := seen[c.Type]
		if !ok {
			t = int32(len(all))
			seen[c.Type] = t
			all = append(all, c.Type)
		}
		p.cands[i].typ = t
		if p.cands[i].avail <= 0 {
			p.cands[i].typ = -1
		}
	}
	needTypes := make(map[string][]int32)
	used := make([]bool, len(all))
	for _, n := range p.in {
		if _, done := needTypes[n.Type]; done {
			continue
		}
		var ts []int32
		for t, name := range all {
			if Matches(n.Type, name) {
				ts = append(ts, int32(t))
				used[t] = true
			}
		}
		needTypes[n.Type] = ts
	}
	remap := make([]int32, len(all))
	for t, name := range all {
		remap[t] = -1
		if used[t] {
			remap[t] = int32(len(p.types))
			p.types = append(p.types, name)
		}
	}
	for i := range p.cands {
		if t := p.cands[i].typ; t >= 0 {
			p.cands[i].typ = remap[t]
		}
	}
	supplied := make([]bool, len(p.types))
	for _, c := range p.cands {
		if c.typ >= 0 {
			supplied[c.typ] = true
		}
	}
	for i, n := range p.in {
		for _, t := range needTypes[n.Type] {
			if r := remap[t]; supplied[r] {
				p.needs[i].types = append(p.needs[i].types, r)
			}
		}
	}
}

// input is the input index of candidate c.
func (p *prepared) input(c int32) int32 {
	if p.orig == nil {
		return c
	}
	return p.orig[c]
}

// levels groups need indices by priority, highest first, input order
// within a level.
func levels(needs []Need) [][]int32 {
	order := make([]int32, len(needs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(needs[b].Priority, needs[a].Priority) })
	var out [][]int32
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && needs[order[j]].Priority == needs[order[i]].Priority {
			j++
		}
		out = append(out, order[i:j])
		i = j
	}
	return out
}

// validType reports whether s is dot-separated non-empty words without
// spaces or control characters.
func validType(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				return false
			}
		}
	}
	return true
}

// classScale is the standard units per unit of a type's class.
func classScale(scale map[string]float64, typ string) float64 {
	class, _, _ := strings.Cut(typ, ".")
	if s, ok := scale[class]; ok && s > 0 && !math.IsInf(s, 0) {
		return s
	}
	return 1
}
