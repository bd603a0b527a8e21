package policy

import (
	"math"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/registry"
)

var (
	household   = registry.Owner{Kind: registry.OwnerPerson, ID: "NE0000000001"}
	cooperative = registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-0001"}
)

func res(id string, owner registry.Owner, typ string, qty float64, unit string) registry.Resource {
	return registry.Resource{ResourceID: id, Owner: owner, Type: typ, Quantity: qty, Unit: unit, Area: "NE001001"}
}

// holdings builds an owner's holdings from what they own and what was
// already taken, the way the allocator does.
func holdings(kind registry.OwnerKind, owned []registry.Resource, given map[int]float64) Holdings {
	h := Holdings{Kind: kind}
	for i, r := range owned {
		h.Add(r)
		if q, ok := given[i]; ok {
			h.AddGiven(r, q)
		}
	}
	return h
}

func TestLimit(t *testing.T) {
	moto := res("R1", household, "vehicle.motorcycle", 1, "unit")
	cart := res("R2", household, "vehicle.cart", 1, "unit")
	car := res("R3", household, "vehicle.car", 1, "unit")
	trucks := res("R4", cooperative, "vehicle.truck", 3, "unit")
	milletKg := res("R5", household, "food.millet", 1000, "kg")
	milletT := res("R6", cooperative, "food.millet", 20, "t")
	smallStock := res("R7", household, "food.millet", 500, "kg")
	bigStock := res("R8", household, "food.millet", 2, "t")
	diesel := res("R9", cooperative, "fuel.diesel", 1000, "l")
	ambulance := res("R10", cooperative, "vehicle.ambulance", 2, "unit")
	gen := res("R11", household, "equipment.generator", 1, "unit")
	orgGen := res("R12", cooperative, "equipment.generator", 1, "unit")
	tests := []struct {
		name     string
		r        registry.Resource
		h        Holdings
		want     float64
		wantRule string
	}{
		{"an owner's only vehicle is never taken", moto, holdings(registry.OwnerPerson, []registry.Resource{moto}, nil), 0, "never_last_vehicle"},
		{"one of three vehicles may be taken whole", car, holdings(registry.OwnerPerson, []registry.Resource{moto, cart, car}, nil), 1, ""},
		{"three vehicles, two already taken: the last stays", car, holdings(registry.OwnerPerson, []registry.Resource{moto, cart, car}, map[int]float64{0: 1, 1: 1}), 0, "never_last_vehicle"},
		{"a fleet record of three trucks gives at most two", trucks, holdings(registry.OwnerOrganisation, []registry.Resource{trucks}, nil), 2, "never_last_vehicle"},
		{"a household gives a quarter of its grain", milletKg, holdings(registry.OwnerPerson, []registry.Resource{milletKg}, nil), 250, "food_stock_share"},
		{"a cooperative gives half, less what it gave, in tonnes", milletT, holdings(registry.OwnerOrganisation, []registry.Resource{milletT}, map[int]float64{0: 5}), 5, "food_stock_share"},
		{"stocks in kg and t add up", bigStock, holdings(registry.OwnerPerson, []registry.Resource{smallStock, bigStock}, nil), 0.625, "food_stock_share"},
		{"fuel keeps a fifth in reserve", diesel, holdings(registry.OwnerOrganisation, []registry.Resource{diesel}, nil), 800, "fuel_reserve"},
		{"ambulances are protected", ambulance, holdings(registry.OwnerOrganisation, []registry.Resource{ambulance}, nil), 0, "protected: vehicle.ambulance: transport des malades et blessés"},
		{"a household keeps its only generator", gen, holdings(registry.OwnerPerson, []registry.Resource{gen}, nil), 0, "household_keeps_generator"},
		{"a company's only generator may go", orgGen, holdings(registry.OwnerOrganisation, []registry.Resource{orgGen}, nil), 1, ""},
		{"empty holdings read as zero, never below", moto, Holdings{Kind: registry.OwnerPerson}, 0, "never_last_vehicle"},
	}
	p := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Limit(tt.r, tt.h)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Max-tt.want) > 1e-9 || got.Rule != tt.wantRule {
				t.Errorf("Limit = %+v, want {Max:%v Rule:%s}", got, tt.want, tt.wantRule)
			}
			if m, err := p.MaxTake(tt.r, tt.h); err != nil || m != got.Max {
				t.Errorf("MaxTake = %v, %v; want %v as Limit says", m, err, got.Max)
			}
		})
	}
}

func TestLimitRejectsBadResources(t *testing.T) {
	tests := []struct {
		name string
		r    registry.Resource
		want string
	}{
		{"type outside the taxonomy", res("R1", household, "vehicle.spaceship", 1, "unit"), `type "vehicle.spaceship"`},
		{"quantity not a number", res("R2", household, "fuel.diesel", math.NaN(), "l"), "quantity NaN"},
		{"negative quantity", res("R3", household, "fuel.diesel", -5, "l"), "quantity -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Default().MaxTake(tt.r, Holdings{})
			if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an invalid error containing %q", err, tt.want)
			}
		})
	}
}

func TestLimitRuntimeErrorNamesTheRule(t *testing.T) {
	p := loadFixture(t, "limit_misspelt_class.yaml")
	r := res("R1", household, "vehicle.truck", 1, "unit")
	_, err := p.MaxTake(r, holdings(registry.OwnerPerson, []registry.Resource{r}, nil))
	if err == nil || !strings.Contains(err.Error(), "limit keep_one_vehicle") || !strings.Contains(err.Error(), `"vehicles" is not a resource class or type`) {
		t.Fatalf("got %v, want an error naming limit keep_one_vehicle and the bad key", err)
	}
}

// BenchmarkLimit measures one call the allocator makes per candidate
// resource: a vehicle (one limit) and a food stock (a conditional
// expression over maps).
func BenchmarkLimit(b *testing.B) {
	p := Default()
	cases := []struct {
		name string
		r    registry.Resource
	}{
		{"vehicle", res("R1", household, "vehicle.pickup", 1, "unit")},
		{"food", res("R2", cooperative, "food.millet", 20, "t")},
		{"unlimited", res("R3", cooperative, "service.catering", 400, "meal_per_day")},
	}
	for _, c := range cases {
		h := holdings(c.r.Owner.Kind, []registry.Resource{c.r, res("R9", c.r.Owner, "vehicle.motorcycle", 1, "unit")}, nil)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.MaxTake(c.r, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConcurrentUse runs the allocator's calls from several goroutines on
// one policy, for the race detector: a loaded policy is shared read-only.
func TestConcurrentUse(t *testing.T) {
	p := Default()
	moto := res("R1", household, "vehicle.motorcycle", 1, "unit")
	millet := res("R2", household, "food.millet", 1000, "kg")
	h := holdings(registry.OwnerPerson, []registry.Resource{moto, millet}, nil)
	done := make(chan error)
	for range 4 {
		go func() {
			var err error
			for i := 0; i < 200 && err == nil; i++ {
				var take float64
				if take, err = p.MaxTake(millet, h); err == nil && take != 250 {
					err = muster.Errorf(muster.Internal, "took %v of the millet, want 250", take)
				}
				if err == nil {
					_, err = p.Liable(aged(30, registry.Reservist, "private"), today)
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
