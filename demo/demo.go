// Package demo generates a realistic synthetic country, Niger, for
// `muster demo`: the real regions with their 2012 census populations,
// synthetic departments and communes, and persons, organisations and
// resources drawn from plausible distributions.
//
// It is pure and deterministic: the same Config gives byte-identical
// output, so a demo can be reproduced and a bug report can name its seed.
// It streams records to a Sink in batches and keeps no record once sent,
// so a national-scale demo (27 million persons) runs in bounded memory.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/registry"
)

// Config says what to generate. Today is the reference date for ages and
// birth dates; the caller passes it (rather than the generator reading the
// clock) so that output is reproducible.
type Config struct {
	Persons int   // number of persons; DefaultPersons when 0
	Seed    int64 // seed of every random choice
	Today   time.Time
}

// DefaultPersons is the number of persons generated when Config.Persons is 0.
const DefaultPersons = 10000

// BatchSize is the largest number of records Generate passes to one Sink call.
const BatchSize = 2000

// Sink receives the generated country. Every batch is a fresh slice that
// the sink may keep. Generate calls Areas once (parents before children),
// then Organisations and Persons batches, each followed by Resources
// batches whose owners have all been sent already.
type Sink interface {
	Areas(ctx context.Context, areas []area.Area) error
	Organisations(ctx context.Context, orgs []registry.Organisation) error
	Persons(ctx context.Context, persons []registry.Person) error
	Resources(ctx context.Context, resources []registry.Resource) error
}

// Summary counts what Generate sent.
type Summary struct {
	Areas, Organisations, Persons, Resources int
}

// Generate streams the country into sink: areas, then organisations, then
// persons, with each owner's resources sent after the batch holding the
// owner. Memory use is O(BatchSize) plus O(areas), whatever cfg.Persons.
// progress, when not nil, is called after each organisation or person
// batch with the organisations and persons sent so far and their total
// (resources are not counted: their number is only known at the end). On
// cancellation Generate returns what it sent so far and ctx.Err().
func Generate(ctx context.Context, cfg Config, sink Sink, progress func(done, total int)) (Summary, error) {
	var sum Summary
	switch {
	case cfg.Persons < 0:
		return sum, fmt.Errorf("demo: the number of persons must not be negative, got %d", cfg.Persons)
	case cfg.Persons == 0:
		cfg.Persons = DefaultPersons
	}
	if cfg.Today.IsZero() {
		return sum, errors.New("demo: Config.Today is not set")
	}
	if sink == nil {
		return sum, errors.New("demo: no sink")
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	c, err := buildCountry(cfg.Seed)
	if err != nil {
		return sum, err
	}
	if err := sink.Areas(ctx, c.areas); err != nil {
		return sum, fmt.Errorf("demo: sending areas: %w", err)
	}
	g := newGenerator(cfg, c, sink)
	g.sum.Areas = len(c.areas)

	nOrgs := max(30, cfg.Persons/100)
	total := nOrgs + cfg.Persons
	report := func(done int) {
		if progress != nil {
			progress(done, total)
		}
	}
	for done := 0; done < nOrgs; {
		if err := ctx.Err(); err != nil {
			return g.sum, err
		}
		batch := make([]registry.Organisation, 0, min(BatchSize, nOrgs-done))
		for range cap(batch) {
			batch = append(batch, g.organisation())
		}
		if err := sink.Organisations(ctx, batch); err != nil {
			return g.sum, fmt.Errorf("demo: sending organisations: %w", err)
		}
		done += len(batch)
		g.sum.Organisations = done
		if err := g.release(ctx); err != nil {
			return g.sum, err
		}
		report(done)
	}
	for done := 0; done < cfg.Persons; {
		if err := ctx.Err(); err != nil {
			return g.sum, err
		}
		batch := make([]registry.Person, 0, min(BatchSize, cfg.Persons-done))
		for range cap(batch) {
			batch = append(batch, g.person())
		}
		if err := sink.Persons(ctx, batch); err != nil {
			return g.sum, fmt.Errorf("demo: sending persons: %w", err)
		}
		done += len(batch)
		g.sum.Persons = done
		if err := g.release(ctx); err != nil {
			return g.sum, err
		}
		report(nOrgs + done)
	}
	if err := g.flush(ctx); err != nil {
		return g.sum, err
	}
	return g.sum, nil
}

// generator holds the state of one Generate call.
type generator struct {
	rng     *rand.Rand
	today   time.Time // UTC midnight of the reference day
	country *country
	sink    Sink
	sum     Summary

	ids    feistel // permutes person numbers into national IDs
	phones feistel // permutes phone numbers

	nextPerson, nextPhone, nextOrg, nextResource int

	pending []registry.Resource // owners not sent yet
	out     []registry.Resource // sendable, not yet a full batch
}

// Random streams: areas and records come from different streams of the
// same seed, so Areas(seed) equals the areas Generate sends.
const (
	streamAreas   = 0x6172656173   // "areas"
	streamRecords = 0x7265636f7264 // "record"
	streamIDs     = 0x6964         // "id"
	streamPhones  = 0x70686f6e65   // "phone"
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

func newGenerator(cfg Config, c *country, sink Sink) *generator {
	t := cfg.Today.UTC()
	return &generator{
		rng: newRand(cfg.Seed, streamRecords),
		// UTC midnight of the UTC date is never after the instant Today,
		// so a person born "today" still passes Validate(cfg.Today).
		today:   time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC),
		country: c,
		sink:    sink,
		ids:     newFeistel(cfg.Seed, streamIDs, 100000),
		phones:  newFeistel(cfg.Seed, streamPhones, 10000),
		pending: make([]registry.Resource, 0, BatchSize),
		out:     make([]registry.Resource, 0, BatchSize),
	}
}

// release makes the pending resources sendable, their owners having just
// been sent, and sends every full batch.
func (g *generator) release(ctx context.Context) error {
	for _, r := range g.pending {
		g.out = append(g.out, r)
		if len(g.out) == BatchSize {
			if err := g.flush(ctx); err != nil {
				return err
			}
		}
	}
	clear(g.pending) // drop references to strings the sink may no longer need
	g.pending = g.pending[:0]
	return nil
}

// flush sends the sendable resources and starts a fresh batch, so that the
// sink may keep the slice it got.
func (g *generator) flush(ctx context.Context) error {
	if len(g.out) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := g.sink.Resources(ctx, g.out); err != nil {
		return fmt.Errorf("demo: sending resources: %w", err)
	}
	g.sum.Resources += len(g.out)
	g.out = make([]registry.Resource, 0, BatchSize)
	return nil
}

// feistel is a keyed permutation of [0, half²): a 4-round Feistel network
// on base-half digits. It turns a counter into identifiers that are unique
// yet do not reveal the order or number of records.
type feistel struct {
	half uint64
	keys [4]uint64
}

func newFeistel(seed int64, stream, half uint64) feistel {
	r := newRand(seed, stream)
	f := feistel{half: half}
	for i := range f.keys {
		f.keys[i] = r.Uint64()
	}
	return f
}

func (f feistel) permute(x uint64) uint64 {
	l, r := x/f.half, x%f.half
	for _, k := range f.keys {
		l, r = r, (l+mix(r^k))%f.half
	}
	return l*f.half + r
}

// mix is the SplitMix64 finalizer: a cheap, well-spread round function.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// appendDigits appends v in decimal, zero-padded to width.
func appendDigits(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i > len(tmp)-width {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[i:]...)
}

// weighted draws an index with probability proportional to the weights of
// a cumulative table (cum[i] = w[0]+…+w[i]).
func weighted(rng *rand.Rand, cum []float64) int {
	u := rng.Float64() * cum[len(cum)-1]
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

func cumulative(w ...float64) []float64 {
	out := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		out[i] = s
	}
	return out
}

// between draws a whole number in [lo, hi].
func between(rng *rand.Rand, lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
