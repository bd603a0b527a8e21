package allocate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster/area"
)

// GenOptions shape an instance made by Generate. Zero fields take the
// defaults given.
type GenOptions struct {
	Needs, Candidates int
	Owners            int     // distinct owners; 0 means Candidates/3
	Clusters          int     // towns most points gather around; 0 means uniform over the box
	Supply            float64 // supply over demand per type, times a per-type factor in [0.5, 2]; 0 means 3 (see Generate)
	Priorities        int     // priority levels 1..Priorities; 0 means 3
	ClassNeeds        float64 // share of vehicle and skill needs that ask for the class ("vehicle")
	MaxGiven          int     // when > 0, a third of the owners gave 1..MaxGiven standard units before
}

// The generator's box is Niger's bounding box.
const (
	genMinLat, genMaxLat = 11.7, 23.5
	genMinLon, genMaxLon = 0.1, 16.0
)

// profile is how one type is generated: its share of the candidates and
// of the needs, what one candidate has, and the most one need asks.
type profile struct {
	typ              string
	weight           float64
	availLo, availHi float64
	needMax          float64
	countable        bool
}

var profiles = []profile{
	{"vehicle.truck", 3, 1, 4, 12, true},
	{"vehicle.pickup", 3, 1, 3, 8, true},
	{"vehicle.bus", 1, 1, 2, 4, true},
	{"fuel.diesel", 2, 200, 6000, 20000, false},
	{"food.millet", 2, 100, 5000, 40000, false},
	{"equipment.generator", 1, 1, 2, 4, true},
	{"skill.driver", 3, 1, 1, 10, true},
	{"skill.nurse", 1, 1, 1, 6, true},
}

// Generate makes a random instance over Niger's bounding box: towns or
// uniform points, a mix of vehicle, fuel, food, equipment and skill
// types, owners holding several resources (a few holding many), supply
// scarce for some types and abundant for others around g.Supply. Need
// quantities are drawn so that each type's supply is g.Supply times its
// demand (times the type's factor), but no need asks more than a
// requisition would (12 trucks, 20 000 l of diesel, 40 t of millet...):
// with many candidates per need, supply ends up more abundant than asked.
// The same seed and options give the same instance.
func Generate(seed int64, g GenOptions) (needs []Need, cands []Candidate) {
	g = g.withDefaults()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d75737465720a))
	towns := make([]area.Point, g.Clusters)
	for i := range towns {
		towns[i] = uniformPoint(rng)
	}
	place := func() area.Point {
		if len(towns) == 0 || rng.Float64() < 0.2 {
			return uniformPoint(rng)
		}
		t := towns[rng.IntN(len(towns))]
		return clampPoint(t.Lat+rng.NormFloat64()*0.35, t.Lon+rng.NormFloat64()*0.35)
	}
	type owner struct {
		id    string
		home  area.Point
		given float64
	}
	owners := make([]owner, g.Owners)
	for i := range owners {
		owners[i] = owner{id: genID("person:p", i), home: place()}
		if i%5 == 0 {
			owners[i].id = genID("org:o", i)
		}
		if g.MaxGiven > 0 && rng.IntN(3) == 0 {
			owners[i].given = float64(1 + rng.IntN(g.MaxGiven))
		}
	}
	var totalWeight float64
	for _, p := range profiles {
		totalWeight += p.weight
	}
	pick := func() int {
		u := rng.Float64() * totalWeight
		for i, p := range profiles {
			if u < p.weight {
				return i
			}
			u -= p.weight
		}
		return len(profiles) - 1
	}
	supply := make([]float64, len(profiles))
	cands = make([]Candidate, g.Candidates)
	for i := range cands {
		t := pick()
		p := profiles[t]
		// The square skews ownership: low-numbered owners hold many
		// resources, most owners one or two.
		u := rng.Float64()
		o := owners[int(u*u*float64(len(owners)))]
		if strings.HasPrefix(p.typ, "skill.") && strings.HasPrefix(o.id, "org:") {
			o = owner{id: genID("person:s", i), home: place()}
		}
		avail := p.availLo + rng.Float64()*(p.availHi-p.availLo)
		if p.countable {
			avail = math.Floor(p.availLo + rng.Float64()*(p.availHi-p.availLo+1))
		} else {
			avail = max(10, math.Round(avail/10)*10)
		}
		supply[t] += avail
		cands[i] = Candidate{
			ID: genID("C", i), Owner: o.id, Type: p.typ, Available: avail, OwnerGiven: o.given,
			Point: clampPoint(o.home.Lat+(rng.Float64()-0.5)*0.04, o.home.Lon+(rng.Float64()-0.5)*0.04),
		}
	}
	perType := make([]int, len(profiles))
	kinds := make([]int, g.Needs)
	for i := range kinds {
		kinds[i] = pick()
		perType[kinds[i]]++
	}
	mean := make([]float64, len(profiles))
	for t, p := range profiles {
		factor := math.Exp((rng.Float64()*2 - 1) * math.Ln2)
		mean[t] = p.availHi
		if supply[t] > 0 && perType[t] > 0 {
			mean[t] = supply[t] / (g.Supply * factor) / float64(perType[t])
		}
	}
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	needs = make([]Need, g.Needs)
	for i, t := range kinds {
		p := profiles[t]
		q := min(mean[t]*(0.5+rng.Float64()), p.needMax)
		if p.countable {
			q = max(1, math.Round(q))
		} else {
			q = max(10, math.Round(q/10)*10)
		}
		typ := p.typ
		if class, _, _ := strings.Cut(typ, "."); (class == "vehicle" || class == "skill") && rng.Float64() < g.ClassNeeds {
			typ = class
		}
		needs[i] = Need{
			ID: genID("N", i), Type: typ, Quantity: q, Point: place(),
			Priority: 1 + rng.IntN(g.Priorities),
			Deadline: start.Add(time.Duration(6+rng.IntN(240)) * time.Hour),
		}
	}
	return needs, cands
}

func (g GenOptions) withDefaults() GenOptions {
	g.Needs, g.Candidates = max(g.Needs, 0), max(g.Candidates, 0)
	if g.Owners <= 0 {
		g.Owners = max(1, g.Candidates/3)
	}
	if !(g.Supply > 0) || math.IsInf(g.Supply, 0) {
		g.Supply = 3
	}
	if g.Priorities <= 0 {
		g.Priorities = 3
	}
	g.Clusters = max(g.Clusters, 0)
	return g
}

func uniformPoint(rng *rand.Rand) area.Point {
	return area.Point{Lat: genMinLat + rng.Float64()*(genMaxLat-genMinLat), Lon: genMinLon + rng.Float64()*(genMaxLon-genMinLon)}
}

func clampPoint(lat, lon float64) area.Point {
	return area.Point{Lat: min(max(lat, genMinLat), genMaxLat), Lon: min(max(lon, genMinLon), genMaxLon)}
}

func genID(prefix string, i int) string {
	return string(strconv.AppendInt([]byte(prefix), int64(i), 10))
}
