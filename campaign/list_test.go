package campaign

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
)

// formatExample is the worked example of FORMAT.md; its values were
// recomputed independently with the Python script printed there.
var formatExample = struct {
	entries []Entry
	root    string
	seed    Seed
	beacon  []byte // the beacon's value
	drawKey string
	commit  string
	ranks   map[string]string // under the draw key
	targets Targets
	result  string // the result encoding
	digest  string
}{
	entries: []Entry{
		{Ref: "b2", Area: "NE/NE.DS", Skills: []string{"nurse", "driver"}},
		{Ref: "a1", Area: "NE/NE.TH/NE.TH.01"},
		{Ref: "c3", Area: "NE/NE.DS/NE.DS.KO", Skills: []string{"driver"}},
	},
	root:    "0eb8d732efd61dbe260294d8571f8ad77ad444102d216697485164da52dbb2f3",
	seed:    Seed{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31},
	beacon:  exampleBeaconValue(),
	drawKey: "3fc0ea9d465453990d9f5774921310a6e36cf529f0b80369dd0b22a7dd4043f3",
	commit:  "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
	ranks: map[string]string{
		"a1": "6ac1016d56473949048e829e7b38a49306e4235e652602b345a60f363c1b18d1",
		"b2": "a0d4e266d4eb51319fd493c979f2f6bbab972cadaa941bde7a8c9a98d256eafa",
		"c3": "218ef5cec296ca0c3910597d91495f00cd707d33cb023bbe74b69cd835c2116f",
	},
	targets: Targets{{Area: "NE.DS", Skill: "driver", Count: 1}, {Count: 5}},
	result:  "muster-campaign-result/v1\n0 c3\n1 a1\n1 b2\n",
	digest:  "2ebc03ec676a07b843f421ff08aa2ef84695a20023b676f706bc90d143437ef1",
}

func TestFormatExample(t *testing.T) {
	ex := formatExample
	l := mustFreeze(t, ex.entries)
	if got := l.Root().String(); got != ex.root {
		t.Errorf("root = %s, want %s", got, ex.root)
	}
	if got := ex.seed.Commitment().String(); got != ex.commit {
		t.Errorf("commitment = %s, want %s", got, ex.commit)
	}
	key := DrawKey(ex.seed, ex.beacon)
	if key.String() != ex.drawKey {
		t.Errorf("draw key = %s, want %s", key, ex.drawKey)
	}
	for ref, want := range ex.ranks {
		if got := key.Rank(ref).String(); got != want {
			t.Errorf("Rank(%s) = %s, want %s", ref, got, want)
		}
	}
	res, err := Draw(key, l, ex.targets)
	if err != nil {
		t.Fatal(err)
	}
	var encoding strings.Builder
	encoding.WriteString(ResultPrefix + "\n")
	for _, s := range res.Selected {
		fmt.Fprintf(&encoding, "%d %s\n", s.Target, s.Ref)
	}
	if encoding.String() != ex.result {
		t.Errorf("result encoding = %q, want %q", encoding.String(), ex.result)
	}
	if got := res.Digest().String(); got != ex.digest {
		t.Errorf("result digest = %s, want %s", got, ex.digest)
	}
}

func TestFreeze(t *testing.T) {
	input := []Entry{
		{Ref: "c", Area: "NE", Skills: []string{"nurse", "driver"}},
		{Ref: "a", Area: "NE"},
		{Ref: "b", Area: "NE/NE.DS"},
	}
	before := fmt.Sprint(input)
	l := mustFreeze(t, input)
	if fmt.Sprint(input) != before {
		t.Errorf("Freeze changed its input to %v", input)
	}
	var refs []string
	for i := range l.Len() {
		refs = append(refs, l.Entry(i).Ref)
	}
	if got := strings.Join(refs, ","); got != "a,b,c" {
		t.Errorf("order = %s, want a,b,c", got)
	}
	if got := l.Entry(2).Skills; !slices.Equal(got, []string{"driver", "nurse"}) {
		t.Errorf("skills = %v, want them sorted", got)
	}
	if i, ok := l.Index("b"); !ok || i != 1 {
		t.Errorf("Index(b) = %d, %v", i, ok)
	}
	if _, ok := l.Index("bb"); ok {
		t.Errorf("Index(bb) found an entry that is not there")
	}

	shuffled := mustFreeze(t, []Entry{input[2], input[0], input[1]})
	if shuffled.Root() != l.Root() {
		t.Errorf("the root depends on the input order")
	}
}

func TestFreezeRejects(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"duplicate ref", []Entry{{Ref: "a", Area: "NE"}, {Ref: "b", Area: "NE"}, {Ref: "a", Area: "NE.DS"}}, `entries 1 and 3 have the same ref "a"`},
		{"invalid entry", []Entry{{Ref: "a", Area: "NE"}, {Ref: "b", Area: "NE", Skills: []string{"X"}}}, "entry 2: skills"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Freeze(tt.entries)
			wantError(t, err, nil, tt.want)
		})
	}
}

func TestEmptyList(t *testing.T) {
	l := mustFreeze(t, nil)
	if got, want := l.Root(), Hash(rfc6962.DefaultHasher.EmptyRoot()); got != want {
		t.Errorf("root of the empty list = %s, want %s", got, want)
	}
	if _, err := l.Proof(0); err == nil {
		t.Errorf("Proof(0) of the empty list gave no error")
	}
	res, err := Draw(testSeed(1), l, Targets{{Count: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Selected) != 0 || len(res.Shortfalls()) != 1 || res.Shortfalls()[0].Shortfall() != 3 {
		t.Errorf("a draw from the empty list gave %+v", res)
	}
}

// TestInclusionProofs proves the first, a middle and the last entry of
// lists of several sizes, and checks that a proof does not prove another
// entry, index or list.
func TestInclusionProofs(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 8, 1000} {
		l := mustFreeze(t, syntheticEntries(n))
		seed := testSeed(n)
		commit := CommitStatement{ListSize: n, ListRoot: l.Root(), SeedCommitment: seed.Commitment(), Beacon: NoBeacon}
		reveal := RevealStatement{Seed: seed}
		for _, i := range slices.Compact([]int{0, n / 2, n - 1}) {
			t.Run(fmt.Sprintf("size %d index %d", n, i), func(t *testing.T) {
				p, err := l.Proof(i)
				if err != nil {
					t.Fatal(err)
				}
				e := l.Entry(i)
				rank, err := VerifyEntry(commit, reveal, e, i, p)
				if err != nil {
					t.Fatalf("VerifyEntry: %v", err)
				}
				if rank != seed.Rank(e.Ref) {
					t.Errorf("rank = %s, want %s", rank, seed.Rank(e.Ref))
				}

				altered := e
				altered.Area = "NE/NE.XX"
				_, err = VerifyEntry(commit, reveal, altered, i, p)
				wantError(t, err, ErrNotInList, e.Ref, fmt.Sprintf("index %d", i))

				if n > 1 {
					other := (i + 1) % n
					_, err = VerifyEntry(commit, reveal, e, other, p)
					wantError(t, err, ErrNotInList)
				}
				_, err = VerifyEntry(commit, reveal, e, n, p)
				wantError(t, err, ErrNotInList, "outside the committed list")

				otherRoot := commit
				otherRoot.ListRoot[0] ^= 1
				_, err = VerifyEntry(otherRoot, reveal, e, i, p)
				wantError(t, err, ErrNotInList)

				_, err = VerifyEntry(commit, RevealStatement{Seed: testSeed(n + 1)}, e, i, p)
				wantError(t, err, ErrSeedMismatch)
			})
		}
	}
}

// TestProofConcurrent asks for proofs from several goroutines at once, the
// first of which builds the tree; run with -race.
func TestProofConcurrent(t *testing.T) {
	l := mustFreeze(t, syntheticEntries(100))
	commit := CommitStatement{ListSize: l.Len(), ListRoot: l.Root(), SeedCommitment: testSeed(0).Commitment(), Beacon: NoBeacon}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		wg.Go(func() {
			for i := g; i < l.Len(); i += len(errs) {
				p, err := l.Proof(i)
				if err == nil {
					_, err = VerifyEntry(commit, RevealStatement{Seed: testSeed(0)}, l.Entry(i), i, p)
				}
				if err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
