package tlog

import (
	"bytes"
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// MismatchKind says which kind of stored row an audit found wrong.
type MismatchKind string

// The kinds of mismatch.
const (
	LeafMismatch       MismatchKind = "leaf"       // a leaf row: missing, hash not of its data, data not a canonical leaf
	NodeMismatch       MismatchKind = "node"       // a hash in a tile row: missing, different, or beyond the tree
	CheckpointMismatch MismatchKind = "checkpoint" // a checkpoint row: bad signature or a root the leaves do not give
	HeadMismatch       MismatchKind = "head"       // the head row is malformed (a wrong hash in it is a NodeMismatch)
)

// Mismatch is one stored row that disagrees with the tree recomputed from
// the leaves' data.
type Mismatch struct {
	Kind   MismatchKind
	Level  uint   // the node's tree level (NodeMismatch only)
	Index  uint64 // the leaf's index, the node's index on its level, or the checkpoint's tree size
	Since  uint64 // for a checkpoint whose root differs: the size of the last one that matched
	Reason string
}

// Leaves returns the leaf indexes [begin, end) the mismatch concerns: the
// leaf itself, the leaves under the node, the whole tree for the head, or
// for a checkpoint the leaves
// added since the last checkpoint that matched (Since), since a signed root
// cannot say more.
func (m Mismatch) Leaves() (begin, end uint64) {
	switch m.Kind {
	case LeafMismatch:
		return m.Index, m.Index + 1
	case NodeMismatch:
		return compact.NewNodeID(m.Level, m.Index).Coverage()
	default:
		return m.Since, m.Index
	}
}

// String returns the mismatch as `muster log verify` prints it, naming the
// row and the leaves it concerns.
func (m Mismatch) String() string {
	switch m.Kind {
	case LeafMismatch:
		return fmt.Sprintf("leaf %d: %s", m.Index, m.Reason)
	case NodeMismatch:
		b, e := m.Leaves()
		return fmt.Sprintf("node %d/%d (leaves %d..%d): %s", m.Level, m.Index, b, e-1, m.Reason)
	case HeadMismatch:
		return fmt.Sprintf("head of size %d: %s", m.Index, m.Reason)
	default:
		if m.Since > 0 {
			return fmt.Sprintf("checkpoint of size %d (leaves %d..%d): %s", m.Index, m.Since, m.Index-1, m.Reason)
		}
		return fmt.Sprintf("checkpoint of size %d: %s", m.Index, m.Reason)
	}
}

// MaxMismatches is how many mismatches a Report lists; one changed leaf can
// contradict every later checkpoint, and the first few name the row.
const MaxMismatches = 1000

// Report is the result of an Audit.
type Report struct {
	Size        uint64     // leaves the store says it holds
	Leaves      uint64     // leaves read and rehashed
	Nodes       uint64     // stored tile hashes compared
	Checkpoints uint64     // stored checkpoints checked
	Mismatches  []Mismatch // the first MaxMismatches found, in the order found
	Omitted     uint64     // mismatches found beyond MaxMismatches
}

// OK reports whether the audit found nothing wrong.
func (r *Report) OK() bool { return len(r.Mismatches) == 0 }

const (
	auditChunk = 4096 // leaves read per call
	auditPage  = 256  // checkpoints read per call
)

// Audit recomputes the whole tree from the stored leaves' data and compares
// it with every stored leaf hash, tile hash, the head and every checkpoint,
// verifying each checkpoint's signature with verifier. Every disagreement
// is a Mismatch naming the row; the error is only for failures to read.
// Memory stays bounded whatever the log's size: it streams leaves in chunks
// through a compact range and holds one tile per level and one page of
// checkpoints. progress, when not nil, is called after each chunk. This is
// what `muster log verify` runs, to catch any row changed behind muster's
// back. It cannot tell whether a leaf says what the event it records said:
// the owner of the events re-derives their leaves and compares with Leaf.
func Audit(ctx context.Context, r Reader, verifier note.Verifier, progress func(done, total uint64)) (*Report, error) {
	head, err := r.Head(ctx)
	if err != nil {
		return nil, err
	}
	size := head.Size
	a := &auditor{ctx: ctx, r: r, v: verifier, rep: &Report{Size: size},
		rng: rangeFactory.NewEmptyRange(0), tiles: make(map[uint64]*auditTile)}
	if err := a.checkpoints(false); err != nil {
		return nil, err
	}
	for begin := uint64(0); begin < size; begin += auditChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		end := min(begin+auditChunk, size)
		leaves, err := r.Leaves(ctx, begin, end)
		if err != nil {
			return nil, err
		}
		for i := begin; i < end; i++ {
			for len(leaves) > 0 && leaves[0].Index < i {
				a.report(Mismatch{Kind: LeafMismatch, Index: leaves[0].Index, Reason: "stored twice or out of order"})
				leaves = leaves[1:]
			}
			h := make([]byte, HashSize) // stands in for a missing leaf, so later rows are still compared
			if len(leaves) > 0 && leaves[0].Index == i {
				h = a.leaf(leaves[0])
				leaves = leaves[1:]
			} else {
				a.report(Mismatch{Kind: LeafMismatch, Index: i, Reason: "missing"})
			}
			if err := a.rng.Append(h, a.visit); err != nil {
				return nil, err
			}
			if a.err != nil {
				return nil, a.err
			}
			if err := a.checkpoints(false); err != nil {
				return nil, err
			}
		}
		if progress != nil {
			progress(end, size)
		}
	}
	if extra, err := r.Leaves(ctx, size, size+1); err != nil {
		return nil, err
	} else if len(extra) > 0 {
		a.report(Mismatch{Kind: LeafMismatch, Index: size, Reason: "stored beyond the log's size"})
	}
	if err := a.finishTiles(size); err != nil {
		return nil, err
	}
	a.checkHead(head)
	if err := a.checkpoints(true); err != nil {
		return nil, err
	}
	return a.rep, nil
}

// checkHead compares the stored head with the recomputed compact range,
// node by node, since the next append builds on it.
func (a *auditor) checkHead(h Head) {
	hashes, err := splitHashes(h.Hashes)
	if err != nil || len(hashes) != len(a.rng.Hashes()) {
		a.report(Mismatch{Kind: HeadMismatch, Index: h.Size,
			Reason: fmt.Sprintf("holds %d bytes, not the %d hashes of the tree's right edge", len(h.Hashes), len(a.rng.Hashes()))})
		return
	}
	for i, id := range compact.RangeNodes(0, h.Size, nil) {
		if !bytes.Equal(hashes[i], a.rng.Hashes()[i]) {
			a.report(Mismatch{Kind: NodeMismatch, Level: id.Level, Index: id.Index, Reason: "head: stored hash differs from the recomputed one"})
		}
	}
}

type auditTile struct {
	index  uint64
	hashes [][]byte
}

type auditor struct {
	ctx   context.Context
	r     Reader
	v     note.Verifier
	rep   *Report
	rng   *compact.Range
	tiles map[uint64]*auditTile // per tile level, the tile being compared
	err   error                 // a read error met inside visit

	cps    []StoredCheckpoint // the page being checked
	cpFrom uint64             // the size to read the next page from
	cpDone bool
	cpGood uint64 // the size of the last checkpoint whose root matched
}

func (a *auditor) report(m Mismatch) {
	if len(a.rep.Mismatches) < MaxMismatches {
		a.rep.Mismatches = append(a.rep.Mismatches, m)
	} else {
		a.rep.Omitted++
	}
}

// leaf checks one stored leaf and returns the hash of its data, which is
// what the recomputed tree commits to.
func (a *auditor) leaf(l StoredLeaf) []byte {
	a.rep.Leaves++
	h := LeafHash(l.Data)
	if !bytes.Equal(h, l.Hash) {
		a.report(Mismatch{Kind: LeafMismatch, Index: l.Index, Reason: "stored hash is not the hash of the stored data"})
	} else if _, err := ParseLeaf(l.Data); err != nil {
		a.report(Mismatch{Kind: LeafMismatch, Index: l.Index, Reason: "data is not a valid leaf: " + err.Error()})
	}
	return h
}

// visit is a compact.VisitFn that compares each recomputed node on a tiled
// level with the stored tile.
func (a *auditor) visit(id compact.NodeID, hash []byte) {
	if a.err != nil || id.Level == 0 || id.Level%TileHeight != 0 {
		return
	}
	level, index, off := uint64(id.Level/TileHeight), id.Index/TileWidth, id.Index%TileWidth
	t := a.tiles[level]
	if t == nil || t.index != index {
		if t != nil {
			a.closeTile(level, t, TileWidth)
		}
		if t, a.err = a.loadTile(level, index); a.err != nil {
			return
		}
		a.tiles[level] = t
	}
	a.rep.Nodes++
	switch {
	case off >= uint64(len(t.hashes)):
		a.report(Mismatch{Kind: NodeMismatch, Level: id.Level, Index: id.Index, Reason: "missing"})
	case !bytes.Equal(t.hashes[off], hash):
		a.report(Mismatch{Kind: NodeMismatch, Level: id.Level, Index: id.Index, Reason: "stored hash differs from the recomputed one"})
	}
}

func (a *auditor) loadTile(level, index uint64) (*auditTile, error) {
	b, err := a.r.Tile(a.ctx, level, index)
	if err != nil {
		return nil, err
	}
	if len(b)%HashSize != 0 {
		a.report(Mismatch{Kind: NodeMismatch, Level: uint(level * TileHeight), Index: index*TileWidth + uint64(len(b)/HashSize),
			Reason: "tile has a partial hash"})
		b = b[:len(b)/HashSize*HashSize]
	}
	hashes, _ := splitHashes(b)
	return &auditTile{index: index, hashes: hashes}, nil
}

// closeTile reports hashes a tile holds beyond the want the tree has.
func (a *auditor) closeTile(level uint64, t *auditTile, want uint64) {
	if uint64(len(t.hashes)) > want {
		a.report(Mismatch{Kind: NodeMismatch, Level: uint(level * TileHeight), Index: t.index*TileWidth + want,
			Reason: "stored beyond the tree"})
	}
}

// finishTiles checks the right edge of every tiled level: the last tile
// holds no hash the tree lacks, and no tile follows it.
func (a *auditor) finishTiles(size uint64) error {
	for level := uint64(1); level*TileHeight < 64; level++ {
		n := size >> (level * TileHeight) // complete nodes on this level
		if t := a.tiles[level]; t != nil {
			a.closeTile(level, t, n-t.index*TileWidth)
		}
		next := (n + TileWidth - 1) / TileWidth
		b, err := a.r.Tile(a.ctx, level, next)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			a.report(Mismatch{Kind: NodeMismatch, Level: uint(level * TileHeight), Index: next * TileWidth,
				Reason: "tile stored beyond the tree"})
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// checkpoints checks the stored checkpoints for the tree size reached so
// far; when final, it reports every remaining one as beyond the log.
func (a *auditor) checkpoints(final bool) error {
	for {
		if len(a.cps) == 0 {
			if a.cpDone {
				return nil
			}
			page, err := a.r.Checkpoints(a.ctx, a.cpFrom, auditPage)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				a.cpDone = true
				return nil
			}
			if last := page[len(page)-1].Size; last < a.cpFrom {
				return corrupt("checkpoints from size %d: got one of size %d", a.cpFrom, last)
			}
			a.cps, a.cpFrom = page, page[len(page)-1].Size+1
		}
		cp, size := a.cps[0], a.rng.End()
		switch {
		case cp.Size > size && !final:
			return nil
		case cp.Size > size:
			a.rep.Checkpoints++
			a.report(Mismatch{Kind: CheckpointMismatch, Index: cp.Size, Reason: "for a tree larger than the log"})
		case cp.Size < size:
			a.rep.Checkpoints++
			a.report(Mismatch{Kind: CheckpointMismatch, Index: cp.Size, Reason: "stored twice or out of order"})
		default:
			if err := a.checkCheckpoint(cp); err != nil {
				return err
			}
		}
		a.cps = a.cps[1:]
	}
}

func (a *auditor) checkCheckpoint(cp StoredCheckpoint) error {
	a.rep.Checkpoints++
	size, signed, err := OpenCheckpoint(cp.Note, a.v)
	if err != nil {
		a.report(Mismatch{Kind: CheckpointMismatch, Index: cp.Size, Reason: err.Error()})
		return nil
	}
	if size != cp.Size {
		a.report(Mismatch{Kind: CheckpointMismatch, Index: cp.Size, Reason: fmt.Sprintf("signed for size %d", size)})
		return nil
	}
	want := rfc6962.DefaultHasher.EmptyRoot()
	if size > 0 {
		if want, err = a.rng.GetRootHash(nil); err != nil {
			return err
		}
	}
	if !bytes.Equal(signed, want) {
		a.report(Mismatch{Kind: CheckpointMismatch, Index: cp.Size, Since: a.cpGood,
			Reason: "signed root differs from the tree recomputed from the leaves"})
	} else {
		a.cpGood = cp.Size
	}
	return nil
}
