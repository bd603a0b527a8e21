package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/muster-org/muster"
)

// FuzzDecodeJSON feeds login bodies to the decoder: it never panics, and
// every refusal is an invalid error, never an internal one.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","password":"b"}`, ``, `{`, `[]`, `null`, `{"name":1}`, `{"x":1}`,
		`{"name":"a"} {}`, `{"name":"\ud800"}`, "\xff", `{"password":"` + "\x00" + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/login", bytes.NewReader(body))
		var req loginRequest
		if err := decodeJSON(httptest.NewRecorder(), r, &req); err != nil && muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("decodeJSON(%q) = %v, kind %s; want invalid", body, err, muster.ErrorKind(err))
		}
	})
}

// FuzzParseCursor checks that any after= value is either refused as
// invalid or names a positive position that survives a round trip.
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", formatCursor("persons", 1), formatCursor("persons", 1<<62), "cGVyc29uczow", "!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCursor("persons", s)
		switch {
		case err != nil:
			if muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("parseCursor(%q) = %v; want invalid", s, err)
			}
		case s == "":
			if n != 0 {
				t.Errorf("empty cursor = %d", n)
			}
		default:
			if back, err := parseCursor("persons", formatCursor("persons", n)); n <= 0 || err != nil || back != n {
				t.Errorf("parseCursor(%q) = %d; round trip %d, %v", s, n, back, err)
			}
		}
	})
}
