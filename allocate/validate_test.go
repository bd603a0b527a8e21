package allocate

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
)

func validNeed() Need {
	return Need{ID: "N1", Type: "vehicle.truck", Quantity: 2, Point: area.Point{Lat: 13.5, Lon: 2.1}, Priority: 3}
}

func validCandidate() Candidate {
	return Candidate{ID: "C1", Owner: "person:1", Type: "vehicle.truck", Available: 1, Point: area.Point{Lat: 13.6, Lon: 2.2}}
}

// TestInvalidInput checks that each kind of bad input is an Invalid error
// naming the need or candidate, its position and the field.
func TestInvalidInput(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name  string
		needs func(n []Need) []Need
		cands func(c []Candidate) []Candidate
		opt   Options
		want  []string // all in the message
	}{
		{name: "need quantity NaN", needs: func(n []Need) []Need { n[0].Quantity = nan; return n }, want: []string{`need #0 ("N1")`, "quantity", "NaN"}},
		{name: "need quantity negative", needs: func(n []Need) []Need { n[0].Quantity = -3; return n }, want: []string{`need #0 ("N1")`, "quantity", "-3"}},
		{name: "need quantity zero", needs: func(n []Need) []Need { n[0].Quantity = 0; return n }, want: []string{"quantity", "> 0"}},
		{name: "need quantity infinite", needs: func(n []Need) []Need { n[0].Quantity = math.Inf(1); return n }, want: []string{"quantity", "+Inf"}},
		{name: "need quantity too large", needs: func(n []Need) []Need { n[0].Quantity = 2e6; return n }, want: []string{"quantity", "standard units"}},
		{name: "need without location", needs: func(n []Need) []Need { n[0].Point = area.Point{}; return n }, want: []string{`need #0 ("N1")`, "point", "missing"}},
		{name: "need latitude out of range", needs: func(n []Need) []Need { n[0].Point.Lat = 95; return n }, want: []string{"point", "latitude 95"}},
		{name: "need without id", needs: func(n []Need) []Need { n[0].ID = ""; return n }, want: []string{`need #0 ("")`, "need_id", "empty"}},
		{name: "need type malformed", needs: func(n []Need) []Need { n[0].Type = "vehicle..truck"; return n }, want: []string{"type", `"vehicle..truck"`}},
		{name: "need ids duplicate", needs: func(n []Need) []Need { return append(n, n[0]) }, want: []string{`need #1 ("N1")`, "duplicate of need #0"}},
		{name: "candidate available negative", cands: func(c []Candidate) []Candidate { c[0].Available = -1; return c }, want: []string{`candidate #0 ("C1")`, "available", "-1"}},
		{name: "candidate available NaN", cands: func(c []Candidate) []Candidate { c[0].Available = nan; return c }, want: []string{"available", "NaN"}},
		{name: "candidate without owner", cands: func(c []Candidate) []Candidate { c[0].Owner = ""; return c }, want: []string{`candidate #0 ("C1")`, "owner", "empty"}},
		{name: "candidate without location", cands: func(c []Candidate) []Candidate { c[0].Point = area.Point{}; return c }, want: []string{"candidate #0", "point", "missing"}},
		{name: "candidate longitude out of range", cands: func(c []Candidate) []Candidate { c[0].Point.Lon = -200; return c }, want: []string{"point", "longitude -200"}},
		{name: "candidate owner_given negative", cands: func(c []Candidate) []Candidate { c[0].OwnerGiven = -1; return c }, want: []string{"owner_given", "-1"}},
		{name: "candidate ids duplicate", cands: func(c []Candidate) []Candidate { return append(c, c[0]) }, want: []string{`candidate #1 ("C1")`, "duplicate of candidate #0"}},
		{name: "owner_given disagrees", cands: func(c []Candidate) []Candidate {
			d := c[0]
			d.ID, d.OwnerGiven = "C2", 3
			return append(c, d)
		}, want: []string{`candidate #1 ("C2")`, "owner_given", "3 differs from 0", `"person:1"`}},
		{name: "candidate type empty", cands: func(c []Candidate) []Candidate { c[0].Type = ""; return c }, want: []string{"candidate #0", "type"}},
		{name: "negative burden weight", opt: Options{BurdenWeight: -1}, want: []string{"options", "BurdenWeight"}},
		{name: "NaN max distance", opt: Options{MaxDistanceKm: nan}, want: []string{"options", "MaxDistanceKm"}},
		{name: "negative workers", opt: Options{Workers: -2}, want: []string{"options", "Workers"}},
		{name: "scale key with a dot", opt: Options{Scale: map[string]float64{"fuel.diesel": 0.001}}, want: []string{"Scale", `"fuel.diesel"`, "not a class"}},
		{name: "scale zero", opt: Options{Scale: map[string]float64{"fuel": 0}}, want: []string{`Scale["fuel"]`, "> 0"}},
		{name: "several problems counted", needs: func(n []Need) []Need {
			n[0].Quantity = -1
			n[0].Point = area.Point{}
			return n
		}, want: []string{"2 invalid inputs", "quantity", "point"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			needs, cands := []Need{validNeed()}, []Candidate{validCandidate()}
			if c.needs != nil {
				needs = c.needs(needs)
			}
			if c.cands != nil {
				cands = c.cands(cands)
			}
			for _, run := range []func([]Need, []Candidate, Options) (Proposal, error){Allocate, Exact} {
				_, err := run(needs, cands, c.opt)
				if err == nil {
					t.Fatal("no error")
				}
				var me *muster.Error
				if !errors.As(err, &me) || me.Kind != muster.Invalid {
					t.Fatalf("error %v is not muster.Invalid", err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
			}
		})
	}
}

// TestManyInvalidReportsFirstFew checks that a large bad input gives a
// bounded message with the count of the rest.
func TestManyInvalidReportsFirstFew(t *testing.T) {
	cands := make([]Candidate, 10_000)
	for i := range cands {
		cands[i] = validCandidate()
		cands[i].ID = genID("C", i)
		cands[i].Available = -1
	}
	_, err := Allocate([]Need{validNeed()}, cands, Options{})
	if err == nil || !strings.Contains(err.Error(), "10000 invalid inputs") || !strings.Contains(err.Error(), "and 9990 more") {
		t.Fatalf("error %v", err)
	}
	if len(err.Error()) > 2000 {
		t.Fatalf("message of %d bytes", len(err.Error()))
	}
}

// TestZeroAvailableIsNotAnError checks that a candidate with nothing left
// is valid input and simply never used.
func TestZeroAvailableIsNotAnError(t *testing.T) {
	c := validCandidate()
	c.Available = 0
	p, err := Allocate([]Need{validNeed()}, []Candidate{c}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 0 || len(p.Shortfalls) != 1 || p.Shortfalls[0].Reason != NoCandidate {
		t.Fatalf("got %+v", p)
	}
}
