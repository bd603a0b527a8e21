package demo

import (
	"math"
	"math/rand/v2"

	"github.com/muster-org/muster/registry"
)

// Niger's population is very young (median age about 15). A truncated
// exponential with this rate has median 15 and about half the population
// under 15, as the 2012 census found.
const (
	ageRate   = 0.045
	maxAgeYrs = 90.9 // below 91 so that nobody is older than 90
	adultAge  = 18
)

// ageDays draws an age in days from the young age pyramid.
func ageDays(rng *rand.Rand) int {
	u := rng.Float64()
	a := -math.Log(1-u*(1-math.Exp(-ageRate*maxAgeYrs))) / ageRate
	return int(a * 365.2425)
}

// The skills a registrar records, with how often an adult man or woman
// lists each: mostly farming and herding, few professionals.
var skillNames = []string{
	"farmer", "herder", "driver", "mechanic", "cook", "mason", "carpenter", "teacher", "nurse",
	"midwife", "doctor", "electrician", "radio_operator", "engineer", "it_technician", "welder", "translator",
}

var (
	skillMale   = []float64{34, 16, 10, 5, 3, 6, 4, 4, 1.5, 0, 0.3, 3, 0.6, 0.6, 1, 2.5, 1}
	skillFemale = []float64{30, 8, 0.5, 0.2, 14, 0.1, 0.1, 4, 3, 2, 0.2, 0.2, 0.3, 0.2, 0.5, 0.1, 1}
	// skillTables[female][pastoral][urban]: pastoralist groups (Fulfulde,
	// Tamasheq) are herders four times as often; in the capital few farm.
	skillTables = func() (t [2][2][2][]float64) {
		for f, base := range [][]float64{skillMale, skillFemale} {
			for p := range 2 {
				for u := range 2 {
					w := append([]float64(nil), base...)
					if p == 1 {
						w[1] *= 4
					}
					if u == 1 {
						w[0], w[1] = w[0]/10, w[1]/10
					}
					t[f][p][u] = cumulative(w...)
				}
			}
		}
		return t
	}()
	skillCounts = cumulative(35, 40, 18, 7) // 0, 1, 2 or 3 skills
)

// Rank weights, in the order of registry.Ranks: the forces are mostly
// privates and NCOs; retired members skew to higher ranks.
var (
	rankActive    = cumulative(40, 25, 14, 8, 4, 3, 2.5, 1.5, 0.8, 0.5, 0.3, 0.05, 0.02, 0.005)
	rankReservist = cumulative(45, 25, 14, 7, 3, 2.5, 1.5, 1, 0.5, 0.2, 0.1, 0.01, 0.005, 0.001)
	rankRetired   = cumulative(15, 20, 22, 14, 10, 4, 4, 4, 3, 2, 1.2, 0.3, 0.1, 0.03)
)

// person generates the next person and queues the resources they own.
func (g *generator) person() registry.Person {
	rng := g.rng
	l := g.country.pickLeaf(rng)
	group := l.pickGroup(rng)
	names := &pools[group]
	p := registry.Person{Area: l.code, Status: registry.Civilian, Skills: []string{}}
	female := rng.IntN(2) == 0
	if female {
		p.Sex = registry.Female
		p.GivenName = names.female[rng.IntN(len(names.female))]
		p.FamilyName = names.familyF[rng.IntN(len(names.familyF))]
	} else {
		p.Sex = registry.Male
		p.GivenName = names.male[rng.IntN(len(names.male))]
		p.FamilyName = names.familyM[rng.IntN(len(names.familyM))]
	}
	p.BirthDate = g.today.AddDate(0, 0, -ageDays(rng))
	age := p.Age(g.today)

	id := make([]byte, 0, 12)
	p.NationalID = string(appendDigits(append(id, "NE"...), g.ids.permute(uint64(g.nextPerson)), 10))
	g.nextPerson++

	// About 60% of adults have a mobile phone; a few teenagers do too.
	if (age >= adultAge && rng.Float64() < 0.6) || (age >= 15 && age < adultAge && rng.Float64() < 0.15) {
		p.Phone = g.phone()
		p.Language = phoneLanguage(group)
	}
	if age < adultAge {
		return p
	}
	if n := weighted(rng, skillCounts); n > 0 {
		table := skillTables[b2i(female)][b2i(pastoral(group))][b2i(l.region == capitalRegion)]
		p.Skills = make([]string, 0, n)
		for range n + 2 { // a repeat is dropped, so allow a couple of extra draws
			if s := skillNames[weighted(rng, table)]; !contains(p.Skills, s) {
				p.Skills = append(p.Skills, s)
			}
			if len(p.Skills) == n {
				break
			}
		}
	}
	p.Status, p.Rank = g.service(age, female)
	g.personResources(&p, l)
	return p
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// service draws an adult's relation to the armed forces: about 1% active
// (18-50), 2% reservist (20-55) and 1% retired (45 and over) among adults,
// nearly all men.
func (g *generator) service(age int, female bool) (registry.Status, string) {
	scale := 1.0
	if female {
		scale = 0.1
	}
	var pActive, pReserve, pRetired float64
	if age <= 50 {
		pActive = 0.022 * scale
	}
	if age >= 20 && age <= 55 {
		pReserve = 0.045 * scale
	}
	if age >= 45 {
		pRetired = 0.065 * scale
	}
	u := g.rng.Float64()
	var status registry.Status
	var table []float64
	switch {
	case u < pActive:
		status, table = registry.Active, rankActive
	case u < pActive+pReserve:
		status, table = registry.Reservist, rankReservist
	case u < pActive+pReserve+pRetired:
		status, table = registry.Retired, rankRetired
	default:
		return registry.Civilian, ""
	}
	// Promotion takes time: about one rank step per three years of age
	// past 18, so no 20-year-old colonel.
	top := min(len(registry.Ranks), len(table), 1+(age-adultAge)/3)
	return status, registry.Ranks[weighted(g.rng, table[:top])]
}

// phoneSpace is how many numbers +227 8xxxxxxx and 9xxxxxxx hold.
const phoneSpace = 20_000_000

// phone returns a unique Niger mobile number (+227, then 8 digits starting
// with 8 or 9), or "" once the numbering space is used up. The counter is
// permuted by cycle-walking a Feistel permutation of [0, 10⁸) until it
// falls in [0, 2·10⁷), which keeps the result a bijection.
func (g *generator) phone() string {
	if g.nextPhone >= phoneSpace {
		return ""
	}
	x := g.phones.permute(uint64(g.nextPhone))
	for x >= phoneSpace {
		x = g.phones.permute(x)
	}
	g.nextPhone++
	b := make([]byte, 0, 12)
	b = append(b, "+227"...)
	b = append(b, byte('8'+x/10_000_000))
	return string(appendDigits(b, x%10_000_000, 7))
}

// phoneLanguage is the language the phone channels speak to a person of a
// naming group: their own where muster has it, French otherwise.
func phoneLanguage(group int) string {
	switch group {
	case hausa:
		return "ha"
	case zarma:
		return "dje"
	}
	return "fr"
}
