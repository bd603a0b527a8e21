package sms

import (
	"math"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	half := func() float64 { return 0.5 }
	top := func() float64 { return math.Nextafter(1, 0) }
	for _, tc := range []struct {
		name    string
		b       Backoff
		attempt int
		want    time.Duration
	}{
		{"first", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: -1}, 1, time.Second},
		{"doubles", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: -1}, 3, 4 * time.Second},
		{"capped", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: -1}, 5, 10 * time.Second},
		{"attempt 0 taken as 1", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: -1}, 0, time.Second},
		{"far attempts do not overflow", Backoff{Base: time.Second, Max: math.MaxInt64, Jitter: -1}, 500, math.MaxInt64},
		{"jitter takes off a share", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 0.5, Rand: half}, 2, 1500 * time.Millisecond},
		{"full jitter stays above zero", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 1, Rand: top}, 1, 1},
		{"jitter above 1 is 1", Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 3, Rand: half}, 1, 500 * time.Millisecond},
		{"defaults", Backoff{Rand: half}, 1, DefaultBackoffBase - time.Duration(DefaultJitter*0.5*float64(DefaultBackoffBase))},
		{"default cap", Backoff{Jitter: -1}, 40, DefaultBackoffMax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.b.Delay(tc.attempt); got != tc.want {
				t.Errorf("Delay(%d) = %v, want %v", tc.attempt, got, tc.want)
			}
		})
	}
}

// TestBackoffJitterSpread: with the real random source, the waits spread
// over [d·(1−Jitter), d] and never leave it.
func TestBackoffJitterSpread(t *testing.T) {
	b := Backoff{Base: time.Minute, Max: time.Hour, Jitter: 0.5}
	lo, hi := time.Hour, time.Duration(0)
	for range 2000 {
		d := b.Delay(2)
		if d < time.Minute || d > 2*time.Minute {
			t.Fatalf("Delay(2) = %v, outside [1m, 2m]", d)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo > 70*time.Second || hi < 110*time.Second {
		t.Errorf("2000 waits spread over [%v, %v] only; jitter is not spreading them", lo, hi)
	}
}
