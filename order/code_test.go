package order

import (
	"regexp"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

var grouped = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]$`)

func TestNewCode(t *testing.T) {
	seen := map[Code]bool{}
	for range 10000 {
		c := NewCode()
		if !grouped.MatchString(c.String()) {
			t.Fatalf("code %s is not grouped as XXXX-XXXX-XXXX-XXXX-C", c)
		}
		if seen[c] {
			t.Fatalf("code %s drawn twice", c)
		}
		seen[c] = true
		if p, err := ParseCode(c.String()); err != nil || p != c {
			t.Fatalf("ParseCode(%s) = %q, %v", c, p, err)
		}
	}
	// Every character value shows up at every data position: the 80 bits
	// are spread over all 16 characters, none stuck.
	for i := range codeData {
		chars := map[byte]bool{}
		for c := range seen {
			chars[c[i]] = true
		}
		if len(chars) != 32 {
			t.Errorf("position %d takes %d distinct characters in 10000 codes, want 32", i, len(chars))
		}
	}
}

// TestCheckCharacter proves the check on many random codes: every single
// substitution (each of the 31 other characters at each of the 17
// positions, the check character's included) and every transposition of two different characters, adjacent or not,
// is rejected.
func TestCheckCharacter(t *testing.T) {
	var subs, swaps int
	for range 2000 {
		c := []byte(NewCode())
		for i := range c {
			orig := c[i]
			for j := 0; j < len(alphabet); j++ {
				if alphabet[j] == orig {
					continue
				}
				c[i] = alphabet[j]
				if _, err := ParseCode(string(c)); muster.ErrorKind(err) != muster.Invalid {
					t.Fatalf("substitution at %d accepted: %s", i, c)
				}
				subs++
			}
			c[i] = orig
		}
		for i := range c {
			for j := i + 1; j < len(c); j++ {
				if c[i] == c[j] {
					continue
				}
				c[i], c[j] = c[j], c[i]
				if _, err := ParseCode(string(c)); err == nil {
					t.Fatalf("transposition of %d and %d accepted: %s", i, j, c)
				}
				c[i], c[j] = c[j], c[i]
				if j == i+1 {
					swaps++
				}
			}
		}
	}
	t.Logf("%d substitutions and %d adjacent transpositions rejected", subs, swaps)
}

func TestParseCode(t *testing.T) {
	c := Code("7KQ4M9TX2HZPR8WD")
	c += Code(alphabet[double(fold(values16(c)))])
	canonical := c.String()
	ok := []struct{ name, in string }{
		{"canonical", canonical},
		{"no dashes", string(c)},
		{"lower case", strings.ToLower(canonical)},
		{"spaces", "7KQ4 M9TX 2HZP R8WD " + canonical[len(canonical)-1:]},
		{"extra dashes and spaces", " 7K-Q4--M9TX - 2HZPR8WD-" + canonical[len(canonical)-1:] + " "},
	}
	for _, o := range ok {
		t.Run(o.name, func(t *testing.T) {
			got, err := ParseCode(o.in)
			if err != nil || got != c {
				t.Errorf("ParseCode(%q) = %q, %v; want %s", o.in, got, err, c)
			}
		})
	}
	bad := []struct{ name, in, words string }{
		{"empty", "", "17 characters"},
		{"short", canonical[:len(canonical)-2], "17 characters"},
		{"long", canonical + "0", "17 characters"},
		{"far too long", strings.Repeat("0", 100), "far longer"},
		{"U", "U" + canonical[1:], `'U'`},
		{"punctuation", canonical[:4] + "." + canonical[5:], `'.'`},
		{"non-ASCII", "7KQ4-M9TX-2HZP-R8WD-É", "letters and digits"},
		{"wrong check", canonical[:len(canonical)-1] + string(alphabet[(strings.IndexByte(alphabet, canonical[len(canonical)-1])+1)%32]), "check character"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := ParseCode(b.in)
			wantKind(t, err, muster.Invalid, b.words)
		})
	}
}

// values16 returns the values of a code's characters.
func values16(c Code) []byte {
	out := make([]byte, len(c))
	for i := range out {
		out[i] = byte(values[c[i]])
	}
	return out
}

// TestConfusables reads I and L as 1 and O as 0, in either case, and so
// accepts a code typed with the letters a reader mistakes for digits.
func TestConfusables(t *testing.T) {
	n := 0
	for n < 50 {
		c := NewCode()
		s := string(c)
		if !strings.ContainsAny(s, "01") {
			continue
		}
		n++
		typed := strings.NewReplacer("1", "l", "0", "O").Replace(s)
		if got, err := ParseCode(typed); err != nil || got != c {
			t.Fatalf("ParseCode(%q) = %q, %v; want %s", typed, got, err, c)
		}
		typed = strings.NewReplacer("1", "I", "0", "o").Replace(s)
		if got, err := ParseCode(typed); err != nil || got != c {
			t.Fatalf("ParseCode(%q) = %q, %v; want %s", typed, got, err, c)
		}
	}
}

func TestCodeText(t *testing.T) {
	c := NewCode()
	b, _ := c.MarshalText()
	var back Code
	if err := back.UnmarshalText(b); err != nil || back != c || string(b) != c.String() {
		t.Errorf("text round trip: %q → %q, %v", c, back, err)
	}
	if err := back.UnmarshalText(nil); err != nil || back != "" {
		t.Errorf("empty text: %q, %v", back, err)
	}
	if err := back.UnmarshalText([]byte("nonsense")); err == nil {
		t.Error("nonsense accepted")
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"", "7KQ4-M9TX-2HZP-R8WD-J", string(NewCode()), NewCode().String(), "iloU-----", "ÉÉÉ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("error of kind %q: %v", muster.ErrorKind(err), err)
			}
			return
		}
		if !grouped.MatchString(c.String()) || fold(values16(c)) != 0 {
			t.Fatalf("accepted %q as %q, not a valid code", s, c)
		}
		if again, err := ParseCode(c.String()); err != nil || again != c {
			t.Fatalf("canonical form %s does not parse back: %q, %v", c, again, err)
		}
	})
}

func TestCodeWithCheck(t *testing.T) {
	for range 200 {
		c := NewCode()
		got, err := CodeWithCheck(string(c[:codeData]))
		if err != nil || got != c {
			t.Fatalf("CodeWithCheck(%s) = %s, %v; want %s", c[:codeData], got, err, c)
		}
	}
	for _, bad := range []string{"", "0123456789ABCDE", "0123456789ABCDEFG", "0123456789abcdef", "0123456789ABCDEU", "0123456789ABCDE\xff"} {
		if c, err := CodeWithCheck(bad); err == nil {
			t.Errorf("CodeWithCheck(%q) = %s, want an error", bad, c)
		}
	}
}
