package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/tlog/tlogtest"
)

func storedLeaves(from, to int) []tlog.StoredLeaf {
	leaves := make([]tlog.StoredLeaf, 0, to-from)
	for i := from; i < to; i++ {
		data := tlogtest.Entry(i).MarshalLeaf()
		leaves = append(leaves, tlog.StoredLeaf{Index: uint64(i), Hash: tlog.LeafHash(data), Data: data})
	}
	return leaves
}

// TestBundleLeaves checks which leaves of an append go into bundles: only
// whole, aligned runs of bundleSize, and that a bundle decodes to them.
func TestBundleLeaves(t *testing.T) {
	for _, c := range []struct {
		from, to int
		bundles  []int
	}{
		{0, 1, nil},
		{0, 255, nil},
		{0, 256, []int{0}},
		{250, 850, []int{1, 2}},
		{256, 768, []int{1, 2}},
		{257, 768, []int{2}},
	} {
		leaves := storedLeaves(c.from, c.to)
		single, bundles := bundleLeaves(leaves)
		if len(single)+bundleSize*len(bundles) != len(leaves) {
			t.Errorf("[%d, %d): %d single rows and %d bundles", c.from, c.to, len(single), len(bundles))
		}
		var got []int
		for _, b := range bundles {
			k := uint64(b[0].(int64))
			got = append(got, int(k))
			back := decodeBundle(k, b[1].([]byte), b[2].([]byte), true)
			for i, l := range back {
				want := leaves[int(l.Index)-c.from]
				if l.Index != k*bundleSize+uint64(i) || !bytes.Equal(l.Hash, want.Hash) || !bytes.Equal(l.Data, want.Data) {
					t.Fatalf("[%d, %d): bundle %d leaf %d decodes as %d %x %q", c.from, c.to, k, i, l.Index, l.Hash, l.Data)
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.bundles) {
			t.Errorf("[%d, %d): bundles %v, want %v", c.from, c.to, got, c.bundles)
		}
		for _, r := range single {
			if i := r[0].(int64); slices.Contains(got, int(i/bundleSize)) {
				t.Errorf("[%d, %d): leaf %d is both single and in bundle %d", c.from, c.to, i, i/bundleSize)
			}
		}
	}
}

// TestDecodeBundleChanged: a bundle row changed behind muster's back
// decodes to leaves whose hash does not match their data, never to an
// error or a panic, so that the audit names them.
func TestDecodeBundleChanged(t *testing.T) {
	hashes, data := encodeBundle(storedLeaves(0, bundleSize))
	for _, c := range []struct {
		name         string
		hashes, data []byte
		wrong        []int // the leaves that must come out wrong
	}{
		{"a byte of leaf 3's data", hashes, flip(data, len(data)/bundleSize*3+10), []int{3}},
		{"a byte of leaf 7's hash", flip(hashes, 7*tlog.HashSize+1), data, []int{7}},
		{"bytes after the last leaf", hashes, append(bytes.Clone(data), 1, 2, 3), []int{bundleSize - 1}},
		{"a hash too many", append(bytes.Clone(hashes), hashes[:tlog.HashSize]...), data, []int{bundleSize - 1}},
		{"the last hash cut", hashes[:len(hashes)-tlog.HashSize], data, []int{bundleSize - 1}},
		{"the data cut short", hashes, data[:len(data)/2], nil}, // every leaf from the cut on
		{"nothing", nil, nil, nil},
	} {
		leaves := decodeBundle(4, c.hashes, c.data, true)
		if len(leaves) != bundleSize {
			t.Fatalf("%s: %d leaves", c.name, len(leaves))
		}
		var wrong []int
		for i, l := range leaves {
			if l.Index != 4*bundleSize+uint64(i) {
				t.Fatalf("%s: leaf %d has index %d", c.name, i, l.Index)
			}
			if !bytes.Equal(tlog.LeafHash(l.Data), l.Hash) {
				wrong = append(wrong, i)
			}
		}
		switch {
		case c.wrong != nil && fmt.Sprint(wrong) != fmt.Sprint(c.wrong):
			t.Errorf("%s: leaves %v come out wrong, want %v", c.name, wrong, c.wrong)
		case c.wrong == nil && (len(wrong) < bundleSize/2 || wrong[len(wrong)-1] != bundleSize-1):
			t.Errorf("%s: leaves %v come out wrong, want every leaf from the cut on", c.name, wrong)
		}
	}
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x40
	return b
}

// FuzzDecodeBundle: whatever a row holds, decoding gives bundleSize leaves
// with their indexes, and never panics.
func FuzzDecodeBundle(f *testing.F) {
	hashes, data := encodeBundle(storedLeaves(0, bundleSize))
	f.Add(hashes, data)
	f.Add([]byte{}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, hashes, data []byte) {
		leaves := decodeBundle(9, hashes, data, true)
		if len(leaves) != bundleSize || leaves[0].Index != 9*bundleSize || leaves[bundleSize-1].Index != 10*bundleSize-1 {
			t.Fatalf("%d leaves", len(leaves))
		}
	})
}

// TestLogBundlesAudited: leaves stored in bundles read back through the
// log like single ones, a leaf in a bundle cannot be appended again, and
// a bundle row changed in the database is named leaf by leaf by the audit
// that muster log verify runs.
func TestLogBundlesAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := logStore{db: db, q: db.sql}
		tlogtest.Append(t, s, 0, 900, 3, 765, 132) // bundles 1 and 2 hold 256-767; the rest are single rows
		var bundles int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_bundles`).Scan(&bundles); err != nil || bundles != 2 {
			t.Fatalf("%d bundles (%v), want 2", bundles, err)
		}
		for _, i := range []uint64{0, 255, 256, 511, 512, 767, 768, 899} {
			data, err := db.Log().Leaf(ctx, i)
			if err != nil || !bytes.Equal(data, tlogtest.Entry(int(i)).MarshalLeaf()) {
				t.Errorf("leaf %d reads back as %q, %v", i, data, err)
			}
		}
		got, err := db.leafData(ctx, []uint64{2, 300, 700, 899, 900})
		if err != nil || len(got) != 4 || !bytes.Equal(got[700], tlogtest.Entry(700).MarshalLeaf()) {
			t.Errorf("leafData = %d leaves, %v", len(got), err)
		}
		head, err := s.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		again := storedLeaves(300, 301)
		if err := s.AddLeaves(ctx, again, nil, tlog.Head{Size: 301, Hashes: head.Hashes}); err == nil {
			t.Error("AddLeaves stored leaf 300 again, which bundle 1 holds")
		}
		signer, verifier := tlogtest.Keys(t)
		if _, err := db.Log().Sign(ctx, signer); err != nil {
			t.Fatal(err)
		}
		if rep, err := tlog.Audit(ctx, s, verifier, nil); err != nil || !rep.OK() || rep.Leaves != 900 {
			t.Fatalf("Audit before any change = %+v, %v", rep, err)
		}

		// Leaf 300 is the 44th of bundle 1: change one byte of its data.
		var hashes, data []byte
		if err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT hashes, data FROM log_bundles WHERE idx = ?`), 1).Scan(&hashes, &data); err != nil {
			t.Fatal(err)
		}
		leaf := tlogtest.Entry(300).MarshalLeaf()
		at := bytes.Index(data, leaf)
		if at < 0 {
			t.Fatal("leaf 300 is not in bundle 1")
		}
		if _, err := db.sql.ExecContext(ctx, db.rebind(`UPDATE log_bundles SET data = ? WHERE idx = ?`), flip(data, at+len(leaf)/2), 1); err != nil {
			t.Fatal(err)
		}
		rep, err := tlog.Audit(ctx, s, verifier, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Mismatches) == 0 || rep.Mismatches[0].Kind != tlog.LeafMismatch || rep.Mismatches[0].Index != 300 {
			t.Errorf("a changed byte of leaf 300 in its bundle: audit found %v", rep.Mismatches)
		}
	})
}
