package campaign

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/muster-org/muster"
)

// ResultPrefix is the first line of the encoding a result digest is taken
// over (FORMAT.md).
const ResultPrefix = "muster-campaign-result/v1"

// Selection is one person called up by a draw, or one place on a waiting
// list.
type Selection struct {
	Ref    string
	Index  int  // position of the entry in the frozen list, from 0
	Rank   Rank // HMAC-SHA256(seed, Ref)
	Target int  // index of the target it counts for, from 0
}

// Quota is how far a draw filled one target.
type Quota struct {
	Target   Target
	Selected int
}

// Shortfall is how many persons the target still lacks because too few
// eligible persons match it.
func (q Quota) Shortfall() int { return q.Target.Count - q.Selected }

// Result is the outcome of a draw.
type Result struct {
	// Selected lists the persons called up, target by target in target
	// order, each target's in rank order. The result digest is taken over
	// this order.
	Selected []Selection
	// Quotas has one element per target, in target order.
	Quotas []Quota

	list    *List
	seed    Seed
	targets Targets
	order   []uint32 // list indices in rank order
	taken   []bool   // by list index: selected by some target
}

// Draw ranks every entry of list by its Rank under seed and fills targets
// in rank order, by the order rule of Targets. Entries whose rank prefixes
// collide are ordered by full rank, then by Ref, so the order is total
// even in the case that never happens.
func Draw(seed Seed, list *List, targets Targets) (*Result, error) {
	if err := targets.Validate(); err != nil {
		return nil, err
	}
	r := &Result{
		list: list, seed: seed, targets: slices.Clone(targets),
		order: rankOrder(seed, list),
		taken: make([]bool, list.Len()),
	}
	idx := newTargetIndex(targets)
	picked := make([][]uint32, len(targets))
	for _, i := range r.order {
		if idx.open == 0 {
			break
		}
		if t := idx.take(list.entries[i]); t >= 0 {
			picked[t] = append(picked[t], i)
			r.taken[i] = true
		}
	}
	k := newRanker(seed)
	r.Quotas = make([]Quota, len(targets))
	for t, is := range picked {
		r.Quotas[t] = Quota{Target: targets[t], Selected: len(is)}
		for _, i := range is {
			r.Selected = append(r.Selected, r.selection(k, i, t))
		}
	}
	return r, nil
}

func (r *Result) selection(k *ranker, i uint32, target int) Selection {
	ref := r.list.entries[i].Ref
	return Selection{Ref: ref, Index: int(i), Rank: k.rank(ref), Target: target}
}

// rankKey is what the sort compares: the first 8 bytes of the rank, read
// big-endian, so that the common case is one integer comparison.
type rankKey struct {
	prefix uint64
	index  uint32
}

// rankOrder returns the list indices in ascending rank order.
func rankOrder(seed Seed, list *List) []uint32 {
	k := newRanker(seed)
	keys := make([]rankKey, list.Len())
	for i, e := range list.entries {
		r := k.rank(e.Ref)
		keys[i] = rankKey{prefix: binary.BigEndian.Uint64(r[:8]), index: uint32(i)}
	}
	tie := newRanker(seed)
	slices.SortFunc(keys, func(a, b rankKey) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		ra, rb := list.entries[a.index].Ref, list.entries[b.index].Ref
		if c := tie.rank(ra).Compare(tie.rank(rb)); c != 0 {
			return c
		}
		return strings.Compare(ra, rb)
	})
	order := make([]uint32, len(keys))
	for i, key := range keys {
		order[i] = key.index
	}
	return order
}

// Shortfalls returns the quotas the draw could not fill.
func (r *Result) Shortfalls() []Quota {
	var out []Quota
	for _, q := range r.Quotas {
		if q.Shortfall() > 0 {
			out = append(out, q)
		}
	}
	return out
}

// Digest is the SHA-256 of the result encoding (FORMAT.md): ResultPrefix
// and LF, then one line "<target index> <ref>" LF per selection in the
// order of Selected. The reveal statement publishes it.
func (r *Result) Digest() Hash { return resultDigest(r.Selected) }

func resultDigest(selected []Selection) Hash {
	h := sha256.New()
	b := make([]byte, 0, 128)
	b = append(append(b, ResultPrefix...), '\n')
	for _, s := range selected {
		b = strconv.AppendInt(b, int64(s.Target), 10)
		b = append(b, ' ')
		b = append(b, s.Ref...)
		b = append(b, '\n')
		if len(b) > 64<<10 {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	return Hash(h.Sum(nil))
}

// Waiting returns the waiting list of target t (from 0): the persons who
// match it and whom no target selected, in rank order. When a selected
// person is exempted, the campaign calls the first person of the waiting
// list of the same target who has not been called yet; the caller keeps
// that set, the order is fixed by the draw. The sequence is lazy: taking
// the first few persons reads only as far as they are.
func (r *Result) Waiting(t int) (iter.Seq[Selection], error) {
	if t < 0 || t >= len(r.targets) {
		return nil, muster.Errorf(muster.NotFound, "target %d: the campaign has targets 0 to %d", t, len(r.targets)-1)
	}
	target := r.targets[t]
	return func(yield func(Selection) bool) {
		k := newRanker(r.seed)
		for _, i := range r.order {
			if !r.taken[i] && target.matches(r.list.entries[i]) && !yield(r.selection(k, i, t)) {
				return
			}
		}
	}, nil
}

// CheckPublished compares the published call-up list, refs in the order of
// Selected, with this draw, and names the first position (from 1) where
// they differ.
func (r *Result) CheckPublished(refs []string) error {
	for i, ref := range refs {
		if i >= len(r.Selected) {
			return muster.Wrap(muster.Invalid, ErrResultDiffers,
				"published selection has %d persons, the draw gives %d; position %d (%q) is extra", len(refs), len(r.Selected), i+1, ref)
		}
		if want := r.Selected[i].Ref; ref != want {
			return muster.Wrap(muster.Invalid, ErrResultDiffers,
				"result differs at position %d: published %q, the draw gives %q", i+1, ref, want)
		}
	}
	if len(refs) < len(r.Selected) {
		return muster.Wrap(muster.Invalid, ErrResultDiffers,
			"published selection has %d persons, the draw gives %d; position %d (%q) is missing", len(refs), len(r.Selected), len(refs)+1, r.Selected[len(refs)].Ref)
	}
	return nil
}
