package tlog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppend100k appends 100 000 entries to an empty MemStore, in
// batches of the given size (one Log.Append, one AddLeaves per batch).
func BenchmarkAppend100k(b *testing.B) {
	const n = 100_000
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = testEntry(i)
	}
	for _, batch := range []int{1, 100, 10_000, n} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				l := New(NewMemStore())
				for i := 0; i < n; i += batch {
					if _, err := l.Append(ctx, entries[i:min(i+batch, n)]...); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
		})
	}
}

var (
	millionOnce sync.Once
	million     *MemStore
)

// millionLeaves returns a MemStore of 1 048 577 leaves (one past a power of
// two, so proofs to the right edge use an ephemeral node), built once.
func millionLeaves(b *testing.B) *MemStore {
	millionOnce.Do(func() {
		s := NewMemStore()
		l := New(s)
		const n, batch = 1<<20 + 1, 10_000
		es := make([]Entry, 0, batch)
		for i := 0; i < n; i++ {
			es = append(es, testEntry(i))
			if len(es) == batch || i == n-1 {
				if _, err := l.Append(context.Background(), es...); err != nil {
					panic(err)
				}
				es = es[:0]
			}
		}
		million = s
	})
	return million
}

func BenchmarkInclusionProof1M(b *testing.B) {
	s := millionLeaves(b)
	l, ctx := New(s), context.Background()
	size, _ := l.Size(ctx)
	root, _ := l.Root(ctx, size)
	rng := rand.New(rand.NewPCG(3, 4))
	b.ResetTimer()
	for b.Loop() {
		i := rng.Uint64N(size)
		p, err := l.InclusionProof(ctx, i, size)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		h, _ := s.LeafHashes(ctx, i, i+1)
		if err := VerifyInclusion(h[0], i, size, p, root); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func BenchmarkConsistencyProof1M(b *testing.B) {
	s := millionLeaves(b)
	l, ctx := New(s), context.Background()
	size, _ := l.Size(ctx)
	rng := rand.New(rand.NewPCG(5, 6))
	for b.Loop() {
		if _, err := l.ConsistencyProof(ctx, 1+rng.Uint64N(size), size); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRootHistoric1M computes the root of an earlier tree size, which
// reads tiles rather than the head.
func BenchmarkRootHistoric1M(b *testing.B) {
	s := millionLeaves(b)
	l, ctx := New(s), context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	for b.Loop() {
		if _, err := l.Root(ctx, 1+rng.Uint64N(1<<20)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAudit1M(b *testing.B) {
	s := millionLeaves(b)
	_, v, _ := testKeys(b, testOrigin)
	for b.Loop() {
		rep, err := Audit(context.Background(), s, v, nil)
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Mismatches)
		}
	}
	b.ReportMetric(float64(1<<20+1)*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

// BenchmarkEncode encodes the two leaves issuing an order writes (its
// approve and issue events), as sqlstore does for every order.
func BenchmarkEncode(b *testing.B) {
	at := time.Date(2026, 11, 26, 9, 30, 0, 123456789, time.UTC)
	entry := func(event, from, to, seq string) Entry {
		return Entry{Kind: "order.event", Subject: "01M8BSQ3MZ00AZANMGNK62RT2J", Event: event, At: at,
			Data: map[string]string{"from": from, "to": to, "seq": seq, "kind": "call_up", "authority": "NE-MOB",
				"role": "approver", "actor_ref": "3f9a0c2be41d7765"}}
	}
	approve, issue := entry("approve", "draft", "approved", "2"), entry("issue", "approved", "issued", "3")
	issue.DataHash[0] = 1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(approve, issue); err != nil {
			b.Fatal(err)
		}
	}
}
