package order

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

// Lost is the return condition of requisitioned items that did not come
// back (consumed, destroyed, or kept): the damage supplement is their full
// declared value.
const Lost = "lost"

// Rates are a policy version's compensation rates, in whole XOF.
type Rates struct {
	// PerDay is, by resource type, the rate per unit of quantity per day
	// ("vehicle.truck": per truck; "fuel.diesel": per litre), in the
	// type's base unit: a quantity in tonnes is paid per kilogram and one
	// in cubic metres per litre, so that a household's 500 kg and a
	// cooperative's 2 t of millet are paid at the same rate.
	PerDay map[string]int64 `json:"per_day"`
	// PerUnit is, by resource type, the price per base unit of what is
	// consumed rather than used (fuel, food, water): paid once, whatever
	// the number of days, and with no damage supplement since nothing
	// comes back. A type with a PerUnit price ignores PerDay.
	PerUnit map[string]int64 `json:"per_unit,omitempty"`
	// ServicePerDay is, by skill, the rate per day of call-up service;
	// DefaultServicePerDay applies to a skill without a rate, or a call-up
	// that names none.
	ServicePerDay        map[string]int64 `json:"service_per_day"`
	DefaultServicePerDay int64            `json:"default_service_per_day"`
	// DamagePercentPerStep is the share of an item's declared value owed
	// for each step down registry.Conditions between handover and return
	// (good → poor is two steps), capped at 100.
	DamagePercentPerStep int64 `json:"damage_percent_per_step"`
}

// Line is one line of a compensation's breakdown: the use of an item, a
// call-up's service, or damage to an item.
//
// Detail is the line's working in English, for the API, the CLI and the
// log; the other fields hold the same working as data, so that a page or
// a printout can say it in its reader's language.
type Line struct {
	Item      int    `json:"item"`  // index in Order.Items, -1 for a call-up without one
	Basis     string `json:"basis"` // "use", "consumed", "service" or "damage"
	Detail    string `json:"detail"`
	AmountXOF int64  `json:"amount_xof"`

	Subject  string  `json:"subject,omitempty"`  // the item's type, or the call-up's skill
	Quantity float64 `json:"quantity,omitempty"` // in Unit, the type's base unit (use, consumed)
	Unit     string  `json:"unit,omitempty"`
	Days     int64   `json:"days,omitempty"`     // use, service
	RateXOF  int64   `json:"rate_xof,omitempty"` // per base unit per day (use), per base unit (consumed), per day (service)
	From     string  `json:"from,omitempty"`     // damage: the condition at handover
	To       string  `json:"to,omitempty"`       // damage: the condition at return, or Lost
	Percent  int64   `json:"percent,omitempty"`  // damage: the share of ValueXOF owed
	ValueXOF int64   `json:"value_xof,omitempty"`
}

// Compensation is what an order's addressee is owed, with its breakdown.
type Compensation struct {
	AmountXOF int64  `json:"amount_xof"`
	Days      int64  `json:"days"`
	Lines     []Line `json:"lines"`
}

const day = 24 * time.Hour

// Compensate computes what the addressee of o is owed for the period from
// handedOver to returned (or released), with the items coming back in
// condition (a registry condition, or Lost; ignored for call-ups).
//
// The period is counted in whole days and a started day counts, so a
// handover and return within the same hour is one day. A requisition owes,
// per item, rate × quantity × days, plus the damage supplement; a call-up
// owes the service rate of its skill × days. An item without a recorded
// handover condition is taken to have been handed over new: recording the
// condition is the authority's duty, so its absence must not cost the
// owner.
//
// Money is integers only. Quantities, which may be fractional, are taken
// in thousandths (rounded half up); each line is computed exactly and
// rounded half up to whole XOF once, at its end, and the total is the sum
// of the lines, so that a printed breakdown adds up.
func Compensate(o Order, handedOver, returned time.Time, condition string, r Rates) (Compensation, error) {
	if err := r.validate(); err != nil {
		return Compensation{}, err
	}
	if returned.Before(handedOver) {
		return Compensation{}, muster.Errorf(muster.Invalid, "compensation: returned before it was handed over")
	}
	days := int64((returned.Sub(handedOver) + day - 1) / day)
	days = max(days, 1)
	c := Compensation{Days: days}
	switch o.Kind {
	case CallUp:
		skill, item := "", -1
		if len(o.Items) > 0 {
			skill, item = o.Items[0].Type, 0
		}
		rate, ok := r.ServicePerDay[skill]
		if !ok {
			rate = r.DefaultServicePerDay
		}
		amount, ok := mul(rate, days)
		if !ok {
			return Compensation{}, tooLarge()
		}
		c.Lines = append(c.Lines, Line{Item: item, Basis: "service", AmountXOF: amount,
			Detail:  fmt.Sprintf("%s: %s × %d XOF/day", orDefault(skill), plural(days, "day"), rate),
			Subject: skill, Days: days, RateXOF: rate})
	case Requisition:
		if condition != Lost && !slices.Contains(registry.Conditions, condition) {
			return Compensation{}, muster.Errorf(muster.Invalid, "compensation: return condition %q is not one of %v or %s", condition, registry.Conditions, Lost)
		}
		for i, it := range o.Items {
			lines, err := itemLines(i, it, days, condition, r)
			if err != nil {
				return Compensation{}, err
			}
			c.Lines = append(c.Lines, lines...)
		}
	default:
		return Compensation{}, muster.Errorf(muster.Invalid, "compensation: %q is not an order kind", o.Kind)
	}
	for _, l := range c.Lines {
		var ok bool
		if c.AmountXOF, ok = add(c.AmountXOF, l.AmountXOF); !ok {
			return Compensation{}, tooLarge()
		}
	}
	return c, nil
}

func itemLines(i int, it Item, days int64, condition string, r Rates) ([]Line, error) {
	if math.IsNaN(it.Quantity) || it.Quantity <= 0 || it.Quantity > MaxQuantity {
		return nil, muster.Errorf(muster.Invalid, "compensation: item %d has quantity %v", i, it.Quantity)
	}
	if it.ValueXOF < 0 {
		return nil, muster.Errorf(muster.Invalid, "compensation: item %d has a negative declared value", i)
	}
	baseQty, baseUnit := registry.InBaseUnit(it.Quantity, it.Unit)
	milli := int64(math.Round(baseQty * 1000))
	if price, ok := r.PerUnit[it.Type]; ok {
		m, ok1 := mul(price, milli)
		m, ok2 := add(m, 500)
		if !ok1 || !ok2 {
			return nil, tooLarge()
		}
		qty := strconv.FormatFloat(baseQty, 'f', -1, 64)
		return []Line{{Item: i, Basis: "consumed", AmountXOF: m / 1000,
			Detail:  fmt.Sprintf("%s: %s %s × %d XOF", it.Type, qty, baseUnit, price),
			Subject: it.Type, Quantity: baseQty, Unit: baseUnit, RateXOF: price}}, nil
	}
	rate, ok := r.PerDay[it.Type]
	if !ok {
		return nil, muster.Errorf(muster.Invalid, "compensation: the policy has no daily rate for %s", it.Type)
	}
	m, ok1 := mul(rate, milli)
	m, ok2 := mul(m, days)
	m, ok3 := add(m, 500)
	if !ok1 || !ok2 || !ok3 {
		return nil, tooLarge()
	}
	qty := strconv.FormatFloat(baseQty, 'f', -1, 64)
	lines := []Line{{Item: i, Basis: "use", AmountXOF: m / 1000,
		Detail:  fmt.Sprintf("%s: %s %s × %s × %d XOF/day", it.Type, qty, baseUnit, plural(days, "day"), rate),
		Subject: it.Type, Quantity: baseQty, Unit: baseUnit, Days: days, RateXOF: rate}}

	out := it.Condition
	if out == "" {
		out = registry.Conditions[0]
	}
	var pct int64
	if condition == Lost {
		pct = 100
	} else if steps := int64(slices.Index(registry.Conditions, condition) - slices.Index(registry.Conditions, out)); steps > 0 {
		pct = min(100, steps*r.DamagePercentPerStep)
	}
	if pct > 0 && it.ValueXOF > 0 {
		v, ok1 := mul(it.ValueXOF, pct)
		v, ok2 := add(v, 50)
		if !ok1 || !ok2 {
			return nil, tooLarge()
		}
		lines = append(lines, Line{Item: i, Basis: "damage", AmountXOF: v / 100,
			Detail:  fmt.Sprintf("%s: %s → %s, %d%% of %d XOF", it.Type, out, condition, pct, it.ValueXOF),
			Subject: it.Type, From: out, To: condition, Percent: pct, ValueXOF: it.ValueXOF})
	}
	return lines, nil
}

func (r Rates) validate() error {
	for t, v := range r.PerDay {
		if v < 0 {
			return muster.Errorf(muster.Invalid, "compensation rate for %s is negative", t)
		}
	}
	for t, v := range r.PerUnit {
		if v < 0 {
			return muster.Errorf(muster.Invalid, "compensation price for %s is negative", t)
		}
	}
	for s, v := range r.ServicePerDay {
		if v < 0 {
			return muster.Errorf(muster.Invalid, "service rate for %s is negative", s)
		}
	}
	if r.DefaultServicePerDay < 0 || r.DamagePercentPerStep < 0 || r.DamagePercentPerStep > 100 {
		return muster.Errorf(muster.Invalid, "compensation rates: default service rate must not be negative, damage percent must be 0 to 100")
	}
	return nil
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.FormatInt(n, 10) + " " + word + "s"
}

func orDefault(skill string) string {
	if skill == "" {
		return "service"
	}
	return skill
}

// mul and add work on non-negative amounts and report overflow, so that
// an absurd rate or quantity is an error and never a wrapped-around sum.
func mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return int64(lo), hi == 0 && lo <= math.MaxInt64
}

func add(a, b int64) (int64, bool) {
	s := a + b
	return s, s >= a
}

func tooLarge() error {
	return muster.Errorf(muster.Invalid, "compensation: the amount is too large to compute; check the rates and quantities")
}
