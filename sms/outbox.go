package sms

import (
	"context"
	"fmt"
	"time"

	"github.com/muster-org/muster"
)

// Message is one SMS to send, as the outbox hands it to a worker.
type Message struct {
	// ID is the outbox row's ID. It is the message's client reference:
	// the same on every attempt, sent to providers that accept one.
	ID      int64
	OrderID string // the order the message is about; "" for messages about no order
	Topic   string // why it is sent: "order.issued", "order.changed", ...
	To      string // the addressee's phone number, E.164 ("+22790123456")
	Text    string // what the citizen reads; never more personal data than the order's code
	// Attempts counts the claims of this message, the current one
	// included: 1 on the first attempt. Counting claims rather than
	// reported failures means a message whose send crashes the worker still
	// reaches MaxAttempts and is dead-lettered instead of looping forever.
	Attempts int
}

// State is where a message is in the outbox. The values are what a SQL
// outbox stores in its state column.
type State string

// The outbox states. Sent and Dead are final: nothing but an operator
// moves a message out of them.
const (
	StatePending State = "pending" // waiting for its next attempt, or leased to a worker
	StateSent    State = "sent"    // accepted by a provider; never sent again
	StateDead    State = "dead"    // dead-lettered: a permanent failure, or out of attempts
)

// Delivery is what a delivery report says about a sent message, in
// muster's words; each provider's statuses map onto these three.
type Delivery string

// The delivery outcomes, in the order of their rank: a report never moves
// a message's delivery down this list (see Outbox.Delivered).
const (
	InTransit   Delivery = "in_transit"  // accepted by the network, not yet on the handset
	Undelivered Delivery = "undelivered" // the network gave up: rejected, failed, expired
	Delivered   Delivery = "delivered"   // on the handset: the order counts as notified
)

// Rank orders delivery outcomes: InTransit < Undelivered < Delivered,
// and 0 for an unknown value. Delivered outranks Undelivered because a
// handset that got the text cannot un-get it, whatever a late report says.
func (d Delivery) Rank() int {
	switch d {
	case InTransit:
		return 1
	case Undelivered:
		return 2
	case Delivered:
		return 3
	}
	return 0
}

// Final reports whether d ends the story of a message: no later report of
// lower rank changes it.
func (d Delivery) Final() bool { return d == Delivered || d == Undelivered }

// DeliveryReport is a provider's callback about a message it accepted,
// decoded by ParseATDeliveryReport or ParseCourierStatus.
type DeliveryReport struct {
	ProviderID string   // the ID the provider's Send returned
	Delivery   Delivery // muster's reading of Status
	Status     string   // the provider's own status word, for the record
	// The fields below are Africa's Talking's; other providers leave them
	// empty.
	Phone         string // the number the provider delivered to
	Network       string // the mobile network's code (MCC+MNC)
	FailureReason string // why it failed, when it did
	RetryCount    int    // how many times the network retried
}

// Outbox is where the worker finds messages to send and records what
// became of them. The SQL store implements it over the outbox table;
// MemOutbox implements it in memory. Implementations must be safe for
// concurrent use by several workers, in several processes for a SQL
// outbox, and must pass smstest.Run.
//
// Unknown message IDs are NotFound errors; every method is otherwise
// idempotent, so a worker may repeat a call whose answer it lost.
type Outbox interface {
	// Claim leases up to limit messages that are due at now, oldest
	// first, for lease: it takes pending messages whose next attempt is at
	// or before now and whose last lease, if any, has run out by now. In
	// one atomic step it sets their lease to end at now+lease and adds one
	// to their Attempts, so that two Claims never return the same message
	// while its lease runs: a lease is a promise that no other worker
	// sends the message until it ends. (PostgreSQL: UPDATE ... WHERE id IN
	// (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING; SQLite: the
	// same UPDATE ... RETURNING in one write transaction.) A limit below
	// one or a lease not above zero is an Invalid error.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Message, error)

	// Sent records that a provider accepted message id under providerID
	// at at. The message becomes StateSent and is never claimed again.
	// Sent wins over everything: it applies even to a message that a late
	// worker has meanwhile released or dead-lettered, because the text
	// did go out. Repeating it keeps the first providerID and time.
	Sent(ctx context.Context, id int64, providerID string, at time.Time) error

	// Retry ends message id's lease and makes it due again at at, keeping
	// reason (the last failure) for officers to read. It has no effect on
	// a message that is sent or dead: a worker whose lease ran out must
	// not undo what another recorded.
	Retry(ctx context.Context, id int64, at time.Time, reason string) error

	// Dead moves message id to the dead-letter state with reason; it is
	// not claimed again until an operator requeues it. It has no effect
	// on a sent message.
	Dead(ctx context.Context, id int64, reason string) error

	// Delivered records a delivery report for the message sent under
	// providerID, at at. A report of lower Rank than the one recorded is
	// ignored (reports arrive out of order; Delivered is never undone),
	// and an equal one keeps the first time. The SQL store moves the
	// message's order from issued to notified when d is Delivered, in the
	// same transaction. No sent message with that providerID is a NotFound
	// error; an unknown d is an Invalid one.
	Delivered(ctx context.Context, providerID string, d Delivery, at time.Time) error
}

// checkMessage is what the worker verifies before handing a message to a
// provider: something no retry can repair, so a failure dead-letters it.
func checkMessage(m Message) error {
	if !ValidNumber(m.To) {
		return muster.Errorf(muster.Invalid, "message %d: field to: not an E.164 number (+ then 8 to 15 digits)", m.ID)
	}
	if m.Text == "" {
		return muster.Errorf(muster.Invalid, "message %d: field text: empty", m.ID)
	}
	return nil
}

// ValidNumber reports whether s is an E.164 phone number: a plus sign,
// then 8 to 15 digits, the first not zero. (The shortest national numbers
// with their country code have 8 digits; E.164 allows 15 at most.)
func ValidNumber(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String gives a message's identity for logs: its ID, order and topic,
// never its number or text.
func (m Message) String() string {
	return fmt.Sprintf("message %d (%s, order %q, attempt %d)", m.ID, m.Topic, m.OrderID, m.Attempts)
}
