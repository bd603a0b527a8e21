package tlog

import "context"

// TileHeight is the number of tree levels one tile spans, and TileWidth the
// most hashes a tile holds. They are the values of C2SP tlog-tiles, so the
// stored tiles are the tiles a static tlog-tiles API would serve.
const (
	TileHeight = 8
	TileWidth  = 1 << TileHeight
)

// HashSize is the size of every hash in the tree (SHA-256).
const HashSize = 32

// StoredLeaf is one leaf as the store keeps it.
type StoredLeaf struct {
	Index uint64 // position in the log, from 0
	Hash  []byte // LeafHash(Data), kept so proofs need not read the data
	Data  []byte // the encoded Entry (MarshalLeaf)
}

// Tile holds the hashes of up to TileWidth consecutive nodes of tree level
// Level*TileHeight: nodes Index*TileWidth, Index*TileWidth+1, and so on.
// Hashes is their concatenation, so its length is a multiple of HashSize.
// Level-0 tiles (the leaf hashes) are not stored as tiles: they are the
// StoredLeaf hashes. A tile is partial (fewer than TileWidth hashes) only at
// the right edge of the tree, and grows as leaves are appended.
type Tile struct {
	Level  uint64
	Index  uint64
	Hashes []byte
}

// Head is the right edge of the tree: its size and its compact range, the
// roots of the perfect subtrees that make up the tree [0, Size), largest
// first, one per 1 bit of Size (so at most 64). Appending starts from it,
// so that adding one leaf reads one row instead of rehashing up to 255
// leaf hashes per tiled level.
type Head struct {
	Size   uint64
	Hashes []byte // the subtree roots, concatenated
}

// StoredCheckpoint is a signed checkpoint (a C2SP signed note) as stored.
type StoredCheckpoint struct {
	Size uint64 // the tree size it commits to; at most one checkpoint per size
	Note []byte // the signed note, exactly as signed
}

// Reader is what computing roots and proofs and auditing need from storage.
// A read-only replica can serve it.
type Reader interface {
	// Head returns the head written by the last AddLeaves, or the zero Head
	// for an empty log. Its Size is the number of leaves, which is also the
	// index the next leaf gets. Inside a transaction that appends, it must
	// be read under the lock that serialises appends (SELECT ... FOR UPDATE
	// on the head row, or SQLite's single writer), or two appends would
	// both take the same index; a unique leaf index is the backstop.
	Head(ctx context.Context) (Head, error)

	// Leaves returns the stored leaves with begin <= Index < end, by
	// increasing index. A missing row is simply absent from the result.
	Leaves(ctx context.Context, begin, end uint64) ([]StoredLeaf, error)

	// LeafHashes returns the hashes of leaves [begin, end), by index,
	// without reading their data. It returns fewer than end-begin hashes
	// only when rows are missing.
	LeafHashes(ctx context.Context, begin, end uint64) ([][]byte, error)

	// Tile returns the Hashes of tile (level, index), level >= 1, or nil
	// when there is no such tile.
	Tile(ctx context.Context, level, index uint64) ([]byte, error)

	// Checkpoints returns up to limit stored checkpoints with Size >= from,
	// by increasing size.
	Checkpoints(ctx context.Context, from uint64, limit int) ([]StoredCheckpoint, error)

	// LatestCheckpoint returns the stored checkpoint of the largest size;
	// ok is false when there is none.
	LatestCheckpoint(ctx context.Context) (cp StoredCheckpoint, ok bool, err error)
}

// Store is a Reader that the log can also write to. Its methods run in the
// caller's transaction, so that logging an event commits or rolls back with
// the event itself.
type Store interface {
	Reader

	// AddLeaves stores leaves, whose indexes run without gaps from the
	// current head's Size, creates or replaces each of tiles with its new,
	// longer content, and replaces the head with head. It fails when a
	// leaf's index is taken.
	AddLeaves(ctx context.Context, leaves []StoredLeaf, tiles []Tile, head Head) error

	// PutCheckpoint stores a signed checkpoint. It fails when one of the
	// same size is stored: checkpoints are never rewritten.
	PutCheckpoint(ctx context.Context, cp StoredCheckpoint) error
}
