// Package proposal prepares the allocator's work from the registry under a
// policy, and holds the proposals officers review. It applies what policy
// says before the allocator sees anything: protected organisations and
// resource types are left out, each owner's resources are capped by the
// per-owner limits (never the last vehicle, a share of a food stock), and
// only persons liable for service are offered for skill needs. It is pure:
// the store streams the registry into it.
package proposal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/registry"
)

// Excluded counts the candidates policy left out, by reason, so that a
// reviewer sees why a need with resources nearby is short.
type Excluded struct {
	ProtectedOrganisation int `json:"protected_organisation"`
	ProtectedType         int `json:"protected_type"`
	OwnerLimit            int `json:"owner_limit"` // nothing left to take under a per-owner limit
	NotLiable             int `json:"not_liable"`
	NoLocation            int `json:"no_location"`
}

// Builder collects allocator candidates from the registry, owner by owner.
type Builder struct {
	policy *policy.Policy
	tree   *area.Tree
	at     time.Time
	scale  map[string]float64
	// wanted are the needs' allocation types: candidates of no wanted
	// type are not kept.
	wanted []string

	Candidates []allocate.Candidate
	Excluded   Excluded
}

// NewBuilder returns a builder for needs under policy p, at time at; tree
// gives the label points of areas for records without a location.
func NewBuilder(p *policy.Policy, tree *area.Tree, needs []need.Need, at time.Time) *Builder {
	b := &Builder{policy: p, tree: tree, at: at, scale: allocate.DefaultScale}
	for _, n := range needs {
		if t := n.AllocationType(); !slices.Contains(b.wanted, t) {
			b.wanted = append(b.wanted, t)
		}
	}
	return b
}

func (b *Builder) wants(t string) bool {
	for _, w := range b.wanted {
		if allocate.Matches(w, t) {
			return true
		}
	}
	return false
}

// Classes are the resource classes the needs ask for, for the store to
// stream; skills are the person skills.
func (b *Builder) Classes() (classes, skills []string) {
	for _, w := range b.wanted {
		if s, ok := strings.CutPrefix(w, "skill."); ok {
			skills = append(skills, s)
			continue
		}
		c, _, _ := strings.Cut(w, ".")
		if !slices.Contains(classes, c) {
			classes = append(classes, c)
		}
	}
	return classes, skills
}

// point is where a record is: its own location, or its area's label.
func (b *Builder) point(p *area.Point, areaCode string) (area.Point, bool) {
	if p != nil {
		return *p, true
	}
	if a, ok := b.tree.Get(areaCode); ok && a.Label != nil {
		return *a.Label, true
	}
	return area.Point{}, false
}

// Given is what was already taken from one owner by earlier orders: items
// as resources (type, quantity, unit).
type Given []registry.Resource

// AddOwner offers the resources of one owner (all of them in the
// streamed classes, so that "never the last vehicle" counts every
// vehicle), capped by the per-owner limits given what earlier orders
// took. org is the owning organisation, nil for a person. Resources are
// capped in the order given, each as if the earlier ones were taken in
// full, so that together they never exceed the owner's limit.
func (b *Builder) AddOwner(owner string, org *registry.Organisation, resources []registry.Resource, given Given) error {
	if org != nil {
		prot, err := b.policy.ProtectedOrganisation(*org)
		if err != nil {
			return err
		}
		if prot.Protected {
			b.Excluded.ProtectedOrganisation += len(resources)
			return nil
		}
	}
	h := policy.Holdings{Kind: registry.OwnerPerson}
	if org != nil {
		h.Kind = registry.OwnerOrganisation
	}
	for _, r := range resources {
		h.Add(r)
	}
	var givenUnits float64
	for _, g := range given {
		h.AddGiven(g, g.Quantity)
		givenUnits += b.standard(g.Type, g.Quantity, g.Unit)
	}
	for _, r := range resources {
		if !b.wants(r.Type) {
			continue
		}
		take, err := b.policy.Limit(r, h)
		if err != nil {
			return fmt.Errorf("resource %s: %w", r.ResourceID, err)
		}
		if b.policy.ProtectedType(r.Type).Protected {
			b.Excluded.ProtectedType++
			continue
		}
		if take.Max <= 0 {
			b.Excluded.OwnerLimit++
			continue
		}
		pt, ok := b.point(r.Location, r.Area)
		if !ok {
			b.Excluded.NoLocation++
			continue
		}
		h.AddGiven(r, take.Max)
		b.Candidates = append(b.Candidates, allocate.Candidate{ID: r.ResourceID, Owner: owner, Type: r.Type,
			Available: baseQuantity(take.Max, r.Unit), Point: pt, OwnerGiven: givenUnits})
	}
	return nil
}

// baseQuantity is a quantity in the unit needs count in: tonnes and cubic
// metres are stored, but needs ask for kilograms and litres like the
// allocator's scale.
func baseQuantity(q float64, unit string) float64 {
	b, _ := registry.InBaseUnit(q, unit)
	return b
}

// standard is a quantity in the allocator's standard units (one vehicle,
// 1000 l of fuel...).
func (b *Builder) standard(t string, q float64, unit string) float64 {
	c, _, _ := strings.Cut(t, ".")
	s, ok := b.scale[c]
	if !ok {
		s = 1
	}
	return baseQuantity(q, unit) * s
}

// AddPerson offers a person for the first of their skills that a need
// asks for, if policy says they are liable. id is the store's key for the
// person (PersonCandidate), used as candidate and owner so that no name or
// national ID reaches the proposal; previous counts the call-ups they
// already had.
func (b *Builder) AddPerson(p registry.Person, id string, previous int) error {
	var skill string
	for _, s := range p.Skills {
		if b.wants("skill." + s) {
			skill = s
			break
		}
	}
	if skill == "" {
		return nil
	}
	ok, err := b.policy.Eligible(p, b.at, nil)
	if err != nil {
		return fmt.Errorf("person %s: %w", id, err)
	}
	if !ok {
		b.Excluded.NotLiable++
		return nil
	}
	pt, found := b.point(nil, p.Area)
	if !found {
		b.Excluded.NoLocation++
		return nil
	}
	b.Candidates = append(b.Candidates, allocate.Candidate{ID: id, Owner: id,
		Type: "skill." + skill, Available: 1, Point: pt, OwnerGiven: float64(previous)})
	return nil
}

// Needs converts needs to the allocator's, placing each at its point or
// its area's label. Priority 5 is served first.
func (b *Builder) Needs(needs []need.Need) ([]allocate.Need, error) {
	out := make([]allocate.Need, 0, len(needs))
	for _, n := range needs {
		pt, ok := b.point(n.Point, n.Area)
		if !ok {
			return nil, muster.Errorf(muster.Invalid, "need %s: neither it nor its area %s has a location", n.ID, n.Area)
		}
		out = append(out, allocate.Need{ID: n.ID, Type: n.AllocationType(), Quantity: n.Remaining(), Point: pt,
			Priority: n.Priority, Deadline: n.Deadline})
	}
	return out, nil
}
