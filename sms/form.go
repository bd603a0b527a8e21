package sms

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/muster-org/muster"
)

// formReader reads a provider's callback form field by field and keeps
// the first error, which names the field, so that a parser reads as a
// list of fields.
type formReader struct {
	form url.Values
	who  string
	err  error
}

// get returns field name, which must be given at most once, hold at most
// maxLen bytes of printable UTF-8, and be present if required.
func (f *formReader) get(name string, required bool, maxLen int) string {
	if f.err != nil {
		return ""
	}
	vs := f.form[name]
	switch {
	case len(vs) > 1:
		f.fail(name, "given %d times", len(vs))
	case len(vs) == 0 || vs[0] == "":
		if required {
			f.fail(name, "missing")
		}
	case len(vs[0]) > maxLen:
		f.fail(name, "%d bytes long, more than %d", len(vs[0]), maxLen)
	case !printable(vs[0]):
		f.fail(name, "not printable UTF-8 text")
	default:
		return vs[0]
	}
	return ""
}

// count returns field name as an integer from 0 to limit, 0 if absent.
func (f *formReader) count(name string, limit int) int {
	s := f.get(name, false, 10)
	if s == "" || f.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > limit {
		f.fail(name, "%q is not a whole number from 0 to %d", s, limit)
		return 0
	}
	return n
}

func (f *formReader) fail(name, format string, args ...any) {
	f.err = muster.Errorf(muster.Invalid, "%s: field %s: %s", f.who, name, fmt.Sprintf(format, args...))
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// clip cuts s to at most n bytes of valid UTF-8, for quoting outside
// input in an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
