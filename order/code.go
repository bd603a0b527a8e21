package order

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/muster-org/muster"
)

// alphabet is Crockford's base32: digits and letters without I, L, O and
// U, so that a code read aloud or copied by hand has no look-alikes.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Code is an order's short code: 16 random characters (80 bits) and one
// check character, kept in canonical form (upper case, no separators).
// It is random, so it says nothing about the addressee, and 80 bits make
// guessing a valid code hopeless even at millions of tries a second.
//
// The check character c makes Σ 2^(17−i)·dᵢ = 0 over the field GF(32)
// (polynomial x⁵+x²+1), where d₁…d₁₆ are the character values and d₁₇ = c.
// Every character's weight is a non-zero power of 2, so any single wrong
// character changes the sum; swapping two characters x≠y at positions i<j
// changes it by (2^a+2^b)(x+y), never zero because 2 has order 31 in
// GF(32)*, so every transposition within a code (not only adjacent ones)
// is caught. Unlike Crockford's mod-37 check, the check character is one
// of the 32 code characters: no '*', '~', '$' or '=' to type on a keypad.
type Code string

const (
	codeData = 16 // random characters
	codeLen  = codeData + 1
)

// NewCode returns a fresh random code.
func NewCode() Code {
	var b [10]byte
	rand.Read(b[:]) // never fails since Go 1.24 (see NewID)
	hi, lo := uint64(binary.BigEndian.Uint16(b[:2])), binary.BigEndian.Uint64(b[2:])
	var vals [codeLen]byte
	for i := codeData - 1; i >= 0; i-- {
		vals[i] = byte(lo & 31)
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	vals[codeData] = double(fold(vals[:codeData]))
	var out [codeLen]byte
	for i, v := range vals {
		out[i] = alphabet[v]
	}
	return Code(out[:])
}

// double multiplies x by 2 in GF(32) = GF(2)[x]/(x⁵+x²+1).
func double(x byte) byte {
	x <<= 1
	if x&32 != 0 {
		x ^= 0b100101
	}
	return x
}

// fold is the weighted sum of vals in GF(32), in Horner form. A full code,
// check character included, folds to 0; the check character for data that
// folds to s is double(s), since double(s)+c = 0 means c = double(s) in a
// field of characteristic 2.
func fold(vals []byte) byte {
	var s byte
	for _, v := range vals {
		s = double(s) ^ v
	}
	return s
}

// values maps a typed character to its value: lower case is upper case,
// and I, L and O are read as the digits they are mistaken for. -1 marks
// characters that are not part of a code.
var values = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
		t[alphabet[i]|0x20] = int8(i) // lower case; digits are unchanged by it
	}
	for _, c := range "IiLl" {
		t[c] = 1
	}
	t['O'], t['o'] = 0, 0
	return t
}()

// ParseCode reads a code as a person may type it: any case, with or
// without dashes or spaces anywhere, I and L for 1, O for 0. A code whose
// check character does not match is Invalid: a character was mistyped or
// two were swapped.
func ParseCode(s string) (Code, error) {
	if len(s) > 3*codeLen {
		return "", muster.Errorf(muster.Invalid, "an order code has %d characters; this text is far longer", codeLen)
	}
	var vals []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == ' ' || c == '\t' {
			continue
		}
		v := values[c]
		if v < 0 {
			if c >= 0x80 || c < 0x20 || c == 0x7f {
				return "", muster.Errorf(muster.Invalid, "an order code has only letters and digits")
			}
			return "", muster.Errorf(muster.Invalid, "%q is not a character of order codes", c)
		}
		vals = append(vals, byte(v))
	}
	if len(vals) != codeLen {
		return "", muster.Errorf(muster.Invalid, "an order code has %d characters (dashes aside), not %d", codeLen, len(vals))
	}
	out := make([]byte, codeLen)
	for i, v := range vals {
		out[i] = alphabet[v]
	}
	if fold(vals) != 0 {
		return "", muster.Errorf(muster.Invalid, "order code %s is mistyped: its check character does not match", Code(out))
	}
	return Code(out), nil
}

// CodeWithCheck completes the 16 data characters of a code (upper case,
// from the code alphabet) with their check character. It is for codes
// carried in another form, such as the citizens' numeric one, and read
// back into characters.
func CodeWithCheck(data string) (Code, error) {
	if len(data) != codeData {
		return "", muster.Errorf(muster.Invalid, "order code data has %d characters, not %d", len(data), codeData)
	}
	var vals [codeData]byte
	for i := range codeData {
		v := values[data[i]]
		if v < 0 || alphabet[v] != data[i] {
			return "", muster.Errorf(muster.Invalid, "order code data %q has a character out of the code alphabet", data)
		}
		vals[i] = byte(v)
	}
	return Code(data + string(alphabet[double(fold(vals[:]))])), nil
}

// String writes the code grouped for reading aloud: four groups of four
// and the check character apart, as in 7KQ4-M9TX-2HZP-R8WD-J.
func (c Code) String() string {
	if len(c) != codeLen {
		return string(c)
	}
	return fmt.Sprintf("%s-%s-%s-%s-%s", c[0:4], c[4:8], c[8:12], c[12:16], c[16:])
}

// MarshalText writes the grouped form.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads any form ParseCode accepts; empty text is the zero
// Code of an order not yet drafted.
func (c *Code) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = ""
		return nil
	}
	v, err := ParseCode(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
