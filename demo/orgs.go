package demo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/muster-org/muster/registry"
)

// holding is what an organisation of some kind holds with probability p.
// Vehicles are registered one per record (each has its own plate), so a
// fleet is n records; anything else is one record whose quantity is drawn
// from its spec.
type holding struct {
	s    *spec
	p    float64
	n, m int // number of vehicle records, from n to m
}

// orgKind is one kind of organisation as the demo sees it: a registry kind
// plus a variant (a cereal bank is a food-security cooperative), its share
// of organisations, why it is protected, how it is named and what it holds.
type orgKind struct {
	kind     string
	weight   float64
	reason   string
	names    []string // fmt patterns: %[1]s a word, %[2]s "de <town>", %[3]s a family name, %[4]d a number
	holdings []holding
}

var orgKinds = []orgKind{
	{"company", 20, "", []string{
		"Établissements %[3]s et Fils", "%[3]s Import-Export SARL", "Société %[1]s de commerce général",
		"Entreprise %[3]s BTP", "Boulangerie moderne %[1]s %[2]s", "Quincaillerie %[1]s %[2]s", "%[1]s Négoce SARL",
	}, []holding{{&generators, 0.6, 1, 1}, {&pickup, 0.7, 1, 4}, {&car, 0.3, 1, 2}, {&truck, 0.25, 1, 3},
		{&diesel, 0.5, 1, 1}, {&warehouse, 0.3, 1, 1}, {&office, 0.4, 1, 1}}},
	{"cooperative", 16, "", []string{
		"Coopérative agricole %[1]s %[2]s", "Union des producteurs de mil %[2]s", "Groupement féminin %[1]s %[2]s",
		"Coopérative maraîchère %[1]s %[2]s", "Union des producteurs de niébé %[2]s",
	}, []holding{{&milletT, 0.7, 1, 1}, {&sorghumT, 0.5, 1, 1}, {&maizeT, 0.2, 1, 1}, {&riceT, 0.2, 1, 1},
		{&cowpeaKg, 0.4, 1, 1}, {&warehouse, 0.5, 1, 1}, {&tractor, 0.15, 1, 1}, {&cart, 0.3, 1, 6}}},
	{"cooperative", 8, "food security", []string{
		"Banque céréalière %[1]s %[2]s", "Coopérative de sécurité alimentaire %[1]s %[2]s", "Grenier communautaire %[2]s",
	}, []holding{{&milletT, 1, 1, 1}, {&sorghumT, 0.8, 1, 1}, {&maizeT, 0.3, 1, 1}, {&riceT, 0.3, 1, 1},
		{&warehouse, 0.9, 1, 1}}},
	{"transporter", 9, "", []string{
		"Transports Sahel %[1]s", "Transports %[3]s et Frères", "Société de transport %[1]s", "%[1]s Transit et Transport",
		"Transports Ténéré Express %[2]s",
	}, []holding{{&truck, 1, 2, 10}, {&bus, 0.5, 1, 4}, {&tanker, 0.3, 1, 2}, {&pickup, 0.4, 1, 2},
		{&diesel, 0.9, 1, 1}, {&warehouse, 0.2, 1, 1}}},
	{"ngo", 4.5, "humanitarian", []string{
		"ONG %[1]s Aide humanitaire", "Association %[1]s d'aide aux sinistrés %[2]s", "ONG %[1]s Urgence Sahel",
		"Comité d'entraide %[1]s %[2]s",
	}, []holding{{&pickup, 0.9, 2, 8}, {&generators, 0.5, 1, 1}, {&warehouse, 0.4, 1, 1}, {&tents, 0.4, 1, 1},
		{&riceT, 0.3, 1, 1}, {&radios, 0.4, 1, 1}}},
	{"ngo", 3.5, "", []string{
		"ONG %[1]s pour le développement %[2]s", "Association des jeunes %[2]s", "ONG %[1]s Éducation pour tous",
	}, []holding{{&pickup, 0.6, 1, 3}, {&generators, 0.3, 1, 1}, {&office, 0.3, 1, 1}}},
	{"clinic", 12, "health", []string{
		"Clinique %[1]s %[2]s", "Centre de santé intégré %[2]s", "Case de santé %[1]s %[2]s", "Cabinet médical %[3]s",
	}, []holding{{&clinicBeds, 1, 1, 1}, {&ambulance, 0.4, 1, 1}, {&smallGen, 0.6, 1, 1}}},
	{"hospital", 2, "health", []string{
		"Hôpital de district %[2]s", "Centre hospitalier régional %[2]s", "Centre de santé de la mère et de l'enfant %[2]s",
	}, []holding{{&wardBeds, 1, 1, 1}, {&ambulance, 1, 2, 6}, {&generators, 1, 1, 1}, {&diesel, 0.8, 1, 1},
		{&smallPump, 0.3, 1, 1}}},
	{"utility", 2.5, "water", []string{
		"Service de l'eau potable %[2]s", "Station de pompage %[2]s", "Association des usagers de l'eau %[2]s",
	}, []holding{{&waterPumps, 1, 1, 1}, {&water, 1, 1, 1}, {&pickup, 0.6, 1, 3}, {&generators, 0.6, 1, 1},
		{&diesel, 0.5, 1, 1}}},
	{"utility", 1.5, "", []string{
		"Centrale électrique %[2]s", "Agence d'électricité %[2]s",
	}, []holding{{&powerPlant, 1, 1, 1}, {&plantDiesel, 1, 1, 1}, {&pickup, 0.8, 1, 3}, {&truck, 0.3, 1, 1}}},
	{"ministry", 3, "", nil, // named by ministryName
		[]holding{{&pickup, 1, 2, 10}, {&car, 0.8, 1, 5}, {&office, 0.9, 1, 1}, {&generators, 0.7, 1, 1},
			{&radios, 0.5, 1, 1}, {&hall, 0.3, 1, 1}}},
	{"school", 18, "", []string{
		"École primaire %[1]s %[2]s", "CEG %[4]d %[2]s", "Lycée %[1]s %[2]s", "Complexe scolaire %[1]s %[2]s",
		"École franco-arabe %[1]s %[2]s",
	}, []holding{{&hall, 0.8, 1, 1}, {&smallGen, 0.2, 1, 1}}},
}

var orgCum = func() []float64 {
	w := make([]float64, len(orgKinds))
	for i, k := range orgKinds {
		w[i] = k.weight
	}
	return cumulative(w...)
}()

// nameWords are the words organisations like to call themselves by: Hausa
// and Zarma virtues (Albarka: blessing, Hadin Kai: unity, Bonkaney: good
// fortune...) and the country's landscapes and old kingdoms.
var nameWords = list(`Albarka, Alheri, Nasara, Gaskiya, Hadin Kai, Wadata, Kokari, Zumunci, Bonkaney,
	Fahimta, Haské, Tattali, Espoir, Avenir, Solidarité, Renouveau, Sahel, Ténéré, Aïr, Azawak,
	Dallol, Damagaram, Gobir, Djoliba, Kawar, Manga, Tarka, Liptako`)

// ministries are the portfolios whose services a mobilization deals with.
var ministries = list(`de la Santé publique, de l'Agriculture, de l'Élevage, de l'Hydraulique,
	de l'Éducation nationale, de l'Intérieur, de la Défense nationale, de l'Équipement, des Transports,
	de l'Action humanitaire, de l'Énergie, des Finances, du Commerce, de l'Environnement`)

// organisation generates the next organisation and queues its holdings.
func (g *generator) organisation() registry.Organisation {
	rng := g.rng
	k := &orgKinds[weighted(rng, orgCum)]
	l := g.country.pickLeaf(rng)
	g.nextOrg++
	id := make([]byte, 0, 10)
	o := registry.Organisation{
		OrgID:           string(appendDigits(append(id, "ORG-"...), uint64(g.nextOrg), 6)),
		Kind:            k.kind,
		Area:            l.code,
		Protected:       k.reason != "",
		ProtectedReason: k.reason,
	}
	if k.names == nil {
		o.Name = g.ministryName(l)
	} else {
		names := &pools[l.pickGroup(rng)]
		o.Name = fmt.Sprintf(k.names[rng.IntN(len(k.names))],
			nameWords[rng.IntN(len(nameWords))], of(l.town), names.familyM[rng.IntN(len(names.familyM))], 1+rng.IntN(5))
	}
	owner := registry.Owner{Kind: registry.OwnerOrganisation, ID: o.OrgID}
	for _, h := range k.holdings {
		if rng.Float64() >= h.p {
			continue
		}
		n := 1
		if h.s.unit == "unit" && strings.HasPrefix(h.s.typ, "vehicle.") {
			n = between(rng, h.n, h.m)
		}
		for range n {
			g.resource(owner, l, h.s)
		}
	}
	return o
}

// ministryName names a ministry in the capital, or one of its
// departmental services elsewhere.
func (g *generator) ministryName(l *leaf) string {
	m := ministries[g.rng.IntN(len(ministries))]
	if l.region == capitalRegion {
		return "Ministère " + m
	}
	return "Direction départementale " + m + " " + of(l.town)
}

// of writes the French "de <town>", elided before a vowel ("d'Agadez").
func of(town string) string {
	r, _ := utf8.DecodeRuneInString(town)
	if strings.ContainsRune("AEIOUYÉÈÊ", unicode.ToUpper(r)) {
		return "d'" + town
	}
	return "de " + town
}
