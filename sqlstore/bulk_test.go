package sqlstore

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/muster-org/muster/order"
)

// TestRowsQuery: on SQLite a value every row holds is bound once, as long
// as some column still varies; bytes are never taken as shared; on
// PostgreSQL the rows stay a plain VALUES list.
func TestRowsQuery(t *testing.T) {
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		dialect   dialect
		rows      [][]any
		wantQuery string
		wantArgs  []any
	}{
		{"shared text, time and NULL", sqlite,
			[][]any{{"a", "issued", at, nil, int64(1)}, {"b", "issued", at, nil, int64(2)}},
			"SELECT column1, ?, ?, ?, column2 FROM (VALUES (?,?),(?,?))",
			[]any{"issued", at, nil, "a", int64(1), "b", int64(2)}},
		{"nothing shared", sqlite,
			[][]any{{"a", int64(1)}, {"b", int64(2)}},
			"VALUES (?,?),(?,?)",
			[]any{"a", int64(1), "b", int64(2)}},
		{"everything shared", sqlite,
			[][]any{{"a", int64(1)}, {"a", int64(1)}},
			"VALUES (?,?),(?,?)",
			[]any{"a", int64(1), "a", int64(1)}},
		{"one row", sqlite,
			[][]any{{"a", int64(1)}},
			"VALUES (?,?)",
			[]any{"a", int64(1)}},
		{"equal bytes, times in other zones, numbers of other types", sqlite,
			[][]any{{[]byte("x"), at, int64(1), "a"}, {[]byte("x"), at.In(time.FixedZone("WAT", 3600)), 1, "a"}},
			"SELECT column1, column2, column3, ? FROM (VALUES (?,?,?),(?,?,?))",
			[]any{"a", []byte("x"), at, int64(1), []byte("x"), at.In(time.FixedZone("WAT", 3600)), 1}},
		{"postgres", postgres,
			[][]any{{"a", "issued"}, {"b", "issued"}},
			"VALUES (?,?),(?,?)",
			[]any{"a", "issued", "b", "issued"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &DB{dialect: tt.dialect}
			query, args := db.rowsQuery(tt.rows)
			if query != tt.wantQuery || !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("rowsQuery = %q %v\nwant %q %v", query, args, tt.wantQuery, tt.wantArgs)
			}
		})
	}
}

// TestInsertManySharedValues: rows written with their shared values bound
// once read back as written, in a chunk of its own and in a full one.
func TestInsertManySharedValues(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.Exec(ctx, `CREATE TABLE shared_values (k BIGINT PRIMARY KEY, state TEXT NOT NULL, at TIMESTAMP NOT NULL, note TEXT, body BYTEA)`); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
		cols := []string{"k", "state", "at", "note", "body"}
		per := min(sqliteRowsPerStatement, 30000/len(cols))
		rows := make([][]any, per+3)
		for i := range rows {
			rows[i] = []any{int64(i), "pending", at, nil, []byte{byte(i)}}
		}
		rows[len(rows)-1][3] = "last" // the short chunk's note varies
		if err := db.inTx(ctx, func(tx *dbTx) error { return db.insertMany(ctx, tx, "shared_values", cols, rows) }); err != nil {
			t.Fatal(err)
		}
		got, err := db.sql.QueryContext(ctx, `SELECT k, state, at, note, body FROM shared_values ORDER BY k`)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Close()
		n := 0
		for ; got.Next(); n++ {
			var k int64
			var state string
			var stored time.Time
			var note sql.NullString
			var body []byte
			if err := got.Scan(&k, &state, &stored, &note, &body); err != nil {
				t.Fatal(err)
			}
			want := rows[n]
			wantNote, _ := want[3].(string)
			if k != want[0] || state != want[1] || !stored.Equal(at) || note.String != wantNote || note.Valid != (wantNote != "") || string(body) != string(want[4].([]byte)) {
				t.Errorf("row %d = %d %s %s %v %v, want %v", n, k, state, stored, note, body, want)
			}
		}
		if err := got.Err(); err != nil || n != len(rows) {
			t.Errorf("%d rows read back (%v), want %d", n, err, len(rows))
		}
	})
}

// TestAlikePairs: only pairs of one order's consecutive events, alike from
// pair to pair and without notes, go as one row per order.
func TestAlikePairs(t *testing.T) {
	now := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	pair := func(id string, seq int64) []order.Record {
		return []order.Record{
			{OrderID: id, Seq: seq, Event: order.EventApprove, From: order.StateDraft, To: order.StateApproved, Actor: "approver", Role: "approver", At: now},
			{OrderID: id, Seq: seq + 1, Event: order.EventIssue, From: order.StateApproved, To: order.StateIssued, Actor: "system", Role: "system", At: now},
		}
	}
	issuing := func() []order.Record { return append(pair("A", 2), pair("B", 2)...) }
	if !alikePairs(issuing()) {
		t.Error("issuing's records are not taken as alike pairs")
	}
	tests := map[string]func([]order.Record) []order.Record{
		"none":               func([]order.Record) []order.Record { return nil },
		"odd":                func(r []order.Record) []order.Record { return r[:3] },
		"other order":        func(r []order.Record) []order.Record { r[3].OrderID = "C"; return r },
		"gap in seq":         func(r []order.Record) []order.Record { r[3].Seq++; return r },
		"other actor":        func(r []order.Record) []order.Record { r[2].Actor = "approver.2"; return r },
		"other time":         func(r []order.Record) []order.Record { r[3].At = now.Add(time.Millisecond); return r },
		"other deadline":     func(r []order.Record) []order.Record { r[1].Deadline = now; return r },
		"a note":             func(r []order.Record) []order.Record { r[0].Note = "n"; return r },
		"other event":        func(r []order.Record) []order.Record { r[2].Event = order.EventIssue; return r },
		"other target state": func(r []order.Record) []order.Record { r[1].To = order.StateDraft; return r },
	}
	for name, change := range tests {
		if alikePairs(change(issuing())) {
			t.Errorf("%s: taken as alike pairs", name)
		}
	}
}

// TestIssuedEventsAsRecorded: the approve and issue events of a batch
// larger than one statement are stored as recorded, each with its leaf.
func TestIssuedEventsAsRecorded(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		issued, err := db.ApproveOrders(ctx, draftCallUps(t, db, sqliteRowsPerStatement+2), approver, db.AddresseeRef)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(issued))
		for i, o := range issued {
			ids[i] = o.ID
		}
		events, err := db.ordersEvents(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range issued {
			got := events[o.ID]
			want := []StoredEvent{
				{Record: order.Record{OrderID: o.ID, Seq: 2, Event: order.EventApprove, From: order.StateDraft, To: order.StateApproved,
					Actor: approver.Name, Role: approver.Role, At: o.IssuedAt}, LogIndex: o.LogIndex - 1},
				{Record: order.Record{OrderID: o.ID, Seq: 3, Event: order.EventIssue, From: order.StateApproved, To: order.StateIssued,
					Actor: order.SystemActor.Name, Role: order.SystemActor.Role, At: o.IssuedAt}, LogIndex: o.LogIndex},
			}
			if len(got) != 3 || !reflect.DeepEqual(got[1:], want) {
				t.Fatalf("order %s: events %+v\nwant draft then %+v", o.ID, got, want)
			}
		}
		signAndVerifyLog(t, db, "after issuing")
	})
}
