package citizen

import (
	"math/big"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// An order code has letters, and a basic phone answering a USSD menu types
// only digits. So every code also has a numeric form, printed on the order
// under the letter code: the same 80 random bits as 25 decimal digits
// (2^80 < 10^25) and one Damm check digit, 26 digits in all, written
// 01208 92581 96146 29174 70617 6. Both forms name the same order and
// every channel accepts both (ParseCodeInput).
//
// Damm's check digit catches every single wrong digit and every swap of
// two neighbours, the two commonest keying errors, with no extra symbol to
// type (Verhoeff catches the same but needs three tables; ISBN's mod 11
// needs an X).
const (
	numericData = 25
	numericLen  = numericData + 1
	codeData    = 16 // random characters of an order.Code, before its check character
	codeLen     = codeData + 1
)

// codeAlphabet is Crockford's base32, the alphabet of order.Code.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeSpace is 2^80, the number of codes: a numeric form at or above it
// was mistyped even when its check digit matches.
var codeSpace = new(big.Int).Lsh(big.NewInt(1), 5*codeData)

// damm is the quasigroup of order 10 of Damm's algorithm (totally
// anti-symmetric, zero diagonal): folding a number through it gives 0
// exactly when its last digit is the check digit of the others.
var damm = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// dammFold runs the digits of s through the Damm table; s holds only
// digits.
func dammFold(s string) byte {
	var interim byte
	for i := 0; i < len(s); i++ {
		interim = damm[interim][s[i]-'0']
	}
	return interim
}

// NumericCode returns the numeric form of c, grouped by five with the
// check digit apart ("01208 92581 96146 29174 70617 6"), for printing
// under the letter code. It is empty when c is not a valid code, as the
// zero Code of an order not yet drafted.
func NumericCode(c order.Code) string {
	canon, err := order.ParseCode(string(c))
	if err != nil {
		return ""
	}
	v := new(big.Int)
	for i := 0; i < codeData; i++ {
		v.Lsh(v, 5)
		v.Or(v, big.NewInt(int64(strings.IndexByte(codeAlphabet, canon[i]))))
	}
	digits := v.Text(10)
	digits = strings.Repeat("0", numericData-len(digits)) + digits
	digits += string('0' + dammFold(digits))
	var b strings.Builder
	for i := 0; i < numericData; i += 5 {
		b.WriteString(digits[i : i+5])
		b.WriteByte(' ')
	}
	b.WriteByte(digits[numericData])
	return b.String()
}

// ParseNumericCode reads the numeric form of a code as typed: 26 digits,
// with or without spaces or dashes. A wrong check digit is Invalid: a digit
// was mistyped or two were swapped.
func ParseNumericCode(s string) (order.Code, error) {
	digits, err := stripSeparators(s)
	if err != nil {
		return "", err
	}
	if !allDigits(digits) {
		return "", muster.Errorf(muster.Invalid, "an order number has only digits")
	}
	if len(digits) != numericLen {
		return "", muster.Errorf(muster.Invalid, "an order number has %d digits, not %d", numericLen, len(digits))
	}
	if dammFold(digits) != 0 {
		return "", muster.Errorf(muster.Invalid, "order number is mistyped: its check digit does not match")
	}
	v, _ := new(big.Int).SetString(digits[:numericData], 10) // only digits: cannot fail
	if v.Cmp(codeSpace) >= 0 {
		return "", muster.Errorf(muster.Invalid, "order number is mistyped: it is too large to be an order number")
	}
	var data [codeData]byte
	mask := big.NewInt(31)
	for i := codeData - 1; i >= 0; i-- {
		data[i] = codeAlphabet[new(big.Int).And(v, mask).Int64()]
		v.Rsh(v, 5)
	}
	return order.CodeWithCheck(string(data[:]))
}

// ParseCodeInput reads an order code typed in either form: the numeric
// form (26 digits, what a keypad can type) or the letter code with its
// check character (order.ParseCode: any case and grouping). Input of
// digits only is taken for the numeric form unless it has exactly the
// length of a letter code, so that a short or long number gets an error
// about numbers.
func ParseCodeInput(s string) (order.Code, error) {
	compact, err := stripSeparators(s)
	if err != nil {
		return "", err
	}
	if compact == "" {
		return "", muster.Errorf(muster.Invalid, "order code is empty")
	}
	if allDigits(compact) && len(compact) != codeLen {
		return ParseNumericCode(compact)
	}
	return order.ParseCode(compact)
}

// stripSeparators drops the spaces and dashes a citizen may type between
// groups. Input far longer than any code is refused before any work.
func stripSeparators(s string) (string, error) {
	if len(s) > 3*numericLen {
		return "", muster.Errorf(muster.Invalid, "an order code has at most %d characters; this text is far longer", numericLen)
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s), nil
}
