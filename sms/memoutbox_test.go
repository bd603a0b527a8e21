package sms_test

import (
	"context"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/sms/smstest"
)

func TestMemOutboxConformance(t *testing.T) {
	smstest.Run(t, func(_ *testing.T, msgs []sms.Message) sms.Outbox {
		o := sms.NewMemOutbox()
		o.Add(msgs...)
		return o
	})
}

// TestMemOutboxDeliveryRank: reports arrive out of order; a delivery
// never moves down InTransit < Undelivered < Delivered.
func TestMemOutboxDeliveryRank(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		reports []sms.Delivery
		want    sms.Delivery
		wantAt  int // index of the report whose time is kept
	}{
		{"in order", []sms.Delivery{sms.InTransit, sms.Delivered}, sms.Delivered, 1},
		{"late in-transit ignored", []sms.Delivery{sms.Delivered, sms.InTransit}, sms.Delivered, 0},
		{"failure then success", []sms.Delivery{sms.Undelivered, sms.Delivered}, sms.Delivered, 1},
		{"success then failure", []sms.Delivery{sms.Delivered, sms.Undelivered}, sms.Delivered, 0},
		{"repeat keeps the first time", []sms.Delivery{sms.Undelivered, sms.Undelivered}, sms.Undelivered, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := sms.NewMemOutbox()
			id := o.Add(smstest.Messages(1)...)[0]
			if err := o.Sent(ctx, id, "p1", t0); err != nil {
				t.Fatal(err)
			}
			for i, d := range tc.reports {
				if err := o.Delivered(ctx, "p1", d, t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			r, _ := o.Row(id)
			if r.Delivery != tc.want || !r.DeliveredAt.Equal(t0.Add(time.Duration(tc.wantAt+1)*time.Minute)) {
				t.Errorf("delivery %s at %v, want %s at report %d", r.Delivery, r.DeliveredAt, tc.want, tc.wantAt)
			}
		})
	}
}

func TestMemOutboxRequeue(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	o := sms.NewMemOutbox()
	ids := o.Add(smstest.Messages(2)...)
	o.Claim(ctx, t0, 2, time.Minute)
	if err := o.Requeue(ids[0], t0); muster.ErrorKind(err) != muster.Conflict {
		t.Errorf("Requeue of a pending message: %v, want Conflict", err)
	}
	o.Dead(ctx, ids[0], "sender ID not approved")
	if err := o.Requeue(ids[0], t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.Claim(ctx, t0.Add(30*time.Second), 5, time.Minute); len(got) != 1 || got[0].ID != ids[0] || got[0].Attempts != 1 {
		t.Errorf("Claim after Requeue = %+v, want message %d afresh", got, ids[0])
	}
	if err := o.Requeue(99, t0); muster.ErrorKind(err) != muster.NotFound {
		t.Errorf("Requeue(99): %v, want NotFound", err)
	}
}
