package clientaddr

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestOf(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct{ remote, forwarded, want string }{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:1234", "", "192.0.2.1"},
		{"[2001:db8:a:b:1:2:3:4]:1234", "", "2001:db8:a:b::/64"},
		{"pipe", "", "pipe"},
		// Anyone but a trusted proxy may not name the client.
		{"192.0.2.1:1234", "198.51.100.9", "192.0.2.1"},
		// A trusted proxy may: the nearest untrusted hop is the client.
		{"10.1.2.3:1234", "198.51.100.9", "198.51.100.9"},
		{"10.1.2.3:1234", "203.0.113.66, 198.51.100.9, 10.9.9.9", "198.51.100.9"},
		{"10.1.2.3:1234", "2001:db8:1:2::5", "2001:db8:1:2::/64"},
		// A forged first hop behind a real one changes nothing.
		{"10.1.2.3:1234", "1.2.3.4, 198.51.100.9", "198.51.100.9"},
		{"10.1.2.3:1234", "not an address", "10.1.2.3"},
		{"10.1.2.3:1234", "", "10.1.2.3"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		if got := Of(r, trusted); got != tc.want {
			t.Errorf("Of(%q, XFF %q) = %q, want %q", tc.remote, tc.forwarded, got, tc.want)
		}
	}
}
