package tlog

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

var testTime = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// testEntry returns a distinct, valid entry for each i.
func testEntry(i int) Entry {
	return Entry{
		Kind:    "order.event",
		Subject: fmt.Sprintf("ORD-%06d", i),
		Event:   "issued",
		At:      testTime.Add(time.Duration(i) * time.Millisecond),
		Data:    map[string]string{"area": "NE.AG", "seq": fmt.Sprint(i)},
	}
}

// buildLog appends n test entries to a new MemStore in batches of the
// given sizes (cycled), so that tiles are written partially and completed
// by later appends.
func buildLog(t testing.TB, n int, batches ...int) (*MemStore, *Log) {
	t.Helper()
	ctx := context.Background()
	s := NewMemStore()
	l := New(s)
	if len(batches) == 0 {
		batches = []int{n}
	}
	for i, b := 0, 0; i < n; b++ {
		k := min(batches[b%len(batches)], n-i)
		es := make([]Entry, k)
		for j := range es {
			es[j] = testEntry(i + j)
		}
		first, err := l.Append(ctx, es...)
		if err != nil {
			t.Fatal(err)
		}
		if first != uint64(i) {
			t.Fatalf("Append returned first %d, want %d", first, i)
		}
		i += k
	}
	return s, l
}

// refRoot is RFC 6962's MTH, written from the RFC, to check the tiles
// against.
func refRoot(hs [][]byte) []byte {
	switch len(hs) {
	case 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case 1:
		return hs[0]
	}
	k := 1 << (bits.Len(uint(len(hs)-1)) - 1) // largest power of two < n
	return rfc6962.DefaultHasher.HashChildren(refRoot(hs[:k]), refRoot(hs[k:]))
}

func leafHashes(t testing.TB, s *MemStore) [][]byte {
	t.Helper()
	h, _ := s.Head(context.Background())
	hs, err := s.LeafHashes(context.Background(), 0, h.Size)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func TestProofsSmallTrees(t *testing.T) {
	ctx := context.Background()
	const n = 70
	s, l := buildLog(t, n, 1, 3, 2)
	hs := leafHashes(t, s)
	roots := make([][]byte, n+1)
	for size := 0; size <= n; size++ {
		roots[size] = refRoot(hs[:size])
		got, err := l.Root(ctx, uint64(size))
		if err != nil || !bytes.Equal(got, roots[size]) {
			t.Fatalf("Root(%d) = %x, %v; want %x", size, got, err, roots[size])
		}
	}
	for size := uint64(1); size <= n; size++ {
		for index := uint64(0); index < size; index++ {
			p, err := l.InclusionProof(ctx, index, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", index, size, err)
			}
			if err := VerifyInclusion(hs[index], index, size, p, roots[size]); err != nil {
				t.Fatal(err)
			}
			// A proof must not also prove a neighbour.
			if other := (index + 1) % size; other != index {
				if VerifyInclusion(hs[other], index, size, p, roots[size]) == nil {
					t.Fatalf("proof for %d in %d also verifies leaf %d", index, size, other)
				}
			}
		}
	}
	for size := uint64(0); size <= n; size++ {
		for old := uint64(0); old <= size; old++ {
			p, err := l.ConsistencyProof(ctx, old, size)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", old, size, err)
			}
			if err := VerifyConsistency(old, size, p, roots[old], roots[size]); err != nil {
				t.Fatalf("consistency %d -> %d: %v", old, size, err)
			}
			if old > 0 && old < size && VerifyConsistency(old, size, p, roots[old-1], roots[size]) == nil {
				t.Fatalf("consistency %d -> %d verifies with the wrong old root", old, size)
			}
		}
	}
}

// TestProofsLargeTree crosses tile boundaries on two tiled levels (256 and
// 65 536 leaves), with appends of awkward sizes.
func TestProofsLargeTree(t *testing.T) {
	ctx := context.Background()
	n := 10_000
	if !testing.Short() {
		n = 70_000
	}
	s, l := buildLog(t, n, 1, 255, 300, 7, 4096, 1)
	hs := leafHashes(t, s)
	rng := rand.New(rand.NewPCG(1, 2))

	sizes := []uint64{1, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, uint64(n)}
	for range 40 {
		sizes = append(sizes, 1+rng.Uint64N(uint64(n)))
	}
	roots := map[uint64][]byte{}
	cr := rangeFactory.NewEmptyRange(0) // the reference: rehash every leaf
	want := map[uint64]bool{}
	for _, sz := range sizes {
		want[sz] = sz <= uint64(n)
	}
	for i, h := range hs {
		if err := cr.Append(h, nil); err != nil {
			t.Fatal(err)
		}
		if want[uint64(i+1)] {
			roots[uint64(i+1)], _ = cr.GetRootHash(nil)
		}
	}
	for size, r := range roots {
		got, err := l.Root(ctx, size)
		if err != nil || !bytes.Equal(got, r) {
			t.Fatalf("Root(%d) = %x, %v; want %x", size, got, err, r)
		}
		for range 50 {
			index := rng.Uint64N(size)
			p, err := l.InclusionProof(ctx, index, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(hs[index], index, size, p, r); err != nil {
				t.Fatal(err)
			}
		}
		for old, oldRoot := range roots {
			if old > size {
				continue
			}
			p, err := l.ConsistencyProof(ctx, old, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(old, size, p, oldRoot, r); err != nil {
				t.Fatalf("consistency %d -> %d: %v", old, size, err)
			}
		}
	}
}

// TestBatchingIsInvisible: the stored tiles do not depend on how the leaves
// were batched.
func TestBatchingIsInvisible(t *testing.T) {
	const n = 3000
	one, _ := buildLog(t, n)
	for _, b := range [][]int{{1}, {255, 2}, {256}, {1000, 1}} {
		s, _ := buildLog(t, n, b...)
		if fmt.Sprint(s.rows.Tiles, s.rows.Head) != fmt.Sprint(one.rows.Tiles, one.rows.Head) {
			t.Errorf("batches %v: tiles differ from one batch", b)
		}
	}
	// 3000 leaves make 11 complete 256-leaf subtrees, all in tile 1/0.
	if w := len(one.rows.Tiles[[2]uint64{1, 0}]) / HashSize; w != n/TileWidth || len(one.rows.Tiles) != 1 {
		t.Errorf("tile 1/0 holds %d hashes, want %d; %d tiles stored", w, n/TileWidth, len(one.rows.Tiles))
	}
}

func TestLogErrors(t *testing.T) {
	ctx := context.Background()
	s, l := buildLog(t, 10)
	cases := []struct {
		name string
		err  error
		kind muster.Kind
	}{
		{"index beyond size", second(l.InclusionProof(ctx, 5, 5)), muster.Invalid},
		{"size beyond log", second(l.InclusionProof(ctx, 0, 11)), muster.NotFound},
		{"old beyond size", second(l.ConsistencyProof(ctx, 6, 5)), muster.Invalid},
		{"consistency beyond log", second(l.ConsistencyProof(ctx, 1, 11)), muster.NotFound},
		{"root beyond log", second(l.Root(ctx, 11)), muster.NotFound},
		{"leaf beyond log", second(l.Leaf(ctx, 10)), muster.NotFound},
		{"invalid entry", second(l.Append(ctx, testEntry(10), Entry{Kind: "Bad"})), muster.Invalid},
	}
	for _, c := range cases {
		if got := muster.ErrorKind(c.err); got != c.kind {
			t.Errorf("%s: error %v is %q, want %q", c.name, c.err, got, c.kind)
		}
	}
	if n, _ := l.Size(ctx); n != 10 {
		t.Errorf("a rejected batch left %d leaves, want 10", n)
	}
	leaf, err := l.Leaf(ctx, 3)
	if err != nil || !bytes.Equal(leaf, testEntry(3).MarshalLeaf()) {
		t.Errorf("Leaf(3) = %s, %v", leaf, err)
	}
	if first, err := l.Append(ctx); first != 10 || err != nil {
		t.Errorf("empty Append = %d, %v", first, err)
	}
	// A stale Log (another writer appended since it read the size) must not
	// overwrite: the store refuses the taken index.
	stale := []StoredLeaf{{Index: 5, Hash: make([]byte, HashSize)}}
	if err := s.AddLeaves(ctx, stale, nil, Head{Size: 6}); muster.ErrorKind(err) != muster.Conflict {
		t.Errorf("AddLeaves at a taken index: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// TestProofNodeIDs checks the tiles give the same node hashes as a direct
// recomputation, for the node IDs the library asks for.
func TestProofNodeIDs(t *testing.T) {
	s, _ := buildLog(t, 1000, 97)
	hs := leafHashes(t, s)
	nr := newNodeReader(context.Background(), s, 1000)
	nodes, err := proof.Consistency(300, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range append(nodes.IDs, compact.NewNodeID(9, 0), compact.NewNodeID(8, 2)) {
		b, e := id.Coverage()
		got, err := nr.node(id)
		if err != nil || !bytes.Equal(got, refRoot(hs[b:e])) {
			t.Errorf("node %v = %x, %v", id, got, err)
		}
	}
}

// TestHashChildren checks the in-place node hash against the library's,
// for node hashes and for inputs of other lengths, which it hands over.
func TestHashChildren(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	bytesOf := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}
	for _, sizes := range [][2]int{{32, 32}, {32, 32}, {32, 32}, {0, 32}, {31, 33}, {64, 0}} {
		l, r := bytesOf(sizes[0]), bytesOf(sizes[1])
		if got, want := hashChildren(l, r), rfc6962.DefaultHasher.HashChildren(l, r); !bytes.Equal(got, want) {
			t.Errorf("hashChildren(%x, %x) = %x, want %x", l, r, got, want)
		}
	}
}
