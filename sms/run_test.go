package sms

import (
	"bufio"
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"
)

// TestWorkerRunStopsCleanly: when Run's context ends during a send, that
// send finishes and is recorded, the rest of the batch is released at
// once, and Run returns nil.
func TestWorkerRunStopsCleanly(t *testing.T) {
	g := newGateway(t, "courier", stepBlock)
	o, clock := NewMemOutbox(), newFakeClock()
	msgs := newMessages(3, "stopping")
	ids := o.Add(msgs...)
	w := testWorker(o, g.provider(), clock, nil)
	w.Batch, w.Concurrency, w.SendTimeout, w.PollInterval = 3, 1, 10*time.Second, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	<-g.started // the first send is at the gateway
	cancel()
	close(g.release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil on a stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}

	first, _ := o.Row(ids[0])
	if accepted, _ := g.count(first.Message); first.State != StateSent || accepted != 1 {
		t.Errorf("the send in flight: %s, accepted %d; want finished and recorded", first.State, accepted)
	}
	for i, id := range ids[1:] {
		r, _ := o.Row(id)
		m := msgs[i+1]
		m.ID = id
		_, requests := g.count(m)
		if r.State != StatePending || !r.LeaseEnd.IsZero() || requests != 0 || r.Reason != "the worker stopped before sending" {
			t.Errorf("message %d not started: %s, lease to %v, %d requests (%q); want released unsent", id, r.State, r.LeaseEnd, requests, r.Reason)
		}
	}
}

// TestWorkerRunPolls: Run sends what is queued, then what is queued while
// it runs, on the real clock.
func TestWorkerRunPolls(t *testing.T) {
	var buf bytes.Buffer
	p := NewFileProvider(&buf)
	o := NewMemOutbox()
	w := &Worker{Outbox: o, Provider: p, PollInterval: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	waitSent := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			sent := 0
			for _, r := range o.Rows() {
				if r.State == StateSent {
					sent++
				}
			}
			if sent == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d messages sent after 10 s", sent, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	o.Add(newMessages(5, "first wave")...)
	waitSent(5)
	o.Add(newMessages(3, "second wave")...)
	waitSent(8)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	lines := 0
	for sc := bufio.NewScanner(&buf); sc.Scan(); {
		lines++
	}
	if lines != 8 {
		t.Errorf("%d lines written, want 8", lines)
	}
}

// TestDeliveryReportReachesOutbox: the ID a provider's Send returns is the
// one its delivery report names, so the report finds its message.
func TestDeliveryReportReachesOutbox(t *testing.T) {
	for _, tc := range []struct {
		style string
		parse func(providerID string) (DeliveryReport, error)
	}{
		{"at", func(id string) (DeliveryReport, error) {
			return ParseATDeliveryReport(url.Values{"id": {id}, "status": {"Success"}, "phoneNumber": {"+2279000000"}})
		}},
		{"courier", func(id string) (DeliveryReport, error) {
			return ParseCourierStatus("delivered", url.Values{"id": {id}})
		}},
	} {
		t.Run(tc.style, func(t *testing.T) {
			g := newGateway(t, tc.style)
			o, clock := NewMemOutbox(), newFakeClock()
			id := o.Add(newMessages(1, "report")...)[0]
			if _, err := testWorker(o, g.provider(), clock, nil).Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			sent, _ := o.Row(id)
			report, err := tc.parse(sent.ProviderID)
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Delivered(context.Background(), report.ProviderID, report.Delivery, clock.Now()); err != nil {
				t.Fatalf("Delivered(%q): %v", report.ProviderID, err)
			}
			if r, _ := o.Row(id); r.Delivery != Delivered {
				t.Errorf("delivery %q, want delivered", r.Delivery)
			}
		})
	}
}
