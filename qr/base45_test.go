package qr

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The examples of RFC 9285 section 4.3 (encoding) and 4.4 (decoding); every
// one is checked both ways.
var rfc9285Examples = []struct {
	name    string
	decoded string
	encoded string
}{
	{"4.3 example 1", "AB", "BB8"},
	{"4.3 example 2", "Hello!!", "%69 VD92EX0"},
	{"4.3 example 3", "base-45", "UJCLQE7W581"},
	{"4.4 example", "ietf!", "QED8WEX0"},
}

func TestBase45RFC9285(t *testing.T) {
	for _, tt := range rfc9285Examples {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeBase45([]byte(tt.decoded)); got != tt.encoded {
				t.Errorf("EncodeBase45(%q) = %q, want %q", tt.decoded, got, tt.encoded)
			}
			got, err := DecodeBase45(tt.encoded)
			if err != nil || string(got) != tt.decoded {
				t.Errorf("DecodeBase45(%q) = %q, %v; want %q", tt.encoded, got, err, tt.decoded)
			}
		})
	}
}

func TestBase45Edges(t *testing.T) {
	tests := []struct {
		name    string
		decoded []byte
		encoded string
	}{
		{"empty", nil, ""},
		{"one zero byte", []byte{0}, "00"},
		{"one 0xff byte", []byte{0xff}, "U5"},         // 255 = 30 + 5*45
		{"two 0xff bytes", []byte{0xff, 0xff}, "FGW"}, // 65535 = 15 + 16*45 + 32*2025
		{"two zero bytes", []byte{0, 0}, "000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeBase45(tt.decoded); got != tt.encoded {
				t.Errorf("EncodeBase45 = %q, want %q", got, tt.encoded)
			}
			got, err := DecodeBase45(tt.encoded)
			if err != nil || !bytes.Equal(got, tt.decoded) {
				t.Errorf("DecodeBase45 = %v, %v; want %v", got, err, tt.decoded)
			}
		})
	}
}

func TestBase45Refuses(t *testing.T) {
	tests := []struct {
		name    string
		encoded string
		detail  string
	}{
		{"lower case", "bb8", "not in the alphabet"},
		{"character outside the alphabet", "BB#", "not in the alphabet"},
		{"non-ASCII", "B\xc3\xa9", "not in the alphabet"},
		{"NUL", "BB\x00", "not in the alphabet"},
		{"dangling character", "BB8B", "dangling"},
		{"single character", "B", "dangling"},
		{"triple of 65536", "GGW", "more than 65535"}, // 16 + 16*45 + 32*2025
		{"triple of 91124", ":::", "more than 65535"},
		{"pair of 256", "V5", "more than 255"}, // 31 + 5*45
		{"pair of 2024", "::", "more than 255"},
		{"overflow after a good group", "BB8:::", "more than 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBase45(tt.encoded)
			if !errors.Is(err, errBase45) || !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("DecodeBase45(%q) = %v, %v; want an error saying %q", tt.encoded, got, err, tt.detail)
			}
		})
	}
}

func FuzzBase45(f *testing.F) {
	for _, tt := range rfc9285Examples {
		f.Add([]byte(tt.decoded))
	}
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := EncodeBase45(b)
		got, err := DecodeBase45(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %q gives %x, %v", b, s, got, err)
		}
	})
}

// FuzzDecodeBase45 checks that decoding never panics and that the encoding
// is canonical: whatever decodes re-encodes to the same text.
func FuzzDecodeBase45(f *testing.F) {
	for _, tt := range rfc9285Examples {
		f.Add(tt.encoded)
	}
	f.Add(":::")
	f.Add("V5")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeBase45(s)
		if err != nil {
			return
		}
		if back := EncodeBase45(b); back != s {
			t.Fatalf("%q decodes to %x, which encodes to %q", s, b, back)
		}
	})
}

// TestBase45Long encodes inputs around the sizes at which the encoder
// flushes its buffer: each is its repeated two-byte group's encoding, and
// decodes back.
func TestBase45Long(t *testing.T) {
	for _, n := range []int{255, 256, 257, 511, 512, 513, 1001} {
		in := bytes.Repeat([]byte{0xff, 0xff}, n/2)
		want := strings.Repeat("FGW", n/2)
		if n%2 == 1 {
			in, want = append(in, 0xff), want+"U5"
		}
		got := EncodeBase45(in)
		if got != want {
			t.Errorf("%d bytes: EncodeBase45 gives %d characters, want %d: %q", n, len(got), len(want), got)
			continue
		}
		if back, err := DecodeBase45(got); err != nil || !bytes.Equal(back, in) {
			t.Errorf("%d bytes: DecodeBase45 of the encoding: %v", n, err)
		}
	}
}
