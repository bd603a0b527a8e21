package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

var today = time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)

func TestDeterminism(t *testing.T) {
	run := func(seed int64, day time.Time) string {
		s := newHashSink()
		if _, err := Generate(context.Background(), Config{Persons: 5000, Seed: seed, Today: day}, s, nil); err != nil {
			t.Fatal(err)
		}
		return s.sum()
	}
	base := run(1, today)
	tests := []struct {
		name string
		seed int64
		day  time.Time
		same bool
	}{
		{"same seed and day", 1, today, true},
		{"same day in another zone and hour", 1, time.Date(2025, 6, 1, 23, 0, 0, 0, time.UTC).In(time.FixedZone("X", -3600)), true},
		{"other seed", 2, today, false},
		{"other day", 1, today.AddDate(0, 0, 1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.seed, tc.day); (got == base) != tc.same {
				t.Errorf("output identical to seed 1: %v, want %v", got == base, tc.same)
			}
		})
	}
	a1, _ := Areas(7)
	a2, _ := Areas(7)
	a3, _ := Areas(8)
	j1, _ := json.Marshal(a1)
	j2, _ := json.Marshal(a2)
	j3, _ := json.Marshal(a3)
	if string(j1) != string(j2) || string(j1) == string(j3) {
		t.Error("Areas is not deterministic per seed")
	}
}

func TestAreas(t *testing.T) {
	areas, err := Areas(42)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := area.NewTree(areas)
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	country, _ := tree.Get("NE")
	levels := map[string]int{}
	children := map[string]int64{}
	seen := map[string]bool{}
	for _, a := range areas {
		if errs := a.Validate(); len(errs) > 0 {
			t.Errorf("%s: %v", a.Code, errs)
		}
		if a.Parent != "" && !seen[a.Parent] {
			t.Errorf("%s comes before its parent %s", a.Code, a.Parent)
		}
		seen[a.Code] = true
		levels[a.Level]++
		children[a.Parent] += a.Population
		if a.Label == nil || !area.Contains(country.Geometry, *a.Label) {
			t.Errorf("%s: label %v is not inside the country", a.Code, a.Label)
		}
		if tree.Depth(a.Code) >= 2 && !strings.HasSuffix(a.Name, "(synthetic)") {
			t.Errorf("%s: name %q does not say it is synthetic", a.Code, a.Name)
		}
		if a.Parent != "" && area.HASCParent(a.Code) != a.Parent {
			t.Errorf("%s: code does not extend its parent's %s", a.Code, a.Parent)
		}
	}
	for _, a := range areas {
		if sum, ok := children[a.Code]; ok && sum != a.Population {
			t.Errorf("%s: children's populations sum to %d, not %d", a.Code, sum, a.Population)
		}
	}
	wantLevels := map[string]int{"country": 1, "region": 7, "capital district": 1, "department": 63, "commune": 261, "arrondissement": 5}
	for l, n := range wantLevels {
		if levels[l] != n {
			t.Errorf("%d areas of level %s, want %d", levels[l], l, n)
		}
	}
	if country.Population != 17138707 || country.Label.Lat != 17.6 || len(country.Geometry) == 0 {
		t.Errorf("country = %+v", country)
	}
	regions := []struct{ code, name string }{
		{"NE.AG", "Agadez"}, {"NE.DF", "Diffa"}, {"NE.DS", "Dosso"}, {"NE.MA", "Maradi"},
		{"NE.NI", "Niamey"}, {"NE.TH", "Tahoua"}, {"NE.TL", "Tillabéri"}, {"NE.ZI", "Zinder"},
	}
	for _, r := range regions {
		if a, ok := tree.Get(r.code); !ok || a.Name != r.name || a.Parent != "NE" || a.Population == 0 {
			t.Errorf("region %s = %+v, want name %s under NE", r.code, a, r.name)
		}
	}
}

func generateChecked(t *testing.T, persons int, seed int64) (*checkSink, Summary) {
	t.Helper()
	s := &checkSink{t: t, leaves: map[string]bool{}, owners: map[string]string{}, ids: map[string]bool{}, phones: map[string]bool{"": true}}
	var calls, lastDone, lastTotal int
	sum, err := Generate(context.Background(), Config{Persons: persons, Seed: seed, Today: today}, s, func(done, total int) {
		if done <= lastDone {
			t.Errorf("progress went from %d to %d", lastDone, done)
		}
		calls, lastDone, lastTotal = calls+1, done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range s.batches {
		if b[0].NationalID != s.firstIDs[i] {
			t.Fatalf("persons batch %d was overwritten after it was sent", i)
		}
	}
	want := Summary{Areas: s.tree.Len(), Organisations: len(s.orgs), Persons: len(s.persons), Resources: len(s.res)}
	if sum != want || sum.Persons != persons || lastDone != lastTotal || calls == 0 {
		t.Errorf("summary %+v, received %+v; progress %d/%d", sum, want, lastDone, lastTotal)
	}
	return s, sum
}

func TestGenerateValid(t *testing.T) {
	tests := []struct {
		persons, orgs int
	}{{1, 30}, {4321, 43}, {20000, 200}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.persons), func(t *testing.T) {
			_, sum := generateChecked(t, tc.persons, 3)
			if sum.Organisations != tc.orgs || sum.Resources == 0 {
				t.Errorf("summary %+v, want %d organisations and some resources", sum, tc.orgs)
			}
		})
	}
}

func TestDistributions(t *testing.T) {
	s, _ := generateChecked(t, 20000, 11)
	byRegion := map[string]float64{}
	var ages []int
	var adults, female, adultPhones, reservists, active, retired, skilled float64
	for _, p := range s.persons {
		byRegion[p.Area[:5]]++
		age := p.Age(today)
		ages = append(ages, age)
		if p.Sex == registry.Female {
			female++
		}
		if age < adultAge {
			continue
		}
		adults++
		if p.Phone != "" {
			adultPhones++
		}
		if len(p.Skills) > 0 {
			skilled++
		}
		switch p.Status {
		case registry.Reservist:
			reservists++
		case registry.Active:
			active++
		case registry.Retired:
			retired++
		}
	}
	owners := map[string]bool{}
	kinds := map[string]int{}
	for _, r := range s.res {
		if r.Owner.Kind == registry.OwnerPerson {
			owners[r.Owner.ID] = true
		}
		kinds[r.Type]++
	}
	sort.Ints(ages)
	n := float64(len(s.persons))
	shares := []struct {
		name     string
		got      float64
		low, top float64
	}{
		{"female", female / n, 0.48, 0.52},
		{"median age", float64(ages[len(ages)/2]), 13, 17},
		{"adults", adults / n, 0.40, 0.50},
		{"adults with a phone", adultPhones / adults, 0.57, 0.63},
		{"adults with a skill", skilled / adults, 0.6, 0.7},
		{"adults owning something", float64(len(owners)) / adults, 0.22, 0.28},
		{"active among adults", active / adults, 0.005, 0.015},
		{"reservists among adults", reservists / adults, 0.012, 0.028},
		{"retired among adults", retired / adults, 0.005, 0.015},
		{"motorcycles among resources", float64(kinds["vehicle.motorcycle"]) / float64(len(s.res)), 0.2, 0.5},
	}
	for _, sh := range shares {
		if sh.got < sh.low || sh.got > sh.top {
			t.Errorf("%s: %.3f, want %.3f..%.3f", sh.name, sh.got, sh.low, sh.top)
		}
	}
	for _, r := range regionsOf(t) {
		want := float64(r.Population) / 17138707
		if got := byRegion[r.Code] / n; math.Abs(got-want) > 0.01 {
			t.Errorf("%s has %.3f of persons, census share %.3f", r.Code, got, want)
		}
	}
}

func regionsOf(t *testing.T) []area.Area {
	areas, err := Areas(1)
	if err != nil {
		t.Fatal(err)
	}
	var out []area.Area
	for _, a := range areas {
		if a.Parent == "NE" {
			out = append(out, a)
		}
	}
	return out
}

func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("200k persons")
	}
	s := &countSink{}
	sum, err := Generate(context.Background(), Config{Persons: 200000, Seed: 5, Today: today}, s, nil)
	if err != nil || sum.Persons != 200000 || sum.Organisations != 2000 {
		t.Fatalf("Generate = %+v, %v", sum, err)
	}
	// 200k persons held in memory would take well over 100 MB; a bounded
	// generator stays at a few MB plus garbage awaiting collection.
	t.Logf("max heap sampled: %d MB", s.maxHeap>>20)
	if s.maxHeap > 64<<20 {
		t.Errorf("heap reached %d MB", s.maxHeap>>20)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &countSink{canceler: func(n int) {
		if n >= 2*BatchSize {
			cancel()
		}
	}}
	sum, err := Generate(ctx, Config{Persons: 100000, Seed: 1, Today: today}, s, nil)
	if !errors.Is(err, context.Canceled) || sum.Persons != 2*BatchSize {
		t.Errorf("Generate after cancel = %+v, %v; want %d persons and context.Canceled", sum, err, 2*BatchSize)
	}
	if _, err := Generate(ctx, Config{Seed: 1, Today: today}, &countSink{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate with a cancelled context = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		sink Sink
	}{
		{"negative persons", Config{Persons: -1, Today: today}, &countSink{}},
		{"no today", Config{Persons: 1}, &countSink{}},
		{"no sink", Config{Persons: 1, Today: today}, nil},
	}
	for _, tc := range tests {
		if _, err := Generate(context.Background(), tc.cfg, tc.sink, nil); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	sum, err := Generate(context.Background(), Config{Today: today}, &countSink{}, nil)
	if err != nil || sum.Persons != DefaultPersons {
		t.Errorf("default = %+v, %v", sum, err)
	}
}

func TestFeistelIsAPermutation(t *testing.T) {
	f := newFeistel(9, streamIDs, 100)
	seen := make([]bool, 100*100)
	for i := range uint64(len(seen)) {
		v := f.permute(i)
		if v >= uint64(len(seen)) || seen[v] {
			t.Fatalf("permute(%d) = %d: out of range or repeated", i, v)
		}
		seen[v] = true
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		total   int64
		weights []float64
		floor   int64
		want    []int64
	}{
		{10, []float64{1, 1, 1}, 0, []int64{4, 3, 3}},
		{15, []float64{100, 1, 1}, 1, []int64{13, 1, 1}},
		{7, []float64{0.5, 1.5}, 0, []int64{2, 5}},
	}
	for _, tc := range tests {
		if got := apportion(tc.total, tc.weights, tc.floor); !slices.Equal(got, tc.want) {
			t.Errorf("apportion(%d, %v, %d) = %v, want %v", tc.total, tc.weights, tc.floor, got, tc.want)
		}
	}
}

func TestOf(t *testing.T) {
	for town, want := range map[string]string{"Agadez": "d'Agadez", "Iférouane": "d'Iférouane", "Dosso": "de Dosso", "Élé": "d'Élé"} {
		if got := of(town); got != want {
			t.Errorf("of(%q) = %q, want %q", town, got, want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{10000, 1000000} {
		b.Run(fmt.Sprintf("persons=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Generate(context.Background(), Config{Persons: n, Seed: 1, Today: today}, &countSink{}, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/person")
		})
	}
}

// TestTablesMatchRegistry guards the generator's tables against changes in
// the registry's vocabularies.
func TestTablesMatchRegistry(t *testing.T) {
	for name, table := range map[string][]float64{"active": rankActive, "reservist": rankReservist, "retired": rankRetired} {
		if len(table) != len(registry.Ranks) {
			t.Errorf("%s rank weights: %d, registry has %d ranks", name, len(table), len(registry.Ranks))
		}
	}
	if !slices.Equal(conditionNames, registry.Conditions) {
		t.Errorf("conditions %v, registry has %v", conditionNames, registry.Conditions)
	}
	specs := slices.Clone(personSpecs)
	for _, k := range orgKinds {
		if !slices.Contains(registry.OrganisationKinds, k.kind) {
			t.Errorf("organisation kind %q is not in the registry", k.kind)
		}
		for _, h := range k.holdings {
			specs = append(specs, h.s)
		}
	}
	for _, s := range specs {
		rt, ok := registry.LookupType(s.typ)
		if !ok || !slices.Contains(rt.Units, s.unit) || (rt.Countable && s.step != 1) {
			t.Errorf("%s in %s: not in the taxonomy, or not counted in whole units", s.typ, s.unit)
		}
	}
	for _, s := range skillNames {
		if !registry.ValidToken(s) {
			t.Errorf("skill %q is not a token", s)
		}
	}
}
