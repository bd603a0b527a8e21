package ledger

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// TestRandomized applies thousands of random transfers — contributions,
// overdrafts, retries, altered retries, reversals and doomed linked
// batches — checking the book against the model and its invariants after
// every batch.
func TestRandomized(t *testing.T) {
	seeds := []uint64{1, 2, 3, 42, 20250301}
	steps := 1500
	if testing.Short() {
		steps = 200
	}
	for _, seed := range seeds {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		b := NewBook()
		m := newModel(b)
		d := &driver{pick: r.IntN}
		failed := 0
		for i := range steps {
			batch := d.batch(m)
			refused, err := step(b, m, batch)
			if err != nil {
				t.Fatalf("seed %d, step %d: %v", seed, i, err)
			}
			if refused {
				failed++
			}
			if len(m.order) != b.Len() {
				t.Fatalf("seed %d, step %d: %d transfers, model %d", seed, i, b.Len(), len(m.order))
			}
		}
		t.Logf("seed %d: %d transfers applied, %d of %d batches refused", seed, b.Len(), failed, steps)
		// Both outcomes must be common, or the test exercises little.
		if b.Len() < steps/2 || failed < steps/10 {
			t.Errorf("seed %d: %d transfers applied, %d batches refused: the generator is unbalanced", seed, b.Len(), failed)
		}
	}
}

// TestConcurrentWriters retries the same contributions from many
// goroutines: each must be applied exactly once.
func TestConcurrentWriters(t *testing.T) {
	b := fixture(t)
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range each {
				i := r.IntN(each)
				t1 := tr("c"+itoa(i), "fund:cash", "income:contributions", int64(i+1))
				t2 := tr("s"+itoa(i), "expense:agriculture", "fund:cash", int64(i+1))
				t2.Linked = "g" + itoa(i)
				b.Apply([]Transfer{t1, t2})
			}
		})
	}
	wg.Wait()
	if ps := b.Check(); ps != nil {
		t.Fatal(ps)
	}
	var want int64
	for _, tx := range b.Transfers() {
		if tx.Debit == "fund:cash" {
			want += tx.Amount
		}
	}
	if b.Balance("fund:cash") != 0 || b.Balance("income:contributions") != want || b.Len()%2 != 0 {
		t.Errorf("cash %d, income %d (want %d), %d transfers", b.Balance("fund:cash"), b.Balance("income:contributions"), want, b.Len())
	}
}
