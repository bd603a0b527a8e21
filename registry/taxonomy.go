package registry

import "strings"

// ResourceType is one entry of the resource taxonomy: a class and a
// subtype ("vehicle.truck"), the units its quantity may be given in, and
// whether it is counted in whole items.
type ResourceType struct {
	Name      string   `json:"name"`
	Units     []string `json:"units"`
	Countable bool     `json:"countable"`
}

// Class is the part of the type name before the dot ("vehicle").
func (t ResourceType) Class() string {
	c, _, _ := strings.Cut(t.Name, ".")
	return c
}

// Taxonomy is every resource type muster knows, by class.
var Taxonomy = []ResourceType{
	{"vehicle.truck", []string{"unit"}, true},
	{"vehicle.pickup", []string{"unit"}, true},
	{"vehicle.car", []string{"unit"}, true},
	{"vehicle.bus", []string{"unit"}, true},
	{"vehicle.motorcycle", []string{"unit"}, true},
	{"vehicle.tanker", []string{"unit"}, true},
	{"vehicle.ambulance", []string{"unit"}, true},
	{"vehicle.tractor", []string{"unit"}, true},
	{"vehicle.cart", []string{"unit"}, true},
	{"fuel.diesel", []string{"l"}, false},
	{"fuel.petrol", []string{"l"}, false},
	{"food.millet", []string{"kg", "t"}, false},
	{"food.sorghum", []string{"kg", "t"}, false},
	{"food.rice", []string{"kg", "t"}, false},
	{"food.maize", []string{"kg", "t"}, false},
	{"food.cowpea", []string{"kg", "t"}, false},
	{"water.potable", []string{"l", "m3"}, false},
	{"building.warehouse", []string{"m2"}, false},
	{"building.office", []string{"m2"}, false},
	{"building.hall", []string{"m2"}, false},
	{"equipment.generator", []string{"unit"}, true},
	{"equipment.radio", []string{"unit"}, true},
	{"equipment.water_pump", []string{"unit"}, true},
	{"equipment.tent", []string{"unit"}, true},
	{"service.medical", []string{"bed", "person_day"}, false},
	{"service.transport", []string{"seat", "t_km"}, false},
	{"service.catering", []string{"meal_per_day"}, false},
	{"service.telecom", []string{"line"}, false},
}

var byName = func() map[string]ResourceType {
	m := make(map[string]ResourceType, len(Taxonomy))
	for _, t := range Taxonomy {
		m[t.Name] = t
	}
	return m
}()

var exampleTypes = []string{"vehicle.truck", "fuel.diesel", "food.millet", "building.warehouse", "equipment.generator", "service.medical"}

// LookupType finds a resource type by name.
func LookupType(name string) (ResourceType, bool) {
	t, ok := byName[name]
	return t, ok
}

// InBaseUnit converts tonnes to kilograms and cubic metres to litres, the
// units rates, limits and needs count in; every other unit is its own
// base.
func InBaseUnit(q float64, unit string) (float64, string) {
	switch unit {
	case "t":
		return q * 1000, "kg"
	case "m3":
		return q * 1000, "l"
	}
	return q, unit
}
