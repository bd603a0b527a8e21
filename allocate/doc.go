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
// reason; nothing is dropped. Deadline is not weighed: urgency is what
// Priority says, and a caller that wants the earliest deadlines served
// first gives them a higher priority.
//
// # Algorithm
//
// The model is a min-cost flow network: need → candidate (cost d per
// standard unit), candidate → owner (capacity Available), owner → sink
// through unit steps of rising cost (the convex burden), solved level by
// level by successive shortest paths with node potentials (Dijkstra on
// reduced costs, which stay ≥ 0). Both solvers solve exactly that network:
//
//   - Exact builds every arc (every matching pair within MaxDistanceKm) and
//     augments along shortest paths found by Bellman-Ford: textbook, small
//     instances only (MaxExactArcs), the yardstick.
//   - Allocate never builds all pairs, yet its searches are those of the
//     full network. Each need's arcs come from a per-type lat/lon grid, in
//     rings fetched only when a search reaches the ring's lower bound
//     (its radius plus the need's potential: no candidate's potential is
//     above zero). Fetched arcs are kept sorted by a lower bound of their
//     reduced cost and relaxed only when the search reaches it. A
//     candidate nothing is taken from carries its owner's potential, and
//     an owner no search has reached starts at minus its first step's
//     cost, so a search sees at once what an owner's burden adds and leaves
//     alone the candidates of owners who cost more than the path it will
//     find. The sink is not a node: each owner settled offers its next
//     burden step, and one search takes every path it finds while the path
//     stays a shortest one (within a window of two burden steps).
//
// A priority level whose demand the free supply is sure to meet (no
// distance limit, and Hall's condition on the type hierarchy) is served
// need by need, each until filled: when every need is filled, every order
// gives the optimum. Any other level is first served the same way from a
// snapshot; if no need ends short, that is the optimum too. If some do,
// who goes short is a matter of cost: the level is served again from the
// snapshot by successive shortest paths from a super source joined to all
// its needs, every augmentation the cheapest in the level, which is exact
// but explores much more. Should that cost more than ten times the
// need-by-need service, the need-by-need answer (nearest needs first) is
// kept and Proposal.Optimal is false: its fill is still the most
// possible, as fill does not depend on order, only who goes short may
// cost more than the optimum. A search that finds no path proves that
// none of the nodes it settled can ever reach free supply; they are
// marked dead and skipped from then on.
//
// So Allocate's answer is Exact's optimum, up to floating-point rounding
// and the choice among equal-cost optima, unless Optimal says otherwise.
// Its work grows with the standard units demanded (about one search per
// unit, less when a search takes several paths) times the part of the
// network cheaper than each path found: small where supply is near, large
// where supply barely meets demand over a wide area and each unit has to
// be found far away through chains of re-routed lines. Memory is linear
// in candidates plus arcs fetched. Validation, the grids and each need's
// first arcs are computed on Options.Workers goroutines and candidates are
// renumbered by grid cell so that a search's memory stays close; the
// searches are sequential. Ties are broken by input order everywhere, so
// the same input gives the same proposal whatever the number of workers.
package allocate
