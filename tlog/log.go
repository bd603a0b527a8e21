// Package tlog is muster's transparency log: an append-only RFC 6962 Merkle
// tree over the events of the system (order state changes, policy changes,
// ledger transfers, campaign commitments), with signed checkpoints in the
// C2SP tlog-checkpoint format, inclusion and consistency proofs, and an
// audit that recomputes the tree from the stored leaves.
//
// Leaves hold hashes and non-personal fields only: the log is public.
//
// The package is pure logic over the Store interface; it imports no SQL,
// HTTP or other muster package except the root one (for error kinds). What
// a store keeps (leaves with their hashes, C2SP tlog-tiles for every 8th
// tree level, the head, signed checkpoints) is described on Store, Tile and
// Head; package tlogtest is the test every Store must pass.
package tlog

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"

	"github.com/muster-org/muster"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Log appends to and proves from the tree kept in a Store. It keeps no
// state of its own, so any number of servers can share one database; make
// one per transaction with New when appending.
type Log struct {
	s Store
}

// New returns a Log over s.
func New(s Store) *Log { return &Log{s: s} }

// Size returns the number of leaves in the log.
func (l *Log) Size(ctx context.Context) (uint64, error) {
	h, err := l.s.Head(ctx)
	return h.Size, err
}

// head returns the compact range [0, Size) of the stored head.
func head(ctx context.Context, r Reader) (*compact.Range, error) {
	h, err := r.Head(ctx)
	if err != nil {
		return nil, err
	}
	hashes, err := splitHashes(h.Hashes)
	if err == nil && len(hashes) != bits.OnesCount64(h.Size) {
		err = fmt.Errorf("%d hashes for size %d", len(hashes), h.Size)
	}
	if err != nil {
		return nil, corrupt("head: %v", err)
	}
	return rangeFactory.NewRange(0, h.Size, hashes)
}

// rangeRoot returns the root of the compact range [0, n).
func rangeRoot(rng *compact.Range) ([]byte, error) {
	if rng.End() == 0 {
		return rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	return rng.GetRootHash(nil)
}

// Append validates and encodes entries and appends them as consecutive
// leaves in one Store.AddLeaves call, so they are logged in the store's
// current transaction or not at all. It returns the index of the first
// (the log's size when entries is empty).
// Its cost is about two hashes per entry, plus reading the head and, when a
// tile grows, that tile.
func (l *Log) Append(ctx context.Context, entries ...Entry) (firstIndex uint64, err error) {
	encoded, err := Encode(entries...)
	if err != nil {
		return 0, err
	}
	return l.AppendEncoded(ctx, encoded)
}

// EncodedLeaf is an entry encoded as a leaf and hashed, not yet placed in
// the log.
type EncodedLeaf struct {
	Hash []byte // LeafHash(Data)
	Data []byte // the encoded Entry (MarshalLeaf)
}

// Encode validates, encodes and hashes entries for AppendEncoded. It needs
// no store, so a caller can do this work before its transaction begins or
// on another core.
func Encode(entries ...Entry) ([]EncodedLeaf, error) {
	out := make([]EncodedLeaf, len(entries))
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		data := e.MarshalLeaf()
		out[i] = EncodedLeaf{Hash: LeafHash(data), Data: data}
	}
	return out, nil
}

// AppendEncoded appends leaves made by Encode, like Append.
func (l *Log) AppendEncoded(ctx context.Context, encoded []EncodedLeaf) (firstIndex uint64, err error) {
	rng, err := head(ctx, l.s)
	if err != nil {
		return 0, err
	}
	size := rng.End()
	if len(encoded) == 0 {
		return size, nil
	}
	tw := &tileWriter{nr: newNodeReader(ctx, l.s, size), pending: make(map[tileKey][]byte)}
	leaves := make([]StoredLeaf, len(encoded))
	for i, e := range encoded {
		if len(e.Hash) != HashSize {
			return 0, muster.Errorf(muster.Internal, "leaf %d of %d has a %d-byte hash; encode leaves with Encode", i, len(encoded), len(e.Hash))
		}
		leaves[i] = StoredLeaf{Index: size + uint64(i), Hash: e.Hash, Data: e.Data}
		if err := rng.Append(e.Hash, tw.visit); err != nil {
			return 0, muster.Wrap(muster.Internal, err, "append to transparency log")
		}
	}
	tiles, err := tw.tiles()
	if err != nil {
		return 0, err
	}
	h := Head{Size: rng.End(), Hashes: bytes.Join(rng.Hashes(), nil)}
	if err := l.s.AddLeaves(ctx, leaves, tiles, h); err != nil {
		return 0, err
	}
	return size, nil
}

// Leaf returns the encoded leaf at index; ParseLeaf decodes it.
func (l *Log) Leaf(ctx context.Context, index uint64) ([]byte, error) {
	leaves, err := l.s.Leaves(ctx, index, index+1)
	if err != nil {
		return nil, err
	}
	if len(leaves) == 0 {
		size, err := l.Size(ctx)
		if err == nil && index < size {
			err = corrupt("leaf %d is missing", index)
		} else if err == nil {
			err = muster.Errorf(muster.NotFound, "no leaf %d in the log", index)
		}
		return nil, err
	}
	return leaves[0].Data, nil
}

// checkSize fails with NotFound when the log is smaller than size.
func (l *Log) checkSize(ctx context.Context, size uint64) error {
	n, err := l.Size(ctx)
	if err != nil {
		return err
	}
	if size > n {
		return muster.Errorf(muster.NotFound, "the log has %d leaves, not %d", n, size)
	}
	return nil
}

// Root returns the root hash of the tree of the first size leaves; the
// empty tree's root is SHA-256 of nothing.
func (l *Log) Root(ctx context.Context, size uint64) ([]byte, error) {
	rng, err := head(ctx, l.s)
	if err != nil {
		return nil, err
	}
	switch {
	case size > rng.End():
		return nil, muster.Errorf(muster.NotFound, "the log has %d leaves, not %d", rng.End(), size)
	case size < rng.End():
		if rng, err = newNodeReader(ctx, l.s, size).compactRange(); err != nil {
			return nil, err
		}
	}
	return rangeRoot(rng)
}

// InclusionProof returns the RFC 6962 proof that leaf index is in the tree
// of size leaves. It reads O(log size) hashes, never the whole tree.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, muster.Errorf(muster.Invalid, "leaf %d is not in a tree of %d leaves", index, size)
	}
	if err := l.checkSize(ctx, size); err != nil {
		return nil, err
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "inclusion proof for leaf %d in %d", index, size)
	}
	return rehash(newNodeReader(ctx, l.s, size), nodes)
}

// ConsistencyProof returns the RFC 6962 proof that the tree of old leaves
// is a prefix of the tree of size leaves.
func (l *Log) ConsistencyProof(ctx context.Context, old, size uint64) ([][]byte, error) {
	if old > size {
		return nil, muster.Errorf(muster.Invalid, "old size %d is larger than size %d", old, size)
	}
	if err := l.checkSize(ctx, size); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(old, size)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "consistency proof from %d to %d", old, size)
	}
	return rehash(newNodeReader(ctx, l.s, size), nodes)
}

func rehash(nr *nodeReader, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := nr.nodes(nodes.IDs)
	if err != nil {
		return nil, err
	}
	p, err := nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		return nil, muster.Wrap(muster.Internal, err, "build proof")
	}
	return p, nil
}

// VerifyInclusion checks that leafHash (LeafHash of the leaf bytes) is at
// index in the tree of size leaves whose root is root. It is the check a
// third party runs, and only wraps merkle/proof.
func VerifyInclusion(leafHash []byte, index, size uint64, inclusion [][]byte, root []byte) error {
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, inclusion, root); err != nil {
		return muster.Wrap(muster.Invalid, err, "inclusion proof for leaf %d in %d does not verify", index, size)
	}
	return nil
}

// VerifyConsistency checks that the tree of old leaves with root oldRoot is
// a prefix of the tree of size leaves with root root.
func VerifyConsistency(old, size uint64, consistency [][]byte, oldRoot, root []byte) error {
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old, size, consistency, oldRoot, root); err != nil {
		return muster.Wrap(muster.Invalid, err, "consistency proof from %d to %d does not verify", old, size)
	}
	return nil
}
