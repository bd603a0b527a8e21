package order

import (
	"math"
	"testing"
	"time"

	"github.com/muster-org/muster"
)

var rates = Rates{
	PerDay:               map[string]int64{"vehicle.truck": 25_000, "fuel.diesel": 50, "food.millet": 1},
	PerUnit:              map[string]int64{"fuel.petrol": 720},
	ServicePerDay:        map[string]int64{"driver": 4_000},
	DefaultServicePerDay: 3_000,
	DamagePercentPerStep: 20,
}

var handover = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// TestCompensate checks examples worked out by hand.
func TestCompensate(t *testing.T) {
	millet := func(q float64) func() Order {
		return func() Order {
			o := goodRequisition()
			o.Items = []Item{{Type: "food.millet", Quantity: q, Unit: "kg", Condition: "good", ValueXOF: 5}}
			return o
		}
	}
	consumed := func() Order {
		o := goodRequisition()
		o.Items = []Item{{Type: "fuel.petrol", Quantity: 0.25, Unit: "m3", ValueXOF: 999}}
		return o
	}
	milletTonnes := func() Order {
		o := goodRequisition()
		o.Items = []Item{{Type: "food.millet", Quantity: 1.5, Unit: "t", Condition: "good"}}
		return o
	}
	noSkill := func() Order { o := goodCallUp(); o.Items = nil; return o }
	cook := func() Order { o := goodCallUp(); o.Items[0].Type = "cook"; return o }
	cases := []struct {
		name      string
		order     func() Order
		returned  time.Time
		condition string
		days      int64
		amounts   []int64 // per line
	}{
		// 4 days 1 hour: 5 started days. Trucks 25,000 × 2 × 5 = 250,000;
		// diesel 50 × 1,500.5 × 5 = 375,125; trucks good → poor is 2 steps,
		// 40 % of 30,000,000 = 12,000,000. The diesel has no declared value,
		// so no damage line.
		{"requisition damaged", goodRequisition, handover.Add(4*24*time.Hour + time.Hour), "poor", 5, []int64{250_000, 12_000_000, 375_125}},
		{"requisition returned as handed over", goodRequisition, handover.Add(2 * 24 * time.Hour), "good", 2, []int64{100_000, 150_050}},
		{"requisition returned better", goodRequisition, handover.Add(time.Hour), "new", 1, []int64{50_000, 75_025}},
		// Lost: the full declared value, whatever the condition at handover.
		{"requisition lost", goodRequisition, handover.Add(24 * time.Hour), Lost, 1, []int64{50_000, 30_000_000, 75_025}},
		// good → unserviceable is 3 steps, 60 %.
		{"unserviceable", goodRequisition, handover.Add(24 * time.Hour), "unserviceable", 1, []int64{50_000, 18_000_000, 75_025}},
		// Rounding half up, once per line: 2.5 kg × 1 XOF × 1 day = 2.5 → 3;
		// damage 20 % of 5 = 1 → 1; 0.4 kg → 0.4 → 0.
		{"half up", millet(2.5), handover, "fair", 1, []int64{3, 1}},
		{"below half", millet(0.4), handover, "good", 1, nil},
		// Rates are per kilogram: 1.5 t is paid as 1,500 kg.
		{"tonnes paid per kilogram", milletTonnes, handover.AddDate(0, 0, 2), "good", 2, []int64{3_000}},
		// Consumables are paid once at their price, lost or not, however long.
		{"consumed", consumed, handover.AddDate(0, 0, 9), Lost, 9, []int64{180_000}},
		{"call-up same hour", goodCallUp, handover.Add(30 * time.Minute), "", 1, []int64{4_000}},
		{"call-up handed over and returned at once", goodCallUp, handover, "", 1, []int64{4_000}},
		{"call-up ten days", goodCallUp, handover.AddDate(0, 0, 10), "", 10, []int64{40_000}},
		{"call-up ten days and a second", goodCallUp, handover.AddDate(0, 0, 10).Add(time.Second), "", 11, []int64{44_000}},
		{"call-up without skill", noSkill, handover.AddDate(0, 0, 2), "", 2, []int64{6_000}},
		{"call-up skill without rate", cook, handover.AddDate(0, 0, 2), "", 2, []int64{6_000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Compensate(c.order(), handover, c.returned, c.condition, rates)
			if err != nil {
				t.Fatal(err)
			}
			if got.Days != c.days {
				t.Errorf("days = %d, want %d", got.Days, c.days)
			}
			var sum int64
			var amounts []int64
			for _, l := range got.Lines {
				if l.AmountXOF != 0 {
					amounts = append(amounts, l.AmountXOF)
				}
				sum += l.AmountXOF
			}
			if !equal(amounts, c.amounts) {
				t.Errorf("lines %+v, want amounts %v", got.Lines, c.amounts)
			}
			if got.AmountXOF != sum {
				t.Errorf("total %d is not the sum of the lines %d", got.AmountXOF, sum)
			}
		})
	}
}

// TestDamageCap: at 40 % a step, good → unserviceable would be 120 %; the
// supplement stops at the declared value.
func TestDamageCap(t *testing.T) {
	r := rates
	r.DamagePercentPerStep = 40
	got, err := Compensate(goodRequisition(), handover, handover, "unserviceable", r)
	if err != nil {
		t.Fatal(err)
	}
	if l := got.Lines[1]; l.Basis != "damage" || l.AmountXOF != 30_000_000 {
		t.Errorf("damage line %+v, want the full 30000000", l)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCompensateDetail(t *testing.T) {
	got, err := Compensate(goodRequisition(), handover, handover.AddDate(0, 0, 3), "fair", rates)
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{Item: 0, Basis: "use", Detail: "vehicle.truck: 2 unit × 3 days × 25000 XOF/day", AmountXOF: 150_000,
			Subject: "vehicle.truck", Quantity: 2, Unit: "unit", Days: 3, RateXOF: 25000},
		{Item: 0, Basis: "damage", Detail: "vehicle.truck: good → fair, 20% of 30000000 XOF", AmountXOF: 6_000_000,
			Subject: "vehicle.truck", From: "good", To: "fair", Percent: 20, ValueXOF: 30_000_000},
		{Item: 1, Basis: "use", Detail: "fuel.diesel: 1500.5 l × 3 days × 50 XOF/day", AmountXOF: 225_075,
			Subject: "fuel.diesel", Quantity: 1500.5, Unit: "l", Days: 3, RateXOF: 50},
	}
	if len(got.Lines) != len(want) {
		t.Fatalf("lines %+v", got.Lines)
	}
	for i := range want {
		if got.Lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, got.Lines[i], want[i])
		}
	}
	if got.AmountXOF != 6_375_075 {
		t.Errorf("total %d", got.AmountXOF)
	}
}

func TestCompensateRefuses(t *testing.T) {
	noRate := rates
	noRate.PerDay = map[string]int64{"vehicle.truck": 1}
	negative := rates
	negative.DefaultServicePerDay = -1
	overPercent := rates
	overPercent.DamagePercentPerStep = 101
	huge := rates
	huge.PerDay = map[string]int64{"vehicle.truck": math.MaxInt64 / 2, "fuel.diesel": 1}
	badKind := goodCallUp()
	badKind.Kind = "loan"
	cases := []struct {
		name      string
		o         Order
		returned  time.Time
		condition string
		r         Rates
	}{
		{"returned before handover", goodRequisition(), handover.Add(-time.Second), "good", rates},
		{"unknown condition", goodRequisition(), handover, "shiny", rates},
		{"no condition", goodRequisition(), handover, "", rates},
		{"no rate for the type", goodRequisition(), handover, "good", noRate},
		{"negative rate", goodCallUp(), handover, "", negative},
		{"damage over 100 %", goodRequisition(), handover, "good", overPercent},
		{"overflow", goodRequisition(), handover.AddDate(0, 0, 3), "good", huge},
		{"unknown kind", badKind, handover, "", rates},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compensate(c.o, handover, c.returned, c.condition, c.r)
			wantKind(t, err, muster.Invalid)
		})
	}
}
