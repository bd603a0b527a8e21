// Package clientaddr names the client of an HTTP request for rate limits
// and logs, believing forwarding headers only from trusted proxies.
package clientaddr

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Of names the client of r: the peer address or, when the peer is one of
// the trusted proxies, the nearest address in X-Forwarded-For that is not
// one. Forwarding headers from anyone else are ignored: any client can set
// them. IPv6 addresses are grouped by /64 because one host usually holds
// a whole /64 and could otherwise take a fresh bucket per address.
func Of(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: trust nothing before it
			}
			addr = hop.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
