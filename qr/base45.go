package qr

import (
	"errors"
	"fmt"
	"strings"
)

// base45Alphabet is the alphabet of RFC 9285: exactly the 45 characters of
// QR alphanumeric mode, which stores each in 5.5 bits instead of 8.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// errBase45 is wrapped by every DecodeBase45 error; Decode turns it into
// ErrMalformed.
var errBase45 = errors.New("bad base45")

// base45Value maps a byte to its value in the alphabet, or -1.
var base45Value = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		v[base45Alphabet[i]] = int8(i)
	}
	return v
}()

// EncodeBase45 returns the RFC 9285 Base45 encoding of b: each two bytes
// become three characters, a last odd byte two.
func EncodeBase45(b []byte) string { return prefixedBase45("", b) }

// prefixedBase45 returns prefix followed by the Base45 encoding of b,
// written once into a string of its final size.
func prefixedBase45(prefix string, b []byte) string {
	var sb strings.Builder
	sb.Grow(len(prefix) + (len(b)/2)*3 + (len(b)%2)*2)
	sb.WriteString(prefix)
	writeBase45(&sb, b)
	return sb.String()
}

// writeBase45 writes the Base45 encoding of b to sb, through a buffer on
// the stack: a WriteByte per character took as long as the encoding.
func writeBase45(sb *strings.Builder, b []byte) {
	var buf [3 * 128]byte
	n := 0
	for i := 0; i+1 < len(b); i += 2 {
		v := int(b[i])<<8 | int(b[i+1])
		buf[n], buf[n+1], buf[n+2] = base45Alphabet[v%45], base45Alphabet[v/45%45], base45Alphabet[v/2025]
		if n += 3; n == len(buf) {
			sb.Write(buf[:n])
			n = 0
		}
	}
	if len(b)%2 == 1 {
		v := int(b[len(b)-1])
		buf[n], buf[n+1] = base45Alphabet[v%45], base45Alphabet[v/45]
		n += 2
	}
	sb.Write(buf[:n])
}

// DecodeBase45 returns the bytes that s encodes in RFC 9285 Base45. It
// refuses, as the RFC requires, a character outside the alphabet, a lone
// last character, and a group whose value does not fit its bytes (a triple
// of 65536 or more, a last pair of 256 or more), so that every byte string
// has exactly one encoding.
func DecodeBase45(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("%w: %d characters leave one dangling", errBase45, len(s))
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		end := min(i+3, len(s))
		n := 0
		for j := end - 1; j >= i; j-- {
			v := base45Value[s[j]]
			if v < 0 {
				return nil, fmt.Errorf("%w: character %q at offset %d is not in the alphabet", errBase45, s[j], j)
			}
			n = n*45 + int(v)
		}
		if end-i == 3 {
			if n > 0xffff {
				return nil, fmt.Errorf("%w: group %q at offset %d is %d, more than 65535", errBase45, s[i:end], i, n)
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			if n > 0xff {
				return nil, fmt.Errorf("%w: last group %q is %d, more than 255", errBase45, s[i:end], n)
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}
