package sms

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkDrainFile measures the worker's own cost per message: claim,
// send to a FileProvider writing to io.Discard, record.
func BenchmarkDrainFile(b *testing.B) {
	msgs := newMessages(1000, "bench")
	for b.Loop() {
		b.StopTimer()
		o := NewMemOutbox()
		o.Add(msgs...)
		w := &Worker{Outbox: o, Provider: NewFileProvider(io.Discard), Batch: 100, Concurrency: 4}
		b.StartTimer()
		if st, err := w.Drain(context.Background()); err != nil || st.Sent != len(msgs) {
			b.Fatal(st, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}

// BenchmarkDrainAfricasTalking is the same over HTTP to a local server
// playing Africa's Talking: the client side of a real send.
func BenchmarkDrainAfricasTalking(b *testing.B) {
	answer := readFixture(b, "at/sent.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.WriteHeader(http.StatusCreated)
		w.Write(answer)
	}))
	defer srv.Close()
	at := &AfricasTalking{BaseURL: srv.URL, Username: "muster-ne", APIKey: "k3y"}
	msgs := newMessages(200, "bench")
	for b.Loop() {
		b.StopTimer()
		o := NewMemOutbox()
		o.Add(msgs...)
		w := &Worker{Outbox: o, Provider: at, Batch: 50, Concurrency: 4}
		b.StartTimer()
		if st, err := w.Drain(context.Background()); err != nil || st.Sent != len(msgs) {
			b.Fatal(st, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}

func BenchmarkParseATDeliveryReport(b *testing.B) {
	form := url.Values{"id": {"ATXid_5c3fb2bd1ea6b0a0e43c26b2a6d4f1e0"}, "status": {"Success"},
		"phoneNumber": {"+22790123456"}, "networkCode": {"61402"}, "retryCount": {"0"}}
	for b.Loop() {
		if _, err := ParseATDeliveryReport(form); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCourierFill(b *testing.B) {
	c := &Courier{From: "+22720000000", Channel: "8c5e0d1f-7d42-4a55-9e55-3c0f6a2f9b11"}
	for b.Loop() {
		c.fill(CourierDefaultBody, testMessage, "urlencoded")
	}
}
