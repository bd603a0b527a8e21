package httpapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/muster-org/muster/httpapi/clientaddr"
	"golang.org/x/time/rate"
)

// Login attempts allowed per client: 5 a minute after a burst of 10, enough
// for an officer who mistypes, far too few to guess a password.
const (
	loginRate  = rate.Limit(5.0 / 60)
	loginBurst = 10
)

// ipLimiter keeps one token bucket per client address.
type ipLimiter struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	clients   map[string]*clientBucket
	lastSweep time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(limit rate.Limit, burst int) *ipLimiter {
	return &ipLimiter{limit: limit, burst: burst, clients: map[string]*clientBucket{}}
}

// allow takes one token from client's bucket, or returns a rateLimitedError
// saying when to try again. A refused attempt costs nothing, so a client
// that keeps hammering is not locked out for longer than the refill time.
func (l *ipLimiter) allow(client string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.clients[client]
	if b == nil {
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return &rateLimitedError{RetryAfter: time.Minute}
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return &rateLimitedError{RetryAfter: d}
	}
	return nil
}

// sweep forgets clients whose bucket has refilled, so that the map does
// not grow with every address ever seen.
func (l *ipLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	full := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	for k, b := range l.clients {
		if now.Sub(b.seen) > full {
			delete(l.clients, k)
		}
	}
}

// clientIP names the client for rate limiting and logs: the peer
// address, or, when the peer is a trusted proxy (Options.TrustedProxies),
// the nearest address in X-Forwarded-For that is not one. Forwarding
// headers from anyone else are ignored: any client can set them. IPv6
// addresses are grouped by /64 because one host usually holds a whole /64
// and could otherwise take a fresh bucket per address.
func (s *Server) clientIP(r *http.Request) string { return clientaddr.Of(r, s.trustedProxies) }
