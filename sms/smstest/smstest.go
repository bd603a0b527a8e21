// Package smstest is the conformance test for implementations of
// sms.Outbox: sms.MemOutbox and the SQL outboxes run the same Run, so a
// new backend is correct when it passes. It checks only what the
// interface shows: leases, the order of claims, that sent and dead
// messages stay so, idempotence and error kinds. It imports only sms and
// the root package.
package smstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/sms"
)

// Open returns a new outbox holding exactly msgs, queued in that order
// (so with increasing IDs), never claimed, and due at once: due no later
// than the present. The messages' IDs and Attempts are to be ignored.
type Open func(t *testing.T, msgs []sms.Message) sms.Outbox

// Run tests the outboxes that open returns.
func Run(t *testing.T, open Open) {
	t.Run("ClaimOldestFirst", func(t *testing.T) { testClaimOldestFirst(t, open) })
	t.Run("LeaseKeepsOthersOut", func(t *testing.T) { testLeaseKeepsOthersOut(t, open) })
	t.Run("LeaseRunsOut", func(t *testing.T) { testLeaseRunsOut(t, open) })
	t.Run("RetryReleases", func(t *testing.T) { testRetryReleases(t, open) })
	t.Run("SentIsFinal", func(t *testing.T) { testSentIsFinal(t, open) })
	t.Run("DeadIsFinal", func(t *testing.T) { testDeadIsFinal(t, open) })
	t.Run("Delivered", func(t *testing.T) { testDelivered(t, open) })
	t.Run("UnknownMessage", func(t *testing.T) { testUnknownMessage(t, open) })
	t.Run("InvalidClaim", func(t *testing.T) { testInvalidClaim(t, open) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testConcurrentClaims(t, open) })
}

// Messages returns n distinct valid messages; the i-th has text "msg i".
func Messages(n int) []sms.Message {
	msgs := make([]sms.Message, n)
	for i := range msgs {
		msgs[i] = sms.Message{
			OrderID: fmt.Sprintf("ORD-%06d", i),
			Topic:   "order.issued",
			To:      fmt.Sprintf("+2279%07d", i),
			Text:    fmt.Sprintf("msg %d", i),
		}
	}
	return msgs
}

const lease = time.Minute

// start is the claims' time: whole seconds, so that SQL timestamps hold
// it exactly, and ahead of the present, so that the messages are due.
func start() time.Time {
	return time.Now().UTC().Truncate(time.Second).Add(time.Minute)
}

func claim(t *testing.T, o sms.Outbox, now time.Time, limit int) []sms.Message {
	t.Helper()
	got, err := o.Claim(context.Background(), now, limit, lease)
	if err != nil {
		t.Fatalf("Claim(%v, %d): %v", now, limit, err)
	}
	return got
}

func texts(ms []sms.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testClaimOldestFirst(t *testing.T, open Open) {
	want := Messages(5)
	o := open(t, want)
	got := claim(t, o, start(), 3)
	if len(got) != 3 {
		t.Fatalf("Claim(limit 3) = %d messages, want 3", len(got))
	}
	for i, m := range got {
		w := want[i]
		if m.To != w.To || m.Text != w.Text || m.OrderID != w.OrderID || m.Topic != w.Topic {
			t.Errorf("claim %d = %+v, want the fields of %+v", i, m, w)
		}
		if m.Attempts != 1 {
			t.Errorf("claim %d: Attempts = %d on the first claim, want 1", i, m.Attempts)
		}
		if i > 0 && m.ID <= got[i-1].ID {
			t.Errorf("claim %d: ID %d after %d; want increasing IDs", i, m.ID, got[i-1].ID)
		}
	}
}

func testLeaseKeepsOthersOut(t *testing.T, open Open) {
	o := open(t, Messages(5))
	now := start()
	first := claim(t, o, now, 3)
	rest := claim(t, o, now.Add(lease/2), 10)
	if fmt.Sprint(texts(first)) != "[msg 0 msg 1 msg 2]" || fmt.Sprint(texts(rest)) != "[msg 3 msg 4]" {
		t.Fatalf("claims = %q then %q; want the three oldest then the two others", texts(first), texts(rest))
	}
	if again := claim(t, o, now.Add(lease-time.Millisecond), 10); len(again) != 0 {
		t.Errorf("Claim during the leases = %q, want nothing", texts(again))
	}
}

func testLeaseRunsOut(t *testing.T, open Open) {
	o := open(t, Messages(3))
	now := start()
	claim(t, o, now, 10)
	if got := claim(t, o, now.Add(lease-time.Millisecond), 10); len(got) != 0 {
		t.Fatalf("Claim a millisecond before the lease ends = %q, want nothing", texts(got))
	}
	got := claim(t, o, now.Add(lease), 10)
	if len(got) != 3 {
		t.Fatalf("Claim when the lease ends = %q, want all three (a crashed worker's messages come back)", texts(got))
	}
	for _, m := range got {
		if m.Attempts != 2 {
			t.Errorf("%s: Attempts = %d on the second claim, want 2", m.Text, m.Attempts)
		}
	}
}

func testRetryReleases(t *testing.T, open Open) {
	ctx := context.Background()
	o := open(t, Messages(2))
	now := start()
	ms := claim(t, o, now, 2)
	must(t, "Retry", o.Retry(ctx, ms[0].ID, now.Add(10*time.Second), "HTTP 503"))
	must(t, "Retry at now", o.Retry(ctx, ms[1].ID, now, "worker stopping"))
	if got := claim(t, o, now, 10); fmt.Sprint(texts(got)) != "[msg 1]" {
		t.Fatalf("Claim right after the Retries = %q, want only the message released for now", texts(got))
	}
	must(t, "Retry again", o.Retry(ctx, ms[0].ID, now.Add(10*time.Second), "HTTP 503"))
	if got := claim(t, o, now.Add(10*time.Second-time.Millisecond), 10); len(got) != 0 {
		t.Fatalf("Claim before the retry time = %q, want nothing", texts(got))
	}
	got := claim(t, o, now.Add(10*time.Second), 10)
	if len(got) != 1 || got[0].ID != ms[0].ID || got[0].Attempts != 2 {
		t.Fatalf("Claim at the retry time = %+v, want message %d with Attempts 2", got, ms[0].ID)
	}
}

func testSentIsFinal(t *testing.T, open Open) {
	ctx := context.Background()
	o := open(t, Messages(1))
	now := start()
	m := claim(t, o, now, 1)[0]
	must(t, "Sent", o.Sent(ctx, m.ID, "prov-1", now))
	must(t, "Sent again", o.Sent(ctx, m.ID, "prov-2", now.Add(time.Second)))
	// A slow worker's late Retry and Dead must not undo the Sent.
	must(t, "Retry after Sent", o.Retry(ctx, m.ID, now, "timeout"))
	if got := claim(t, o, now.Add(24*time.Hour), 10); len(got) != 0 {
		t.Fatalf("Claim after Sent and a late Retry = %q, want nothing: a sent message is never sent again", texts(got))
	}
	must(t, "Dead after Sent", o.Dead(ctx, m.ID, "gave up"))
	if got := claim(t, o, now.Add(48*time.Hour), 10); len(got) != 0 {
		t.Fatalf("Claim after Sent and a late Dead = %q, want nothing", texts(got))
	}
	must(t, "Delivered under the first provider ID", o.Delivered(ctx, "prov-1", sms.Delivered, now))
	if err := o.Delivered(ctx, "prov-2", sms.Delivered, now); muster.ErrorKind(err) != muster.NotFound {
		t.Errorf("Delivered under the second Sent's provider ID: %v, want NotFound (the first Sent's ID is kept)", err)
	}
}

func testDeadIsFinal(t *testing.T, open Open) {
	ctx := context.Background()
	o := open(t, Messages(2))
	now := start()
	ms := claim(t, o, now, 2)
	must(t, "Dead", o.Dead(ctx, ms[0].ID, "invalid number"))
	must(t, "Dead again", o.Dead(ctx, ms[0].ID, "invalid number"))
	must(t, "Retry after Dead", o.Retry(ctx, ms[0].ID, now, "timeout"))
	must(t, "Dead", o.Dead(ctx, ms[1].ID, "out of attempts"))
	if got := claim(t, o, now.Add(24*time.Hour), 10); len(got) != 0 {
		t.Fatalf("Claim after Dead = %q, want nothing", texts(got))
	}
	// A worker whose send was accepted after another dead-lettered the
	// message records the truth: the text went out.
	must(t, "Sent after Dead", o.Sent(ctx, ms[1].ID, "prov-late", now))
	must(t, "Delivered after Sent after Dead", o.Delivered(ctx, "prov-late", sms.InTransit, now))
}

func testDelivered(t *testing.T, open Open) {
	ctx := context.Background()
	o := open(t, Messages(1))
	now := start()
	m := claim(t, o, now, 1)[0]
	if err := o.Delivered(ctx, "prov-1", sms.Delivered, now); muster.ErrorKind(err) != muster.NotFound {
		t.Errorf("Delivered before Sent: %v, want NotFound", err)
	}
	must(t, "Sent", o.Sent(ctx, m.ID, "prov-1", now))
	for i, d := range []sms.Delivery{sms.InTransit, sms.Delivered, sms.InTransit, sms.Undelivered, sms.Delivered} {
		must(t, fmt.Sprintf("report %d (%s)", i, d), o.Delivered(ctx, "prov-1", d, now.Add(time.Duration(i)*time.Second)))
	}
	if err := o.Delivered(ctx, "prov-1", sms.Delivery("read"), now); muster.ErrorKind(err) != muster.Invalid {
		t.Errorf("Delivered(read): %v, want Invalid", err)
	}
	if err := o.Delivered(ctx, "prov-unknown", sms.Delivered, now); muster.ErrorKind(err) != muster.NotFound {
		t.Errorf("Delivered(unknown provider ID): %v, want NotFound", err)
	}
}

func testUnknownMessage(t *testing.T, open Open) {
	ctx := context.Background()
	o := open(t, Messages(1))
	now := start()
	absent := claim(t, o, now, 1)[0].ID + 1_000_000
	for name, err := range map[string]error{
		"Sent":  o.Sent(ctx, absent, "prov-x", now),
		"Retry": o.Retry(ctx, absent, now, "x"),
		"Dead":  o.Dead(ctx, absent, "x"),
	} {
		if muster.ErrorKind(err) != muster.NotFound {
			t.Errorf("%s(unknown ID): %v, want NotFound", name, err)
		}
	}
}

func testInvalidClaim(t *testing.T, open Open) {
	o := open(t, Messages(1))
	for _, tc := range []struct {
		name  string
		limit int
		lease time.Duration
	}{
		{"zero limit", 0, lease},
		{"negative limit", -1, lease},
		{"zero lease", 1, 0},
		{"negative lease", 1, -time.Second},
	} {
		if _, err := o.Claim(context.Background(), start(), tc.limit, tc.lease); muster.ErrorKind(err) != muster.Invalid {
			t.Errorf("%s: Claim(%d, %v): %v, want Invalid", tc.name, tc.limit, tc.lease, err)
		}
	}
	if got := claim(t, o, start(), 1); len(got) != 1 {
		t.Errorf("a refused Claim took messages: a valid Claim after it got %d, want 1", len(got))
	}
}

// testConcurrentClaims is the one that SQL outboxes fail when their claim
// reads then writes without a lock: workers racing on one outbox must
// each get different messages.
func testConcurrentClaims(t *testing.T, open Open) {
	const n, workers = 60, 6
	o := open(t, Messages(n))
	now := start()
	var mu sync.Mutex
	claims := map[int64]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				got, err := o.Claim(context.Background(), now, 4, lease)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				total := 0
				for _, m := range got {
					claims[m.ID]++
				}
				for _, c := range claims {
					total += c
				}
				mu.Unlock()
				if total > 2*n {
					return // claims never run dry: leases are not kept
				}
			}
		})
	}
	wg.Wait()
	if len(claims) != n {
		t.Errorf("%d workers claimed %d distinct messages, want %d", workers, len(claims), n)
	}
	for id, c := range claims {
		if c != 1 {
			t.Errorf("message %d claimed %d times under one lease", id, c)
		}
	}
}
