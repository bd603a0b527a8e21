package campaign

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"sync"

	"github.com/muster-org/muster"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// MaxEntries bounds a list: indices are kept as uint32, and the national
// register of 27 million persons fits many times over.
const MaxEntries = 1 << 30

var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// Hash is a SHA-256 value: a Merkle root, a seed commitment, a digest.
type Hash [32]byte

// String returns h as 64 lower-case hex digits, the form every statement
// and message uses.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// parseHash reads 64 lower-case hex digits.
func parseHash(s string) (Hash, bool) {
	var h Hash
	if len(s) != 2*len(h) || strings.ToLower(s) != s {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err == nil
}

// List is a frozen eligible list: entries sorted by Ref, unique, valid, and
// the Merkle root over their leaf encodings. It is immutable; its methods
// are safe for concurrent use.
type List struct {
	entries []Entry
	root    Hash

	treeOnce sync.Once
	levels   [][]Hash // levels[l][i]: hash of the perfect subtree (l, i); built for proofs
}

// Freeze validates entries, sorts a copy of them by Ref and computes the
// list's Merkle root. A duplicate Ref or an invalid entry is an Invalid
// error naming it; entries itself is not modified.
func Freeze(entries []Entry) (*List, error) {
	if len(entries) > MaxEntries {
		return nil, muster.Errorf(muster.Invalid, "list has %d entries, more than %d", len(entries), MaxEntries)
	}
	v := newValidator()
	skillCount := 0
	for i, e := range entries {
		if err := v.validate(e); err != nil {
			return nil, muster.Wrap(muster.Invalid, err, "entry %d", i+1)
		}
		skillCount += len(e.Skills)
	}
	order := refOrder(entries)
	sorted := make([]Entry, len(entries))
	// One array holds every entry's skills: a million small slices would
	// cost a million allocations.
	skills := make([]string, 0, skillCount)
	for j, i := range order {
		e := entries[i]
		if j > 0 && e.Ref == sorted[j-1].Ref {
			first, second := min(i, order[j-1]), max(i, order[j-1])
			return nil, muster.Errorf(muster.Invalid, "entries %d and %d have the same ref %q", first+1, second+1, e.Ref)
		}
		if len(e.Skills) > 0 {
			start := len(skills)
			skills = append(skills, e.Skills...)
			e.Skills = skills[start:len(skills):len(skills)]
			slices.Sort(e.Skills)
		}
		sorted[j] = e
	}
	l := &List{entries: sorted}
	l.root = merkleRoot(sorted, nil)
	return l, nil
}

// refOrder returns the indices of entries in ascending Ref order. It sorts
// small keys holding the first 8 bytes of each ref, read big-endian, and
// compares whole refs only when those are equal: sorting the entries
// themselves moves seven times more memory. A short ref is padded with
// zero bytes, which no ref contains, so the key order is the byte order.
func refOrder(entries []Entry) []uint32 {
	type refKey struct {
		prefix uint64
		index  uint32
	}
	keys := make([]refKey, len(entries))
	for i, e := range entries {
		var b [8]byte
		copy(b[:], e.Ref)
		keys[i] = refKey{binary.BigEndian.Uint64(b[:]), uint32(i)}
	}
	slices.SortFunc(keys, func(a, b refKey) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		return strings.Compare(entries[a.index].Ref, entries[b.index].Ref)
	})
	order := make([]uint32, len(keys))
	for i, k := range keys {
		order[i] = k.index
	}
	return order
}

// merkleRoot returns the RFC 6962 root over the leaves of sorted; visit,
// when not nil, sees every perfect subtree node as it is made.
func merkleRoot(sorted []Entry, visit compact.VisitFn) Hash {
	if len(sorted) == 0 {
		return Hash(rfc6962.DefaultHasher.EmptyRoot())
	}
	rng := rangeFactory.NewEmptyRange(0)
	buf := make([]byte, 0, 256)
	for _, e := range sorted {
		buf = append(buf[:0], 0) // RFC 6962 leaf hash: SHA-256(0x00 || leaf)
		buf = e.appendLeaf(buf)
		h := sha256.Sum256(buf)
		// Append fails only for a range not built by rangeFactory.
		if err := rng.Append(h[:], visit); err != nil {
			panic("campaign: " + err.Error())
		}
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		panic("campaign: " + err.Error())
	}
	return Hash(root)
}

// Len is the number of entries.
func (l *List) Len() int { return len(l.entries) }

// Root is the Merkle root the commitment publishes.
func (l *List) Root() Hash { return l.root }

// Entry returns the entry at index i of the sorted list; the caller must
// not modify its Skills.
func (l *List) Entry(i int) Entry { return l.entries[i] }

// Index returns the index of the entry with the given ref.
func (l *List) Index(ref string) (int, bool) {
	return slices.BinarySearchFunc(l.entries, ref, func(e Entry, ref string) int { return strings.Compare(e.Ref, ref) })
}

// Proof returns the RFC 6962 inclusion proof of the entry at index i in
// the tree of size Len. The first call builds and keeps every node of the
// tree (about 64 bytes per entry), so that each proof after it costs a few
// copies.
func (l *List) Proof(i int) ([][]byte, error) {
	if i < 0 || i >= len(l.entries) {
		return nil, muster.Errorf(muster.NotFound, "index %d is outside the list of %d entries", i, len(l.entries))
	}
	l.treeOnce.Do(l.buildTree)
	nodes, err := proof.Inclusion(uint64(i), uint64(len(l.entries)))
	if err != nil {
		return nil, muster.Wrap(muster.Internal, err, "inclusion proof of entry %d", i)
	}
	hashes := make([][]byte, len(nodes.IDs))
	for k, id := range nodes.IDs {
		h := l.levels[id.Level][id.Index]
		hashes[k] = h[:]
	}
	p, err := nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		return nil, muster.Wrap(muster.Internal, err, "inclusion proof of entry %d", i)
	}
	return p, nil
}

func (l *List) buildTree() {
	n := len(l.entries)
	for size := n; size > 0; size >>= 1 {
		l.levels = append(l.levels, make([]Hash, size))
	}
	merkleRoot(l.entries, func(id compact.NodeID, hash []byte) {
		l.levels[id.Level][id.Index] = Hash(hash)
	})
}
