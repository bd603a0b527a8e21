package policy

import (
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"go.yaml.in/yaml/v3"
)

// decodeRates reads the compensation section into order.Rates, checking
// what order.Compensate checks (no negative rate, a damage percent from 0
// to 100) so that a policy that loads never fails there, and that every
// rate names a type of the taxonomy and a well-formed skill.
func decodeRates(d *decoder, n *yaml.Node) order.Rates {
	r := order.Rates{PerDay: map[string]int64{}, PerUnit: map[string]int64{}, ServicePerDay: map[string]int64{}}
	f := d.fields(n, "compensation", "per_day!", "per_unit", "service_per_day", "default_service_per_day!", "damage_percent_per_step!")
	if f == nil {
		return r
	}
	amount := func(n *yaml.Node, path string) (int64, bool) {
		v, ok := d.integer(n, path)
		if ok && v < 0 {
			d.errorf(n, path, "%d XOF is negative", v)
			return 0, false
		}
		return v, ok
	}
	for _, section := range []struct {
		name  string
		rates map[string]int64
	}{{"per_day", r.PerDay}, {"per_unit", r.PerUnit}} {
		n := f[section.name]
		if n == nil {
			continue
		}
		es, _ := d.entries(n, "compensation."+section.name)
		for _, e := range es {
			path := join("compensation."+section.name, e.key)
			if _, ok := registry.LookupType(e.key); !ok {
				d.errorf(e.keyAt, path, "%q is not a resource type of the taxonomy (such as vehicle.truck)", e.key)
				continue
			}
			if v, ok := amount(e.value, path); ok {
				section.rates[e.key] = v
			}
		}
	}
	if n := f["service_per_day"]; n != nil {
		es, _ := d.entries(n, "compensation.service_per_day")
		for _, e := range es {
			path := join("compensation.service_per_day", e.key)
			if !registry.ValidToken(e.key) {
				d.errorf(e.keyAt, path, "%q is not a skill name (lower-case letters, digits, '_', '.', '-')", e.key)
				continue
			}
			if v, ok := amount(e.value, path); ok {
				r.ServicePerDay[e.key] = v
			}
		}
	}
	if n := f["default_service_per_day"]; n != nil {
		r.DefaultServicePerDay, _ = amount(n, "compensation.default_service_per_day")
	}
	if n := f["damage_percent_per_step"]; n != nil {
		if v, ok := d.integer(n, "compensation.damage_percent_per_step"); ok {
			if v < 0 || v > 100 {
				d.errorf(n, "compensation.damage_percent_per_step", "%d is not a percentage from 0 to 100", v)
			}
			r.DamagePercentPerStep = v
		}
	}
	return r
}
