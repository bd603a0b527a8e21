package campaign

import (
	"runtime"
	"sync"
	"testing"
)

const benchEntries = 1_000_000

var benchList = sync.OnceValue(func() []Entry { return syntheticEntries(benchEntries) })

// benchTargets is a campaign of 100,000 persons: one quota per area and
// skill, then a broad quota per region.
func benchTargets() Targets {
	var ts Targets
	for _, a := range []string{"NE.DS.KO", "NE.DS.NI", "NE.TH.01", "NE.ZI"} {
		for _, s := range testSkills {
			ts = append(ts, Target{Area: a, Skill: s, Count: 5_000})
		}
	}
	return append(ts, Target{Area: "NE.DS", Count: 10_000}, Target{Area: "NE.TH", Count: 10_000})
}

// BenchmarkFreezeDraw1M is the authority's work on a list of a million
// entries: freeze (validate, sort, Merkle root) and draw. live-MB is the
// heap the list and the result keep.
func BenchmarkFreezeDraw1M(b *testing.B) {
	entries := benchList()
	targets := benchTargets()
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		list, err := Freeze(entries)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Draw(testSeed(1), list, targets)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(res)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MB")
}

func BenchmarkFreeze1M(b *testing.B) {
	entries := benchList()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Freeze(entries); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDraw1M(b *testing.B) {
	list := mustFreeze(b, benchList())
	targets := benchTargets()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Draw(testSeed(1), list, targets); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProof1M is one inclusion proof once the tree is built; the
// first call, which builds it, is outside the timing.
func BenchmarkProof1M(b *testing.B) {
	list := mustFreeze(b, benchList())
	if _, err := list.Proof(0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % list.Len()
		if _, err := list.Proof(i); err != nil {
			b.Fatal(err)
		}
	}
}
