package campaign

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

// quotaEntries is a small list where who a target can select does not
// depend on the seed, because every quota takes all it can.
var quotaEntries = []Entry{
	{Ref: "p1", Area: "NE/NE.DS/NE.DS.KO", Skills: []string{"driver", "nurse"}},
	{Ref: "p2", Area: "NE/NE.DS/NE.DS.KO", Skills: []string{"driver"}},
	{Ref: "p3", Area: "NE/NE.DS/NE.DS.NI", Skills: []string{"nurse"}},
	{Ref: "p4", Area: "NE/NE.TH/NE.TH.01", Skills: []string{"driver"}},
	{Ref: "p5", Area: "NE/NE.TH/NE.TH.01"},
	{Ref: "p6", Area: "NE/NE.ZI", Skills: []string{"mechanic"}},
}

func TestDrawQuotas(t *testing.T) {
	tests := []struct {
		name    string
		targets Targets
		want    []string // per target: its selected refs, sorted, joined by ','
		short   []int    // per target: its shortfall
	}{
		{"exact quota", Targets{{Area: "NE.DS", Skill: "driver", Count: 2}}, []string{"p1,p2"}, []int{0}},
		{"shortfall", Targets{{Area: "NE.DS", Skill: "driver", Count: 3}}, []string{"p1,p2"}, []int{1}},
		{"department within region", Targets{{Area: "NE.DS.KO", Count: 5}}, []string{"p1,p2"}, []int{3}},
		{"any area", Targets{{Skill: "nurse", Count: 2}}, []string{"p1,p3"}, []int{0}},
		{"any area, any skill", Targets{{Count: 6}}, []string{"p1,p2,p3,p4,p5,p6"}, []int{0}},
		{"no skill needed", Targets{{Area: "NE.TH", Count: 2}}, []string{"p4,p5"}, []int{0}},
		{"nobody matches", Targets{{Area: "NE.ZI", Skill: "nurse", Count: 1}}, []string{""}, []int{1}},
		{"earlier target takes the shared person",
			Targets{{Skill: "nurse", Count: 2}, {Area: "NE.DS", Skill: "driver", Count: 2}},
			[]string{"p1,p3", "p2"}, []int{0, 1}},
		{"the other order",
			Targets{{Area: "NE.DS", Skill: "driver", Count: 2}, {Skill: "nurse", Count: 2}},
			[]string{"p1,p2", "p3"}, []int{0, 1}},
		{"broad target after narrow ones",
			Targets{{Area: "NE.DS", Skill: "nurse", Count: 9}, {Area: "NE.TH", Skill: "driver", Count: 1}, {Area: "NE", Count: 9}},
			[]string{"p1,p3", "p4", "p2,p5,p6"}, []int{7, 0, 6}},
	}
	for _, tt := range tests {
		for _, seedNo := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/seed %d", tt.name, seedNo), func(t *testing.T) {
				res, err := Draw(testSeed(seedNo), mustFreeze(t, quotaEntries), tt.targets)
				if err != nil {
					t.Fatal(err)
				}
				got := make([][]string, len(tt.targets))
				for _, s := range res.Selected {
					got[s.Target] = append(got[s.Target], s.Ref)
				}
				for i := range tt.targets {
					slices.Sort(got[i])
					if g := strings.Join(got[i], ","); g != tt.want[i] {
						t.Errorf("target %d selected %q, want %q", i, g, tt.want[i])
					}
					if q := res.Quotas[i]; q.Shortfall() != tt.short[i] || q.Target != tt.targets[i] || q.Selected != len(got[i]) {
						t.Errorf("quota %d = %+v (shortfall %d), want shortfall %d", i, q, q.Shortfall(), tt.short[i])
					}
				}
				var shortTargets int
				for _, s := range tt.short {
					if s > 0 {
						shortTargets++
					}
				}
				if len(res.Shortfalls()) != shortTargets {
					t.Errorf("Shortfalls = %+v, want %d", res.Shortfalls(), shortTargets)
				}
			})
		}
	}
}

// sequentialDraw is the order rule of Targets read literally: every target
// in turn takes the first Count persons in rank order it matches that no
// earlier target took. Draw must give the same result in one pass.
func sequentialDraw(seed Seed, entries []Entry, targets Targets) []Selection {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Ref, b.Ref) })
	index := make(map[string]int)
	rank := make(map[string]Rank)
	for i, e := range sorted {
		index[e.Ref], rank[e.Ref] = i, seed.Rank(e.Ref)
	}
	byRank := slices.Clone(sorted)
	slices.SortFunc(byRank, func(a, b Entry) int { return rank[a.Ref].Compare(rank[b.Ref]) })
	taken := make(map[string]bool)
	var out []Selection
	for t, target := range targets {
		n := 0
		for _, e := range byRank {
			if n == target.Count {
				break
			}
			if !taken[e.Ref] && target.matches(e) {
				taken[e.Ref] = true
				out = append(out, Selection{Ref: e.Ref, Index: index[e.Ref], Rank: rank[e.Ref], Target: t})
				n++
			}
		}
	}
	return out
}

func TestDrawFollowsTheOrderRule(t *testing.T) {
	entries := syntheticEntries(3000)
	list := mustFreeze(t, entries)
	targetSets := map[string]Targets{
		"disjoint": {{Area: "NE.DS.KO", Skill: "driver", Count: 40}, {Area: "NE.TH", Skill: "nurse", Count: 30}},
		"overlapping": {
			{Area: "NE.DS", Skill: "nurse", Count: 100}, {Skill: "driver", Count: 200},
			{Area: "NE.DS.NI", Count: 150}, {Area: "NE", Skill: "mechanic", Count: 5000}, {Count: 300},
		},
		"everyone": {{Count: 3000}},
	}
	for name, targets := range targetSets {
		for _, seedNo := range []int{7, 8} {
			t.Run(fmt.Sprintf("%s/seed %d", name, seedNo), func(t *testing.T) {
				res, err := Draw(testSeed(seedNo), list, targets)
				if err != nil {
					t.Fatal(err)
				}
				want := sequentialDraw(testSeed(seedNo), entries, targets)
				if !reflect.DeepEqual(res.Selected, want) {
					t.Errorf("Draw selected %d persons, the literal rule %d; first difference at %d",
						len(res.Selected), len(want), firstDifference(res.Selected, want))
				}
			})
		}
	}
}

func firstDifference(a, b []Selection) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestDrawIsDeterministic(t *testing.T) {
	entries := syntheticEntries(500)
	targets := Targets{{Area: "NE.DS", Count: 50}, {Skill: "nurse", Count: 20}}
	first, err := Draw(testSeed(1), mustFreeze(t, entries), targets)
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(entries)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again, err := Draw(testSeed(1), mustFreeze(t, shuffled), targets)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first.Selected, again.Selected) || first.Digest() != again.Digest() {
		t.Errorf("the same seed and list gave two results")
	}
	other, err := Draw(testSeed(2), mustFreeze(t, entries), targets)
	if err != nil {
		t.Fatal(err)
	}
	if other.Digest() == first.Digest() {
		t.Errorf("two seeds gave the same result")
	}
}

// TestDrawIsFair checks over many deterministic seeds that each entry of a
// list is about equally likely to be drawn first: a chi-square statistic
// with 9 degrees of freedom under a loose bound (exceeded with probability
// below 1e-4 for a fair draw; the seeds are fixed, so it cannot flake).
func TestDrawIsFair(t *testing.T) {
	const entries, seeds = 10, 5000
	list := mustFreeze(t, syntheticEntries(entries))
	counts := make([]int, entries)
	for s := range seeds {
		res, err := Draw(testSeed(s), list, Targets{{Count: 1}})
		if err != nil {
			t.Fatal(err)
		}
		counts[res.Selected[0].Index]++
	}
	expected := float64(seeds) / entries
	var chi2 float64
	for _, c := range counts {
		d := float64(c) - expected
		chi2 += d * d / expected
	}
	if chi2 > 33.7 {
		t.Errorf("chi-square %.1f over first places %v: the draw favours some entries", chi2, counts)
	}
}

func TestWaiting(t *testing.T) {
	list := mustFreeze(t, syntheticEntries(400))
	targets := Targets{{Area: "NE.DS", Skill: "driver", Count: 5}, {Skill: "nurse", Count: 10}}
	res, err := Draw(testSeed(3), list, targets)
	if err != nil {
		t.Fatal(err)
	}
	selected := make(map[string]bool)
	for _, s := range res.Selected {
		selected[s.Ref] = true
	}
	for ti, target := range targets {
		waiting, err := res.Waiting(ti)
		if err != nil {
			t.Fatal(err)
		}
		var got []Selection
		for s := range waiting {
			got = append(got, s)
		}
		matching := 0
		for i := range list.Len() {
			if target.matches(list.Entry(i)) && !selected[list.Entry(i).Ref] {
				matching++
			}
		}
		if len(got) != matching || matching == 0 {
			t.Errorf("target %d: waiting list of %d, want the %d matching persons not selected", ti, len(got), matching)
		}
		for i, s := range got {
			e := list.Entry(s.Index)
			switch {
			case selected[s.Ref]:
				t.Errorf("target %d: %s is selected and waiting", ti, s.Ref)
			case e.Ref != s.Ref || !target.matches(e) || s.Target != ti || s.Rank != testSeed(3).Rank(s.Ref):
				t.Errorf("target %d: waiting %+v does not describe entry %+v", ti, s, e)
			case i > 0 && got[i-1].Rank.Compare(s.Rank) >= 0:
				t.Errorf("target %d: waiting list not in rank order at %d", ti, i)
			}
		}
		// Every selected person of the target ranks before its waiting list.
		for _, s := range res.Selected {
			if s.Target == ti && s.Rank.Compare(got[0].Rank) >= 0 {
				t.Errorf("target %d: selected %s ranks after the head of the waiting list", ti, s.Ref)
			}
		}
		// Stopping early gives the head of the same list.
		var head []Selection
		for s := range waiting {
			if head = append(head, s); len(head) == 3 {
				break
			}
		}
		if !reflect.DeepEqual(head, got[:3]) {
			t.Errorf("target %d: the first three waiting are %v, want %v", ti, head, got[:3])
		}
	}
	if _, err := res.Waiting(len(targets)); muster.ErrorKind(err) != muster.NotFound {
		t.Errorf("Waiting of a target that does not exist: %v, want not_found", err)
	}
}

func TestCheckPublished(t *testing.T) {
	res, err := Draw(testSeed(1), mustFreeze(t, quotaEntries), Targets{{Count: 4}})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, s := range res.Selected {
		refs = append(refs, s.Ref)
	}
	swapped := slices.Clone(refs)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	tests := []struct {
		name      string
		published []string
		want      []string // error fragments; nil when it matches
	}{
		{"same", refs, nil},
		{"swapped", swapped, []string{"position 2", swapped[1]}},
		{"one missing", refs[:3], []string{"position 4", "missing"}},
		{"one extra", append(slices.Clone(refs), "p9"), []string{"position 5", "extra"}},
		{"empty", nil, []string{"position 1", "missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := res.CheckPublished(tt.published)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, ErrResultDiffers, tt.want...)
		})
	}
}

func TestTargetsValidate(t *testing.T) {
	tests := []struct {
		name    string
		targets Targets
		want    string
	}{
		{"none", nil, "at least one target"},
		{"zero count", Targets{{Count: 0}}, "target 1: count 0"},
		{"negative count", Targets{{Area: "NE", Count: 1}, {Count: -3}}, "target 2: count -3"},
		{"bad area", Targets{{Area: "NE/NE.DS", Count: 1}}, "target 1: area"},
		{"bad skill", Targets{{Skill: "Nurse", Count: 1}}, "target 1: skill"},
		{"same area and skill twice", Targets{{Area: "NE", Skill: "nurse", Count: 1}, {Count: 2}, {Area: "NE", Skill: "nurse", Count: 3}}, "target 3: area \"NE\" and skill \"nurse\" are already target 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.targets.Validate(), nil, tt.want)
			_, err := Draw(testSeed(1), mustFreeze(t, quotaEntries), tt.targets)
			wantError(t, err, nil, tt.want)
		})
	}
}
