package ledger

import (
	"strconv"
	"testing"
)

// FuzzBook drives a sequence of batches from the fuzzer's bytes; whatever
// the sequence, Apply must agree with the model, never panic, and leave
// Check clean.
func FuzzBook(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19})
	f.Add([]byte("contribute, spend, retry, reverse, reverse again"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pos := 0
		pick := func(n int) int {
			if pos >= len(data) {
				return 0
			}
			pos++
			return int(data[pos-1]) % n
		}
		b := NewBook()
		m := newModel(b)
		d := &driver{pick: pick}
		for i := 0; pos < len(data) && i < 100; i++ {
			if _, err := step(b, m, d.batch(m)); err != nil {
				t.Fatalf("batch %d: %v", i, err)
			}
		}
	})
}

// BenchmarkApply applies 1 M transfers in batches of 1000 to a fresh book
// per iteration and reports transfers per second.
func BenchmarkApply(b *testing.B) {
	const total, size = 1_000_000, 1000
	batches := make([][]Transfer, total/size)
	for i := range batches {
		batch := make([]Transfer, size)
		for j := range batch {
			n := i*size + j
			batch[j] = Transfer{ID: "t" + strconv.Itoa(n), Debit: "fund:cash", Credit: "income:contributions",
				Amount: int64(1 + n%1000), Currency: "XOF", At: t0}
			if j%2 == 1 { // spend what the previous contribution brought in
				batch[j].Debit, batch[j].Credit = "expense:agriculture", "fund:cash"
				batch[j].Amount = batch[j-1].Amount
			}
		}
		batches[i] = batch
	}
	b.ReportAllocs()
	for b.Loop() {
		book := fixture(b)
		for _, batch := range batches {
			if _, err := book.Apply(batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "transfers/s")
}
