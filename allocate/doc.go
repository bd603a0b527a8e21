// Package allocate proposes which resources and persons fill which needs:
// the allocator of DESIGN.md ("Proposal", "The flow of data"). It takes
// needs, candidates and options and returns proposal lines with a cost
// breakdown, and shortfalls. It is pure: it must not import policy, a
// database or a transport. The caller has already applied policy:
// protected resources are not candidates, and each candidate's Available
// is already capped by the per-owner limits.
//
// # Matching
//
// A need's Type matches a candidate's Type when the two are equal or when
// the candidate's type continues the need's with a dot: a need for the
// class "vehicle" is filled by "vehicle.truck" and "vehicle.bus", a need
// for "vehicle.truck" only by "vehicle.truck" (and "vehicle.truck.heavy",
// should a taxonomy go that deep). Persons are candidates like any other,
// with a type such as "skill.driver" and Available 1. Nothing else is
// matched: no synonyms, no units. Quantities of a class are in one unit,
// which the caller converts to before calling.
//
// # Cost model
//
// Quantities are first converted to standard units by the class's scale
// (Options.Scale, DefaultScale): one vehicle, 1000 l of fuel, 1 t of food
// are each one standard unit. A line moving q standard units over d km
// (great circle, candidate to need) costs
//
//	travel   = d × q
//
// and each owner o, of whom the proposal takes x standard units in all and
// who had already given g standard units before it (Candidate.OwnerGiven),
// costs
//
//	burden   = BurdenWeight × ∫₀ˣ ⌊t⌋ dt      (the k-th unit taken costs k × BurdenWeight)
//	fairness = FairnessWeight × g × x          (each unit taken costs more from one who gave before)
//
// The burden is convex in x: the first unit an owner gives costs nothing,
// the second BurdenWeight, the third twice that, so the allocator spreads
// what it takes over owners unless distance says otherwise. The weights
// are in km: BurdenWeight 25 means that taking a second truck from one
// owner is worth 25 km of extra travel. An owner's burden and fairness are
// shared among its lines in proportion to their quantities, and each line
// reports its distance, travel, burden, fairness and total.
//
// # Priority and shortfall
//
// Needs are served by priority level, highest first: a level gets the
// most quantity it can from what higher levels left (a maximum flow), and
// among the ways to get that most it takes the cheapest (a minimum-cost
// flow); lower levels may re-route a higher level's lines to cheaper
// candidates but never take quantity from a higher-priority need, nor move
// a shortage from one higher-priority need to another. So fill comes first
// and cost second. What a need lacks at the end is a Shortfall with a
// reason; nothing is dropped. Deadline is carried, not weighed: urgency is
// what Priority says.
//
// # Algorithm
//
// The model is a min-cost flow network: need → candidate (cost d per unit),
// candidate → owner (capacity Available), owner → sink through unit steps
// of rising cost (the convex burden), solved level by level by successive
// shortest paths with node potentials (Dijkstra on reduced costs). Both
// solvers in this package solve exactly that network:
//
//   - Exact builds every arc (every matching pair within MaxDistanceKm) and
//     augments along shortest paths found by Bellman-Ford: textbook, small
//     instances only, the yardstick.
//   - Allocate never builds all pairs. Each need's arcs come lazily from a
//     per-type lat/lon grid, nearest first; a need's arcs beyond the radius
//     it has fetched are represented in Dijkstra's queue by one entry whose
//     key is a lower bound of their reduced cost (radius + the need's
//     potential, since potentials never rise above zero), and are fetched
//     only if the search reaches that key. The searches are therefore the
//     same as on the full network, and the result is the same optimum, up
//     to floating-point rounding and the choice among equal-cost optima.
//     Needs of one level are kept in a queue keyed by a lower bound of
//     their cheapest augmenting path; the one at the head is searched with
//     a cut-off at the next key, so every augmentation is a globally
//     shortest one, as successive shortest paths requires. A search that
//     finds no path proves that no node it saw can ever reach free supply;
//     those nodes are marked dead and skipped from then on, so a scarce
//     region is explored once, not once per short need.
//
// Cost: each augmentation is a Dijkstra over the part of the network
// within the path's reduced length of the need, which is small when
// supply is near; the number of augmentations is about the number of
// lines plus the number of burden steps taken. Memory is linear in the
// candidates plus the arcs fetched. Validation, the grids and each need's
// first arcs are computed on Options.Workers goroutines; the augmentations
// are sequential. Ties are broken by input order everywhere, so the same
// input gives the same proposal whatever the number of workers.
package allocate
