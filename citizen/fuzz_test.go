package citizen

import (
	"errors"
	"strings"
	"testing"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// FuzzParseBirthDate: any text gives a date that reads back the same, or
// an Invalid error; never a panic.
func FuzzParseBirthDate(f *testing.F) {
	for _, s := range []string{"05031990", "05/03/1990", "5-3-1990", "1990-03-05", "31021990", "", "//", "1990-03-", "+5/+3/1990", "٠٥٠٣١٩٩٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseBirthDate(s)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("ParseBirthDate(%q): %v is not Invalid", s, err)
			}
			return
		}
		if back, err := ParseBirthDate(d.Format("02012006")); err != nil || !back.Equal(d) {
			t.Fatalf("ParseBirthDate(%q) = %v, which reads back as %v, %v", s, d, back, err)
		}
	})
}

// FuzzParseCodeInput: whatever is typed, a code that is accepted is a
// valid order code whose numeric form reads back to it.
func FuzzParseCodeInput(f *testing.F) {
	c := mustCode(f, "7KQ4-M9TX-2HZP-R8WD-T")
	for _, s := range []string{string(c), c.String(), NumericCode(c), strings.ReplaceAll(NumericCode(c), " ", ""), "", "0", strings.Repeat("9", 26), "7kq4 m9tx 2hzp r8wd t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseCodeInput(s)
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("ParseCodeInput(%q): %v is not Invalid", s, err)
			}
			return
		}
		if _, err := order.ParseCode(string(code)); err != nil {
			t.Fatalf("ParseCodeInput(%q) = %q, not a valid code: %v", s, code, err)
		}
		if back, err := ParseNumericCode(NumericCode(code)); err != nil || back != code {
			t.Fatalf("numeric form of %s reads back as %q, %v", code, back, err)
		}
	})
}

// FuzzParseCommand: any inbound message is understood or refused with an
// Invalid error that says why; an understood one has what its command
// needs.
func FuzzParseCommand(f *testing.F) {
	for _, c := range commandCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmd, err := ParseCommand(s)
		if err != nil {
			reasons := []error{ErrUnknownKeyword, ErrMissingArgument, ErrBadCode, ErrBadBirthDate}
			known := false
			for _, r := range reasons {
				known = known || errors.Is(err, r)
			}
			if muster.ErrorKind(err) != muster.Invalid || !known {
				t.Fatalf("ParseCommand(%q): %v is not Invalid with a known reason", s, err)
			}
			return
		}
		switch cmd.Kind {
		case CommandAcknowledge:
			if cmd.Code == "" || cmd.BirthDate.IsZero() {
				t.Fatalf("ParseCommand(%q) = %+v: acknowledgement without code or birth date", s, cmd)
			}
		case CommandVerify:
			if cmd.Code == "" {
				t.Fatalf("ParseCommand(%q) = %+v: verification without code", s, cmd)
			}
		case CommandStop, CommandHelp:
		default:
			t.Fatalf("ParseCommand(%q) = %+v: unknown kind", s, cmd)
		}
	})
}

// FuzzFoldGSM7: the fold always gives GSM text, and folding it again
// changes nothing.
func FuzzFoldGSM7(f *testing.F) {
	for _, s := range []string{"", "Français", "ƙasa ɗan ɓera ƴa", "kaŋ Žanwiye", "l’ordre…", "中文 ☎ 😀", "a\x00\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		folded := FoldGSM7(s)
		if _, ok := GSM7Septets(folded); !ok {
			t.Fatalf("FoldGSM7(%q) = %q is not GSM", s, folded)
		}
		if again := FoldGSM7(folded); again != folded {
			t.Fatalf("FoldGSM7 is not idempotent on %q: %q then %q", s, folded, again)
		}
		if enc, n := SMSSegments(folded); enc != GSM7 || n < 1 {
			t.Fatalf("SMSSegments(%q) = %s, %d", folded, enc, n)
		}
	})
}
