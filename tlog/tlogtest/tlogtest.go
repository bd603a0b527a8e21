// Package tlogtest is the conformance test for implementations of
// tlog.Store: the memory store and every SQL store run the same Run, so a
// new backend is correct when it passes. It imports only tlog and the
// libraries tlog uses.
package tlogtest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/muster-org/muster/tlog"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Run tests the stores that open returns; each must be new and empty.
func Run(t *testing.T, open func(t *testing.T) tlog.Store) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("AppendAndRead", func(t *testing.T) { testAppendAndRead(t, open(t)) })
	t.Run("TakenIndex", func(t *testing.T) { testTakenIndex(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, open(t)) })
}

// Entry returns a distinct, valid entry for each i.
func Entry(i int) tlog.Entry {
	return tlog.Entry{
		Kind:    "order.event",
		Subject: fmt.Sprintf("ORD-%06d", i),
		Event:   "issued",
		At:      time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Data:    map[string]string{"seq": fmt.Sprint(i)},
	}
}

// Append appends entries from..to-1 in batches of the given sizes, cycled.
func Append(t testing.TB, s tlog.Store, from, to int, batches ...int) {
	t.Helper()
	l := tlog.New(s)
	for i, b := from, 0; i < to; b++ {
		k := min(batches[b%len(batches)], to-i)
		es := make([]tlog.Entry, k)
		for j := range es {
			es[j] = Entry(i + j)
		}
		first, err := l.Append(context.Background(), es...)
		if err != nil {
			t.Fatal(err)
		}
		if first != uint64(i) {
			t.Fatalf("Append put entry %d at %d", i, first)
		}
		i += k
	}
}

func testEmpty(t *testing.T, s tlog.Store) {
	ctx := context.Background()
	h, err := s.Head(ctx)
	if err != nil || h.Size != 0 || len(h.Hashes) != 0 {
		t.Errorf("Head = %+v, %v; want the zero Head", h, err)
	}
	if ls, err := s.Leaves(ctx, 0, 10); err != nil || len(ls) != 0 {
		t.Errorf("Leaves = %v, %v", ls, err)
	}
	if hs, err := s.LeafHashes(ctx, 0, 10); err != nil || len(hs) != 0 {
		t.Errorf("LeafHashes = %v, %v", hs, err)
	}
	if b, err := s.Tile(ctx, 1, 0); err != nil || b != nil {
		t.Errorf("Tile = %x, %v; want nil", b, err)
	}
	if cs, err := s.Checkpoints(ctx, 0, 10); err != nil || len(cs) != 0 {
		t.Errorf("Checkpoints = %v, %v", cs, err)
	}
	if _, ok, err := s.LatestCheckpoint(ctx); err != nil || ok {
		t.Errorf("LatestCheckpoint = %v, %v; want none", ok, err)
	}
	if _, err := tlog.New(s).Root(ctx, 0); err != nil {
		t.Errorf("Root(0) of the empty log: %v", err)
	}
}

func testAppendAndRead(t *testing.T, s tlog.Store) {
	ctx := context.Background()
	// 600 leaves make two 256-leaf subtrees: tile 1/0 holds 2 hashes, and
	// grows to 3 with the next 200.
	Append(t, s, 0, 600, 1, 255, 300, 44)
	h, err := s.Head(ctx)
	if err != nil || h.Size != 600 || len(h.Hashes) != 4*tlog.HashSize { // 600 = 512+64+16+8
		t.Fatalf("Head = size %d, %d bytes, %v", h.Size, len(h.Hashes), err)
	}
	if b, err := s.Tile(ctx, 1, 0); err != nil || len(b) != 2*tlog.HashSize {
		t.Fatalf("Tile(1, 0) = %d bytes, %v", len(b), err)
	}
	ls, err := s.Leaves(ctx, 100, 110)
	if err != nil || len(ls) != 10 {
		t.Fatalf("Leaves(100, 110) = %d leaves, %v", len(ls), err)
	}
	for i, l := range ls {
		data := Entry(100 + i).MarshalLeaf()
		if l.Index != uint64(100+i) || !bytes.Equal(l.Data, data) || !bytes.Equal(l.Hash, tlog.LeafHash(data)) {
			t.Errorf("leaf %d read back as %d %x %s", 100+i, l.Index, l.Hash, l.Data)
		}
	}
	if hs, err := s.LeafHashes(ctx, 595, 605); err != nil || len(hs) != 5 || !bytes.Equal(hs[0], tlog.LeafHash(Entry(595).MarshalLeaf())) {
		t.Errorf("LeafHashes(595, 605) = %d hashes, %v", len(hs), err)
	}
	Append(t, s, 600, 800, 200)
	if b, err := s.Tile(ctx, 1, 0); err != nil || len(b) != 3*tlog.HashSize {
		t.Fatalf("Tile(1, 0) after growing = %d bytes, %v", len(b), err)
	}

	// Roots and proofs agree with a tree rebuilt from the leaf hashes.
	l := tlog.New(s)
	hs, err := s.LeafHashes(ctx, 0, 800)
	if err != nil || len(hs) != 800 {
		t.Fatalf("LeafHashes(0, 800) = %d, %v", len(hs), err)
	}
	rng := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	roots := map[uint64][]byte{}
	for i, h := range hs {
		if err := rng.Append(h, nil); err != nil {
			t.Fatal(err)
		}
		roots[uint64(i+1)], _ = rng.GetRootHash(nil)
	}
	for _, size := range []uint64{1, 255, 256, 257, 600, 799, 800} {
		root, err := l.Root(ctx, size)
		if err != nil || !bytes.Equal(root, roots[size]) {
			t.Fatalf("Root(%d) = %x, %v; want %x", size, root, err, roots[size])
		}
		for _, i := range []uint64{0, size / 2, size - 1} {
			p, err := l.InclusionProof(ctx, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyInclusion(hs[i], i, size, p, root); err != nil {
				t.Errorf("leaf %d in %d: %v", i, size, err)
			}
		}
		p, err := l.ConsistencyProof(ctx, 300, size)
		if size >= 300 && (err != nil || tlog.VerifyConsistency(300, size, p, roots[300], root) != nil) {
			t.Errorf("consistency 300 -> %d: %v", size, err)
		}
	}
	signer, verifier := Keys(t)
	if _, err := l.Sign(ctx, signer); err != nil {
		t.Fatal(err)
	}
	rep, err := tlog.Audit(ctx, s, verifier, nil)
	if err != nil || !rep.OK() || rep.Leaves != 800 || rep.Nodes != 3 || rep.Checkpoints != 1 {
		t.Errorf("Audit = %+v, %v", rep, err)
	}
}

func testTakenIndex(t *testing.T, s tlog.Store) {
	ctx := context.Background()
	Append(t, s, 0, 10, 10)
	h, _ := s.Head(ctx)
	leaf := tlog.StoredLeaf{Index: 9, Hash: make([]byte, tlog.HashSize), Data: []byte("x")}
	if err := s.AddLeaves(ctx, []tlog.StoredLeaf{leaf}, nil, tlog.Head{Size: 10, Hashes: h.Hashes}); err == nil {
		t.Error("AddLeaves overwrote leaf 9")
	}
	if ls, _ := s.Leaves(ctx, 9, 10); len(ls) != 1 || bytes.Equal(ls[0].Data, leaf.Data) {
		t.Error("leaf 9 was changed")
	}
}

func testCheckpoints(t *testing.T, s tlog.Store) {
	ctx := context.Background()
	signer, _ := Keys(t)
	l := tlog.New(s)
	for _, size := range []int{0, 3, 7, 100} {
		n, _ := l.Size(ctx)
		Append(t, s, int(n), size, 50)
		if _, err := l.Sign(ctx, signer); err != nil {
			t.Fatal(err)
		}
	}
	latest, ok, err := s.LatestCheckpoint(ctx)
	if err != nil || !ok || latest.Size != 100 {
		t.Fatalf("LatestCheckpoint = %d, %v, %v", latest.Size, ok, err)
	}
	if err := s.PutCheckpoint(ctx, tlog.StoredCheckpoint{Size: 7, Note: []byte("x")}); err == nil {
		t.Error("PutCheckpoint replaced the checkpoint of size 7")
	}
	for _, c := range []struct {
		from  uint64
		limit int
		want  []uint64
	}{{0, 10, []uint64{0, 3, 7, 100}}, {1, 2, []uint64{3, 7}}, {7, 10, []uint64{7, 100}}, {101, 10, nil}} {
		cs, err := s.Checkpoints(ctx, c.from, c.limit)
		var got []uint64
		for _, cp := range cs {
			got = append(got, cp.Size)
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Checkpoints(%d, %d) = %v, %v; want %v", c.from, c.limit, got, err, c.want)
		}
	}
}

// Keys returns a new log key's signer and verifier.
func Keys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := tlog.GenerateLogKey("muster.example/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}
