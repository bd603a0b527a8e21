package officerweb

import (
	"bytes"
	"context"

	fmtlog "github.com/transparency-dev/formats/log"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
)

// inclusionProof proves that an issued order's leaf is in the log: a
// fresh checkpoint when the server holds the log key, else the latest
// stored one, and the inclusion proof of the leaf in the tree of that
// checkpoint's size, checked against its root before it is shown.
func (h *Handler) inclusionProof(ctx context.Context, o sqlstore.IssuedOrder) (*inclusion, error) {
	var cp []byte
	if h.logSigner != nil {
		var err error
		if cp, err = h.store.SignCheckpoint(ctx, h.logSigner); err != nil {
			return nil, err
		}
	} else {
		stored, ok, err := h.store.LatestCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, muster.Errorf(muster.NotFound, "no checkpoint has been signed yet")
		}
		cp = stored
	}
	// The signature is the log's; what is checked here is that the leaf
	// is under the root the checkpoint commits to.
	body, _, _ := bytes.Cut(cp, []byte("\n\n"))
	var c fmtlog.Checkpoint
	if _, err := c.Unmarshal(append(body, '\n')); err != nil {
		return nil, muster.Wrap(muster.Internal, err, "checkpoint")
	}
	if o.LogIndex >= c.Size {
		return nil, muster.Errorf(muster.Conflict, "leaf %d is not yet in a checkpoint (size %d)", o.LogIndex, c.Size)
	}
	log := h.store.Log()
	leaf, err := log.Leaf(ctx, o.LogIndex)
	if err != nil {
		return nil, err
	}
	proof, err := log.InclusionProof(ctx, o.LogIndex, c.Size)
	if err != nil {
		return nil, err
	}
	if err := tlog.VerifyInclusion(tlog.LeafHash(leaf), o.LogIndex, c.Size, proof, c.Hash); err != nil {
		return nil, err
	}
	in := &inclusion{Index: o.LogIndex, Size: c.Size, Checkpoint: string(cp), Leaf: string(leaf)}
	for _, hash := range proof {
		in.Hashes = append(in.Hashes, b64.EncodeToString(hash))
	}
	return in, nil
}
