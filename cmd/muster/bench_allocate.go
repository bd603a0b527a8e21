package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster/allocate"
)

func newBenchAllocateCmd() *cobra.Command {
	var needs, resources, instances int
	var seed int64
	cmd := &cobra.Command{
		Use:   "allocate",
		Short: "Time the allocator on a generated country and compare its cost with the exact optimum on small instances",
		Long: `Generates --needs needs and --resources candidates over Niger's bounding box (towns,
mixed types, owners holding several resources, scarce and abundant supply), times
Allocate and reports its peak heap. Then, on --instances small generated instances,
solves each exactly (min-cost flow) and prints the worst and mean ratio of the
allocator's total cost to the optimum, and whether it filled as much.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if needs <= 0 || resources <= 0 || instances < 0 {
				return usageError("--needs and --resources must be positive")
			}
			return benchAllocate(cmd.OutOrStdout(), seed, needs, resources, instances)
		},
	}
	cmd.Flags().IntVar(&needs, "needs", 10_000, "needs in the large instance")
	cmd.Flags().IntVar(&resources, "resources", 1_000_000, "candidate resources in the large instance")
	cmd.Flags().IntVar(&instances, "instances", 30, "small instances compared with the exact solver")
	cmd.Flags().Int64Var(&seed, "seed", 1, "generator seed")
	return cmd
}

// allocateResult is what bench allocate measured: the time of the large
// instance, and the cost of the allocator's answers to the small ones
// over the exact optimum's.
type allocateResult struct {
	needs, resources, instances int
	elapsed                     time.Duration
	peakHeap                    uint64
	lines, short                int
	worst, mean                 float64 // cost over the optimum's
}

func benchAllocate(out io.Writer, seed int64, needs, resources, instances int) error {
	r, err := measureAllocate(seed, needs, resources, instances)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "allocate %d needs × %d resources on %d CPUs: %.2f s, peak heap %d MB, %d lines, %d needs short\n",
		needs, resources, runtime.GOMAXPROCS(0), r.elapsed.Seconds(), r.peakHeap>>20, r.lines, r.short)
	if instances > 0 {
		fmt.Fprintf(out, "cost ratio to the exact optimum over %d instances: worst %.4f, mean %.4f (target ≤ 1.02)\n", instances, r.worst, r.mean)
	}
	return nil
}

func measureAllocate(seed int64, needs, resources, instances int) (allocateResult, error) {
	ns, cs := allocate.Generate(seed, allocate.GenOptions{Needs: needs, Candidates: resources, Clusters: 200, MaxGiven: 3})
	opt := allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight, FairnessWeight: allocate.DefaultFairnessWeight}
	runtime.GC()
	peak := watchHeap()
	start := time.Now()
	prop, err := allocate.Allocate(ns, cs, opt)
	r := allocateResult{needs: needs, resources: resources, instances: instances, elapsed: time.Since(start), peakHeap: peak()}
	if err != nil {
		return r, err
	}
	r.lines, r.short = len(prop.Lines), len(prop.Shortfalls)
	if instances == 0 {
		return r, nil
	}
	sum := 0.0
	for i := range instances {
		g := allocate.GenOptions{Needs: 20 + i%4*10, Candidates: 150 + i%5*50, Clusters: i % 4, Supply: []float64{0.7, 1.2, 3}[i%3], MaxGiven: i % 3}
		ns, cs := allocate.Generate(seed*1000+int64(i), g)
		fast, err := allocate.Allocate(ns, cs, opt)
		if err != nil {
			return r, err
		}
		exact, err := allocate.Exact(ns, cs, opt)
		if err != nil {
			return r, err
		}
		if short(fast) > short(exact)+1e-6 {
			return r, fmt.Errorf("instance %d: the allocator left %.3f short where the exact solver left %.3f", i, short(fast), short(exact))
		}
		ratio := 1.0
		if exact.TotalCost > 0 {
			ratio = fast.TotalCost / exact.TotalCost
		}
		r.worst, sum = max(r.worst, ratio), sum+ratio
	}
	r.mean = sum / float64(instances)
	return r, nil
}

func short(p allocate.Proposal) float64 {
	var s float64
	for _, x := range p.Shortfalls {
		s += x.Missing
	}
	return s
}
