package sqlstore

import (
	"context"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/proposal"
)

// Propose runs one allocation and stores its answer for review: it reads
// the open needs of scope (only those of needIDs when given), the policy
// in force and the registry of scope that policy allows, allocates, and
// saves the proposal under by's name with the policy version it was
// computed under. It returns the stored proposal and what policy left
// out, so that a reviewer sees why a need with resources nearby is short.
// Whether scope lies in by's jurisdiction is for the caller to check.
func (db *DB) Propose(ctx context.Context, scope string, needIDs []string, by string, opt allocate.Options) (StoredProposal, proposal.Excluded, error) {
	needs, err := db.OpenNeeds(ctx, scope, needIDs)
	if err != nil {
		return StoredProposal{}, proposal.Excluded{}, err
	}
	if len(needs) == 0 {
		return StoredProposal{}, proposal.Excluded{}, muster.Errorf(muster.NotFound, "no open need in %s", scope)
	}
	p, sp, err := db.ActivePolicy(ctx)
	if err != nil {
		return StoredProposal{}, proposal.Excluded{}, err
	}
	tree, err := db.AreaTree(ctx)
	if err != nil {
		return StoredProposal{}, proposal.Excluded{}, err
	}
	b := proposal.NewBuilder(p, tree, needs, db.now())
	if err := db.FillBuilder(ctx, scope, b); err != nil {
		return StoredProposal{}, proposal.Excluded{}, err
	}
	in, err := b.Needs(needs)
	if err != nil {
		return StoredProposal{}, b.Excluded, err
	}
	prop, err := allocate.Allocate(in, b.Candidates, opt)
	if err != nil {
		return StoredProposal{}, b.Excluded, err
	}
	stored, err := db.SaveProposal(ctx, prop, scope, by, sp.Version, sp.Hash, len(in), len(b.Candidates))
	return stored, b.Excluded, err
}
