package campaign

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// publishedExample reads the fixture campaign as a verifier would: the
// list file and the two statements.
func publishedExample(t *testing.T) ([]Entry, CommitStatement, RevealStatement) {
	t.Helper()
	entries, err := readListFile(t, "list.csv")
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	commit, err := ParseCommit(read("commit.txt"))
	if err != nil {
		t.Fatal(err)
	}
	reveal, err := ParseReveal(read("reveal.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return entries, commit, reveal
}

func TestVerifyPublishedExample(t *testing.T) {
	entries, commit, reveal := publishedExample(t)
	res, err := Verify(commit, reveal, entries)
	if err != nil {
		t.Fatal(err)
	}
	ex := newExample(t)
	var refs []string
	for _, s := range ex.result.Selected {
		refs = append(refs, s.Ref)
	}
	if err := res.CheckPublished(refs); err != nil {
		t.Errorf("the authority's result does not check: %v", err)
	}
}

// TestVerifyDetectsTampering changes one thing after the commitment and
// expects Verify to fail saying what.
func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func(entries *[]Entry, c *CommitStatement, r *RevealStatement)
		sentinel error    // nil with no fragments: Verify must pass
		want     []string // error fragments
	}{
		{"nothing", func(*[]Entry, *CommitStatement, *RevealStatement) {}, nil, nil},
		{"skills written in another order", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			i := slices.IndexFunc(*e, func(e Entry) bool { return len(e.Skills) == 2 })
			(*e)[i].Skills = []string{(*e)[i].Skills[1], (*e)[i].Skills[0]}
		}, nil, nil},
		{"entry added", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			*e = slices.Insert(*e, 3, Entry{Ref: "1b8d0103e3a8d9cf", Area: "NE/NE.ZI"})
		}, ErrListAltered, []string{"has 25 entries, the commitment says 24"}},
		{"entry removed", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			*e = slices.Delete(*e, 10, 11)
		}, ErrListAltered, []string{"has 23 entries"}},
		{"entry replaced by another person", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			(*e)[5].Ref = "4c0e071832d5276a"
		}, ErrListAltered, []string{"root of the published list is", "the committed root is " + newExample(t).list.Root().String()}},
		{"entries reordered", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			(*e)[3], (*e)[4] = (*e)[4], (*e)[3]
		}, ErrListAltered, []string{"entry 5", "comes after entry 4"}},
		{"area altered", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			(*e)[7].Area = "NE/NE.ZI"
		}, ErrListAltered, []string{"root of the published list"}},
		{"skill added", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			(*e)[0].Skills = append((*e)[0].Skills, "nurse")
		}, ErrListAltered, []string{"root of the published list"}},
		{"entry duplicated", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			*e = slices.Insert(*e, 3, (*e)[2])
		}, nil, []string{"entries 3 and 4 have the same ref"}},
		{"invalid entry", func(e *[]Entry, _ *CommitStatement, _ *RevealStatement) {
			(*e)[4].Area = "NE//NE.DS"
		}, nil, []string{"published list: entry 5: area"}},
		{"wrong seed", func(_ *[]Entry, _ *CommitStatement, r *RevealStatement) {
			r.Seed = testSeed(43)
		}, ErrSeedMismatch, []string{"SHA-256 of the revealed seed is " + testSeed(43).Commitment().String()}},
		{"reveal of another campaign", func(_ *[]Entry, _ *CommitStatement, r *RevealStatement) {
			r.Campaign = "NE-2026-CALLUP-02"
		}, nil, []string{"the reveal is of campaign NE-2026-CALLUP-02"}},
		{"committed root altered", func(_ *[]Entry, c *CommitStatement, _ *RevealStatement) {
			c.ListRoot[31] ^= 1
		}, ErrListAltered, []string{"root of the published list"}},
		{"result digest altered", func(_ *[]Entry, _ *CommitStatement, r *RevealStatement) {
			r.ResultDigest[0] ^= 1
		}, ErrResultDiffers, []string{"result digest of the draw"}},
		{"selected count altered", func(_ *[]Entry, _ *CommitStatement, r *RevealStatement) {
			r.Selected = 7
		}, ErrResultDiffers, []string{"the draw selects 8 persons, the reveal says 7"}},
		{"quota altered", func(_ *[]Entry, c *CommitStatement, _ *RevealStatement) {
			c.Targets = slices.Clone(c.Targets)
			c.Targets[2].Count = 2
		}, ErrResultDiffers, []string{"selects 7 persons"}},
		{"targets reordered", func(_ *[]Entry, c *CommitStatement, _ *RevealStatement) {
			c.Targets = slices.Clone(c.Targets)
			c.Targets[0], c.Targets[1] = c.Targets[1], c.Targets[0]
		}, ErrResultDiffers, []string{"result digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, commit, reveal := publishedExample(t)
			tt.tamper(&entries, &commit, &reveal)
			_, err := Verify(commit, reveal, entries)
			if tt.sentinel == nil && tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantError(t, err, tt.sentinel, tt.want...)
		})
	}
}

// TestVerifyLargerCampaign runs the authority's side and the verifier's
// side on a list of a thousand entries.
func TestVerifyLargerCampaign(t *testing.T) {
	entries := syntheticEntries(1000)
	list := mustFreeze(t, entries)
	seed := testSeed(1000)
	targets := Targets{{Area: "NE.DS.KO", Skill: "driver", Count: 20}, {Skill: "nurse", Count: 100}, {Area: "NE.ZI", Count: 400}}
	commit, err := NewCommit("C-1000", "p1", newExample(t).commit.At, list, seed, NoBeacon, targets)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Draw(seed, list, targets)
	if err != nil {
		t.Fatal(err)
	}
	reveal, err := NewReveal(commit, commit.At, seed, nil, res)
	if err != nil {
		t.Fatal(err)
	}
	published := make([]Entry, list.Len())
	for i := range published {
		published[i] = list.Entry(i)
	}
	if _, err := Verify(commit, reveal, published); err != nil {
		t.Fatal(err)
	}
	published[999].Skills = []string{"nurse"}
	_, err = Verify(commit, reveal, published)
	wantError(t, err, ErrListAltered)
}
