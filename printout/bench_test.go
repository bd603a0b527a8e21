package printout

import "testing"

func BenchmarkRender(b *testing.B) {
	o := requisitionOrder()
	for b.Loop() {
		if _, err := Render(o, "fr"); err != nil {
			b.Fatal(err)
		}
	}
}
