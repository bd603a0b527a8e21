package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/sms/smstest"
	"github.com/muster-org/muster/trust"
)

var testContact = citizen.Contact{USSD: "*384*123#", URL: "https://muster.test/c"}

func testOutbox(t *testing.T, db *DB) *Outbox {
	t.Helper()
	o, err := db.Outbox(testContact, time.FixedZone("WAT", 3600))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestOutboxConformance runs package sms's outbox suite on both
// databases. The suite's messages carry their own numbers and texts, so
// they are seeded as messages that do (like replies), about stub orders
// that exist only so that the rows' order IDs are real.
func TestOutboxConformance(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		var personID, areaID, authorityID int64
		if err := db.sql.QueryRowContext(ctx, `SELECT p.id, p.area_id, (SELECT MIN(id) FROM authorities) FROM persons p ORDER BY p.id LIMIT 1`).
			Scan(&personID, &areaID, &authorityID); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		for i := range 60 {
			if _, err := db.sql.ExecContext(ctx, db.rebind(`INSERT INTO orders (id, code, kind, addressee_person_id, area_id, authority_id,
				state, seq, deadline, details, drafted_by, created_at) VALUES (?, ?, 'call_up', ?, ?, ?, 'notified', 4, ?, '{}', 'seed', ?)`),
				fmt.Sprintf("ORD-%06d", i), string(order.NewCode()), personID, areaID, authorityID, now.Add(time.Hour), now); err != nil {
				t.Fatal(err)
			}
		}
		outbox := testOutbox(t, db)
		smstest.Run(t, func(t *testing.T, msgs []sms.Message) sms.Outbox {
			if _, err := db.sql.ExecContext(ctx, `DELETE FROM outbox`); err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if _, err := db.queueText(ctx, m.OrderID, m.Topic, m.To, m.Text); err != nil {
					t.Fatal(err)
				}
			}
			return outbox
		})
	})
}

// issueTo drafts and issues one order per owner and returns them.
func issueTo(t *testing.T, db *DB, owners ...registry.Owner) []IssuedOrder {
	t.Helper()
	ctx := context.Background()
	var drafts []order.Order
	for _, w := range owners {
		o := callUp(w.ID)
		if w.Kind == registry.OwnerOrganisation {
			o.Kind, o.Items = order.Requisition, []order.Item{{Type: "fuel.diesel", Quantity: 400, Unit: "l"}}
		}
		o.Addressee = w
		drafts = append(drafts, o)
	}
	drafted, err := db.DraftOrders(ctx, drafts, officer)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range drafted {
		ids = append(ids, d.ID)
	}
	issued, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef)
	if err != nil {
		t.Fatal(err)
	}
	return issued
}

// outboxRow is what a test reads of a row.
type outboxRow struct {
	state, reason, delivery string
}

func readOutbox(t *testing.T, db *DB, id int64) outboxRow {
	t.Helper()
	var r outboxRow
	if err := db.sql.QueryRow(db.rebind(`SELECT state, reason, delivery FROM outbox WHERE id = ?`), id).Scan(&r.state, &r.reason, &r.delivery); err != nil {
		t.Fatal(err)
	}
	return r
}

func outboxIDs(t *testing.T, db *DB) map[string]int64 {
	t.Helper()
	rows, err := db.sql.Query(`SELECT id, order_id, topic FROM outbox WHERE order_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var orderID, topic string
		if err := rows.Scan(&id, &orderID, &topic); err != nil {
			t.Fatal(err)
		}
		out[orderID+" "+topic] = id
	}
	return out
}

// TestOutboxIssuedNotices claims the notices of issued orders: the one to
// a person with a phone is written in French with the numeric code; the
// ones to an organisation and to a person without a phone are
// dead-lettered. The delivery report of the first notifies its order.
func TestOutboxIssuedNotices(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		silent := person("NE0003", "NE.DS")
		silent.Phone = ""
		if err := db.UpsertPersons(ctx, []registry.Person{silent}); err != nil {
			t.Fatal(err)
		}
		if err := db.UpsertOrganisations(ctx, []registry.Organisation{{OrgID: "ORG-1", Name: "Transports", Kind: "transporter", Area: "NE.DS"}}); err != nil {
			t.Fatal(err)
		}
		issued := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"},
			registry.Owner{Kind: registry.OwnerPerson, ID: "NE0003"}, registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-1"})
		outbox := testOutbox(t, db)
		now := time.Now()
		got, err := outbox.Claim(ctx, now, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("claimed %d messages, want 1 (the others have no phone): %+v", len(got), got)
		}
		m := got[0]
		num := citizen.NumericCode(issued[0].Code)
		wantText := fmt.Sprintf("Ordre d'appel %s, délai %s. Vérifiez et répondez: *384*123# ou https://muster.test/c",
			num, citizen.FormatDeadline(issued[0].Deadline.In(time.FixedZone("WAT", 3600))))
		if m.To != "+22790112233" || m.Text != wantText || m.OrderID != issued[0].ID || m.Topic != "order.issued" || m.Attempts != 1 {
			t.Errorf("message = %+v\nwant to +22790112233, text %q", m, wantText)
		}
		ids := outboxIDs(t, db)
		for _, o := range issued[1:] {
			if r := readOutbox(t, db, ids[o.ID+" order.issued"]); r.state != "dead" || r.reason != reasonNoPhone {
				t.Errorf("notice of order to %s: %+v, want dead: %s", o.Addressee, r, reasonNoPhone)
			}
		}

		if err := outbox.Sent(ctx, m.ID, "ATXid_1", now); err != nil {
			t.Fatal(err)
		}
		if err := outbox.Delivered(ctx, "ATXid_1", sms.InTransit, now); err != nil {
			t.Fatal(err)
		}
		if o, _ := db.Order(ctx, issued[0].ID, ""); o.State != order.StateIssued {
			t.Errorf("after an in-transit report: state %s, want issued", o.State)
		}
		for range 2 { // a repeated report changes nothing more
			if err := outbox.Delivered(ctx, "ATXid_1", sms.Delivered, now); err != nil {
				t.Fatal(err)
			}
		}
		o, err := db.Order(ctx, issued[0].ID, "")
		if err != nil || o.State != order.StateNotified {
			t.Fatalf("after delivery: state %s (%v), want notified", o.State, err)
		}
		events, err := db.OrderEvents(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if len(events) != 4 || last.Event != order.EventNotify || last.Actor != order.SystemActor.Name {
			t.Errorf("events end with %+v (%d events), want one notify by the system", last, len(events))
		}
		if r := readOutbox(t, db, m.ID); r.state != "sent" || r.delivery != string(sms.Delivered) {
			t.Errorf("row after delivery: %+v", r)
		}
		leaf, err := db.Log().Leaf(ctx, last.LogIndex)
		if err != nil || !strings.Contains(string(leaf), `"notify"`) {
			t.Errorf("notify leaf %q: %v", leaf, err)
		}
	})
}

// TestOutboxDecisionNotice announces a deferral with its new deadline,
// even when the order has moved on by the time the notice is claimed.
func TestOutboxDecisionNotice(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		o := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"})[0]
		until := o.Deadline.Add(30 * 24 * time.Hour)
		for _, c := range []Change{
			{Event: order.EventNotify, Actor: order.SystemActor},
			{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "sole_caregiver"},
			{Event: order.EventDefer, Actor: order.Actor{Role: auth.Reviewer, Name: "board"}, Until: until},
			{Event: order.EventFulfil, Actor: officer},
		} {
			if _, err := db.ApplyOrderEvent(ctx, o.ID, "", c); err != nil {
				t.Fatalf("%s: %v", c.Event, err)
			}
		}
		outbox := testOutbox(t, db)
		got, err := outbox.Claim(ctx, time.Now(), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range got {
			texts = append(texts, m.Topic+": "+m.Text)
		}
		want := fmt.Sprintf("order.decided: Décision sur votre demande (ordre %s): report accordé. Nouveau délai: %s.",
			citizen.NumericCode(o.Code), citizen.FormatDeadline(until.In(time.FixedZone("WAT", 3600))))
		if len(texts) != 2 || texts[1] != want {
			t.Errorf("claimed %q\nwant the issue notice, then %q", texts, want)
		}
	})
}

// TestOutboxRepliesAndStop: a reply carries its own number, sealed at
// rest; STOP silences notices to a phone but not replies to it.
func TestOutboxRepliesAndStop(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		outbox := testOutbox(t, db)
		const phone = "+22790112233" // NE0001's
		if err := outbox.Stop(ctx, phone); err != nil {
			t.Fatal(err)
		}
		if err := outbox.Stop(ctx, phone); err != nil {
			t.Fatalf("second STOP: %v", err)
		}
		issued := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"})
		replyID, err := outbox.QueueReply(ctx, phone, "Vous ne recevrez plus nos SMS.")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, to, text string }{
			{"no plus", "22790112233", "x"},
			{"empty text", phone, ""},
		} {
			if _, err := outbox.QueueReply(ctx, tc.to, tc.text); muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("%s: QueueReply: %v, want Invalid", tc.name, err)
			}
		}
		var sealed []byte
		if err := db.sql.QueryRow(db.rebind(`SELECT recipient FROM outbox WHERE id = ?`), replyID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, []byte("90112233")) {
			t.Error("the reply's number is stored in clear")
		}
		got, err := outbox.Claim(ctx, time.Now(), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != replyID || got[0].To != phone || got[0].OrderID != "" || got[0].Topic != TopicReply {
			t.Fatalf("claimed %+v, want only the reply", got)
		}
		if r := readOutbox(t, db, outboxIDs(t, db)[issued[0].ID+" order.issued"]); r.state != "dead" || r.reason != reasonStopped {
			t.Errorf("notice to a stopped phone: %+v", r)
		}
	})
}

// TestOutboxWorker drains the SQL outbox through a real worker into a
// file provider.
func TestOutboxWorker(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		issued := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0002"})
		var out bytes.Buffer
		w := &sms.Worker{Outbox: testOutbox(t, db), Provider: sms.NewFileProvider(&out)}
		st, err := w.Drain(ctx)
		if err != nil || st.Sent != 2 {
			t.Fatalf("drain: %+v, %v", st, err)
		}
		byOrder := map[string]sms.FileLine{} // the worker sends concurrently: lines come in any order
		for _, l := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
			var fl sms.FileLine
			if err := json.Unmarshal(l, &fl); err != nil {
				t.Fatal(err)
			}
			byOrder[fl.OrderID] = fl
		}
		for _, o := range issued {
			if l := byOrder[o.ID]; l.To != "+22790112233" || !strings.Contains(l.Text, citizen.NumericCode(o.Code)) {
				t.Errorf("order %s: file line %+v", o.Code, l)
			}
		}
		if st, err := w.Drain(ctx); err != nil || st != (sms.Stats{}) {
			t.Errorf("second drain: %+v, %v; want nothing left", st, err)
		}
	})
}

// BenchmarkOutboxDrain measures the SQL outbox under a worker: claim
// (with each notice written from its order and the addressee's sealed
// phone), send to a file provider, record as sent. It reports the time
// per message on SQLite.
func BenchmarkOutboxDrain(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db := OpenTest(b, b.TempDir()+"/muster.db")
		if err := db.SaveAreas(ctx, testAreas); err != nil {
			b.Fatal(err)
		}
		var persons []registry.Person
		var drafts []order.Order
		for i := range n {
			p := person(fmt.Sprintf("NE%05d", i), "NE.DS")
			persons = append(persons, p)
			drafts = append(drafts, callUp(p.NationalID))
		}
		if err := db.UpsertPersons(ctx, persons); err != nil {
			b.Fatal(err)
		}
		if err := db.CreateAuthority(ctx, Authority{Code: "NE-MOB-DS", Name: "Dosso", Area: "NE.DS"}); err != nil {
			b.Fatal(err)
		}
		key, priv := trust.GenerateKey("NE-MOB-DS", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
		if err := db.AddKey(ctx, key, priv); err != nil {
			b.Fatal(err)
		}
		drafted, err := db.DraftOrders(ctx, drafts, officer)
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for _, d := range drafted {
			ids = append(ids, d.ID)
		}
		if _, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef); err != nil {
			b.Fatal(err)
		}
		outbox, err := db.Outbox(testContact, nil)
		if err != nil {
			b.Fatal(err)
		}
		w := &sms.Worker{Outbox: outbox, Provider: sms.NewFileProvider(io.Discard), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		b.StartTimer()
		start := time.Now()
		st, err := w.Drain(ctx)
		if err != nil || st.Sent != n {
			b.Fatalf("drain: %+v, %v", st, err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/n, "µs/message")
	}
}

// TestPersonLanguage: the registry's language of a person is kept, found
// from their phone number (with or without the plus), and used for the
// notices sent to them; a language the channels do not speak falls back
// to French.
func TestPersonLanguage(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		hausa, other := person("NE0001", "NE.DS.D01"), person("NE0002", "NE.DF")
		hausa.Language = "ha"
		other.Phone, other.Language = "+22791000000", "sw"
		if err := db.UpsertPersons(ctx, []registry.Person{hausa, other}); err != nil {
			t.Fatal(err)
		}
		if p, err := db.Person(ctx, "NE0001", ""); err != nil || p.Language != "ha" {
			t.Fatalf("person NE0001: language %q, %v", p.Language, err)
		}
		citizens := db.Citizens(nil)
		for _, tc := range []struct {
			phone string
			want  citizen.Language
			ok    bool
		}{
			{"+22790112233", citizen.Hausa, true},
			{"22790112233", citizen.Hausa, true},
			{"+22791000000", "", false}, // Swahili: not spoken by the channels
			{"+22799999999", "", false},
			{"not a phone", "", false},
		} {
			if got, ok := citizens.PreferredLanguage(ctx, tc.phone); got != tc.want || ok != tc.ok {
				t.Errorf("PreferredLanguage(%q) = %q %v, want %q %v", tc.phone, got, ok, tc.want, tc.ok)
			}
		}

		issued := issueTo(t, db, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0001"}, registry.Owner{Kind: registry.OwnerPerson, ID: "NE0002"})
		got, err := testOutbox(t, db).Claim(ctx, time.Now(), 10, time.Minute)
		if err != nil || len(got) != 2 {
			t.Fatalf("claimed %d messages (%v), want 2", len(got), err)
		}
		for i, want := range []citizen.Language{citizen.Hausa, citizen.French} {
			n := citizen.Notice{Kind: citizen.NoticeIssued, Code: issued[i].Code, OrderKind: issued[i].Kind, State: order.StateIssued,
				Deadline: issued[i].Deadline.In(time.FixedZone("WAT", 3600))}
			text, err := n.SMS(want, testContact)
			if err != nil {
				t.Fatal(err)
			}
			if got[i].OrderID != issued[i].ID || got[i].Text != text {
				t.Errorf("notice %d = %q, want in %s %q", i, got[i].Text, want, text)
			}
		}
	})
}
