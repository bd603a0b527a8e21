package sms

import (
	"context"
	"sync"
	"time"

	"github.com/muster-org/muster"
)

// MemOutbox is an Outbox held in memory, for tests and tools: it has the
// lease semantics a SQL outbox has, within one process. It is safe for
// concurrent use; each method is atomic.
type MemOutbox struct {
	mu         sync.Mutex
	rows       []MemRow         // rows[i].ID == i+1
	byProvider map[string]int64 // provider ID → message ID
}

// MemRow is what a MemOutbox holds about a message, in the shape of the
// row a SQL outbox would have.
type MemRow struct {
	Message               // Attempts counts claims
	State       State     // pending, sent or dead
	Due         time.Time // the next attempt's time, while pending
	LeaseEnd    time.Time // when the last claim's lease runs out; zero when released
	Reason      string    // the last failure
	ProviderID  string
	SentAt      time.Time
	Delivery    Delivery // "" until a delivery report
	DeliveredAt time.Time
}

// NewMemOutbox returns an empty MemOutbox.
func NewMemOutbox() *MemOutbox {
	return &MemOutbox{byProvider: make(map[string]int64)}
}

// Add queues messages, due at once, and returns their IDs. The messages'
// IDs and Attempts are ignored.
func (o *MemOutbox) Add(msgs ...Message) []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		m.ID, m.Attempts = int64(len(o.rows)+1), 0
		o.rows = append(o.rows, MemRow{Message: m, State: StatePending})
		ids[i] = m.ID
	}
	return ids
}

// Row returns the row of message id.
func (o *MemOutbox) Row(id int64) (MemRow, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if id < 1 || id > int64(len(o.rows)) {
		return MemRow{}, false
	}
	return o.rows[id-1], true
}

// Rows returns a copy of every row, by ID.
func (o *MemOutbox) Rows() []MemRow {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]MemRow(nil), o.rows...)
}

// Claim implements Outbox.
func (o *MemOutbox) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Message, error) {
	if limit < 1 || lease <= 0 {
		return nil, muster.Errorf(muster.Invalid, "claiming %d messages for %v: need at least one, for a positive time", limit, lease)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Message
	for i := range o.rows {
		r := &o.rows[i]
		if r.State != StatePending || r.Due.After(now) || r.LeaseEnd.After(now) {
			continue
		}
		r.Attempts++
		r.LeaseEnd = now.Add(lease)
		out = append(out, r.Message)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Sent implements Outbox.
func (o *MemOutbox) Sent(_ context.Context, id int64, providerID string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.row(id)
	if err != nil {
		return err
	}
	if r.State == StateSent {
		return nil
	}
	r.State, r.ProviderID, r.SentAt, r.LeaseEnd = StateSent, providerID, at, time.Time{}
	if providerID != "" {
		o.byProvider[providerID] = id
	}
	return nil
}

// Retry implements Outbox.
func (o *MemOutbox) Retry(_ context.Context, id int64, at time.Time, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.row(id)
	if err != nil || r.State != StatePending {
		return err
	}
	r.Due, r.LeaseEnd, r.Reason = at, time.Time{}, reason
	return nil
}

// Dead implements Outbox.
func (o *MemOutbox) Dead(_ context.Context, id int64, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.row(id)
	if err != nil || r.State != StatePending {
		return err
	}
	r.State, r.LeaseEnd, r.Reason = StateDead, time.Time{}, reason
	return nil
}

// Delivered implements Outbox.
func (o *MemOutbox) Delivered(_ context.Context, providerID string, d Delivery, at time.Time) error {
	if d.Rank() == 0 {
		return muster.Errorf(muster.Invalid, "delivery %q for provider message %q: not one of in_transit, undelivered, delivered", d, providerID)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	id, ok := o.byProvider[providerID]
	if !ok {
		return muster.Errorf(muster.NotFound, "no sent message has provider ID %q", providerID)
	}
	r := &o.rows[id-1]
	if d.Rank() > r.Delivery.Rank() {
		r.Delivery, r.DeliveredAt = d, at
	}
	return nil
}

// Requeue gives a dead-lettered message another MaxAttempts, due at at:
// what an operator does once the cause is fixed (a sender ID approved, a
// number corrected).
func (o *MemOutbox) Requeue(id int64, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.row(id)
	if err != nil {
		return err
	}
	if r.State != StateDead {
		return muster.Errorf(muster.Conflict, "message %d is %s, not dead", id, r.State)
	}
	r.State, r.Due, r.Attempts = StatePending, at, 0
	return nil
}

func (o *MemOutbox) row(id int64) (*MemRow, error) {
	if id < 1 || id > int64(len(o.rows)) {
		return nil, muster.Errorf(muster.NotFound, "no message %d in the outbox", id)
	}
	return &o.rows[id-1], nil
}
