package sms

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster"
)

// newMessages returns n messages with unique texts, the first with the
// given prefix.
func newMessages(n int, prefix string) []Message {
	ms := make([]Message, n)
	for i := range ms {
		ms[i] = Message{OrderID: fmt.Sprintf("ORD-%d", i), Topic: "order.issued",
			To: fmt.Sprintf("+2279%07d", i), Text: fmt.Sprintf("%s %d: ordre 7KQ2-%04d", prefix, i, i)}
	}
	return ms
}

// testWorker returns a worker on o and p with a fake clock, a fixed
// jitter (every wait is ¾ of the exponential one), a send timeout that a
// local request never reaches, even under the race detector, and the
// given observer.
func testWorker(o Outbox, p Provider, clock *fakeClock, observe func(Result)) *Worker {
	return &Worker{
		Outbox: o, Provider: p, Clock: clock.Now,
		Backoff:     Backoff{Base: 10 * time.Second, Max: 5 * time.Minute, Jitter: 0.5, Rand: func() float64 { return 0.5 }},
		MaxAttempts: 6, Batch: 5, Lease: time.Minute, SendTimeout: 5 * time.Second, Concurrency: 4,
		Observe: observe, Logger: slog.New(slog.DiscardHandler),
	}
}

// timeoutForStalls is the send timeout of the tests whose gateway stalls:
// short, since each stall lasts that long, yet far above a local
// request's time, or an accepted send could time out and be counted twice.
const timeoutForStalls = 250 * time.Millisecond

// drainUntilSettled drains, then moves the clock past the longest wait,
// until no message is pending; it fails the test after rounds rounds.
func drainUntilSettled(t *testing.T, w *Worker, o *MemOutbox, clock *fakeClock, rounds int) {
	t.Helper()
	for range rounds {
		if _, err := w.Drain(context.Background()); err != nil {
			t.Fatalf("Drain: %v", err)
		}
		pending := 0
		for _, r := range o.Rows() {
			if r.State == StatePending {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		clock.Advance(10 * time.Minute)
	}
	t.Fatalf("messages still pending after %d rounds", rounds)
}

// observed collects the worker's results with the fake time of each.
type observed struct {
	mu      sync.Mutex
	clock   *fakeClock
	results []Result
	at      []time.Time
}

func (ob *observed) observe(r Result) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.results = append(ob.results, r)
	ob.at = append(ob.at, ob.clock.Now())
}

// TestWorkerSurvivesFlakyProvider is the "done when": a provider
// that fails, times out and comes back; nothing is lost, nothing is sent
// twice, only permanent failures are dead-lettered, and attempts and
// backoff are respected.
func TestWorkerSurvivesFlakyProvider(t *testing.T) {
	script := []step{step500, step500, step500, step500, step500, step500, step500, step500,
		stepHang, stepHang, stepHang, stepHang, stepHang, stepHang, step429, step429}
	for _, style := range []string{"at", "courier"} {
		t.Run(style, func(t *testing.T) {
			g := newGateway(t, style, script...)
			o, clock := NewMemOutbox(), newFakeClock()
			good := newMessages(20, "call-up")
			ids := o.Add(good...)
			rejected := o.Add(Message{Topic: "order.issued", To: rejectedNumber, Text: "rejected by the gateway"})[0]
			malformed := o.Add(Message{Topic: "order.issued", To: "+227-90-12", Text: "never leaves"})[0]
			ob := &observed{clock: clock}
			w := testWorker(o, g.provider(), clock, ob.observe)
			w.SendTimeout = timeoutForStalls

			drainUntilSettled(t, w, o, clock, 30)

			for i, id := range ids {
				r, _ := o.Row(id)
				m := good[i]
				m.ID = id
				accepted, requests := g.count(m)
				if r.State != StateSent || accepted != 1 {
					t.Errorf("message %d: %s, accepted %d times (%d requests); want sent, accepted once", id, r.State, accepted, requests)
				}
				if r.Attempts > w.MaxAttempts {
					t.Errorf("message %d claimed %d times, more than MaxAttempts %d", id, r.Attempts, w.MaxAttempts)
				}
				if _, given := g.refusals(m); style == "at" && r.ProviderID != given {
					t.Errorf("message %d recorded under %q, the gateway gave %q", id, r.ProviderID, given)
				}
				if strings.Contains(r.Reason, m.To) || strings.Contains(r.Reason, m.Text) {
					t.Errorf("message %d: reason %q holds personal data", id, r.Reason)
				}
			}
			r, _ := o.Row(rejected)
			if r.State != StateDead || !strings.Contains(r.Reason, "invalid number") && !strings.Contains(r.Reason, "InvalidPhoneNumber") {
				t.Errorf("rejected number: %s (%q), want dead for the gateway's reason", r.State, r.Reason)
			}
			if n, _ := g.refusals(r.Message); n != 1 {
				t.Errorf("rejected number refused %d times, want once: a permanent failure is not retried", n)
			}
			if r, _ := o.Row(malformed); r.State != StateDead || r.Attempts != 1 || !strings.Contains(r.Reason, "field to") {
				t.Errorf("malformed number: %s after %d attempts (%q), want dead at once", r.State, r.Attempts, r.Reason)
			}
			if _, requests := g.count(Message{ID: malformed, Text: "never leaves"}); requests != 0 {
				t.Errorf("malformed number reached the gateway %d times", requests)
			}

			var sawTimeout, saw429 bool
			for i, r := range ob.results {
				if r.Outcome != OutcomeRetry {
					continue
				}
				wait := r.NextAttempt.Sub(ob.at[i])
				backoff := min(time.Duration(float64(10*time.Second<<(r.Attempt-1))*0.75), 5*time.Minute)
				switch {
				case strings.Contains(r.Err.Error(), "HTTP 429"):
					saw429 = true
					if wait != max(backoff, 120*time.Second) {
						t.Errorf("message %d after a 429 waits %v, want the Retry-After of 2m0s", r.ID, wait)
					}
				case wait != backoff:
					t.Errorf("message %d after attempt %d waits %v, want %v", r.ID, r.Attempt, wait, backoff)
				}
				sawTimeout = sawTimeout || strings.Contains(r.Err.Error(), "deadline exceeded")
			}
			if !sawTimeout || !saw429 {
				t.Errorf("faults seen: timeout %v, 429 %v; the script did not play", sawTimeout, saw429)
			}
		})
	}
}

// TestWorkerAmbiguousTimeout pins what the package documents: when the
// gateway accepts a message and then times out, the worker cannot know
// and sends again. A courier gateway that honours {{id}} drops the repeat;
// Africa's Talking, which takes no reference, delivers it twice.
func TestWorkerAmbiguousTimeout(t *testing.T) {
	for _, tc := range []struct {
		name         string
		style        string
		dedupe       bool
		wantAccepted int
	}{
		{"africastalking has no reference: one duplicate", "at", false, 2},
		{"courier gateway drops the repeat by {{id}}", "courier", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, tc.style, stepAcceptHang)
			g.dedupe = tc.dedupe
			o, clock := NewMemOutbox(), newFakeClock()
			m := newMessages(1, "ambiguous")[0]
			m.ID = o.Add(m)[0]
			w := testWorker(o, g.provider(), clock, nil)
			w.SendTimeout = timeoutForStalls
			drainUntilSettled(t, w, o, clock, 5)
			accepted, requests := g.count(m)
			if r, _ := o.Row(m.ID); r.State != StateSent || requests != 2 || accepted != tc.wantAccepted {
				t.Errorf("%s after %d requests, accepted %d times; want sent after 2, accepted %d", r.State, requests, accepted, tc.wantAccepted)
			}
		})
	}
}

func TestWorkerGivesUpAfterMaxAttempts(t *testing.T) {
	g := newGateway(t, "courier", step500, step500, step500, step500)
	o, clock := NewMemOutbox(), newFakeClock()
	m := newMessages(1, "doomed")[0]
	m.ID = o.Add(m)[0]
	w := testWorker(o, g.provider(), clock, nil)
	w.MaxAttempts = 3
	drainUntilSettled(t, w, o, clock, 10)
	r, _ := o.Row(m.ID)
	_, requests := g.count(m)
	if r.State != StateDead || requests != 3 || !strings.Contains(r.Reason, "gave up after 3 attempts") {
		t.Errorf("%s after %d requests (%q), want dead after 3", r.State, requests, r.Reason)
	}
}

// TestTwoWorkersShareOutbox: two workers draining one outbox at once never
// send a message twice.
func TestTwoWorkersShareOutbox(t *testing.T) {
	g := newGateway(t, "courier")
	o, clock := NewMemOutbox(), newFakeClock()
	msgs := newMessages(150, "shared")
	ids := o.Add(msgs...)
	var wg sync.WaitGroup
	stats := make([]Stats, 2)
	for i := range stats {
		w := testWorker(o, g.provider(), clock, nil)
		w.Batch, w.Concurrency, w.SendTimeout = 7, 3, 5*time.Second
		wg.Go(func() {
			var err error
			stats[i], err = w.Drain(context.Background())
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if stats[0].Sent+stats[1].Sent != len(msgs) {
		t.Errorf("workers sent %d + %d, want %d in all", stats[0].Sent, stats[1].Sent, len(msgs))
	}
	for i, id := range ids {
		m := msgs[i]
		m.ID = id
		if accepted, requests := g.count(m); accepted != 1 || requests != 1 {
			t.Errorf("message %d: accepted %d, requested %d times; want once", id, accepted, requests)
		}
	}
}

// TestCrashedWorkersLeaseRunsOut: messages claimed by a worker that died
// are left alone until the lease ends, then sent by another.
func TestCrashedWorkersLeaseRunsOut(t *testing.T) {
	g := newGateway(t, "courier")
	o, clock := NewMemOutbox(), newFakeClock()
	msgs := newMessages(4, "orphan")
	ids := o.Add(msgs...)
	if _, err := o.Claim(context.Background(), clock.Now(), 2, time.Minute); err != nil { // the worker that crashed
		t.Fatal(err)
	}
	w := testWorker(o, g.provider(), clock, nil)
	if st, err := w.Drain(context.Background()); err != nil || st.Sent != 2 {
		t.Fatalf("Drain during the dead lease = %+v, %v; want the 2 free messages sent", st, err)
	}
	clock.Advance(time.Minute)
	if st, err := w.Drain(context.Background()); err != nil || st.Sent != 2 {
		t.Fatalf("Drain after the lease = %+v, %v; want the 2 orphans sent", st, err)
	}
	for i, id := range ids {
		r, _ := o.Row(id)
		m := msgs[i]
		m.ID = id
		if accepted, _ := g.count(m); r.State != StateSent || accepted != 1 || r.Attempts != 1+boolInt(i < 2) {
			t.Errorf("message %d: %s, accepted %d, %d attempts", id, r.State, accepted, r.Attempts)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestWorkerDoesNotSendPastLease: a message whose lease would run out
// during the send is released, not sent, and goes out on the next claim.
func TestWorkerDoesNotSendPastLease(t *testing.T) {
	g := newGateway(t, "courier")
	o, clock := NewMemOutbox(), newFakeClock()
	ids := o.Add(newMessages(3, "late")...)
	w := testWorker(o, g.provider(), clock, nil)
	w.SendTimeout = 20 * time.Second
	var calls int
	var mu sync.Mutex
	w.Clock = func() time.Time { // the claim sees the present; the sends see a minute nearly gone
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return clock.Now()
		}
		return clock.Now().Add(50 * time.Second)
	}
	st, err := w.Drain(context.Background())
	if err != nil || st.Released != 3 || st.Sent != 3 {
		t.Fatalf("Drain = %+v, %v; want 3 released, then 3 sent on the next claim", st, err)
	}
	for _, id := range ids {
		if r, _ := o.Row(id); r.State != StateSent || r.Attempts != 2 || r.Reason != "the lease would have run out before the send ended" {
			t.Errorf("message %d: %s after %d attempts (%q)", id, r.State, r.Attempts, r.Reason)
		}
	}
}

// failingSent is an outbox whose first Sent calls fail, as a database
// does while it fails over.
type failingSent struct {
	*MemOutbox
	mu    sync.Mutex
	fails int
}

func (f *failingSent) Sent(ctx context.Context, id int64, providerID string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return muster.Errorf(muster.Internal, "database unavailable")
	}
	return f.MemOutbox.Sent(ctx, id, providerID, at)
}

func TestWorkerRecordsSentDespiteOutboxHiccups(t *testing.T) {
	defer func(p time.Duration) { recordPause = p }(recordPause)
	recordPause = time.Millisecond
	for _, tc := range []struct {
		name         string
		fails        int
		wantErr      bool
		wantRequests int // after the lease runs out and the worker drains again
	}{
		{"recorded on a later try: sent once", recordTries - 1, false, 1},
		{"never recorded: sent again after the lease (the documented window)", recordTries, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, "courier")
			mem, clock := NewMemOutbox(), newFakeClock()
			m := newMessages(1, "hiccup")[0]
			m.ID = mem.Add(m)[0]
			w := testWorker(&failingSent{MemOutbox: mem, fails: tc.fails}, g.provider(), clock, nil)
			_, err := w.Drain(context.Background())
			if (err != nil) != tc.wantErr {
				t.Fatalf("Drain error = %v, want error %v", err, tc.wantErr)
			}
			clock.Advance(time.Minute)
			if _, err := w.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			r, _ := mem.Row(m.ID)
			if _, requests := g.count(m); r.State != StateSent || requests != tc.wantRequests {
				t.Errorf("%s after %d requests, want sent after %d", r.State, requests, tc.wantRequests)
			}
		})
	}
}

func TestWorkerSettings(t *testing.T) {
	o := NewMemOutbox()
	id := o.Add(newMessages(1, "unsent")...)[0]
	good := &Courier{SendURL: "http://127.0.0.1:1/send"}
	for _, tc := range []struct {
		name string
		w    Worker
		want string
	}{
		{"no outbox", Worker{Provider: good}, "Outbox and Provider are required"},
		{"no provider", Worker{Outbox: o}, "Outbox and Provider are required"},
		{"send as long as the lease", Worker{Outbox: o, Provider: good, Lease: time.Second, SendTimeout: time.Second}, "shorter than nine tenths of Lease"},
		{"send leaves no margin", Worker{Outbox: o, Provider: good, Lease: 10 * time.Second, SendTimeout: 9 * time.Second}, "shorter than nine tenths of Lease"},
		{"default lease, long send", Worker{Outbox: o, Provider: good, SendTimeout: time.Hour}, "shorter than nine tenths of Lease"},
		{"negative batch", Worker{Outbox: o, Provider: good, Batch: -1}, "may not be negative"},
		{"provider settings", Worker{Outbox: o, Provider: &Courier{SendURL: "gw/send?to={{phone}}"}}, "unknown variable {{phone}}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.w.Drain(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("Drain = %v, want Invalid containing %q", err, tc.want)
			}
			if err := tc.w.Run(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want %q", err, tc.want)
			}
			if r, _ := o.Row(id); r.Attempts != 0 {
				t.Fatalf("a refused worker claimed message %d", id)
			}
		})
	}
}
