package sms

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/muster-org/muster"
)

// Provider sends one SMS. It returns the provider's ID for the message,
// which its delivery reports will name. An error is temporary unless
// marked with Permanent; RetryAfter passes on a wait the provider asked
// for. Send must honour ctx's deadline: the worker's leases rely on it.
// Implementations must be safe for concurrent use.
type Provider interface {
	Send(ctx context.Context, m Message) (providerID string, err error)
}

// validator is implemented by providers that can check their settings
// before the first message; Run and Drain refuse to start on an error, so
// that a typo in a URL stops the worker instead of dead-lettering every
// message.
type validator interface {
	Validate() error
}

// The worker defaults. With the default backoff, DefaultMaxAttempts
// rides out about three hours of provider outage (or of an empty account)
// before a message is dead-lettered.
const (
	DefaultMaxAttempts  = 12
	DefaultBatch        = 16
	DefaultLease        = 2 * time.Minute
	DefaultSendTimeout  = 20 * time.Second
	DefaultConcurrency  = 4
	DefaultPollInterval = 2 * time.Second
)

// recordTimeout bounds each outbox write; recordTries and recordPause
// are how hard the worker tries to record that a provider accepted a
// message, because until it does, the message can be sent again.
var (
	recordTimeout = 10 * time.Second
	recordTries   = 4
	recordPause   = 200 * time.Millisecond
)

// Worker drains an Outbox through a Provider. Its zero value needs only
// Outbox and Provider; it is safe to run several workers, in one process
// or many, on one outbox: leases keep them apart. A Worker must not be
// changed while it runs.
type Worker struct {
	Outbox   Outbox
	Provider Provider
	Clock    func() time.Time // nil → time.Now; the outbox's leases and due times are in this clock
	Backoff  Backoff          // the wait between attempts of a message
	// MaxAttempts is how many times a message is tried before it is
	// dead-lettered; 0 → DefaultMaxAttempts.
	MaxAttempts int
	// Batch is how many messages a claim takes; 0 → DefaultBatch. A
	// batch should be sendable within one lease (Batch/Concurrency sends
	// of SendTimeout at worst): messages whose turn comes too late are
	// released unsent, and each release spends one of their attempts.
	Batch int
	Lease time.Duration // how long a claim holds its messages; 0 → DefaultLease
	// SendTimeout bounds each provider call; 0 → DefaultSendTimeout. A
	// message is sent only if the call would end a tenth of the lease
	// before the lease does (the margin absorbs clock differences between
	// the servers that share the outbox), so SendTimeout must be shorter
	// than nine tenths of Lease.
	SendTimeout  time.Duration
	Concurrency  int           // provider calls at once; 0 → DefaultConcurrency
	PollInterval time.Duration // Run's wait when nothing is due; 0 → DefaultPollInterval
	// Observe, if set, is called once per message handled, from several
	// goroutines at once: the hook for metrics.
	Observe func(Result)
	Logger  *slog.Logger // nil → slog.Default()
}

// Outcome is what a worker did with a claimed message.
type Outcome string

// The outcomes.
const (
	OutcomeSent     Outcome = "sent"     // the provider accepted it
	OutcomeRetry    Outcome = "retry"    // a temporary failure; due again at Result.NextAttempt
	OutcomeDead     Outcome = "dead"     // dead-lettered
	OutcomeReleased Outcome = "released" // not tried: the worker stopped or the lease was too short
)

// Result reports one handled message to Worker.Observe. It carries no
// phone number and no text.
type Result struct {
	ID          int64
	OrderID     string
	Topic       string
	Attempt     int
	Outcome     Outcome
	ProviderID  string        // when sent
	NextAttempt time.Time     // when retried or released
	Err         error         // the provider's error, or the one that dead-lettered the message
	RecordErr   error         // the outbox's error if the outcome could not be recorded
	Took        time.Duration // the provider call, in real time
}

// Stats counts the outcomes of a Drain.
type Stats struct {
	Sent, Retried, Dead, Released int
}

func (s *Stats) add(o Outcome) {
	switch o {
	case OutcomeSent:
		s.Sent++
	case OutcomeRetry:
		s.Retried++
	case OutcomeDead:
		s.Dead++
	case OutcomeReleased:
		s.Released++
	}
}

// settings is a Worker with its defaults filled in.
type settings struct {
	Worker
	now func() time.Time
	log *slog.Logger
}

func (w *Worker) settings() (settings, error) {
	s := settings{Worker: *w, now: w.Clock, log: w.Logger}
	if s.Outbox == nil || s.Provider == nil {
		return s, muster.Errorf(muster.Invalid, "sms worker: Outbox and Provider are required")
	}
	if s.MaxAttempts < 0 || s.Batch < 0 || s.Lease < 0 || s.SendTimeout < 0 || s.Concurrency < 0 || s.PollInterval < 0 {
		return s, muster.Errorf(muster.Invalid, "sms worker: MaxAttempts, Batch, Lease, SendTimeout, Concurrency and PollInterval may not be negative")
	}
	s.MaxAttempts = cmpOr(s.MaxAttempts, DefaultMaxAttempts)
	s.Batch = cmpOr(s.Batch, DefaultBatch)
	s.Lease = cmpOr(s.Lease, DefaultLease)
	s.SendTimeout = cmpOr(s.SendTimeout, DefaultSendTimeout)
	s.Concurrency = cmpOr(s.Concurrency, DefaultConcurrency)
	s.PollInterval = cmpOr(s.PollInterval, DefaultPollInterval)
	if s.SendTimeout >= s.Lease-leaseMargin(s.Lease) {
		return s, muster.Errorf(muster.Invalid, "sms worker: SendTimeout %v must be shorter than nine tenths of Lease %v", s.SendTimeout, s.Lease)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if v, ok := s.Provider.(validator); ok {
		if err := v.Validate(); err != nil {
			return s, muster.Wrap(muster.Invalid, err, "sms worker: provider settings")
		}
	}
	return s, nil
}

// leaseMargin is how long before its lease ends a send must be over: room
// for the clocks of the servers sharing the outbox to differ.
func leaseMargin(lease time.Duration) time.Duration { return lease / 10 }

func cmpOr[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Drain sends everything due now, batch after batch, and returns when a
// claim finds nothing due; messages retried meanwhile wait for their due
// time and a later Drain. It is for tests and the CLI. It stops at the
// first outbox error, and when ctx ends (see Run for what happens to the
// sends in flight then).
func (w *Worker) Drain(ctx context.Context) (Stats, error) {
	var total Stats
	s, err := w.settings()
	if err != nil {
		return total, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return total, muster.Wrap(muster.Internal, err, "sms: drain stopped")
		}
		n, st, err := s.batch(ctx)
		total.Sent += st.Sent
		total.Retried += st.Retried
		total.Dead += st.Dead
		total.Released += st.Released
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, nil
		}
	}
}

// Run polls the outbox and sends until ctx ends, then returns nil; an
// error only means the Worker's settings are wrong. Outbox errors are
// logged and the poll goes on (the database may come back). When ctx
// ends, sends already under way finish, within SendTimeout, and are
// recorded; messages of the batch not yet started are released at once
// for another worker, rather than left leased until their lease runs out.
func (w *Worker) Run(ctx context.Context) error {
	s, err := w.settings()
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		n, _, err := s.batch(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			s.log.Error("sms: outbox", "err", err)
		} else if n == s.Batch {
			continue // a full batch: more may be due already
		}
		t := time.NewTimer(s.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return nil
}

// batch claims one batch and handles it. It returns how many messages it
// claimed, their outcomes, and the first outbox error.
func (s settings) batch(ctx context.Context) (int, Stats, error) {
	var st Stats
	now := s.now()
	msgs, err := s.Outbox.Claim(ctx, now, s.Batch, s.Lease)
	if err != nil {
		return 0, st, muster.Wrap(muster.ErrorKind(err), err, "sms: claiming messages")
	}
	leaseEnd := now.Add(s.Lease)
	results := make([]Result, len(msgs))
	slots := make(chan struct{}, s.Concurrency)
	var wg sync.WaitGroup
	for i, m := range msgs {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			results[i] = s.handle(ctx, m, leaseEnd)
		})
	}
	wg.Wait()
	for _, r := range results {
		st.add(r.Outcome)
		if r.RecordErr != nil && err == nil {
			err = muster.Wrap(muster.ErrorKind(r.RecordErr), r.RecordErr, "sms: recording message %d as %s", r.ID, r.Outcome)
		}
	}
	return len(msgs), st, err
}

// handle sends one claimed message, or decides not to, and records the
// outcome. The outbox writes and the provider call run on a context that
// ctx's end does not cancel, each with its own deadline: a stop must not
// abandon a send half-way, nor leave its outcome unrecorded.
func (s settings) handle(ctx context.Context, m Message, leaseEnd time.Time) Result {
	r := Result{ID: m.ID, OrderID: m.OrderID, Topic: m.Topic, Attempt: m.Attempts}
	keep := context.WithoutCancel(ctx)
	if m.Attempts > s.MaxAttempts {
		return s.dead(keep, r, muster.Errorf(muster.Conflict,
			"claimed %d times, more than the %d attempts allowed (crashes or stops cut earlier attempts short)", m.Attempts, s.MaxAttempts))
	}
	if err := checkMessage(m); err != nil {
		return s.dead(keep, r, err)
	}
	now := s.now()
	if ctx.Err() != nil {
		return s.release(keep, r, now, "the worker stopped before sending")
	}
	if now.Add(s.SendTimeout).After(leaseEnd.Add(-leaseMargin(s.Lease))) {
		return s.release(keep, r, now, "the lease would have run out before the send ended")
	}
	sendCtx, cancel := context.WithTimeout(keep, s.SendTimeout)
	start := time.Now()
	providerID, err := s.Provider.Send(sendCtx, m)
	r.Took = time.Since(start)
	cancel()
	if err == nil {
		return s.sent(keep, r, providerID)
	}
	r.Err = err
	switch {
	case IsPermanent(err):
		return s.dead(keep, r, err)
	case m.Attempts >= s.MaxAttempts:
		return s.dead(keep, r, muster.Wrap(muster.ErrorKind(err), err, "gave up after %d attempts", m.Attempts))
	}
	wait := max(s.Backoff.Delay(m.Attempts), retryAfter(err))
	return s.retry(keep, r, s.now().Add(wait), err.Error())
}

// sent records the provider's acceptance, trying again for a while if the
// outbox fails: until it is recorded, the message can go out twice.
func (s settings) sent(ctx context.Context, r Result, providerID string) Result {
	r.Outcome, r.ProviderID = OutcomeSent, providerID
	for try := 1; ; try++ {
		r.RecordErr = s.record(ctx, func(ctx context.Context) error {
			return s.Outbox.Sent(ctx, r.ID, providerID, s.now())
		})
		if r.RecordErr == nil || try == recordTries {
			break
		}
		time.Sleep(recordPause << (try - 1))
	}
	if r.RecordErr != nil {
		s.log.Error("sms: the provider accepted a message that could not be recorded as sent; it may go out again",
			"message", r.ID, "provider_id", providerID, "err", r.RecordErr)
	}
	return s.observe(r)
}

func (s settings) retry(ctx context.Context, r Result, at time.Time, reason string) Result {
	r.Outcome, r.NextAttempt = OutcomeRetry, at
	r.RecordErr = s.record(ctx, func(ctx context.Context) error { return s.Outbox.Retry(ctx, r.ID, at, reason) })
	s.log.Info("sms: will retry", "message", r.ID, "attempt", r.Attempt, "at", at, "err", r.Err)
	return s.observe(r)
}

func (s settings) release(ctx context.Context, r Result, at time.Time, reason string) Result {
	r.Outcome, r.NextAttempt = OutcomeReleased, at
	r.RecordErr = s.record(ctx, func(ctx context.Context) error { return s.Outbox.Retry(ctx, r.ID, at, reason) })
	return s.observe(r)
}

func (s settings) dead(ctx context.Context, r Result, err error) Result {
	r.Outcome, r.Err = OutcomeDead, err
	r.RecordErr = s.record(ctx, func(ctx context.Context) error { return s.Outbox.Dead(ctx, r.ID, err.Error()) })
	s.log.Warn("sms: dead-lettered", "message", r.ID, "attempt", r.Attempt, "err", err)
	return s.observe(r)
}

func (s settings) record(ctx context.Context, write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	return write(ctx)
}

func (s settings) observe(r Result) Result {
	if s.Observe != nil {
		s.Observe(r)
	}
	return r
}
