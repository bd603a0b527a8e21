package allocate

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchInstance generates an instance once per shape for the benchmarks.
var benchInstances sync.Map

func benchInstance(g GenOptions) ([]Need, []Candidate) {
	key := fmt.Sprint(g)
	if v, ok := benchInstances.Load(key); ok {
		in := v.([2]any)
		return in[0].([]Need), in[1].([]Candidate)
	}
	needs, cands := Generate(1, g)
	benchInstances.Store(key, [2]any{needs, cands})
	return needs, cands
}

// benchOptions are the weights the benchmarks run with.
var benchOptions = Options{BurdenWeight: DefaultBurdenWeight, FairnessWeight: DefaultFairnessWeight}

// peakHeap samples HeapInuse every few milliseconds while f runs and
// returns the highest value seen, in MB.
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
	needs, cands := benchInstance(g)
	runtime.GC()
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
	b.ReportMetric(peak, "peak-heap-MB")
	b.ReportMetric(float64(len(p.Lines)), "lines")
	b.ReportMetric(float64(len(p.Shortfalls)), "short-needs")
}

// BenchmarkAllocate10kx1M is the national-scale case: 10 000 needs, a
// million candidates in towns over Niger, supply ample overall with some
// types scarcer than others. The instance alone is about 200 MB.
func BenchmarkAllocate10kx1M(b *testing.B) {
	if testing.Short() {
		b.Skip("national scale: skipped with -short")
	}
	benchAllocate(b, GenOptions{Needs: 10_000, Candidates: 1_000_000, Clusters: 40, Supply: 30, ClassNeeds: 0.2, MaxGiven: 3}, benchOptions)
}

// BenchmarkAllocate1kx100k is a regional case.
func BenchmarkAllocate1kx100k(b *testing.B) {
	benchAllocate(b, GenOptions{Needs: 1_000, Candidates: 100_000, Clusters: 10, Supply: 10, ClassNeeds: 0.2, MaxGiven: 3}, benchOptions)
}

// BenchmarkAllocateScarce1kx100k has supply about equal to demand, so that
// several types run out and their searches prove it.
func BenchmarkAllocateScarce1kx100k(b *testing.B) {
	benchAllocate(b, GenOptions{Needs: 1_000, Candidates: 100_000, Clusters: 10, Supply: 100.0 / 100, ClassNeeds: 0.2}, benchOptions)
}

// BenchmarkExact40x300 is the size Exact is meant for.
func BenchmarkExact40x300(b *testing.B) {
	needs, cands := benchInstance(GenOptions{Needs: 40, Candidates: 300, Clusters: 3, Supply: 1.1})
	for b.Loop() {
		if _, err := Exact(needs, cands, benchOptions); err != nil {
			b.Fatal(err)
		}
	}
}
