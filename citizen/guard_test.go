package citizen

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// clock is a time source the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestGuard(t testing.TB, cfg Config) (*Guard, *clock) {
	t.Helper()
	c := newClock()
	g, err := NewGuard(cfg, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}

func TestGuardRateLimitPerIdentity(t *testing.T) {
	cfg := DefaultConfig()
	g, clk := newTestGuard(t, cfg)
	burst := cfg.PerIdentity[USSD].Burst
	for i := range burst {
		// A different code each time: only the phone's bucket empties.
		if err := g.Allow(USSD, "+22790000001", order.NewCode()); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	if err := g.Allow(USSD, "+22790000001", order.NewCode()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("attempt past the burst: %v, want ErrRateLimited", err)
	}
	if err := g.Allow(USSD, "+22790000002", ""); err != nil {
		t.Fatalf("another phone refused: %v", err)
	}
	if err := g.Allow(SMS, "+22790000001", ""); err != nil {
		t.Fatalf("the same phone on SMS has its own bucket: %v", err)
	}
	clk.advance(cfg.PerIdentity[USSD].Every)
	if err := g.Allow(USSD, "+22790000001", ""); err != nil {
		t.Fatalf("after refill: %v", err)
	}
}

func TestGuardRateLimitPerCode(t *testing.T) {
	cfg := DefaultConfig()
	g, _ := newTestGuard(t, cfg)
	code := order.NewCode()
	for i := range cfg.PerCode.Burst {
		if err := g.Allow(Web, "10.0.0."+strconv.Itoa(i), code); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	if err := g.Allow(Web, "10.0.1.1", code); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("code past its burst from a fresh address: %v, want ErrRateLimited", err)
	}
}

func TestGuardLockout(t *testing.T) {
	cfg := DefaultConfig()
	code, other := order.NewCode(), order.NewCode()
	cases := []struct {
		name   string
		fail   func(g *Guard, i int) // the i-th wrong birth date
		locked func(g *Guard) error  // an attempt that the lockout must refuse
	}{
		{
			name:   "code locked for every phone",
			fail:   func(g *Guard, i int) { g.Failure("+2279000000"+strconv.Itoa(i), code) },
			locked: func(g *Guard) error { return g.Allow(USSD, "+22799999999", code) },
		},
		{
			name:   "phone locked for every code",
			fail:   func(g *Guard, i int) { g.Failure("+22790000001", order.NewCode()) },
			locked: func(g *Guard) error { return g.Allow(USSD, "+22790000001", other) },
		},
		{
			name:   "phone locked across channels",
			fail:   func(g *Guard, i int) { g.Failure("+22790000001", order.NewCode()) },
			locked: func(g *Guard) error { return g.Allow(SMS, "+22790000001", "") },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, clk := newTestGuard(t, cfg)
			for i := range cfg.MaxFailures - 1 {
				c.fail(g, i)
			}
			if err := c.locked(g); err != nil {
				t.Fatalf("locked after %d failures: %v", cfg.MaxFailures-1, err)
			}
			c.fail(g, cfg.MaxFailures-1)
			if err := c.locked(g); !errors.Is(err, ErrLocked) || muster.ErrorKind(err) != muster.Forbidden {
				t.Fatalf("after %d failures: %v, want ErrLocked", cfg.MaxFailures, err)
			}
			clk.advance(cfg.Lockout - time.Second)
			if err := c.locked(g); !errors.Is(err, ErrLocked) {
				t.Fatalf("a second before the lockout ends: %v", err)
			}
			clk.advance(time.Second)
			if err := c.locked(g); err != nil {
				t.Fatalf("after the lockout: %v", err)
			}
		})
	}
}

func TestGuardFailureWindow(t *testing.T) {
	cfg := DefaultConfig()
	g, clk := newTestGuard(t, cfg)
	code := order.NewCode()
	for range cfg.MaxFailures - 1 {
		g.Failure("+22790000001", code)
	}
	clk.advance(cfg.FailureWindow + time.Second)
	for range cfg.MaxFailures - 1 {
		g.Failure("+22790000001", code)
	}
	if err := g.Allow(USSD, "+22790000001", code); err != nil {
		t.Fatalf("failures in two windows locked: %v", err)
	}
	g.Failure("+22790000001", code)
	if err := g.Allow(USSD, "+22790000002", code); !errors.Is(err, ErrLocked) {
		t.Fatalf("%d failures in one window: %v, want ErrLocked", cfg.MaxFailures, err)
	}
}

// TestGuardSuccess: the owner getting it right clears the code's count,
// but a caller cannot clear their own count by opening their own order.
func TestGuardSuccess(t *testing.T) {
	cfg := DefaultConfig()
	g, _ := newTestGuard(t, cfg)
	code, mine := order.NewCode(), order.NewCode()
	for range cfg.MaxFailures - 1 {
		g.Failure("+22790000001", code)
	}
	g.Success("+22790000001", code)
	g.Success("+22790000001", mine)
	g.Failure("+22790000002", code)
	if err := g.Allow(USSD, "+22790000003", code); err != nil {
		t.Fatalf("code locked although its count restarted on success: %v", err)
	}
	g.Failure("+22790000001", order.NewCode())
	if err := g.Allow(USSD, "+22790000001", mine); !errors.Is(err, ErrLocked) {
		t.Fatalf("caller not locked: their successes cleared their failures: %v", err)
	}
}

func TestGuardAttempt(t *testing.T) {
	cfg := DefaultConfig()
	cases := []struct {
		name       string
		err        error
		wantLocked bool
	}{
		{"no match counts", ErrNoMatch, true},
		{"wrapped no match counts", fmt.Errorf("lookup: %w", ErrNoMatch), true},
		{"not allowed does not count", ErrNotAllowed, false},
		{"a fault of ours does not count", errors.New("database down"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, _ := newTestGuard(t, cfg)
			code := order.NewCode()
			for range cfg.MaxFailures {
				if err := g.Attempt(Web, "10.0.0.1", code, func() error { return c.err }); err != c.err {
					t.Fatalf("Attempt returned %v, want try's %v", err, c.err)
				}
			}
			err := g.Allow(Web, "10.0.0.2", code)
			if locked := errors.Is(err, ErrLocked); locked != c.wantLocked {
				t.Fatalf("after %d attempts: %v, want locked %v", cfg.MaxFailures, err, c.wantLocked)
			}
		})
	}
	var nilGuard *Guard
	ran := false
	if err := nilGuard.Attempt(USSD, "", "", func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("nil guard: %v, ran %v", err, ran)
	}
}

func TestGuardRefusesUnknownChannel(t *testing.T) {
	g, _ := newTestGuard(t, DefaultConfig())
	if err := g.Allow("carrier-pigeon", "x", ""); muster.ErrorKind(err) != muster.Invalid {
		t.Fatalf("unknown channel: %v, want Invalid", err)
	}
}

func TestGuardConfig(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
	}{
		{"no channel", func(c *Config) { c.PerIdentity = nil }},
		{"unknown channel", func(c *Config) { c.PerIdentity["fax"] = Limit{Every: time.Second, Burst: 1} }},
		{"zero burst", func(c *Config) { c.PerIdentity[USSD] = Limit{Every: time.Second} }},
		{"zero period", func(c *Config) { c.PerCode = Limit{Burst: 3} }},
		{"no failures", func(c *Config) { c.MaxFailures = 0 }},
		{"no window", func(c *Config) { c.FailureWindow = 0 }},
		{"no lockout", func(c *Config) { c.Lockout = 0 }},
		{"no entries", func(c *Config) { c.MaxEntries = 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.change(&cfg)
			if _, err := NewGuard(cfg, nil); muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("NewGuard: %v, want Invalid", err)
			}
		})
	}
}

// TestGuardMemoryBounded sends a million different callers, as a flood of
// spoofed numbers or addresses would: the guard keeps at most MaxEntries
// of them and its heap stays small.
func TestGuardMemoryBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxEntries = 10_000
	g, clk := newTestGuard(t, cfg)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	var key [16]byte
	for i := range n {
		id := strconv.AppendInt(key[:0], int64(i), 10)
		if err := g.Allow(Web, string(id), ""); err != nil {
			t.Fatalf("caller %d refused: %v", i, err)
		}
		if i%1000 == 0 {
			clk.advance(time.Millisecond)
		}
	}
	ids, _ := g.Len()
	if ids > cfg.MaxEntries {
		t.Fatalf("%d callers remembered, more than MaxEntries %d", ids, cfg.MaxEntries)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(g)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if perEntry := grown / int64(cfg.MaxEntries); grown > 0 && perEntry > 1000 {
		t.Fatalf("heap grew %d bytes for %d entries: %d bytes each", grown, cfg.MaxEntries, perEntry)
	}
	t.Logf("%d callers seen, %d remembered, heap +%d KB", n, ids, grown/1024)
}

// TestGuardForgetsIdle: once traffic moves on, entries with nothing left to
// remember make way for new ones, so memory follows the traffic down.
func TestGuardForgetsIdle(t *testing.T) {
	cfg := DefaultConfig()
	g, clk := newTestGuard(t, cfg)
	for i := range 1000 {
		_ = g.Allow(USSD, "+2279"+strconv.Itoa(i), "")
	}
	clk.advance(2 * time.Hour)
	for i := range 1000 {
		_ = g.Allow(USSD, "+2278"+strconv.Itoa(i), "")
	}
	if ids, _ := g.Len(); ids != 1000 {
		t.Fatalf("%d callers remembered, want the 1000 recent ones", ids)
	}
}

// TestGuardKeepsRecentLock: a full table drops the least recently seen
// entry, so a code under attack, tried again and again, keeps its lock
// while a flood of other codes passes through the table.
func TestGuardKeepsRecentLock(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxEntries = shardCount * 4
	g, _ := newTestGuard(t, cfg)
	code := order.NewCode()
	for range cfg.MaxFailures {
		g.Failure("10.9.9.9", code)
	}
	for i := range 400 {
		_ = g.Allow(Web, "10.0.0."+strconv.Itoa(i), order.NewCode())
		if i%2 == 0 {
			if err := g.Allow(Web, "10.1.0."+strconv.Itoa(i), code); !errors.Is(err, ErrLocked) {
				t.Fatalf("lock lost after %d other codes: %v", i+1, err)
			}
		}
	}
	if _, codes := g.Len(); codes > cfg.MaxEntries {
		t.Fatalf("%d codes remembered, more than %d", codes, cfg.MaxEntries)
	}
}

func TestGuardConcurrent(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxEntries = 256
	g, clk := newTestGuard(t, cfg)
	codes := []order.Code{order.NewCode(), order.NewCode(), order.NewCode()}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				id := strconv.Itoa(w*100 + i%100)
				code := codes[i%len(codes)]
				_ = g.Attempt(Web, id, code, func() error {
					if i%3 == 0 {
						return ErrNoMatch
					}
					return nil
				})
				if i%500 == 0 {
					clk.advance(time.Minute)
				}
			}
		}()
	}
	wg.Wait()
	if ids, cs := g.Len(); ids > cfg.MaxEntries || cs > len(codes) {
		t.Fatalf("remembered %d callers and %d codes", ids, cs)
	}
}

func BenchmarkGuardAllow(b *testing.B) {
	g, err := NewGuard(DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	code := order.NewCode()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			_ = g.Allow(Web, strconv.Itoa(i%50_000), code)
		}
	})
}
