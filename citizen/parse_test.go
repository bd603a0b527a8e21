package citizen

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

func TestParseBirthDate(t *testing.T) {
	want := time.Date(1990, time.March, 5, 0, 0, 0, 0, time.UTC)
	good := []struct {
		name, in string
		want     time.Time
	}{
		{"keypad digits", "05031990", want},
		{"slashes", "05/03/1990", want},
		{"dashes", "05-03-1990", want},
		{"dots", "05.03.1990", want},
		{"ISO", "1990-03-05", want},
		{"one-digit day and month", "5/3/1990", want},
		{"spaces around", "  05031990 ", want},
		{"leap day", "29021992", time.Date(1992, time.February, 29, 0, 0, 0, 0, time.UTC)},
		{"first year", "01011900", time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseBirthDate(c.in)
			if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
				t.Fatalf("ParseBirthDate(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}
	bad := []struct {
		name, in, says string
	}{
		{"empty", "", "empty"},
		{"seven digits", "0503199", "8 digits"},
		{"nine digits", "050319901", "8 digits"},
		{"letters", "o5031990", "8 digits"},
		{"no such day", "31021990", "day does not exist"},
		{"not a leap year", "29021990", "day does not exist"},
		{"day zero", "00031990", "day does not exist"},
		{"month 13", "05131990", "month is not 01 to 12"},
		{"year too early", "05031850", "year is not between"},
		{"year too late", "05032150", "year is not between"},
		{"mixed separators", "05/03-1990", "three parts"},
		{"two-digit year", "05/03/90", "year 4"},
		{"ISO with short month", "1990-3-05", "two-digit months"},
		{"sign", "+5/03/1990", "not a digit"},
		{"too long", "05 / 03 / 1990 / 12", "too long"},
		{"US order is just another day", "12/31/1990", "month is not 01 to 12"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseBirthDate(c.in)
			if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("ParseBirthDate(%q) error = %v; want Invalid saying %q", c.in, err, c.says)
			}
			if len(c.in) >= 4 && strings.Contains(err.Error(), strings.TrimSpace(c.in)) {
				t.Errorf("error %q repeats the birth date typed", err)
			}
		})
	}
}

func TestNumericCodeVectors(t *testing.T) {
	zero := mustCode(t, "0000-0000-0000-0000-0")
	cases := []struct {
		name string
		code order.Code
		want string
	}{
		{"all zero", zero, "00000 00000 00000 00000 00000 0"},
		{"largest", withCheckT(t, "ZZZZZZZZZZZZZZZZ"), "12089 25819 61462 91747 06175 " + checkDigit("1208925819614629174706175")},
		{"one", withCheckT(t, "0000000000000001"), "00000 00000 00000 00000 00001 " + checkDigit("0000000000000000000000001")},
		{"32", withCheckT(t, "0000000000000010"), "00000 00000 00000 00000 00032 " + checkDigit("0000000000000000000000032")},
		{"not a code", "NOT-A-CODE", ""},
		{"zero Code", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := NumericCode(c.code)
			if got != c.want {
				t.Fatalf("NumericCode(%s) = %q, want %q", c.code, got, c.want)
			}
			if got == "" {
				return
			}
			back, err := ParseNumericCode(got)
			if err != nil || back != c.code {
				t.Fatalf("ParseNumericCode(%q) = %s, %v; want %s", got, back, err, c.code)
			}
		})
	}
}

// checkDigit is Damm's check digit, computed the slow way for the vectors.
func checkDigit(data string) string { return string('0' + dammFold(data)) }

func withCheckT(t *testing.T, data string) order.Code {
	t.Helper()
	c, err := order.CodeWithCheck(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustCode(t testing.TB, s string) order.Code {
	t.Helper()
	c, err := order.ParseCode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNumericCodeRoundTrip(t *testing.T) {
	for range 2000 {
		c := order.NewCode()
		num := NumericCode(c)
		if len(num) != numericLen+5 || len(strings.ReplaceAll(num, " ", "")) != numericLen {
			t.Fatalf("NumericCode(%s) = %q: not 26 digits in 6 groups", c, num)
		}
		for _, typed := range []string{num, strings.ReplaceAll(num, " ", ""), strings.ReplaceAll(num, " ", "-")} {
			if back, err := ParseCodeInput(typed); err != nil || back != c {
				t.Fatalf("ParseCodeInput(%q) = %s, %v; want %s", typed, back, err, c)
			}
		}
	}
}

// TestDammCatchesKeyingErrors tries, on many numbers, every single wrong
// digit at every position and every swap of two different neighbours:
// all must be refused.
func TestDammCatchesKeyingErrors(t *testing.T) {
	var subs, swaps int
	for range 300 {
		num := []byte(strings.ReplaceAll(NumericCode(order.NewCode()), " ", ""))
		for i := range num {
			orig := num[i]
			for d := byte('0'); d <= '9'; d++ {
				if d == orig {
					continue
				}
				num[i] = d
				if _, err := ParseNumericCode(string(num)); muster.ErrorKind(err) != muster.Invalid {
					t.Fatalf("wrong digit at %d accepted: %s", i, num)
				}
				subs++
			}
			num[i] = orig
		}
		for i := 0; i+1 < len(num); i++ {
			if num[i] == num[i+1] {
				continue
			}
			num[i], num[i+1] = num[i+1], num[i]
			if _, err := ParseNumericCode(string(num)); muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("swap at %d accepted: %s", i, num)
			}
			num[i], num[i+1] = num[i+1], num[i]
			swaps++
		}
	}
	t.Logf("%d substitutions and %d swaps refused", subs, swaps)
}

// TestDammTable checks the property the check digit rests on: the table is
// a quasigroup (each digit once per row and column) with a zero diagonal
// that is weakly totally anti-symmetric, which is what catches every swap
// of neighbours.
func TestDammTable(t *testing.T) {
	for i := range 10 {
		var row, col [10]bool
		for j := range 10 {
			row[damm[i][j]], col[damm[j][i]] = true, true
		}
		if row != [10]bool{true, true, true, true, true, true, true, true, true, true} || row != col {
			t.Fatalf("row or column %d is not a permutation", i)
		}
		if damm[i][i] != 0 {
			t.Fatalf("diagonal at %d is %d", i, damm[i][i])
		}
	}
	for c := range 10 {
		for x := range 10 {
			for y := range 10 {
				if x != y && damm[damm[c][x]][y] == damm[damm[c][y]][x] {
					t.Fatalf("swapping %d and %d after interim %d goes unseen", x, y, c)
				}
			}
		}
	}
}

func TestParseCodeInputErrors(t *testing.T) {
	code := order.NewCode()
	num := strings.ReplaceAll(NumericCode(code), " ", "")
	tooBig := "9999999999999999999999999"
	cases := []struct {
		name, in, says string
	}{
		{"empty", "  ", "empty"},
		{"25 digits", num[:25], "26 digits, not 25"},
		{"27 digits", num + "0", "26 digits, not 27"},
		{"digit off", string(num[0]^1) + num[1:], "check digit"},
		{"past 2^80", tooBig + checkDigit(tooBig), "too large"},
		{"letter code off", string(code[:16]) + nextChar(code[16]), "check character"},
		{"symbol", "0120#892581", "not a character"},
		{"far too long", strings.Repeat("1", 200), "far longer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseCodeInput(c.in)
			if muster.ErrorKind(err) != muster.Invalid || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("ParseCodeInput(%q) error = %v; want Invalid saying %q", c.in, err, c.says)
			}
		})
	}
}

func TestParseCodeInputLetters(t *testing.T) {
	code := order.NewCode()
	for _, typed := range []string{string(code), code.String(), strings.ToLower(code.String()), strings.ReplaceAll(code.String(), "-", " ")} {
		if got, err := ParseCodeInput(typed); err != nil || got != code {
			t.Errorf("ParseCodeInput(%q) = %s, %v; want %s", typed, got, err, code)
		}
	}
}

// nextChar is the code character after c, cyclically.
func nextChar(c byte) string {
	i := (strings.IndexByte(codeAlphabet, c) + 1) % len(codeAlphabet)
	return codeAlphabet[i : i+1]
}

func BenchmarkParseCodeInputNumeric(b *testing.B) {
	num := NumericCode(order.NewCode())
	for b.Loop() {
		if _, err := ParseCodeInput(num); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNumericCode(b *testing.B) {
	c := order.NewCode()
	for b.Loop() {
		if NumericCode(c) == "" {
			b.Fatal("no numeric form")
		}
	}
}
