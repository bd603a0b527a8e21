package allocate

import (
	"runtime"
	"strings"
	"time"

	"github.com/muster-org/muster/area"
)

// Need is a request for Quantity of a resource type, class or skill at
// Point.
type Need struct {
	ID       string     `json:"need_id"`
	Type     string     `json:"type"`              // "vehicle.truck", a class such as "vehicle", or "skill.driver"
	Quantity float64    `json:"quantity"`          // in the unit of the type, > 0
	Point    area.Point `json:"point"`             // where it is needed; (0, 0) counts as missing
	Priority int        `json:"priority"`          // higher is served first when supply is short
	Deadline time.Time  `json:"deadline,omitzero"` // not weighed (see the package comment)
}

// Candidate is a resource or a person that may fill needs, as policy left
// it: Available is what may still be taken, already capped by the
// per-owner limits.
type Candidate struct {
	ID        string     `json:"candidate_id"`
	Owner     string     `json:"owner"` // the same string for every candidate of one owner, e.g. "person:<id>"
	Type      string     `json:"type"`
	Available float64    `json:"available"` // in the unit of the type, ≥ 0
	Point     area.Point `json:"point"`
	// OwnerGiven is what the owner gave before this proposal, in standard
	// units (see Options.Scale); every candidate of one owner carries the
	// same value.
	OwnerGiven float64 `json:"owner_given,omitempty"`
}

// Options tune the cost model and the run. The zero value allocates by
// distance alone, with no distance limit, on every CPU.
type Options struct {
	// BurdenWeight is the cost, in km, of each further standard unit taken
	// from one owner in this proposal (DefaultBurdenWeight is a start).
	BurdenWeight float64
	// FairnessWeight is the cost, in km, of each standard unit taken from
	// an owner per standard unit that owner gave before.
	FairnessWeight float64
	// MaxDistanceKm, when positive, excludes candidates farther than this
	// from a need.
	MaxDistanceKm float64
	// Scale converts a quantity of a class ("fuel") into standard units;
	// nil means DefaultScale, and a class missing from the map has scale 1.
	Scale map[string]float64
	// Workers is how many goroutines prepare the input; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, is called as needs are settled, with done rising
	// to total; it is called from the goroutine that called Allocate.
	Progress func(done, total int)
}

// Suggested weights: a second unit from one owner is worth 25 km of
// travel, and each unit an owner gave before makes taking from them again
// worth 10 km more per unit.
const (
	DefaultBurdenWeight   = 25
	DefaultFairnessWeight = 10
)

// DefaultScale makes one standard unit of each class about one
// requisition's worth: one vehicle, generator or person; 1000 l of fuel;
// 1000 kg of food; 10 m³ (10 000 l) of water; 100 m² of building.
var DefaultScale = map[string]float64{
	"fuel":     0.001,
	"food":     0.001,
	"water":    0.0001,
	"building": 0.01,
}

// Cost is the breakdown of a line's cost; Total is the sum of Travel,
// Burden and Fairness. DistanceKm is the great-circle distance itself.
type Cost struct {
	DistanceKm float64 `json:"distance_km"`
	Travel     float64 `json:"travel"`
	Burden     float64 `json:"burden"`
	Fairness   float64 `json:"fairness"`
	Total      float64 `json:"total"`
}

// Line proposes taking Quantity of one candidate for one need.
type Line struct {
	Need      string  `json:"need_id"`
	Candidate string  `json:"candidate_id"`
	Owner     string  `json:"owner"`
	Type      string  `json:"type"` // the candidate's type
	Quantity  float64 `json:"quantity"`
	Cost      Cost    `json:"cost"`
}

// Reason says why a need is short.
type Reason string

// The reasons for a shortfall.
const (
	NoCandidate Reason = "no_candidate"     // no candidate of a matching type has anything available
	OutOfRange  Reason = "out_of_range"     // candidates exist, none within MaxDistanceKm
	SupplyShort Reason = "supply_exhausted" // what is in range went to other needs of equal or higher priority
)

// Shortfall is the quantity a need still lacks after the proposal.
type Shortfall struct {
	Need    string  `json:"need_id"`
	Missing float64 `json:"missing"`
	Reason  Reason  `json:"reason"`
}

// Proposal is the allocator's answer: lines ordered by need then candidate
// (input order), shortfalls in need order, and the sum of the lines'
// totals. Optimal is false when a priority level short of supply was too
// large to decide exactly who goes short (see the package comment); the
// fill is the most possible either way.
type Proposal struct {
	Lines      []Line      `json:"lines"`
	Shortfalls []Shortfall `json:"shortfalls"`
	TotalCost  float64     `json:"total_cost"`
	Optimal    bool        `json:"optimal"`
}

// Matches reports whether a candidate of type candType can fill a need of
// type needType: the same type, or a type under it ("vehicle" matches
// "vehicle.truck", "vehicle.truck" does not match "vehicle.trucks").
func Matches(needType, candType string) bool {
	rest, ok := strings.CutPrefix(candType, needType)
	return ok && (rest == "" || rest[0] == '.')
}

// Allocate proposes lines that fill the needs from the candidates: the
// most quantity per priority level, then the least cost (see the package
// comment). Invalid input is a muster.Invalid error naming the need or
// candidate, its position and the field.
func Allocate(needs []Need, cands []Candidate, opt Options) (Proposal, error) {
	p, err := prepare(needs, cands, opt)
	if err != nil {
		return Proposal{}, err
	}
	s := newSolver(p)
	s.run()
	return s.proposal(), nil
}

func workers(opt Options) int {
	if opt.Workers > 0 {
		return opt.Workers
	}
	return runtime.GOMAXPROCS(0)
}
