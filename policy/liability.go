package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
	"go.yaml.in/yaml/v3"
)

// NoRule is Liability.Rule when no liability rule matched the person: they
// are not liable, and no rule said so explicitly.
const NoRule = "no_rule_matched"

// Liability is the answer to "may this person be called up": whether they
// are liable, and the name of the policy rule that decided.
type Liability struct {
	Liable bool   `json:"liable"`
	Rule   string `json:"rule"`
}

// retirement is the retirement age by rank, with a default for ranks the
// policy does not name and for persons without a rank.
type retirement struct {
	byDefault int
	byRank    map[string]int
}

// liabilityRule is one entry of the liability list: it matches persons of
// the given statuses (all when empty) for whom when holds (always when
// nil), and then says whether they are liable.
type liabilityRule struct {
	name     string
	statuses []registry.Status
	when     cel.Program
	liable   bool
}

// Ages outside this range are surely a slip in a policy file.
const minRetirementAge, maxRetirementAge = 30, 100

func decodeRetirement(d *decoder, n *yaml.Node) retirement {
	r := retirement{byRank: map[string]int{}}
	f := d.fields(n, "retirement_age", "default!", "ranks")
	if f == nil {
		return r
	}
	age := func(n *yaml.Node, path string) (int, bool) {
		v, ok := d.integer(n, path)
		if ok && (v < minRetirementAge || v > maxRetirementAge) {
			d.errorf(n, path, "%d is not an age between %d and %d", v, minRetirementAge, maxRetirementAge)
			return 0, false
		}
		return int(v), ok
	}
	if n := f["default"]; n != nil {
		r.byDefault, _ = age(n, "retirement_age.default")
	}
	if n := f["ranks"]; n != nil {
		es, _ := d.entries(n, "retirement_age.ranks")
		for _, e := range es {
			path := join("retirement_age.ranks", e.key)
			if !slices.Contains(registry.Ranks, e.key) {
				d.errorf(e.keyAt, path, "%q is not a rank (%s)", e.key, strings.Join(registry.Ranks, ", "))
				continue
			}
			if v, ok := age(e.value, path); ok {
				r.byRank[e.key] = v
			}
		}
	}
	return r
}

func decodeLiability(d *decoder, n *yaml.Node) []liabilityRule {
	items, ok := d.list(n, "liability")
	if !ok {
		return nil
	}
	var rules []liabilityRule
	var names []string
	for i, it := range items {
		path := index("liability", i)
		f := d.fields(it, path, "name!", "status", "when", "liable!")
		if f == nil {
			continue
		}
		var r liabilityRule
		if n := f["name"]; n != nil {
			r.name, _ = d.token(n, join(path, "name"))
			if slices.Contains(names, r.name) {
				d.errorf(n, join(path, "name"), "%q names an earlier rule too; the answer must say which rule decided", r.name)
			}
			names = append(names, r.name)
		}
		if n := f["status"]; n != nil {
			r.statuses = decodeStatuses(d, n, join(path, "status"))
		}
		if n := f["when"]; n != nil {
			r.when = compile(d, personEnv, n, join(path, "when"), wantBool)
		}
		if n := f["liable"]; n != nil {
			r.liable, _ = d.boolean(n, join(path, "liable"))
		}
		rules = append(rules, r)
	}
	return rules
}

func decodeStatuses(d *decoder, n *yaml.Node, path string) []registry.Status {
	var out []registry.Status
	names, nodes := d.strs(n, path)
	for i, s := range names {
		if !slices.Contains(registry.Statuses, registry.Status(s)) {
			d.errorf(nodes[i], index(path, slices.Index(n.Content, nodes[i])), "%q is not a status (civilian, reservist, active, retired)", s)
			continue
		}
		out = append(out, registry.Status(s))
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.errorf(n, path, "is empty; leave it out to match every status")
	}
	return out
}

// RetirementAge is the retirement age for a rank: the policy's age for
// that rank, or its default for a rank it does not name and for "".
func (p *Policy) RetirementAge(rank string) int {
	if a, ok := p.retirement.byRank[rank]; ok {
		return a
	}
	return p.retirement.byDefault
}

// Liable says whether person may be called up on the day at, and which
// rule decided: the first rule, in file order, whose statuses include the
// person's and whose condition holds. A person no rule matches is not
// liable (Rule is NoRule).
func (p *Policy) Liable(person registry.Person, at time.Time) (Liability, error) {
	in, err := p.personInput(person, at)
	if err != nil {
		return Liability{}, err
	}
	for i := range p.liability {
		r := &p.liability[i]
		if len(r.statuses) > 0 && !slices.Contains(r.statuses, person.Status) {
			continue
		}
		if r.when != nil {
			ok, err := evalBool(r.when, in, "liability rule "+r.name)
			if err != nil {
				return Liability{}, err
			}
			if !ok {
				continue
			}
		}
		return Liability{Liable: r.liable, Rule: r.name}, nil
	}
	return Liability{Liable: false, Rule: NoRule}, nil
}

// personInput is what a rule about a person sees.
func (p *Policy) personInput(person registry.Person, at time.Time) (*personInput, error) {
	if person.BirthDate.IsZero() {
		return nil, muster.Errorf(muster.Invalid, "policy: the person has no birth date, so their age is unknown")
	}
	if !slices.Contains(registry.Statuses, person.Status) {
		return nil, muster.Errorf(muster.Invalid, "policy: the person has status %q, which is not one of civilian, reservist, active, retired", person.Status)
	}
	skills := person.Skills
	if skills == nil {
		skills = []string{}
	}
	return &personInput{
		age:           types.Int(person.Age(at)),
		sex:           types.String(person.Sex),
		status:        types.String(person.Status),
		rank:          types.String(person.Rank),
		skills:        types.NewStringList(types.DefaultTypeAdapter, skills),
		area:          types.String(person.Area),
		retirementAge: types.Int(p.RetirementAge(person.Rank)),
	}, nil
}

// personInput binds personVars for one evaluation.
type personInput struct {
	age, retirementAge      types.Int
	sex, status, rank, area types.String
	skills                  any
}

func (in *personInput) ResolveName(name string) (any, bool) {
	switch name {
	case "person.age":
		return in.age, true
	case "person.sex":
		return in.sex, true
	case "person.status":
		return in.status, true
	case "person.rank":
		return in.rank, true
	case "person.skills":
		return in.skills, true
	case "person.area":
		return in.area, true
	case "retirement_age":
		return in.retirementAge, true
	}
	return nil, false
}

func (in *personInput) Parent() interpreter.Activation { return nil }

// evalBool runs a rule that the checker proved returns bool; what names
// the rule in an error.
func evalBool(prg cel.Program, in interpreter.Activation, what string) (bool, error) {
	out, _, err := prg.Eval(in)
	if err != nil {
		return false, muster.Wrap(muster.Invalid, err, "policy: %s could not be evaluated", what)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, muster.Errorf(muster.Internal, "policy: %s returned %s, not a bool", what, out.Type().TypeName())
	}
	return bool(b), nil
}

// Condition is an ad-hoc condition on a person, such as a campaign's
// `"driver" in person.skills`, checked like a liability rule's when.
type Condition struct {
	source string
	prg    cel.Program
	policy *Policy
}

// CompileCondition compiles a CEL condition over the same names a
// liability rule sees (person.age, person.skills, retirement_age...). The
// error says what is wrong and at which column.
func (p *Policy) CompileCondition(expr string) (*Condition, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, muster.Errorf(muster.Invalid, "condition: is empty")
	}
	prg, problems := compileSource(personEnv, expr, wantBool)
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, pr := range problems {
			msgs[i] = fmt.Sprintf("line %d: %s", pr.line, oneLine.Replace(pr.message))
		}
		return nil, muster.Errorf(muster.Invalid, "condition %q: %s", expr, strings.Join(msgs, "; "))
	}
	return &Condition{source: expr, prg: prg, policy: p}, nil
}

// String returns the condition's source.
func (c *Condition) String() string { return c.source }

// Match reports whether the condition holds for person on the day at.
func (c *Condition) Match(person registry.Person, at time.Time) (bool, error) {
	in, err := c.policy.personInput(person, at)
	if err != nil {
		return false, err
	}
	return evalBool(c.prg, in, fmt.Sprintf("condition %q", c.source))
}

// Eligible reports whether person may be drawn in a campaign on the day
// at: liable under the policy and, when cond is not nil, meeting it.
func (p *Policy) Eligible(person registry.Person, at time.Time, cond *Condition) (bool, error) {
	l, err := p.Liable(person, at)
	if err != nil || !l.Liable || cond == nil {
		return l.Liable, err
	}
	return cond.Match(person, at)
}
