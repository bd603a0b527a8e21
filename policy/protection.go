package policy

import (
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
	"github.com/muster-org/muster/registry"
	"go.yaml.in/yaml/v3"
)

// Protection is the answer to "may this be requisitioned": whether it is
// protected and, when it is, why, in words fit for a proposal's reviewer.
type Protection struct {
	Protected bool   `json:"protected"`
	Reason    string `json:"reason,omitempty"`
}

// protection holds what the policy protects: organisation kinds, rules
// over organisations, and resource types or whole classes, each with the
// reason given in the file.
type protection struct {
	kinds map[string]string
	rules []orgRule
	types map[string]string
}

// orgRule protects the organisations for which when holds.
type orgRule struct {
	name   string
	when   cel.Program
	reason string
}

func decodeProtection(d *decoder, n *yaml.Node) protection {
	p := protection{kinds: map[string]string{}, types: map[string]string{}}
	f := d.fields(n, "protection", "organisation_kinds", "organisations", "resource_types")
	if f == nil {
		return p
	}
	if n := f["organisation_kinds"]; n != nil {
		p.kinds = decodeReasons(d, n, "protection.organisation_kinds", func(kind string) string {
			if slices.Contains(registry.OrganisationKinds, kind) {
				return ""
			}
			return "is not an organisation kind (" + strings.Join(registry.OrganisationKinds, ", ") + ")"
		})
	}
	if n := f["resource_types"]; n != nil {
		p.types = decodeReasons(d, n, "protection.resource_types", func(name string) string {
			if knownName(name) {
				return ""
			}
			return "is not a resource class or type of the taxonomy (such as vehicle or vehicle.ambulance)"
		})
	}
	if n := f["organisations"]; n != nil {
		items, _ := d.list(n, "protection.organisations")
		var names []string
		for i, it := range items {
			path := index("protection.organisations", i)
			f := d.fields(it, path, "name!", "when!", "reason!")
			if f == nil {
				continue
			}
			var r orgRule
			if n := f["name"]; n != nil {
				r.name, _ = d.token(n, join(path, "name"))
				if slices.Contains(names, r.name) {
					d.errorf(n, join(path, "name"), "%q names an earlier rule too", r.name)
				}
				names = append(names, r.name)
			}
			if n := f["when"]; n != nil {
				r.when = compile(d, orgEnv, n, join(path, "when"), wantBool)
			}
			if n := f["reason"]; n != nil {
				r.reason, _ = d.text(n, join(path, "reason"))
			}
			p.rules = append(p.rules, r)
		}
	}
	return p
}

// decodeReasons reads a mapping of names to the reason each is protected;
// bad says what is wrong with a name, or "" when it is fine.
func decodeReasons(d *decoder, n *yaml.Node, path string, bad func(string) string) map[string]string {
	out := map[string]string{}
	es, _ := d.entries(n, path)
	for _, e := range es {
		p := join(path, e.key)
		if why := bad(e.key); why != "" {
			d.errorf(e.keyAt, p, "%q %s", e.key, why)
			continue
		}
		if reason, ok := d.text(e.value, p); ok {
			out[e.key] = reason
		}
	}
	return out
}

// ProtectedOrganisation says whether o may never be requisitioned from,
// and why. An organisation flagged protected in the registry always is;
// then come the protected kinds, then the rules in file order. A rule that
// cannot be evaluated is an error naming it, never a silent "not
// protected".
func (p *Policy) ProtectedOrganisation(o registry.Organisation) (Protection, error) {
	if o.Protected {
		reason := "protected in the registry"
		if o.ProtectedReason != "" {
			reason += ": " + o.ProtectedReason
		}
		return Protection{true, reason}, nil
	}
	if reason, ok := p.protection.kinds[o.Kind]; ok {
		return Protection{true, "organisation kind " + o.Kind + ": " + reason}, nil
	}
	if len(p.protection.rules) == 0 {
		return Protection{}, nil
	}
	in := &orgInput{o}
	for _, r := range p.protection.rules {
		ok, err := evalBool(r.when, in, "protection rule "+r.name)
		if err != nil {
			return Protection{}, err
		}
		if ok {
			return Protection{true, r.name + ": " + r.reason}, nil
		}
	}
	return Protection{}, nil
}

// ProtectedType says whether resources of the given type ("vehicle.ambulance")
// may never be requisitioned, and why: the type is protected by name, or
// its whole class is.
func (p *Policy) ProtectedType(resourceType string) Protection {
	if reason, ok := p.protection.types[resourceType]; ok {
		return Protection{true, resourceType + ": " + reason}
	}
	class, _, _ := strings.Cut(resourceType, ".")
	if reason, ok := p.protection.types[class]; ok {
		return Protection{true, class + ": " + reason}
	}
	return Protection{}
}

// orgInput binds orgVars for one evaluation.
type orgInput struct{ o registry.Organisation }

func (in *orgInput) ResolveName(name string) (any, bool) {
	switch name {
	case "org.id":
		return types.String(in.o.OrgID), true
	case "org.name":
		return types.String(in.o.Name), true
	case "org.kind":
		return types.String(in.o.Kind), true
	case "org.area":
		return types.String(in.o.Area), true
	}
	return nil, false
}

func (in *orgInput) Parent() interpreter.Activation { return nil }
