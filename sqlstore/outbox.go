package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/tlog"
)

// Outbox topics beyond the order notices that issuing and ApplyOrderEvent
// queue ("order.issued", "order.changed", "order.decided",
// "order.compensated").
const (
	// TopicReply is an answer to an inbound SMS: it carries its own
	// recipient and text and concerns no order.
	TopicReply = "reply"
)

// Reasons Claim dead-letters a notice with, for officers reading the
// outbox.
const (
	reasonNoPhone = "no phone number"
	reasonStopped = "the addressee texted STOP"
)

// topicEvents are the events each notice topic announces: issuing, and
// the events ApplyOrderEvent queues a notice for (citizenTopics).
var topicEvents = func() map[string][]order.Event {
	m := map[string][]order.Event{"order.issued": {order.EventIssue}}
	for e, topic := range citizenTopics {
		m[topic] = append(m[topic], e)
	}
	return m
}()

// phoneDomain is the blind-index domain of phone numbers in sms_stops.
const phoneDomain = "sms.phone"

// Outbox is the outbox table as an sms.Outbox. A notice about an order is
// written when it is claimed, not when it is queued: the transaction that
// issues 10,000 orders only inserts (order, topic) rows, and the text
// says what the order is at the time it is sent. Notices are in the
// addressee's language when the registry knows it and the channels speak
// it, in French otherwise, and name the order by its
// numeric code, with Contact's USSD code and URL. It is safe for
// concurrent use by workers in several processes.
type Outbox struct {
	db      *DB
	contact citizen.Contact
	zone    *time.Location
}

var _ sms.Outbox = (*Outbox)(nil)

// Outbox returns the store's outbox. Notices tell citizens to reach muster
// at contact and give deadlines in zone (UTC when nil).
func (db *DB) Outbox(contact citizen.Contact, zone *time.Location) (*Outbox, error) {
	if err := contact.Validate(); err != nil {
		return nil, err
	}
	if zone == nil {
		zone = time.UTC
	}
	return &Outbox{db: db, contact: contact, zone: zone}, nil
}

// QueueReply queues text for the phone to, due at once: the answer to an
// inbound SMS. The number is sealed, bound to the text it goes with.
func (o *Outbox) QueueReply(ctx context.Context, to, text string) (int64, error) {
	if !sms.ValidNumber(to) {
		return 0, muster.Errorf(muster.Invalid, "reply: field to: not an E.164 number (+ then 8 to 15 digits)")
	}
	if text == "" {
		return 0, muster.Errorf(muster.Invalid, "reply: field text: empty")
	}
	return o.db.queueText(ctx, "", TopicReply, to, text)
}

// queueText inserts a message that carries its own recipient and text,
// about orderID ("" for none).
func (db *DB) queueText(ctx context.Context, orderID, topic, to, text string) (int64, error) {
	var ref any
	if orderID != "" {
		ref = orderID
	}
	recipient := db.keys.Seal([]byte(to), recipientAAD(text))
	var id int64
	err := db.sql.QueryRowContext(ctx, db.rebind(`INSERT INTO outbox (order_id, topic, state, created_at, recipient, body)
		VALUES (?, ?, 'pending', ?, ?, ?) RETURNING id`), ref, topic, db.now().UTC(), recipient, text).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue %s message: %w", topic, err)
	}
	return id, nil
}

// recipientAAD binds a sealed recipient to its text, so that a number
// moved to another row does not open.
func recipientAAD(text string) []byte { return []byte("outbox.recipient|" + text) }

// Stop records that phone texted STOP: notices to it are dead-lettered
// from now on. Stopping twice is stopping once.
func (o *Outbox) Stop(ctx context.Context, phone string) error {
	q := `INSERT INTO sms_stops (phone_index, created_at) VALUES (?, ?) ON CONFLICT (phone_index) DO NOTHING`
	_, err := o.db.sql.ExecContext(ctx, o.db.rebind(q), o.db.keys.Index(phoneDomain, phone), o.db.now().UTC())
	if err != nil {
		return fmt.Errorf("record STOP: %w", err)
	}
	return nil
}

// claimed is an outbox row as Claim takes it.
type claimed struct {
	id        int64
	orderID   sql.NullString
	topic     string
	attempts  int
	recipient []byte
	body      sql.NullString
}

// Claim implements sms.Outbox. It leases the rows and writes their texts
// in one transaction; a notice that cannot be sent (an addressee that is
// an organisation or has no phone, a phone that texted STOP, an order the
// notice no longer fits) is dead-lettered there with its reason and not
// returned.
func (o *Outbox) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]sms.Message, error) {
	if limit < 1 || lease <= 0 {
		return nil, muster.Errorf(muster.Invalid, "claiming %d messages for %v: need at least one, for a positive time", limit, lease)
	}
	now = now.UTC()
	lock := ""
	if o.db.dialect == postgres {
		// Workers racing on the table skip each other's rows instead of
		// waiting for them; SQLite's write transaction serializes claims.
		lock = " FOR UPDATE SKIP LOCKED"
	}
	query := `UPDATE outbox SET attempts = attempts + 1, lease_until = ?
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND (next_at IS NULL OR next_at <= ?)
			AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?` + lock + `)
		RETURNING id, order_id, topic, attempts, recipient, body`
	var out []sms.Message
	err := o.db.inTx(ctx, func(tx *dbTx) error {
		rows, err := tx.QueryContext(ctx, o.db.rebind(query), now.Add(lease), now, now, limit)
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		var batch []claimed
		for rows.Next() {
			var c claimed
			if err := rows.Scan(&c.id, &c.orderID, &c.topic, &c.attempts, &c.recipient, &c.body); err != nil {
				rows.Close()
				return fmt.Errorf("claim messages: %w", err)
			}
			batch = append(batch, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		for _, c := range batch {
			m, reason, err := o.render(ctx, tx, c)
			if err != nil {
				return err
			}
			if reason != "" {
				if _, err := tx.ExecContext(ctx, o.db.rebind(`UPDATE outbox SET state = 'dead', lease_until = NULL, reason = ? WHERE id = ?`),
					reason, c.id); err != nil {
					return fmt.Errorf("dead-letter message %d: %w", c.id, err)
				}
				continue
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b sms.Message) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// render writes the message of a claimed row. A non-empty reason says why
// it cannot be sent; an error is the database's.
func (o *Outbox) render(ctx context.Context, tx *dbTx, c claimed) (m sms.Message, reason string, err error) {
	m = sms.Message{ID: c.id, OrderID: c.orderID.String, Topic: c.topic, Attempts: c.attempts}
	if c.body.Valid {
		to, err := o.db.keys.Open(c.recipient, recipientAAD(c.body.String))
		if err != nil {
			return m, "the sealed recipient does not open: " + err.Error(), nil
		}
		m.To, m.Text = string(to), c.body.String
		return m, "", nil
	}
	if !c.orderID.Valid {
		return m, "a message about no order carries no text", nil
	}
	n, phone, lang, reason, err := o.notice(ctx, tx, c)
	if err != nil || reason != "" {
		return m, reason, err
	}
	var stopped int
	err = tx.QueryRowContext(ctx, o.db.rebind(`SELECT COUNT(*) FROM sms_stops WHERE phone_index = ?`),
		o.db.keys.Index(phoneDomain, phone)).Scan(&stopped)
	if err != nil {
		return m, "", fmt.Errorf("read STOP list: %w", err)
	}
	if stopped > 0 {
		return m, reasonStopped, nil
	}
	text, err := n.SMS(lang, o.contact)
	if err != nil {
		return m, err.Error(), nil
	}
	m.To, m.Text = phone, text
	return m, "", nil
}

// notice reads the order a row announces, the addressee's phone and the
// language to write in. The
// state and deadline are those of the event the row was queued with (the
// event recorded at the row's own instant, in the same transaction), so
// that a decision is announced as decided even if the order has moved on
// since.
func (o *Outbox) notice(ctx context.Context, tx *dbTx, c claimed) (n citizen.Notice, phone string, lang citizen.Language, reason string, err error) {
	lang = citizen.French
	events := topicEvents[c.topic]
	if len(events) == 0 {
		return n, "", lang, fmt.Sprintf("topic %q has no notice", c.topic), nil
	}
	var (
		code, kind, state, body string
		personLang              sql.NullString
		deadline                time.Time
		idx, sealed             []byte
		eventState              sql.NullString
		eventDeadline           sql.NullTime
	)
	args := []any{}
	for _, e := range events {
		args = append(args, string(e))
	}
	args = append(args, c.id)
	// Several events can share a millisecond (a deferral and the handover
	// after it): the one announced is the topic's.
	err = tx.QueryRowContext(ctx, o.db.rebind(`SELECT o.code, o.kind, o.state, o.deadline, o.details, p.nid_index, p.personal,
			p.language, e.to_state, e.deadline
		FROM outbox x JOIN orders o ON o.id = x.order_id
		LEFT JOIN persons p ON p.id = o.addressee_person_id
		LEFT JOIN order_events e ON e.order_id = o.id AND e.at = x.created_at AND e.event IN `+placeholders(1, len(events))+`
		WHERE x.id = ? ORDER BY e.seq DESC LIMIT 1`), args...).
		Scan(&code, &kind, &state, &deadline, &body, &idx, &sealed, &personLang, &eventState, &eventDeadline)
	if err != nil {
		return n, "", lang, "", fmt.Errorf("read order of message %d: %w", c.id, err)
	}
	if sealed == nil {
		return n, "", lang, reasonNoPhone, nil // an organisation: no phone in the registry
	}
	pf, err := o.db.openPersonal(idx, sealed)
	if err != nil {
		return n, "", lang, "the addressee's sealed record does not open: " + err.Error(), nil
	}
	if pf.phone == "" {
		return n, "", lang, reasonNoPhone, nil
	}
	if l, err := citizen.ParseLanguage(personLang.String); err == nil {
		lang = l
	}
	if eventState.Valid {
		state = eventState.String
	}
	if eventDeadline.Valid {
		deadline = eventDeadline.Time
	}
	n = citizen.Notice{Code: order.Code(code), OrderKind: order.Kind(kind), State: order.State(state), Deadline: deadline.In(o.zone)}
	switch c.topic {
	case "order.issued":
		n.Kind = citizen.NoticeIssued
	case "order.changed":
		n.Kind = citizen.NoticeChanged
	case "order.decided":
		n.Kind = citizen.NoticeDecided
	case "order.compensated":
		n.Kind = citizen.NoticePaid
		var d details
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			return n, "", lang, "the order's details do not read: " + err.Error(), nil
		}
		if d.Compensation == nil {
			return n, "", lang, "the order records no compensation", nil
		}
		n.AmountXOF = d.Compensation.AmountXOF
	}
	return n, pf.phone, lang, "", nil
}

// Sent implements sms.Outbox.
func (o *Outbox) Sent(ctx context.Context, id int64, providerID string, at time.Time) error {
	var ref any
	if providerID != "" {
		ref = providerID
	}
	return o.update(ctx, id, `UPDATE outbox SET state = 'sent', provider_id = ?, sent_at = ?, lease_until = NULL
		WHERE id = ? AND state <> 'sent'`, ref, at.UTC(), id)
}

// Retry implements sms.Outbox.
func (o *Outbox) Retry(ctx context.Context, id int64, at time.Time, reason string) error {
	return o.update(ctx, id, `UPDATE outbox SET next_at = ?, lease_until = NULL, reason = ? WHERE id = ? AND state = 'pending'`,
		at.UTC(), reason, id)
}

// Dead implements sms.Outbox.
func (o *Outbox) Dead(ctx context.Context, id int64, reason string) error {
	return o.update(ctx, id, `UPDATE outbox SET state = 'dead', lease_until = NULL, reason = ? WHERE id = ? AND state = 'pending'`,
		reason, id)
}

// update runs a conditional update of message id. A row the condition
// leaves alone is fine (the methods are idempotent, and a late Retry must
// not undo a Sent); a row that does not exist is NotFound.
func (o *Outbox) update(ctx context.Context, id int64, query string, args ...any) error {
	res, err := o.db.sql.ExecContext(ctx, o.db.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("outbox message %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var one int
	err = o.db.sql.QueryRowContext(ctx, o.db.rebind(`SELECT 1 FROM outbox WHERE id = ?`), id).Scan(&one)
	return notFound(err, "no message %d in the outbox", id)
}

// Delivered implements sms.Outbox. A delivered "order.issued" notice
// moves its order from issued to notified, by the system, in the same
// transaction: the order reached the addressee's phone.
func (o *Outbox) Delivered(ctx context.Context, providerID string, d sms.Delivery, at time.Time) error {
	if d.Rank() == 0 {
		return muster.Errorf(muster.Invalid, "delivery %q for provider message %q: not one of in_transit, undelivered, delivered", d, providerID)
	}
	lock := ""
	if o.db.dialect == postgres {
		lock = " FOR UPDATE"
	}
	now := o.db.now().UTC().Truncate(time.Millisecond)
	return o.db.inTx(ctx, func(tx *dbTx) error {
		rows, err := tx.QueryContext(ctx, o.db.rebind(`SELECT id, order_id, topic, delivery FROM outbox
			WHERE provider_id = ? AND state = 'sent' ORDER BY id`+lock), providerID)
		if err != nil {
			return fmt.Errorf("delivery report: %w", err)
		}
		type sent struct {
			id       int64
			orderID  sql.NullString
			topic    string
			delivery string
		}
		var found []sent
		for rows.Next() {
			var s sent
			if err := rows.Scan(&s.id, &s.orderID, &s.topic, &s.delivery); err != nil {
				rows.Close()
				return fmt.Errorf("delivery report: %w", err)
			}
			found = append(found, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("delivery report: %w", err)
		}
		if len(found) == 0 {
			return muster.Errorf(muster.NotFound, "no sent message has provider ID %q", providerID)
		}
		for _, s := range found {
			if d.Rank() > sms.Delivery(s.delivery).Rank() {
				if _, err := tx.ExecContext(ctx, o.db.rebind(`UPDATE outbox SET delivery = ?, delivery_at = ? WHERE id = ?`),
					string(d), at.UTC(), s.id); err != nil {
					return fmt.Errorf("delivery report for message %d: %w", s.id, err)
				}
			}
			if d == sms.Delivered && s.topic == "order.issued" && s.orderID.Valid {
				if err := o.db.notifyInTx(ctx, tx, s.orderID.String, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// notifyInTx records that order id reached its addressee, if it is still
// issued (a second report, or an officer who handed the paper over
// first, leave it as it is): the notify event, its log leaf and the new
// state, in the caller's transaction.
func (db *DB) notifyInTx(ctx context.Context, tx *dbTx, id string, now time.Time) error {
	o, err := db.loadOrder(ctx, tx, id)
	if err != nil {
		return err
	}
	if o.State != order.StateIssued {
		return nil
	}
	rec, err := o.Apply(order.EventNotify, order.SystemActor, now, "SMS delivered to the addressee's phone")
	if err != nil {
		return fmt.Errorf("order %s: %w", o.Code, err)
	}
	res, err := tx.ExecContext(ctx, db.rebind(`UPDATE orders SET state = ?, seq = ? WHERE id = ? AND seq = ?`),
		string(o.State), o.Seq, o.ID, o.Seq-1)
	if err != nil {
		return fmt.Errorf("notify order %s: %w", o.Code, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return muster.Errorf(muster.Conflict, "order %s changed meanwhile; try again", o.Code)
	}
	return db.recordEvents(ctx, tx, []order.Record{rec}, []tlog.Entry{db.logEntry(o.Order, rec, "")})
}
