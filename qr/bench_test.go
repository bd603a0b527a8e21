package qr

import (
	"crypto/ed25519"
	"testing"
)

// The benchmarks set what Encode and Verify cost beside the bare Ed25519
// operation on the same payload, the ratios `muster bench` reports.

func BenchmarkEncode(b *testing.B) {
	f := newFixture(b)
	c := callUp()
	for b.Loop() {
		if _, err := Encode(c, f.cur.ID, f.cur.priv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd25519Sign(b *testing.B) {
	f := newFixture(b)
	payload, _ := callUp().marshal()
	for b.Loop() {
		ed25519.Sign(f.cur.priv, payload)
	}
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	text := encode(b, callUp(), f.cur)
	for b.Loop() {
		if _, err := Verify(text, f.list, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	f := newFixture(b)
	payload, _ := callUp().marshal()
	sig := ed25519.Sign(f.cur.priv, payload)
	for b.Loop() {
		if !ed25519.Verify(f.cur.Public, payload, sig) {
			b.Fatal("bad signature")
		}
	}
}
