package allocate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/muster-org/muster/area"
)

// caseFile is one hand-made case under testdata/cases: the input, the
// options and the lines and shortfalls both solvers must propose.
type caseFile struct {
	Name    string `json:"name"`
	Doc     string `json:"doc"`
	Options struct {
		BurdenWeight   float64 `json:"burden_weight"`
		FairnessWeight float64 `json:"fairness_weight"`
		MaxDistanceKm  float64 `json:"max_distance_km"`
	} `json:"options"`
	Needs      []Need      `json:"needs"`
	Candidates []Candidate `json:"candidates"`
	Want       struct {
		Lines      []wantLine  `json:"lines"`
		Shortfalls []Shortfall `json:"shortfalls"`
	} `json:"want"`
}

type wantLine struct {
	Need      string  `json:"need_id"`
	Candidate string  `json:"candidate_id"`
	Quantity  float64 `json:"quantity"`
}

func TestCases(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c caseFile
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		opt := Options{BurdenWeight: c.Options.BurdenWeight, FairnessWeight: c.Options.FairnessWeight, MaxDistanceKm: c.Options.MaxDistanceKm}
		for _, solver := range []struct {
			name string
			run  func([]Need, []Candidate, Options) (Proposal, error)
		}{{"Allocate", Allocate}, {"Exact", Exact}} {
			t.Run(c.Name+"/"+solver.name, func(t *testing.T) {
				p, err := solver.run(c.Needs, c.Candidates, opt)
				if err != nil {
					t.Fatal(err)
				}
				checkProposal(t, c.Needs, c.Candidates, p)
				got := make([]wantLine, 0, len(p.Lines))
				for _, l := range p.Lines {
					got = append(got, wantLine{l.Need, l.Candidate, l.Quantity})
				}
				if !reflect.DeepEqual(got, append([]wantLine{}, c.Want.Lines...)) {
					t.Errorf("%s\nlines %+v\nwant  %+v", c.Doc, got, c.Want.Lines)
				}
				if !reflect.DeepEqual(p.Shortfalls, append([]Shortfall{}, c.Want.Shortfalls...)) {
					t.Errorf("%s\nshortfalls %+v\nwant       %+v", c.Doc, p.Shortfalls, c.Want.Shortfalls)
				}
			})
		}
	}
}

// TestLineCosts checks one line's breakdown by hand: 2 standard units of
// an owner who gave 1 before, 10 km away, burden 25 and fairness 10.
func TestLineCosts(t *testing.T) {
	needs := []Need{{ID: "N", Type: "vehicle.truck", Quantity: 2, Point: kmNorth(0)}}
	cands := []Candidate{{ID: "C", Owner: "org:a", Type: "vehicle.truck", Available: 2, Point: kmNorth(10), OwnerGiven: 1}}
	p, err := Allocate(needs, cands, Options{BurdenWeight: 25, FairnessWeight: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 1 {
		t.Fatalf("lines %+v", p.Lines)
	}
	c := p.Lines[0].Cost
	want := Cost{DistanceKm: 10, Travel: 20, Burden: 25, Fairness: 20, Total: 65}
	for _, f := range []struct {
		name      string
		got, want float64
	}{{"distance", c.DistanceKm, want.DistanceKm}, {"travel", c.Travel, want.Travel}, {"burden", c.Burden, want.Burden},
		{"fairness", c.Fairness, want.Fairness}, {"total", c.Total, want.Total}, {"proposal total", p.TotalCost, want.Total}} {
		if math.Abs(f.got-f.want) > 1e-6 {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
}

// kmNorth is a point the given distance north of 14°N 5°E.
func kmNorth(km float64) area.Point {
	return area.Point{Lat: 14 + km/(earthRadiusKm*math.Pi/180), Lon: 5}
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		need, cand string
		want       bool
	}{
		{"vehicle.truck", "vehicle.truck", true},
		{"vehicle", "vehicle.truck", true},
		{"vehicle", "vehicle", true},
		{"vehicle.truck", "vehicle.truck.heavy", true},
		{"vehicle.truck", "vehicle", false},
		{"vehicle.truck", "vehicle.trucks", false},
		{"vehicle", "vehicles.truck", false},
		{"skill.driver", "skill.nurse", false},
		{"skill", "skill.driver", true},
		{"fuel", "food.millet", false},
	} {
		if got := Matches(c.need, c.cand); got != c.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", c.need, c.cand, got, c.want)
		}
	}
}

// TestDeterministic runs one instance with one and with two workers, and
// twice: the proposals must be identical.
func TestDeterministic(t *testing.T) {
	needs, cands := Generate(7, GenOptions{Needs: 300, Candidates: 3000, Clusters: 6, Supply: 0.9, ClassNeeds: 0.3, MaxGiven: 2})
	var first Proposal
	for i, w := range []int{1, 2, 2} {
		p, err := Allocate(needs, cands, Options{BurdenWeight: 25, FairnessWeight: 10, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = p
			if len(p.Shortfalls) == 0 || len(p.Lines) < 300 {
				t.Fatalf("instance too easy to show anything: %d lines, %d shortfalls", len(p.Lines), len(p.Shortfalls))
			}
			continue
		}
		if !reflect.DeepEqual(p, first) {
			t.Fatalf("run %d with %d workers differs from the first", i, w)
		}
	}
}

func TestProgress(t *testing.T) {
	needs, cands := Generate(3, GenOptions{Needs: 500, Candidates: 5000, Supply: 0.8})
	var calls [][2]int
	_, err := Allocate(needs, cands, Options{Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 10 || calls[len(calls)-1] != [2]int{500, 500} {
		t.Fatalf("%d calls, last %v; want several ending at 500/500", len(calls), calls[len(calls)-1])
	}
	if !slices.IsSortedFunc(calls, func(a, b [2]int) int { return a[0] - b[0] }) || calls[0][1] != 500 {
		t.Fatalf("calls not rising towards 500: %v", calls)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, c := range []struct {
		name  string
		needs []Need
		cands []Candidate
		short int
	}{
		{"nothing", nil, nil, 0},
		{"needs only", []Need{{ID: "N", Type: "vehicle", Quantity: 1, Point: kmNorth(0)}}, nil, 1},
		{"candidates only", nil, []Candidate{{ID: "C", Owner: "o", Type: "vehicle.car", Available: 1, Point: kmNorth(0)}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Allocate(c.needs, c.cands, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Lines) != 0 || len(p.Shortfalls) != c.short || p.Shortfalls == nil {
				t.Fatalf("got %+v", p)
			}
		})
	}
}
