package sms

import (
	"math/rand/v2"
	"time"
)

// Backoff says how long to wait before the next attempt of a message:
// exponential in the number of attempts, capped, and jittered so that the
// messages that failed together in an outage do not all come back
// together when it ends. The zero value uses the defaults below.
type Backoff struct {
	Base time.Duration // the wait after the first attempt; 0 → DefaultBackoffBase
	Max  time.Duration // the cap; 0 → DefaultBackoffMax
	// Jitter is the fraction of the wait, from 0 to 1, that is drawn at
	// random: the wait is d·(1−Jitter·r) for a uniform r in [0,1), so it
	// never exceeds the cap. Negative means none; 0 → DefaultJitter.
	Jitter float64
	// Rand returns a uniform number in [0,1); nil → math/rand/v2. It must
	// be safe for concurrent use. Tests fix it.
	Rand func() float64
}

// The backoff defaults: 30 s, 1 min, 2 min ... up to 30 min between
// attempts, less up to a fifth of jitter.
const (
	DefaultBackoffBase = 30 * time.Second
	DefaultBackoffMax  = 30 * time.Minute
	DefaultJitter      = 0.2
)

// Delay returns the wait after the attempt-th attempt failed (attempt
// counts from 1; lower values are taken as 1).
func (b Backoff) Delay(attempt int) time.Duration {
	base, limit, jitter := b.Base, b.Max, b.Jitter
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	switch {
	case jitter == 0:
		jitter = DefaultJitter
	case jitter < 0:
		jitter = 0
	case jitter > 1:
		jitter = 1
	}
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		if d > limit/2 {
			d = limit // doubling would pass the cap, or overflow
		} else {
			d *= 2
		}
	}
	d = min(d, limit)
	if jitter > 0 {
		r := rand.Float64
		if b.Rand != nil {
			r = b.Rand
		}
		d -= time.Duration(jitter * r() * float64(d))
	}
	return d
}
