package tlog

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/muster-org/muster"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// rangeFactory builds every compact range of this package; compact ranges
// can only be merged when they come from the same factory.
var rangeFactory = &compact.RangeFactory{Hash: hashChildren}

// hashChildren is rfc6962.DefaultHasher.HashChildren, which allocates a
// hash.Hash and a buffer for every node, hashing in place instead:
// appending a batch's leaves hashes about one node per leaf.
// TestHashChildren checks the two agree.
func hashChildren(l, r []byte) []byte {
	if len(l) != HashSize || len(r) != HashSize {
		return rfc6962.DefaultHasher.HashChildren(l, r)
	}
	h := nodeHash(l, r)
	return h[:]
}

// nodeHash is the RFC 6962 hash of the interior node over two node hashes.
func nodeHash(l, r []byte) [HashSize]byte {
	var buf [1 + 2*HashSize]byte
	buf[0] = rfc6962.RFC6962NodeHashPrefix
	copy(buf[1:], l)
	copy(buf[1+HashSize:], r)
	return sha256.Sum256(buf[:])
}

type tileKey struct{ level, index uint64 }

// nodeReader reads the hashes of complete nodes of the tree of one size.
// Only every TileHeight-th level is stored (leaf hashes and tiles); a node in
// between is rehashed from at most TileWidth/2 hashes of the tile below it,
// which costs less than a database round trip. Tiles are read at most once
// per nodeReader, since a proof's nodes cluster in a few tiles.
type nodeReader struct {
	ctx   context.Context
	r     Reader
	size  uint64
	tiles map[tileKey][][]byte
}

func newNodeReader(ctx context.Context, r Reader, size uint64) *nodeReader {
	return &nodeReader{ctx: ctx, r: r, size: size, tiles: make(map[tileKey][][]byte)}
}

// tile returns the stored hashes of tile (level, index). For level 0 it
// reads the leaf hashes of that tile that the tree of size n.size holds.
func (n *nodeReader) tile(level, index uint64) ([][]byte, error) {
	key := tileKey{level, index}
	if t, ok := n.tiles[key]; ok {
		return t, nil
	}
	var hashes [][]byte
	if level == 0 {
		begin := index * TileWidth
		end := min(begin+TileWidth, n.size)
		var err error
		if hashes, err = n.r.LeafHashes(n.ctx, begin, end); err != nil {
			return nil, err
		}
		if uint64(len(hashes)) != end-begin {
			return nil, corrupt("leaves %d..%d: %d of %d hashes stored", begin, end-1, len(hashes), end-begin)
		}
		for i, h := range hashes {
			if len(h) != HashSize {
				return nil, corrupt("leaf %d: hash of %d bytes", begin+uint64(i), len(h))
			}
		}
	} else {
		b, err := n.r.Tile(n.ctx, level, index)
		if err != nil {
			return nil, err
		}
		if hashes, err = splitHashes(b); err != nil {
			return nil, corrupt("tile %d/%d: %v", level, index, err)
		}
	}
	n.tiles[key] = hashes
	return hashes, nil
}

// node returns the hash of the complete node id.
func (n *nodeReader) node(id compact.NodeID) ([]byte, error) {
	level := uint64(id.Level / TileHeight)
	k := id.Level % TileHeight
	first, count := id.Index<<k, uint64(1)<<k // the node's descendants on the tile's level
	t, err := n.tile(level, first/TileWidth)
	if err != nil {
		return nil, err
	}
	off := first % TileWidth
	if off+count > uint64(len(t)) {
		return nil, corrupt("tile %d/%d holds %d hashes, node %d/%d needs %d",
			level, first/TileWidth, len(t), id.Level, id.Index, off+count)
	}
	return hashUp(t[off : off+count]), nil
}

// nodes returns the hashes of ids, in order.
func (n *nodeReader) nodes(ids []compact.NodeID) ([][]byte, error) {
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := n.node(id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return hashes, nil
}

// compactRange returns the compact range [0, n.size), from which the root
// is computed and onto which new leaves are appended.
func (n *nodeReader) compactRange() (*compact.Range, error) {
	hashes, err := n.nodes(compact.RangeNodes(0, n.size, nil))
	if err != nil {
		return nil, err
	}
	return rangeFactory.NewRange(0, n.size, hashes)
}

// hashUp returns the root of the perfect subtree whose bottom row is hs
// (len(hs) a power of two), leaving hs untouched. It is where proofs spend
// their time, so it hashes in place instead of through rfc6962.Hasher,
// which allocates a hash.Hash per node; TestProofNodeIDs checks the two
// agree.
func hashUp(hs [][]byte) []byte {
	if len(hs) == 1 {
		return hs[0]
	}
	row := make([][HashSize]byte, len(hs)/2)
	for i := range row {
		row[i] = nodeHash(hs[2*i], hs[2*i+1])
	}
	for n := len(row); n > 1; n /= 2 {
		for i := 0; i < n/2; i++ {
			row[i] = nodeHash(row[2*i][:], row[2*i+1][:])
		}
	}
	return row[0][:]
}

func splitHashes(b []byte) ([][]byte, error) {
	if len(b)%HashSize != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of hashes", len(b))
	}
	hs := make([][]byte, len(b)/HashSize)
	for i := range hs {
		hs[i] = b[i*HashSize : (i+1)*HashSize : (i+1)*HashSize]
	}
	return hs, nil
}

// corrupt reports stored data that contradicts itself. It is Internal: the
// caller cannot fix it, and `muster log verify` is the tool that says where.
func corrupt(format string, args ...any) error {
	return muster.Wrap(muster.Internal, fmt.Errorf(format, args...), "transparency log storage is inconsistent")
}

// tileWriter collects the tile hashes an append creates, on top of what
// the tiles already hold.
type tileWriter struct {
	nr      *nodeReader // the tree before the append
	pending map[tileKey][]byte
	order   []tileKey
	err     error
}

// visit is a compact.VisitFn: it keeps every new node on a tiled level.
func (w *tileWriter) visit(id compact.NodeID, hash []byte) {
	if w.err != nil || id.Level == 0 || id.Level%TileHeight != 0 {
		return
	}
	key := tileKey{uint64(id.Level / TileHeight), id.Index / TileWidth}
	off := id.Index % TileWidth
	b, ok := w.pending[key]
	if !ok {
		if off > 0 { // the tile exists and grows
			old, err := w.nr.tile(key.level, key.index)
			if err != nil {
				w.err = err
				return
			}
			b = make([]byte, 0, TileWidth*HashSize)
			for _, h := range old {
				b = append(b, h...)
			}
		}
		w.order = append(w.order, key)
	}
	if uint64(len(b)) != off*HashSize {
		w.err = corrupt("tile %d/%d holds %d hashes, the tree needs %d", key.level, key.index, len(b)/HashSize, off)
		return
	}
	w.pending[key] = append(b, hash...)
}

func (w *tileWriter) tiles() ([]Tile, error) {
	if w.err != nil {
		return nil, w.err
	}
	ts := make([]Tile, len(w.order))
	for i, k := range w.order {
		ts[i] = Tile{Level: k.level, Index: k.index, Hashes: w.pending[k]}
	}
	return ts, nil
}
