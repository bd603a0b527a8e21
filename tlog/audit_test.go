package tlog

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// signedLog returns a log of 1000 leaves with checkpoints at the sizes
// below: 3 complete 256-leaf subtrees (tile 1/0 holds 3 hashes) and a
// partial right edge.
var checkpointSizes = []int{0, 100, 256, 500, 777, 1000}

func signedLog(t testing.TB) (*MemStore, *Log, *testSigner) {
	t.Helper()
	ctx := context.Background()
	signer, verifier, _ := testKeys(t, testOrigin)
	s := NewMemStore()
	l := New(s)
	n := 0
	for _, size := range checkpointSizes {
		for ; n < size; n++ {
			if _, err := l.Append(ctx, testEntry(n)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Sign(ctx, signer); err != nil {
			t.Fatal(err)
		}
	}
	return s, l, &testSigner{signer, verifier}
}

func TestAuditClean(t *testing.T) {
	s, _, k := signedLog(t)
	var last [2]uint64
	rep, err := Audit(context.Background(), s, k.v, func(done, total uint64) { last = [2]uint64{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("clean log: %v", rep.Mismatches)
	}
	if rep.Size != 1000 || rep.Leaves != 1000 || rep.Nodes != 3 || rep.Checkpoints != uint64(len(checkpointSizes)) {
		t.Errorf("report %+v", rep)
	}
	if last != [2]uint64{1000, 1000} {
		t.Errorf("last progress %v", last)
	}
}

func TestAuditFindsTampering(t *testing.T) {
	ctx := context.Background()
	edited := func(i int) []byte {
		e := testEntry(i)
		e.Event = "cancelled"
		return e.MarshalLeaf()
	}
	// cp returns the index of the checkpoint of the given size.
	cp := func(size int) int {
		for i, s := range checkpointSizes {
			if s == size {
				return i
			}
		}
		panic(size)
	}
	cases := []struct {
		name   string
		tamper func(r *MemRows, k *testSigner)
		want   Mismatch // the first mismatch reported; Reason is a substring
		only   bool     // it is the only mismatch
		leaf   int      // the edited leaf, which every mismatch must cover; -1 if none
	}{
		{"leaf data edited", func(r *MemRows, _ *testSigner) {
			ls := r.Leaves
			ls[300].Data = edited(300)
		}, Mismatch{Kind: LeafMismatch, Index: 300, Reason: "not the hash of the stored data"}, false, 300},
		{"leaf hash edited", func(r *MemRows, _ *testSigner) {
			ls := r.Leaves
			ls[300].Hash[0] ^= 1
		}, Mismatch{Kind: LeafMismatch, Index: 300, Reason: "not the hash"}, true, 300},
		{"leaf data and hash edited", func(r *MemRows, _ *testSigner) {
			ls := r.Leaves
			ls[300].Data = edited(300)
			ls[300].Hash = LeafHash(ls[300].Data)
		}, Mismatch{Kind: CheckpointMismatch, Index: 500, Since: 256, Reason: "signed root differs"}, false, 300},
		{"leaf at the right edge edited with its hash", func(r *MemRows, _ *testSigner) {
			ls := r.Leaves
			ls[900].Data = edited(900)
			ls[900].Hash = LeafHash(ls[900].Data)
		}, Mismatch{Kind: CheckpointMismatch, Index: 1000, Since: 777, Reason: "signed root differs"}, false, 900},
		{"leaf made non-canonical with its hash", func(r *MemRows, _ *testSigner) {
			ls := r.Leaves
			ls[10].Data = append([]byte(" "), ls[10].Data...)
			ls[10].Hash = LeafHash(ls[10].Data)
		}, Mismatch{Kind: LeafMismatch, Index: 10, Reason: "not a valid leaf"}, false, 10},
		{"leaf deleted", func(r *MemRows, _ *testSigner) {
			ls := r.Leaves
			ls[7].Hash = nil
		}, Mismatch{Kind: LeafMismatch, Index: 7, Reason: "missing"}, false, 7},
		{"node hash edited", func(r *MemRows, _ *testSigner) {
			ts := r.Tiles
			ts[[2]uint64{1, 0}][2*HashSize] ^= 1
		}, Mismatch{Kind: NodeMismatch, Level: 8, Index: 2, Reason: "differs"}, true, -1},
		{"tile truncated", func(r *MemRows, _ *testSigner) {
			ts := r.Tiles
			ts[[2]uint64{1, 0}] = ts[[2]uint64{1, 0}][:2*HashSize]
		}, Mismatch{Kind: NodeMismatch, Level: 8, Index: 2, Reason: "missing"}, true, -1},
		{"tile removed", func(r *MemRows, _ *testSigner) {
			ts := r.Tiles
			delete(ts, [2]uint64{1, 0})
		}, Mismatch{Kind: NodeMismatch, Level: 8, Index: 0, Reason: "missing"}, false, -1},
		{"tile extended", func(r *MemRows, _ *testSigner) {
			ts := r.Tiles
			ts[[2]uint64{1, 0}] = append(ts[[2]uint64{1, 0}], make([]byte, HashSize)...)
		}, Mismatch{Kind: NodeMismatch, Level: 8, Index: 3, Reason: "beyond the tree"}, true, -1},
		{"tile with a partial hash", func(r *MemRows, _ *testSigner) {
			ts := r.Tiles
			ts[[2]uint64{1, 0}] = append(ts[[2]uint64{1, 0}], 0)
		}, Mismatch{Kind: NodeMismatch, Level: 8, Index: 3, Reason: "partial hash"}, true, -1},
		{"tile added", func(r *MemRows, _ *testSigner) {
			ts := r.Tiles
			ts[[2]uint64{2, 0}] = make([]byte, HashSize)
		}, Mismatch{Kind: NodeMismatch, Level: 16, Index: 0, Reason: "beyond the tree"}, true, -1},
		{"head hash edited", func(r *MemRows, _ *testSigner) {
			r.Head.Hashes[HashSize] ^= 1 // 1000 = 512+256+128+64+32+8: the second is node 8/2
		}, Mismatch{Kind: NodeMismatch, Level: 8, Index: 2, Reason: "head:"}, true, -1},
		{"head truncated", func(r *MemRows, _ *testSigner) {
			r.Head.Hashes = r.Head.Hashes[HashSize:]
		}, Mismatch{Kind: HeadMismatch, Index: 1000, Reason: "not the 6 hashes"}, true, -1},
		{"checkpoint text edited", func(r *MemRows, _ *testSigner) {
			cs := r.Checkpoints
			c := &cs[cp(500)]
			c.Note = bytes.Replace(c.Note, []byte("\n500\n"), []byte("\n501\n"), 1)
		}, Mismatch{Kind: CheckpointMismatch, Index: 500, Reason: "does not verify"}, true, -1},
		{"checkpoint signed by another key", func(r *MemRows, k *testSigner) {
			cs := r.Checkpoints
			other, _, _ := testKeys(t, testOrigin)
			size, root, _ := OpenCheckpoint(cs[cp(500)].Note, k.v)
			cs[cp(500)].Note, _ = SignCheckpoint(other, size, root)
		}, Mismatch{Kind: CheckpointMismatch, Index: 500, Reason: "does not verify"}, true, -1},
		{"checkpoint of a forged root, signed with the log key", func(r *MemRows, k *testSigner) {
			cs := r.Checkpoints
			cs[cp(777)].Note, _ = SignCheckpoint(k.s, 777, make([]byte, HashSize))
		}, Mismatch{Kind: CheckpointMismatch, Index: 777, Since: 500, Reason: "signed root differs"}, true, -1},
		{"checkpoint size column edited", func(r *MemRows, _ *testSigner) {
			cs := r.Checkpoints
			cs[cp(500)].Size = 501
		}, Mismatch{Kind: CheckpointMismatch, Index: 501, Reason: "signed for size 500"}, true, -1},
		{"checkpoint beyond the log", func(r *MemRows, _ *testSigner) {
			cs := r.Checkpoints
			cs[cp(1000)].Size = 5000
		}, Mismatch{Kind: CheckpointMismatch, Index: 5000, Reason: "larger than the log"}, true, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _, k := signedLog(t)
			s.Tamper(func(r *MemRows) { c.tamper(r, k) })
			rep, err := Audit(ctx, s, k.v, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("the audit found nothing")
			}
			got := rep.Mismatches[0]
			if got.Kind != c.want.Kind || got.Level != c.want.Level || got.Index != c.want.Index || got.Since != c.want.Since ||
				!strings.Contains(got.Reason, c.want.Reason) {
				t.Errorf("first mismatch %v; want %v", got, c.want)
			}
			if c.only && len(rep.Mismatches) != 1 {
				t.Errorf("%d mismatches, want 1: %v", len(rep.Mismatches), rep.Mismatches)
			}
			// Every mismatch points at leaves that include the edited one.
			for _, m := range rep.Mismatches {
				if b, e := m.Leaves(); c.leaf >= 0 && (uint64(c.leaf) < b || uint64(c.leaf) >= e) {
					t.Errorf("%v does not cover leaf %d", m, c.leaf)
				}
			}
			t.Logf("%d mismatches, first: %v", len(rep.Mismatches), got)
		})
	}
}

// TestAuditLarge audits a tree with two tiled levels and finds an edited
// hash on the second.
func TestAuditLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 70 000 leaves")
	}
	ctx := context.Background()
	s, l := buildLog(t, 70_000, 5000, 1)
	k := &testSigner{}
	k.s, k.v, _ = testKeys(t, testOrigin)
	if _, err := l.Sign(ctx, k.s); err != nil {
		t.Fatal(err)
	}
	rep, err := Audit(ctx, s, k.v, nil)
	if err != nil || !rep.OK() || rep.Nodes != 70_000/256+1 {
		t.Fatalf("clean audit: %v, %+v", err, rep)
	}
	s.Tamper(func(r *MemRows) { r.Tiles[[2]uint64{2, 0}][5] ^= 1 })
	rep, err = Audit(ctx, s, k.v, nil)
	if err != nil || len(rep.Mismatches) != 1 || rep.Mismatches[0].Level != 16 || rep.Mismatches[0].Index != 0 {
		t.Fatalf("audit of an edited level-16 node: %v, %v", err, rep.Mismatches)
	}
}

func TestMismatchString(t *testing.T) {
	for _, c := range []struct {
		m    Mismatch
		want string
	}{
		{Mismatch{Kind: LeafMismatch, Index: 4, Reason: "missing"}, "leaf 4: missing"},
		{Mismatch{Kind: NodeMismatch, Level: 8, Index: 1, Reason: "x"}, "node 8/1 (leaves 256..511): x"},
		{Mismatch{Kind: CheckpointMismatch, Index: 9, Reason: "y"}, "checkpoint of size 9: y"},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.m, got, c.want)
		}
	}
}
