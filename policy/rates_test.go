package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
)

// TestRatesReuseTheExample checks the default policy keeps every figure of
// docs/rates.example.json, which the rest of the docs quote.
func TestRatesReuseTheExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "rates.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var example order.Rates
	if err := json.Unmarshal(data, &example); err != nil {
		t.Fatal(err)
	}
	got := Default().Rates()
	for typ, v := range example.PerDay {
		if got.PerDay[typ] != v {
			t.Errorf("per_day %s = %d, want %d as in the example", typ, got.PerDay[typ], v)
		}
	}
	for typ, v := range example.PerUnit {
		if got.PerUnit[typ] != v {
			t.Errorf("per_unit %s = %d, want %d as in the example", typ, got.PerUnit[typ], v)
		}
	}
	for skill, v := range example.ServicePerDay {
		if got.ServicePerDay[skill] != v {
			t.Errorf("service_per_day %s = %d, want %d as in the example", skill, got.ServicePerDay[skill], v)
		}
	}
	if got.DefaultServicePerDay != example.DefaultServicePerDay || got.DamagePercentPerStep != example.DamagePercentPerStep {
		t.Errorf("default service %d, damage %d%%: want the example's %d and %d%%", got.DefaultServicePerDay, got.DamagePercentPerStep, example.DefaultServicePerDay, example.DamagePercentPerStep)
	}
	for _, rt := range registry.Taxonomy {
		_, daily := got.PerDay[rt.Name]
		_, once := got.PerUnit[rt.Name]
		if !daily && !once {
			t.Errorf("no rate for %s: order.Compensate would refuse its requisition", rt.Name)
		}
	}
}

// TestRatesFeedCompensate runs order.Compensate on the policy's rates, as
// the treasury does.
func TestRatesFeedCompensate(t *testing.T) {
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		o         order.Order
		condition string
		want      int64
	}{
		{"a truck for three days, returned fair from good", order.Order{Kind: order.Requisition, Items: []order.Item{{Type: "vehicle.truck", Quantity: 1, Unit: "unit", Condition: "good", ValueXOF: 20_000_000}}}, "fair", 3*45000 + 2_000_000},
		{"a driver for three days", order.Order{Kind: order.CallUp, Items: []order.Item{{Type: "driver"}}}, "", 3 * 5000},
		{"an unlisted skill at the default rate", order.Order{Kind: order.CallUp, Items: []order.Item{{Type: "farmer"}}}, "", 3 * 3500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := order.Compensate(tt.o, start, start.AddDate(0, 0, 3), tt.condition, Default().Rates())
			if err != nil {
				t.Fatal(err)
			}
			if c.AmountXOF != tt.want {
				t.Errorf("amount %d XOF, want %d (%+v)", c.AmountXOF, tt.want, c.Lines)
			}
		})
	}
}

func TestRatesAreCopies(t *testing.T) {
	r := Default().Rates()
	r.PerDay["vehicle.truck"] = 1
	r.ServicePerDay["driver"] = 1
	if again := Default().Rates(); again.PerDay["vehicle.truck"] != 45000 || again.ServicePerDay["driver"] != 5000 {
		t.Error("a caller changed the policy's rates")
	}
}
