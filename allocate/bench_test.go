package allocate

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// benchOptions are the weights the benchmarks run with.
var benchOptions = Options{BurdenWeight: DefaultBurdenWeight, FairnessWeight: DefaultFairnessWeight}

// peakHeap samples HeapInuse every few milliseconds while f runs and
// returns the highest value seen, in MB: the instance (heap-before-MB)
// plus what Allocate holds at its peak.
func peakHeap(f func()) float64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	return float64(peak.Load()) / (1 << 20)
}

func benchAllocate(b *testing.B, g GenOptions, opt Options) {
	needs, cands := Generate(1, g)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ResetTimer()
	var peak float64
	var p Proposal
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			var err error
			if p, err = Allocate(needs, cands, opt); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "input-heap-MB")
	b.ReportMetric(peak, "peak-heap-MB")
	b.ReportMetric(float64(len(p.Lines)), "lines")
	b.ReportMetric(float64(len(p.Shortfalls)), "short-needs")
	if !p.Optimal {
		b.ReportMetric(1, "not-optimal")
	}
}

// BenchmarkAllocate10kx1M is the national-scale case: 10 000 needs, a
// million candidates around 40 towns over Niger, supply ample overall
// with some types scarcer than others, burden and fairness on. The
// instance alone is about 200 MB.
func BenchmarkAllocate10kx1M(b *testing.B) {
	if testing.Short() {
		b.Skip("national scale: skipped with -short")
	}
	benchAllocate(b, national, benchOptions)
}

// BenchmarkAllocate10kx1MWithin300km is the same with a 300 km limit, so
// that no level is known to fill beforehand and each is served need by
// need from a snapshot it could go back to.
func BenchmarkAllocate10kx1MWithin300km(b *testing.B) {
	if testing.Short() {
		b.Skip("national scale: skipped with -short")
	}
	opt := benchOptions
	opt.MaxDistanceKm = 300
	benchAllocate(b, national, opt)
}

var national = GenOptions{Needs: 10_000, Candidates: 1_000_000, Clusters: 40, Supply: 30, ClassNeeds: 0.2, MaxGiven: 3}

// BenchmarkAllocate1kx100k is a regional case.
func BenchmarkAllocate1kx100k(b *testing.B) {
	benchAllocate(b, GenOptions{Needs: 1_000, Candidates: 100_000, Clusters: 10, Supply: 10, ClassNeeds: 0.2, MaxGiven: 3}, benchOptions)
}

// BenchmarkAllocateScarce1kx10k has supply below demand for several
// types, over the whole country: who goes short is decided cheapest path
// first, the allocator's most expensive case per need.
func BenchmarkAllocateScarce1kx10k(b *testing.B) {
	benchAllocate(b, GenOptions{Needs: 1_000, Candidates: 10_000, Clusters: 4, Supply: 0.8, ClassNeeds: 0.2, MaxGiven: 3}, benchOptions)
}

// BenchmarkExact40x300 is the size Exact is meant for.
func BenchmarkExact40x300(b *testing.B) {
	needs, cands := Generate(1, GenOptions{Needs: 40, Candidates: 300, Clusters: 3, Supply: 1.1})
	for b.Loop() {
		if _, err := Exact(needs, cands, benchOptions); err != nil {
			b.Fatal(err)
		}
	}
}
