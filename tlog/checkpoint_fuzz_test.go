package tlog

import (
	"bytes"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"golang.org/x/mod/sumdb/note"
)

// fuzzLogKey is a fixed checkpoint key, so that the seed corpus's signed
// checkpoints verify on every run. It signs nothing but fuzz inputs.
const (
	fuzzLogSkey = "PRIVATE+KEY+muster.example/log+82c4ae31+AR8zk2/kVLFT1brhJjuGlSvVqey8xjSzQyZl2SKVLxAo"
	fuzzLogVkey = "muster.example/log+82c4ae31+AffVi5exbm8Jv+SvNU4ZhM578gTPl2JoGdKD7OeJSihC"
)

// FuzzOpenCheckpoint feeds OpenCheckpoint what a log server, a mirror or
// an attacker could serve as a checkpoint: it never panics, every refusal
// is invalid, and what it accepts is a checkpoint the key signed, of a
// 32-byte root, that says again what it was read as.
func FuzzOpenCheckpoint(f *testing.F) {
	signer, err := note.NewSigner(fuzzLogSkey)
	if err != nil {
		f.Fatal(err)
	}
	verifier, err := note.NewVerifier(fuzzLogVkey)
	if err != nil {
		f.Fatal(err)
	}
	for _, size := range []uint64{0, 1, 3, 1 << 40} {
		cp, err := SignCheckpoint(signer, size, bytes.Repeat([]byte{byte(size)}, HashSize))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(cp)
	}
	cp, _ := SignCheckpoint(signer, 7, make([]byte, HashSize))
	f.Add(bytes.Replace(cp, []byte("\n7\n"), []byte("\n8\n"), 1))
	f.Add([]byte(strings.Replace(string(cp), "\n\n", "\nextension line\n\n", 1)))
	f.Add([]byte("muster.example/log\n1\n\n\n— muster.example/log AAAA\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		size, root, err := OpenCheckpoint(text, verifier)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("OpenCheckpoint(%q) = %v, kind %s; want invalid", text, err, muster.ErrorKind(err))
			}
			return
		}
		if len(root) != HashSize {
			t.Fatalf("OpenCheckpoint(%q) accepted a root of %d bytes", text, len(root))
		}
		if _, err := note.Open(text, note.VerifierList(verifier)); err != nil {
			t.Fatalf("OpenCheckpoint(%q) accepted a note that does not verify: %v", text, err)
		}
		again, err := SignCheckpoint(signer, size, root)
		if err != nil {
			t.Fatal(err)
		}
		if s2, r2, err := OpenCheckpoint(again, verifier); err != nil || s2 != size || !bytes.Equal(r2, root) {
			t.Fatalf("re-signed checkpoint of %d, %x reads back %d, %x, %v", size, root, s2, r2, err)
		}
	})
}
