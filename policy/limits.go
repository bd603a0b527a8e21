package policy

import (
	"math"
	"slices"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
	"go.yaml.in/yaml/v3"
)

// Holdings is what one owner has, as the caller knows it from the registry
// and from what has already been taken from them, each map keyed by
// resource class ("vehicle") and by type ("vehicle.truck"): Add and
// AddGiven fill both keys. A class or type missing from a map counts as
// zero.
//
// Counts are whole items for countable types (three trucks in one record
// count three) and records for the others (two millet stocks count two).
// Quantities are in base units, so that stocks recorded in different
// units add up: tonnes count as kilograms and cubic metres as litres.
type Holdings struct {
	Kind       registry.OwnerKind
	Count      map[string]int64
	Quantity   map[string]float64
	GivenCount map[string]int64
	Given      map[string]float64
}

// Add counts r among the owner's holdings.
func (h *Holdings) Add(r registry.Resource) {
	h.Count, h.Quantity = addAmounts(h.Count, h.Quantity, r, r.Quantity)
}

// AddGiven counts quantity (in r's unit) of r as already taken from the
// owner, by an earlier order or an earlier line of the same proposal.
func (h *Holdings) AddGiven(r registry.Resource, quantity float64) {
	h.GivenCount, h.Given = addAmounts(h.GivenCount, h.Given, r, quantity)
}

func addAmounts(count map[string]int64, qty map[string]float64, r registry.Resource, quantity float64) (map[string]int64, map[string]float64) {
	if count == nil {
		count = map[string]int64{}
	}
	if qty == nil {
		qty = map[string]float64{}
	}
	items := int64(1)
	if t, ok := registry.LookupType(r.Type); ok && t.Countable {
		items = int64(quantity)
	}
	base, _, _ := toBase(quantity, r.Unit)
	class := classOf(r.Type)
	for _, k := range []string{r.Type, class} {
		count[k] += items
		qty[k] += base
	}
	return count, qty
}

// baseUnits converts the taxonomy's larger units to the smaller one of the
// same kind; every other unit is its own base.
var baseUnits = map[string]struct {
	unit   string
	factor float64
}{
	"t":  {"kg", 1000},
	"m3": {"l", 1000},
}

func toBase(quantity float64, unit string) (float64, string, float64) {
	if b, ok := baseUnits[unit]; ok {
		return quantity * b.factor, b.unit, b.factor
	}
	return quantity, unit, 1
}

// names holds every resource class and type of the taxonomy.
var names = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range registry.Taxonomy {
		m[t.Name] = true
		m[t.Class()] = true
	}
	return m
}()

// knownName reports whether s is a resource class or type.
func knownName(s string) bool { return names[s] }

func classOf(resourceType string) string {
	return registry.ResourceType{Name: resourceType}.Class()
}

// limits is the per-owner limit rules, with the rules that apply to each
// resource type worked out at load so that a call finds them in one lookup.
type limits struct {
	rules  []limitRule
	byType map[string][]int
}

// limitRule caps what may be taken of the resources it applies to (every
// resource when appliesTo is empty), when its condition holds.
type limitRule struct {
	name      string
	appliesTo []string
	when      cel.Program
	max       cel.Program
}

func decodeLimits(d *decoder, n *yaml.Node) limits {
	var l limits
	items, ok := d.list(n, "limits")
	if !ok {
		return l
	}
	var seen []string
	for i, it := range items {
		path := index("limits", i)
		f := d.fields(it, path, "name!", "applies_to", "when", "max!")
		if f == nil {
			continue
		}
		var r limitRule
		if n := f["name"]; n != nil {
			r.name, _ = d.token(n, join(path, "name"))
			if slices.Contains(seen, r.name) {
				d.errorf(n, join(path, "name"), "%q names an earlier limit too", r.name)
			}
			seen = append(seen, r.name)
		}
		if n := f["applies_to"]; n != nil {
			r.appliesTo = decodeAppliesTo(d, n, join(path, "applies_to"))
		}
		if n := f["when"]; n != nil {
			r.when = compile(d, limitEnv, n, join(path, "when"), wantBool)
		}
		if n := f["max"]; n != nil {
			r.max = compile(d, limitEnv, n, join(path, "max"), wantNumber)
		}
		l.rules = append(l.rules, r)
	}
	l.byType = map[string][]int{}
	for _, t := range registry.Taxonomy {
		for i, r := range l.rules {
			if len(r.appliesTo) == 0 || slices.Contains(r.appliesTo, t.Name) || slices.Contains(r.appliesTo, t.Class()) {
				l.byType[t.Name] = append(l.byType[t.Name], i)
			}
		}
	}
	return l
}

func decodeAppliesTo(d *decoder, n *yaml.Node, path string) []string {
	var out []string
	list, nodes := d.strs(n, path)
	for i, s := range list {
		if !knownName(s) {
			d.errorf(nodes[i], index(path, slices.Index(n.Content, nodes[i])), "%q is not a resource class or type of the taxonomy (such as vehicle or food.millet)", s)
			continue
		}
		out = append(out, s)
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.errorf(n, path, "is empty; leave it out to apply the limit to every resource")
	}
	return out
}

// Take is how much of a resource may be taken, in the resource's own unit,
// and the rule that set that bound: a limit's name, "protected: <reason>"
// for a protected type, or "" when the whole quantity may be taken.
type Take struct {
	Max  float64 `json:"max"`
	Rule string  `json:"rule,omitempty"`
}

// MaxTake is how much of r, in r's unit, may be taken from an owner whose
// holdings are h. See Limit.
func (p *Policy) MaxTake(r registry.Resource, h Holdings) (float64, error) {
	t, err := p.Limit(r, h)
	return t.Max, err
}

// Limit is how much of r may be taken from an owner whose holdings are h,
// and which rule bound it. Nothing of a protected type may be taken;
// otherwise it is the least of r's quantity and every applicable limit's
// max, never below zero, and whole items for a countable type. A limit
// that cannot be evaluated is an error naming it.
//
// The allocator calls this for every candidate resource, so the rules are
// compiled once at load and this call allocates only its CEL inputs.
func (p *Policy) Limit(r registry.Resource, h Holdings) (Take, error) {
	rt, ok := registry.LookupType(r.Type)
	if !ok {
		return Take{}, muster.Errorf(muster.Invalid, "policy: resource %s has type %q, which is not in the taxonomy", r.ResourceID, r.Type)
	}
	if !finite(r.Quantity) || r.Quantity < 0 {
		return Take{}, muster.Errorf(muster.Invalid, "policy: resource %s has quantity %v", r.ResourceID, r.Quantity)
	}
	if prot := p.ProtectedType(r.Type); prot.Protected {
		return Take{0, "protected: " + prot.Reason}, nil
	}
	rules := p.limits.byType[r.Type]
	if len(rules) == 0 {
		return Take{Max: r.Quantity}, nil
	}
	qty, unit, factor := toBase(r.Quantity, r.Unit)
	in := limitInputs.Get().(*limitInput)
	defer func() {
		*in = limitInput{} // keep no reference to the caller's maps
		limitInputs.Put(in)
	}()
	*in = limitInput{
		typ: types.String(r.Type), class: types.String(rt.Class()), unit: types.String(unit),
		quantity: types.Double(qty), countable: types.Bool(rt.Countable), area: types.String(r.Area),
		kind:       types.String(h.Kind),
		count:      amounts[int64]{"owner.count", h.Count},
		quantities: amounts[float64]{"owner.quantity", h.Quantity},
		givenCount: amounts[int64]{"owner.given_count", h.GivenCount},
		given:      amounts[float64]{"owner.given", h.Given},
	}
	best, rule := qty, ""
	for _, i := range rules {
		lr := &p.limits.rules[i]
		if lr.when != nil {
			ok, err := evalBool(lr.when, in, "limit "+lr.name)
			if err != nil {
				return Take{}, err
			}
			if !ok {
				continue
			}
		}
		v, err := evalNumber(lr.max, in, "limit "+lr.name)
		if err != nil {
			return Take{}, err
		}
		if v < best {
			best, rule = v, lr.name
		}
	}
	best = max(best, 0) / factor
	if rt.Countable {
		best = math.Floor(best)
	}
	return Take{best, rule}, nil
}

// evalNumber runs a rule that the checker proved returns a number.
func evalNumber(prg cel.Program, in interpreter.Activation, what string) (float64, error) {
	out, _, err := prg.Eval(in)
	if err != nil {
		return 0, muster.Wrap(muster.Invalid, err, "policy: %s could not be evaluated", what)
	}
	var v float64
	switch x := out.(type) {
	case types.Int:
		v = float64(x)
	case types.Uint:
		v = float64(x)
	case types.Double:
		v = float64(x)
	default:
		return 0, muster.Errorf(muster.Internal, "policy: %s returned %s, not a number", what, out.Type().TypeName())
	}
	if !finite(v) {
		return 0, muster.Errorf(muster.Invalid, "policy: %s returned %v, not a finite number", what, v)
	}
	return v, nil
}

// limitInputs recycles the inputs of Limit, which the allocator calls
// once per candidate resource.
var limitInputs = sync.Pool{New: func() any { return new(limitInput) }}

// limitInput binds limitVars for one evaluation.
type limitInput struct {
	typ, class, unit, area, kind types.String
	quantity                     types.Double
	countable                    types.Bool
	count, givenCount            amounts[int64]
	quantities, given            amounts[float64]
}

func (in *limitInput) ResolveName(name string) (any, bool) {
	switch name {
	case "resource.type":
		return in.typ, true
	case "resource.class":
		return in.class, true
	case "resource.quantity":
		return in.quantity, true
	case "resource.unit":
		return in.unit, true
	case "resource.countable":
		return in.countable, true
	case "resource.area":
		return in.area, true
	case "owner.kind":
		return in.kind, true
	case "owner.count":
		return &in.count, true
	case "owner.quantity":
		return &in.quantities, true
	case "owner.given_count":
		return &in.givenCount, true
	case "owner.given":
		return &in.given, true
	}
	return nil, false
}

func (in *limitInput) Parent() interpreter.Activation { return nil }
