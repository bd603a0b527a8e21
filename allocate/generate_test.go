package allocate

import (
	"reflect"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	g := GenOptions{Needs: 400, Candidates: 6000, Owners: 1500, Clusters: 5, Supply: 2, Priorities: 4, ClassNeeds: 0.5, MaxGiven: 3}
	needs, cands := Generate(42, g)
	again, againC := Generate(42, g)
	if !reflect.DeepEqual(needs, again) || !reflect.DeepEqual(cands, againC) {
		t.Fatal("the same seed gave another instance")
	}
	if other, _ := Generate(43, g); reflect.DeepEqual(other, needs) {
		t.Fatal("another seed gave the same needs")
	}
	if len(needs) != 400 || len(cands) != 6000 {
		t.Fatalf("%d needs, %d candidates", len(needs), len(cands))
	}
	if _, err := prepare(needs, cands, Options{}); err != nil {
		t.Fatalf("generated input is invalid: %v", err)
	}
	inBox := func(lat, lon float64) bool {
		return lat >= genMinLat && lat <= genMaxLat && lon >= genMinLon && lon <= genMaxLon
	}
	perOwner := make(map[string]int)
	given := make(map[string]float64)
	for _, c := range cands {
		if !inBox(c.Point.Lat, c.Point.Lon) {
			t.Fatalf("candidate %s at %v is outside the box", c.ID, c.Point)
		}
		perOwner[c.Owner]++
		if g, seen := given[c.Owner]; seen && g != c.OwnerGiven {
			t.Fatalf("owner %s has two OwnerGiven values", c.Owner)
		}
		given[c.Owner] = c.OwnerGiven
		if strings.HasPrefix(c.Type, "skill.") && !strings.HasPrefix(c.Owner, "person:") {
			t.Fatalf("skill %s owned by %s", c.ID, c.Owner)
		}
	}
	several, most, gave := 0, 0, 0
	for o, k := range perOwner {
		if k > 1 {
			several++
		}
		most = max(most, k)
		if given[o] > 0 {
			gave++
		}
	}
	if several < 100 || most < 10 || gave == 0 {
		t.Fatalf("owners: %d with several resources, at most %d, %d gave before", several, most, gave)
	}
	classes, priorities := 0, make(map[int]bool)
	for _, n := range needs {
		if !inBox(n.Point.Lat, n.Point.Lon) || n.Quantity <= 0 || n.Deadline.IsZero() {
			t.Fatalf("need %+v", n)
		}
		if !strings.Contains(n.Type, ".") {
			classes++
		}
		priorities[n.Priority] = true
	}
	if classes == 0 || len(priorities) != 4 {
		t.Fatalf("%d class needs, priorities %v", classes, priorities)
	}
}

// TestGenerateSupply checks that Supply moves the balance: scarce
// instances leave needs short, abundant ones do not.
func TestGenerateSupply(t *testing.T) {
	short := func(supply float64) int {
		needs, cands := Generate(5, GenOptions{Needs: 200, Candidates: 2000, Supply: supply})
		p, err := Allocate(needs, cands, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Shortfalls)
	}
	if s := short(0.5); s == 0 {
		t.Errorf("supply 0.5: no need short")
	}
	if s := short(20); s != 0 {
		t.Errorf("supply 20: %d needs short", s)
	}
}
