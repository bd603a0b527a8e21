package policy

import (
	"strings"
	"testing"

	"github.com/muster-org/muster/registry"
)

func TestProtectedOrganisation(t *testing.T) {
	org := func(kind, name string) registry.Organisation {
		return registry.Organisation{OrgID: "ORG-1", Name: name, Kind: kind, Area: "NE001001"}
	}
	flagged := org("cooperative", "Banque céréalière de Filingué")
	flagged.Protected, flagged.ProtectedReason = true, "food security"
	tests := []struct {
		name string
		org  registry.Organisation
		want Protection
	}{
		{"flagged in the registry", flagged, Protection{true, "protected in the registry: food security"}},
		{"a clinic by kind", org("clinic", "Clinique Espoir"), Protection{true, "organisation kind clinic: soins de santé"}},
		{"a school by kind", org("school", "École primaire de Say"), Protection{true, "organisation kind school: Déclaration sur la sécurité dans les écoles"}},
		{"a water utility by rule", org("utility", "Service de l'eau potable de Dosso"), Protection{true, "water_supply: approvisionnement en eau potable"}},
		{"a power utility is not", org("utility", "Centrale électrique de Niamey"), Protection{}},
		{"a transporter is not", org("transporter", "Transports Sahel Express"), Protection{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Default().ProtectedOrganisation(tt.org)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProtectedOrganisationRuleErrorNamesTheRule(t *testing.T) {
	p := loadFixture(t, "org_rule_fails.yaml")
	_, err := p.ProtectedOrganisation(registry.Organisation{OrgID: "ORG-1", Name: "Abc", Kind: "company"})
	if err == nil || !strings.Contains(err.Error(), "protection rule tenth_letter") {
		t.Errorf("got %v, want an error naming protection rule tenth_letter", err)
	}
}

func TestProtectedType(t *testing.T) {
	tests := []struct {
		typ  string
		want Protection
	}{
		{"vehicle.ambulance", Protection{true, "vehicle.ambulance: transport des malades et blessés"}},
		{"service.medical", Protection{true, "service.medical: capacité de soins"}},
		{"water.potable", Protection{true, "water: eau potable"}}, // by its class
		{"vehicle.truck", Protection{}},
		{"food.millet", Protection{}},
		{"nonsense", Protection{}},
	}
	for _, tt := range tests {
		if got := Default().ProtectedType(tt.typ); got != tt.want {
			t.Errorf("ProtectedType(%q) = %+v, want %+v", tt.typ, got, tt.want)
		}
	}
}
