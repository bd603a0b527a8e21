package campaign

import (
	"errors"
	"fmt"

	"github.com/muster-org/muster"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Verification failures. Every error of Verify and VerifyEntry that is not
// about malformed input wraps one of them (test with errors.Is); its
// message says what differs and where.
var (
	ErrListAltered   = errors.New("the list was altered after the commitment")
	ErrSeedMismatch  = errors.New("the seed does not match the commitment")
	ErrNotInList     = errors.New("the entry is not in the committed list")
	ErrResultDiffers = errors.New("the result is not the one the seed and the list give")
)

// Verify checks a campaign from public data: the commitment and the reveal
// as logged, and the published eligible list in its published order. It
// checks that the seed is the committed one, that the list is in
// canonical order and has the committed size and root, and that drawing
// again gives the revealed result digest. It returns the recomputed
// result, so that a caller can compare a published call-up list with
// Result.CheckPublished.
func Verify(commit CommitStatement, reveal RevealStatement, entries []Entry) (*Result, error) {
	if err := commit.Validate(); err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "commit statement")
	}
	if err := reveal.Validate(); err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "reveal statement")
	}
	if reveal.Campaign != commit.Campaign {
		return nil, muster.Errorf(muster.Invalid, "the reveal is of campaign %s, the commitment of campaign %s", reveal.Campaign, commit.Campaign)
	}
	if got := reveal.Seed.Commitment(); got != commit.SeedCommitment {
		return nil, muster.Wrap(muster.Invalid, ErrSeedMismatch,
			"SHA-256 of the revealed seed is %s, the committed one is %s", got, commit.SeedCommitment)
	}
	if err := checkBeaconValue(commit, reveal.BeaconValue); err != nil {
		return nil, err
	}
	if err := checkOrder(entries); err != nil {
		return nil, err
	}
	list, err := Freeze(entries)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "published list")
	}
	if list.Len() != commit.ListSize {
		return nil, muster.Wrap(muster.Invalid, ErrListAltered,
			"the published list has %d entries, the commitment says %d", list.Len(), commit.ListSize)
	}
	if list.Root() != commit.ListRoot {
		return nil, muster.Wrap(muster.Invalid, ErrListAltered,
			"the root of the published list is %s, the committed root is %s", list.Root(), commit.ListRoot)
	}
	res, err := Draw(DrawKey(reveal.Seed, reveal.BeaconValue), list, commit.Targets)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "commit statement targets")
	}
	if len(res.Selected) != reveal.Selected {
		return res, muster.Wrap(muster.Invalid, ErrResultDiffers,
			"the draw selects %d persons, the reveal says %d", len(res.Selected), reveal.Selected)
	}
	if got := res.Digest(); got != reveal.ResultDigest {
		return res, muster.Wrap(muster.Invalid, ErrResultDiffers,
			"the result digest of the draw is %s, the reveal says %s", got, reveal.ResultDigest)
	}
	return res, nil
}

// checkOrder reports the first place where entries are not in strictly
// ascending Ref order, the only order a list is published in: a list in
// another order was reordered by someone, even if its root would match.
func checkOrder(entries []Entry) error {
	for i := 1; i < len(entries); i++ {
		prev, ref := entries[i-1].Ref, entries[i].Ref
		switch {
		case ref == prev:
			return muster.Errorf(muster.Invalid, "published list: entries %d and %d have the same ref %q", i, i+1, ref)
		case ref < prev:
			return muster.Wrap(muster.Invalid, ErrListAltered,
				"published list: entry %d (%q) comes after entry %d (%q) but is before it in ref order", i+1, ref, i, prev)
		}
	}
	return nil
}

// VerifyEntry proves one person's place in a campaign without the whole
// list: that entry is the committed list's entry at index (from 0), by the
// RFC 6962 inclusion proof (List.Proof), and that the reveal's seed is the
// committed seed. It returns the entry's rank under the reveal's draw key.
func VerifyEntry(commit CommitStatement, reveal RevealStatement, entry Entry, index int, inclusion [][]byte) (Rank, error) {
	if got := reveal.Seed.Commitment(); got != commit.SeedCommitment {
		return Rank{}, muster.Wrap(muster.Invalid, ErrSeedMismatch,
			"SHA-256 of the seed is %s, the committed one is %s", got, commit.SeedCommitment)
	}
	if err := checkBeaconValue(commit, reveal.BeaconValue); err != nil {
		return Rank{}, err
	}
	if err := entry.Validate(); err != nil {
		return Rank{}, muster.Wrap(muster.Invalid, err, "entry")
	}
	if index < 0 || index >= commit.ListSize {
		return Rank{}, muster.Wrap(muster.Invalid, ErrNotInList,
			"entry %q: index %d is outside the committed list of %d entries", entry.Ref, index, commit.ListSize)
	}
	leafHash := rfc6962.DefaultHasher.HashLeaf(entry.Leaf())
	err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(index), uint64(commit.ListSize), leafHash, inclusion, commit.ListRoot[:])
	if err != nil {
		return Rank{}, muster.Wrap(muster.Invalid, fmt.Errorf("%w: %v", ErrNotInList, err),
			"entry %q at index %d of %d", entry.Ref, index, commit.ListSize)
	}
	return DrawKey(reveal.Seed, reveal.BeaconValue).Rank(entry.Ref), nil
}
