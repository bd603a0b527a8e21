package demo

import (
	"math"

	"github.com/muster-org/muster/registry"
)

// spec describes one kind of holding: its type and unit, the range and
// rounding step of its quantity, and its price per unit of quantity in XOF
// (2024-25 market levels in Niger, roughly).
type spec struct {
	typ, unit string
	lo, hi    float64 // quantity range; lo == hi for a single item
	step      float64
	price     [2]float64 // XOF per unit of quantity, min and max
	durable   bool       // vehicles, equipment, buildings: wear lowers the value
}

func item(typ string, lo, hi float64, price0, price1 float64) spec {
	return spec{typ: typ, unit: "unit", lo: lo, hi: hi, step: 1, price: [2]float64{price0, price1}, durable: true}
}

func bulk(typ, unit string, lo, hi, step, price0, price1 float64) spec {
	return spec{typ: typ, unit: unit, lo: lo, hi: hi, step: step, price: [2]float64{price0, price1}}
}

func premises(typ string, lo, hi, price0, price1 float64) spec {
	return spec{typ: typ, unit: "m2", lo: lo, hi: hi, step: 10, price: [2]float64{price0, price1}, durable: true}
}

var (
	motorcycle  = item("vehicle.motorcycle", 1, 1, 400e3, 900e3)
	cart        = item("vehicle.cart", 1, 1, 60e3, 250e3)
	car         = item("vehicle.car", 1, 1, 2e6, 8e6)
	pickup      = item("vehicle.pickup", 1, 1, 5e6, 15e6)
	truck       = item("vehicle.truck", 1, 1, 15e6, 40e6)
	bus         = item("vehicle.bus", 1, 1, 20e6, 60e6)
	tanker      = item("vehicle.tanker", 1, 1, 30e6, 65e6)
	ambulance   = item("vehicle.ambulance", 1, 1, 15e6, 35e6)
	tractor     = item("vehicle.tractor", 1, 1, 8e6, 25e6)
	smallGen    = item("equipment.generator", 1, 1, 150e3, 1.2e6)
	generators  = item("equipment.generator", 1, 3, 1e6, 8e6)
	powerPlant  = item("equipment.generator", 2, 10, 15e6, 80e6)
	smallPump   = item("equipment.water_pump", 1, 1, 150e3, 600e3)
	waterPumps  = item("equipment.water_pump", 2, 12, 1e6, 6e6)
	radios      = item("equipment.radio", 2, 30, 150e3, 600e3)
	tents       = item("equipment.tent", 10, 200, 100e3, 350e3)
	diesel      = bulk("fuel.diesel", "l", 500, 30000, 100, 650, 750)
	plantDiesel = bulk("fuel.diesel", "l", 5000, 60000, 500, 650, 750)
	milletKg    = bulk("food.millet", "kg", 100, 2000, 50, 220, 280)
	sorghumKg   = bulk("food.sorghum", "kg", 100, 1500, 50, 200, 260)
	milletT     = bulk("food.millet", "t", 5, 200, 1, 220e3, 280e3)
	sorghumT    = bulk("food.sorghum", "t", 2, 120, 1, 200e3, 260e3)
	maizeT      = bulk("food.maize", "t", 1, 50, 1, 200e3, 250e3)
	riceT       = bulk("food.rice", "t", 1, 60, 1, 400e3, 500e3)
	cowpeaKg    = bulk("food.cowpea", "kg", 500, 20000, 100, 380, 480)
	water       = bulk("water.potable", "m3", 500, 20000, 10, 200, 400)
	clinicBeds  = spec{typ: "service.medical", unit: "bed", lo: 4, hi: 40, step: 1, price: [2]float64{300e3, 900e3}}
	wardBeds    = spec{typ: "service.medical", unit: "bed", lo: 60, hi: 400, step: 1, price: [2]float64{300e3, 900e3}}
	warehouse   = premises("building.warehouse", 50, 1500, 60e3, 120e3)
	office      = premises("building.office", 50, 3000, 100e3, 200e3)
	hall        = premises("building.hall", 100, 1200, 60e3, 150e3)
)

// What an adult who owns something owns: mostly motorcycles and carts;
// farmers and herders mostly keep grain.
var (
	personSpecs   = []*spec{&motorcycle, &cart, &car, &pickup, &truck, &tractor, &smallGen, &smallPump, &milletKg, &sorghumKg}
	personGeneral = cumulative(42, 14, 6, 5, 1.2, 0.3, 6, 2, 6, 4)
	personFarmer  = cumulative(30, 20, 2, 2, 0.5, 0.5, 2, 4, 30, 20)
	itemsPerOwner = cumulative(70, 22, 8) // 1, 2 or 3 holdings
)

// personResources queues the holdings of an adult: about a quarter of
// adults own something a mobilization could requisition.
func (g *generator) personResources(p *registry.Person, l *leaf) {
	rng := g.rng
	if rng.Float64() >= 0.25 {
		return
	}
	table := personGeneral
	if contains(p.Skills, "farmer") || contains(p.Skills, "herder") {
		table = personFarmer
	}
	owner := registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID}
	for range 1 + weighted(rng, itemsPerOwner) {
		g.resource(owner, l, personSpecs[weighted(rng, table)])
	}
}

// Conditions and what each leaves of the value; consumables (fuel, food,
// water, capacity) are mostly in good condition.
var (
	conditionNames   = []string{"new", "good", "fair", "poor", "unserviceable"}
	conditionFactor  = []float64{1, 0.8, 0.6, 0.4, 0.1}
	durableCondition = cumulative(6, 34, 38, 16, 6)
	stockCondition   = cumulative(0, 85, 12, 3, 0)
)

// resource queues one holding of s by owner, located near the leaf.
func (g *generator) resource(owner registry.Owner, l *leaf, s *spec) {
	rng := g.rng
	q := s.lo
	if s.hi > s.lo {
		q = math.Max(s.step, math.Round((s.lo+rng.Float64()*(s.hi-s.lo))/s.step)*s.step)
	}
	table := stockCondition
	if s.durable {
		table = durableCondition
	}
	c := weighted(rng, table)
	price := s.price[0] + rng.Float64()*(s.price[1]-s.price[0])
	value := int64(math.Round(q*price*conditionFactor[c]/1000)) * 1000 // declared in round thousands

	g.nextResource++
	id := make([]byte, 0, 12)
	g.pending = append(g.pending, registry.Resource{
		ResourceID:       string(appendDigits(append(id, "RES-"...), uint64(g.nextResource), 8)),
		Owner:            owner,
		Type:             s.typ,
		Quantity:         q,
		Unit:             s.unit,
		Area:             l.code,
		Location:         l.near(rng),
		Condition:        conditionNames[c],
		DeclaredValueXOF: value,
	})
}
