package citizen

import (
	"errors"
	"hash/maphash"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
)

// Limit is a token bucket: Burst attempts at once, then one more each
// Every.
type Limit struct {
	Every time.Duration
	Burst int
}

// Config sets a Guard's limits. The second factor is a birth date, about
// 30,000 likely values for an adult, so the lockout is what makes guessing
// hopeless: 5 tries an hour per order take years to cover them, whichever
// phones or addresses the tries come from.
type Config struct {
	// PerIdentity limits each caller on each channel: a phone number for
	// USSD and SMS, a client address for the web page. A channel missing
	// here is refused, so that a new channel cannot slip in unlimited.
	PerIdentity map[Channel]Limit
	// PerCode limits the attempts on one order code, from any caller.
	PerCode Limit
	// MaxFailures wrong second factors within FailureWindow, counted from
	// the first of them, lock the code, and the caller, for Lockout.
	MaxFailures   int
	FailureWindow time.Duration
	Lockout       time.Duration
	// MaxEntries bounds the callers and, apart, the codes the guard
	// remembers. Entries that have nothing left to remember are dropped
	// as new ones come; when the table is still full, the least recently
	// seen entry is dropped, which forgets its limits early. At about 250
	// bytes an entry, the default 200,000 holds each table near 50 MB.
	MaxEntries int
}

// DefaultConfig returns the limits for a national deployment. One USSD
// session makes about six guarded calls (each screen that shows the order
// looks it up again, with the second factor), hence bursts of 20. The web
// limit is per address and many phones share one address behind a
// carrier's NAT, hence its higher rate.
func DefaultConfig() Config {
	return Config{
		PerIdentity: map[Channel]Limit{
			USSD: {Every: time.Minute, Burst: 20},
			SMS:  {Every: time.Minute, Burst: 10},
			Web:  {Every: 2 * time.Second, Burst: 60},
		},
		PerCode:       Limit{Every: time.Minute, Burst: 20},
		MaxFailures:   5,
		FailureWindow: 15 * time.Minute,
		Lockout:       time.Hour,
		MaxEntries:    200_000,
	}
}

// shardCount splits each table so that thousands of concurrent look-ups
// do not queue on one mutex.
const shardCount = 16

// Guard is the abuse guard in front of the second factor: per-caller and
// per-code rate limits, and lockout after repeated wrong birth dates. It
// is in memory and per process: behind a load balancer each server holds
// its own counts, so the limits a caller meets are those of the servers
// they reach (with n servers, at worst n times the configured ones). It is
// safe for concurrent use; its memory is bounded by Config.MaxEntries.
//
// A nil *Guard allows everything, for tests and tools.
type Guard struct {
	cfg        Config
	now        func() time.Time
	seed       maphash.Seed
	idle       time.Duration // an entry unseen for this long has nothing left to remember
	identities [shardCount]table
	codes      [shardCount]table
}

// NewGuard returns a guard with the limits of cfg, reading the time from
// now (time.Now when nil; tests pass a clock they move).
func NewGuard(cfg Config, now func() time.Time) (*Guard, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	g := &Guard{cfg: cfg, now: now, seed: maphash.MakeSeed()}
	g.idle = max(cfg.FailureWindow, cfg.Lockout, refill(cfg.PerCode))
	for _, l := range cfg.PerIdentity {
		g.idle = max(g.idle, refill(l))
	}
	perShard := max(1, cfg.MaxEntries/shardCount)
	for i := range shardCount {
		g.identities[i].init(perShard)
		g.codes[i].init(perShard)
	}
	return g, nil
}

// refill is how long an empty bucket takes to fill.
func refill(l Limit) time.Duration { return time.Duration(l.Burst) * l.Every }

func (c Config) validate() error {
	check := func(what string, l Limit) error {
		if l.Every <= 0 || l.Burst < 1 {
			return muster.Errorf(muster.Invalid, "guard config: %s limit %v per %v: both must be positive", what, l.Burst, l.Every)
		}
		return nil
	}
	if len(c.PerIdentity) == 0 {
		return muster.Errorf(muster.Invalid, "guard config: no per-identity limit for any channel")
	}
	for ch, l := range c.PerIdentity {
		if ch != USSD && ch != SMS && ch != Web {
			return muster.Errorf(muster.Invalid, "guard config: %q is not a channel (ussd, sms, web)", ch)
		}
		if err := check("channel "+string(ch), l); err != nil {
			return err
		}
	}
	if err := check("per-code", c.PerCode); err != nil {
		return err
	}
	if c.MaxFailures < 1 || c.FailureWindow <= 0 || c.Lockout <= 0 || c.MaxEntries < 1 {
		return muster.Errorf(muster.Invalid, "guard config: MaxFailures, FailureWindow, Lockout and MaxEntries must be positive")
	}
	return nil
}

// Allow reports whether identity may make one attempt on code through ch
// now, and takes it from their buckets: ErrLocked while the code or the
// caller is locked out, ErrRateLimited when a bucket is empty. An empty
// code limits the caller only (a menu that shows no order). A refused
// attempt still costs the caller's token: hammering does not pay.
func (g *Guard) Allow(ch Channel, identity string, code order.Code) error {
	if g == nil {
		return nil
	}
	limit, ok := g.cfg.PerIdentity[ch]
	if !ok {
		return muster.Errorf(muster.Invalid, "guard: channel %q has no limit", ch)
	}
	now := g.now()
	if err := g.shard(&g.identities, identity).allow(identity, ch, limit, now, g.idle); err != nil {
		return err
	}
	if code == "" {
		return nil
	}
	return g.shard(&g.codes, string(code)).allow(string(code), "", g.cfg.PerCode, now, g.idle)
}

// Failure records a wrong second factor by identity for code: the code
// and the caller each count it, and each is locked out at MaxFailures.
// Services answer "no such code" and "wrong birth date" alike (ErrNoMatch),
// so a code that does not exist counts and locks the same way and a
// lockout reveals nothing.
func (g *Guard) Failure(identity string, code order.Code) {
	if g == nil {
		return
	}
	now := g.now()
	g.shard(&g.identities, identity).fail(identity, now, g.cfg, g.idle)
	if code != "" {
		g.shard(&g.codes, string(code)).fail(string(code), now, g.cfg, g.idle)
	}
}

// Success records a right second factor for code: the code's count of
// failures starts again, since the owner has it right now. The caller's
// count is kept until it expires, so that a caller cannot wipe the trace
// of guesses at other codes by opening their own order in between.
func (g *Guard) Success(identity string, code order.Code) {
	if g == nil || code == "" {
		return
	}
	g.shard(&g.codes, string(code)).succeed(string(code), g.now(), g.idle)
}

// Attempt runs try, one second-factor attempt by identity on code, under
// the guard: Allow first, then Failure when try says ErrNoMatch and
// Success when it succeeds. It returns Allow's error or try's.
func (g *Guard) Attempt(ch Channel, identity string, code order.Code, try func() error) error {
	if err := g.Allow(ch, identity, code); err != nil {
		return err
	}
	err := try()
	switch {
	case err == nil:
		g.Success(identity, code)
	case errors.Is(err, ErrNoMatch):
		g.Failure(identity, code)
	}
	return err
}

// Len returns how many callers and codes the guard remembers.
func (g *Guard) Len() (identities, codes int) {
	for i := range shardCount {
		identities += g.identities[i].len()
		codes += g.codes[i].len()
	}
	return identities, codes
}

func (g *Guard) shard(t *[shardCount]table, key string) *table {
	return &t[maphash.String(g.seed, key)%shardCount]
}

// table is one shard: a map of entries and a list of them from the most
// to the least recently seen, to find what to drop in constant time.
type table struct {
	mu      sync.Mutex
	entries map[string]*entry
	head    entry // sentinel: head.next is the most recent, head.prev the least
	max     int
}

// entry is what the guard remembers of one caller or code. Times are Unix
// nanoseconds, a third the size of a time.Time.
type entry struct {
	key         string
	limiters    [3]*rate.Limiter // one per channel, by channelIndex
	failures    int
	windowStart int64
	lockedUntil int64
	seen        int64
	prev, next  *entry
}

func (t *table) init(max int) {
	t.entries = make(map[string]*entry)
	t.head.prev, t.head.next = &t.head, &t.head
	t.max = max
}

func (t *table) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// get returns key's entry, made if new, as the most recently seen. Before
// making one it drops up to two entries that have been idle long enough
// to hold nothing (their buckets full, their failures expired), so that
// memory follows the traffic down again; when the table is full anyway
// it drops the least recently seen.
func (t *table) get(key string, now time.Time, idle time.Duration) *entry {
	ns := now.UnixNano()
	e := t.entries[key]
	if e == nil {
		for range 2 {
			if old := t.head.prev; old != &t.head && ns-old.seen > int64(idle) {
				t.remove(old)
			}
		}
		if len(t.entries) >= t.max {
			t.remove(t.head.prev)
		}
		e = &entry{key: key}
		t.entries[key] = e
	} else {
		e.prev.next, e.next.prev = e.next, e.prev
	}
	e.seen = max(e.seen, ns)
	e.prev, e.next = &t.head, t.head.next
	t.head.next.prev = e
	t.head.next = e
	return e
}

func (t *table) remove(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	delete(t.entries, e.key)
}

func (t *table) allow(key string, ch Channel, l Limit, now time.Time, idle time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(key, now, idle)
	if now.UnixNano() < e.lockedUntil {
		return ErrLocked
	}
	i := channelIndex(ch)
	if e.limiters[i] == nil {
		e.limiters[i] = rate.NewLimiter(rate.Every(l.Every), l.Burst)
	}
	if !e.limiters[i].AllowN(now, 1) {
		return ErrRateLimited
	}
	return nil
}

func (t *table) fail(key string, now time.Time, cfg Config, idle time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.get(key, now, idle)
	ns := now.UnixNano()
	if e.failures == 0 || ns-e.windowStart > int64(cfg.FailureWindow) {
		e.failures, e.windowStart = 0, ns
	}
	e.failures++
	if e.failures >= cfg.MaxFailures {
		e.lockedUntil = ns + int64(cfg.Lockout)
		e.failures = 0
	}
}

func (t *table) succeed(key string, now time.Time, idle time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(key, now, idle).failures = 0
}

// channelIndex numbers the channels for an entry's limiters (Config
// admits no other channel); codes, limited across channels, use slot 0.
func channelIndex(ch Channel) int {
	switch ch {
	case SMS:
		return 1
	case Web:
		return 2
	}
	return 0
}
