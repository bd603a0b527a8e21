package sqlstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/tlog/tlogtest"
	"github.com/muster-org/muster/trust"
)

// draftCallUps drafts n call-ups and returns their ids.
func draftCallUps(t *testing.T, db *DB, n int) []string {
	t.Helper()
	drafts := make([]order.Order, n)
	for i := range drafts {
		drafts[i] = callUp([]string{"NE0001", "NE0002"}[i%2])
	}
	drafted, err := db.DraftOrders(context.Background(), drafts, officer)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i, o := range drafted {
		ids[i] = o.ID
	}
	return ids
}

// TestIssueBatches issues batches prepared ahead of their transaction,
// with another writer appending to the log between two of them: the
// batch prepared for the old log size is prepared again, and every
// order's signed log index is where its issue leaf is.
func TestIssueBatches(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		key := seedOrders(t, db)
		ids := draftCallUps(t, db, 7)
		batches := [][]string{ids[:3], ids[3:5], ids[5:]}
		var issued []IssuedOrder
		calls := 0
		err := db.IssueBatches(ctx, batches, approver, db.AddresseeRef, func(b []IssuedOrder) error {
			calls++
			issued = append(issued, b...)
			if calls == 1 { // another officer drafts: the log grows by one leaf
				draftCallUps(t, db, 1)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 3 || len(issued) != 7 {
			t.Fatalf("%d calls, %d orders issued; want 3 and 7", calls, len(issued))
		}
		tl, err := trust.NewTrustList([]trust.Key{key}, 1, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range issued {
			if o.ID != ids[i] || o.State != order.StateIssued {
				t.Fatalf("issued[%d] = %s in state %s, want %s issued", i, o.ID, o.State, ids[i])
			}
			claims, err := qr.Verify(o.Signed, tl, time.Now())
			if err != nil || claims.LogIndex != o.LogIndex {
				t.Fatalf("order %s: claims %+v, %v; want log index %d", o.Code, claims, err, o.LogIndex)
			}
			leaf, err := db.Log().Leaf(ctx, o.LogIndex)
			if err != nil {
				t.Fatal(err)
			}
			e, err := tlog.ParseLeaf(leaf)
			if err != nil || e.Event != "issue" || e.Subject != o.ID || e.DataHash != sha256.Sum256([]byte(o.Signed)) {
				t.Errorf("order %s: leaf %d = %+v, %v", o.Code, o.LogIndex, e, err)
			}
			stored, err := db.Order(ctx, o.ID, "")
			if err != nil || stored.Signed != o.Signed || stored.LogIndex != o.LogIndex {
				t.Errorf("order %s as stored: log index %d, %v", o.Code, stored.LogIndex, err)
			}
		}
		// The drafting between the batches sits between their leaves.
		if issued[3].LogIndex != issued[2].LogIndex+3 {
			t.Errorf("second batch starts at leaf %d, first ends at %d: want the draft's one leaf between them", issued[3].LogIndex-1, issued[2].LogIndex)
		}
		signAndVerifyLog(t, db, "after issuing")
	})
}

// TestIssueBatchesStopsAtAChangedDraft: an order of a prepared batch is
// approved elsewhere before the batch is written; the batch fails naming
// it, the batches before it stay issued, nothing after it is written.
func TestIssueBatchesStopsAtAChangedDraft(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		ids := draftCallUps(t, db, 6)
		batches := [][]string{ids[:2], ids[2:4], ids[4:]}
		calls := 0
		err := db.IssueBatches(ctx, batches, approver, db.AddresseeRef, func([]IssuedOrder) error {
			calls++
			if _, err := db.ApproveOrders(ctx, ids[3:4], approver, db.AddresseeRef); err != nil {
				t.Fatal(err)
			}
			return nil
		})
		code := ""
		if o, err := db.Order(ctx, ids[3], ""); err == nil {
			code = o.Code.String()
		}
		if muster.ErrorKind(err) != muster.Conflict || !strings.Contains(err.Error(), code) {
			t.Fatalf("err = %v, want a conflict naming order %s", err, code)
		}
		counts, _ := db.CountOrders(ctx, "")
		if calls != 1 || counts[order.StateIssued] != 3 || counts[order.StateDraft] != 3 {
			t.Errorf("%d batches done, counts %v; want 1 batch, 3 issued and 3 drafts", calls, counts)
		}
		var queued int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&queued); err != nil || queued != 3 {
			t.Errorf("outbox holds %d messages, want 3 (%v)", queued, err)
		}
	})
}

// TestIssueBatchesStopsWhenDoneFails: the caller's error after a batch
// stops the run there; the batch it was told of stays issued.
func TestIssueBatchesStopsWhenDoneFails(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		ids := draftCallUps(t, db, 6)
		stop := errors.New("the progress file is full")
		err := db.IssueBatches(ctx, [][]string{ids[:2], ids[2:4], ids[4:]}, approver, db.AddresseeRef, func([]IssuedOrder) error { return stop })
		if !errors.Is(err, stop) {
			t.Fatalf("err = %v, want the caller's", err)
		}
		counts, _ := db.CountOrders(ctx, "")
		if counts[order.StateIssued] != 2 || counts[order.StateDraft] != 4 {
			t.Errorf("counts %v; want 2 issued and 4 drafts", counts)
		}
	})
}

// TestCoreShare: the writer's reservation holds back parallel work until a
// core is given back, and a nil share never holds anything back.
func TestCoreShare(t *testing.T) {
	var none *coreShare
	none.take()
	none.give()

	share := newCoreShare(2)
	share.take() // a signer holds one core
	share.reserve()
	took := make(chan struct{})
	go func() {
		share.take()
		close(took)
	}()
	select {
	case <-took:
		t.Fatal("a second signer got a core while the writer and the first signer held both")
	case <-time.After(50 * time.Millisecond):
	}
	share.give() // the first signer's piece is done
	select {
	case <-took:
	case <-time.After(5 * time.Second):
		t.Fatal("the second signer did not get the core the first gave back")
	}
}

// TestDraftListReadsDraftsTable: the national list of drafts, which bulk
// approval pages through, reads the table of drafts instead of every
// order, and needs no sort (SQLite's plan; migration 00016).
func TestDraftListReadsDraftsTable(t *testing.T) {
	ctx := context.Background()
	db := OpenTest(t, filepath.Join(t.TempDir(), "muster.db"))
	query, args, err := db.listOrdersQuery(ctx, OrderFilter{State: order.StateDraft, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}

	rows, err := db.sql.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "SEARCH order_drafts") || strings.Contains(text, "SCAN o") || strings.Contains(text, "TEMP B-TREE") {
		t.Fatalf("the list of drafts does not page through order_drafts alone; plan:\n%s", text)
	}
}

// TestDraftListFollowsIssuing: the list of drafts holds every order drafted
// and none issued, on both databases, page after page, with a batch
// filter too; the table of drafts behind it is kept by triggers.
func TestDraftListFollowsIssuing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		ids := draftCallUps(t, db, 9)
		if _, err := db.ApproveOrders(ctx, []string{ids[1], ids[4], ids[8]}, approver, db.AddresseeRef); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i, id := range ids {
			if i != 1 && i != 4 && i != 8 {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		var got []string
		after := ""
		for {
			page, err := db.ListOrders(ctx, OrderFilter{State: order.StateDraft, After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, o := range page {
				if o.State != order.StateDraft {
					t.Fatalf("order %s in the list of drafts is %s", o.ID, o.State)
				}
				got = append(got, o.ID)
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Fatalf("drafts listed %v, want %v", got, want)
		}
		if page, err := db.ListOrders(ctx, OrderFilter{State: order.StateDraft, Batch: "no such batch"}); err != nil || len(page) != 0 {
			t.Fatalf("drafts of another batch: %d, %v; want none", len(page), err)
		}
		var kept int
		if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM order_drafts`).Scan(&kept); err != nil || kept != len(want) {
			t.Fatalf("order_drafts holds %d rows (%v), want %d", kept, err, len(want))
		}
	})
}

// TestBulkWritesBothWays drafts and issues enough orders in one batch that
// PostgreSQL sends the rows with COPY (copyMinRows), and a few that it
// sends with INSERT: both ways store every event, leaf and message, and
// the log verifies. A COPY that breaks a key fails, naming the table, and
// leaves nothing behind.
func TestBulkWritesBothWays(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		// Issuing n orders writes 2n events and leaves and n messages:
		// the small batch stays under the threshold in every table.
		small := copyMinRows/2 - 1
		for _, n := range []int{copyMinRows, small} {
			if _, err := db.ApproveOrders(ctx, draftCallUps(t, db, n), approver, db.AddresseeRef); err != nil {
				t.Fatalf("%d orders: %v", n, err)
			}
		}
		want := copyMinRows + small
		count := func(table string) int {
			var n int
			if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := count("order_events"); got != 3*want {
			t.Errorf("%d events, want %d (draft, approve, issue of %d orders)", got, 3*want, want)
		}
		if got := count("outbox"); got != want {
			t.Errorf("%d messages, want %d", got, want)
		}
		if got := count("log_leaves"); got != 3*want {
			t.Errorf("%d leaves, want %d", got, 3*want)
		}
		signAndVerifyLog(t, db, "after issuing")

		// Events whose keys are taken: the whole insert fails.
		var id string
		if err := db.sql.QueryRowContext(ctx, `SELECT order_id FROM order_events LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		rows := make([][]any, copyMinRows)
		for i := range rows {
			rows[i] = []any{id, int64(1 + i%3), "draft", "", "draft", "officer", "officer", time.Now().UTC(), nil, nil, int64(1_000_000 + i)}
		}
		err := db.inTx(ctx, func(tx *dbTx) error { return db.insertEvents(ctx, tx, rows) })
		if err == nil || !strings.Contains(err.Error(), "insert order_events") {
			t.Fatalf("inserting taken event keys: %v, want an error naming order_events", err)
		}
		if got := count("order_events"); got != 3*want {
			t.Errorf("after the failed insert: %d events, want %d", got, 3*want)
		}
	})
}

// signAndVerifyLog signs a checkpoint of db's log with a new key and checks
// that the whole log verifies (what says when, in the failure); it returns
// the key's verifier for later checks.
func signAndVerifyLog(t *testing.T, db *DB, what string) note.Verifier {
	t.Helper()
	ctx := context.Background()
	signer, verifier := tlogtest.Keys(t)
	if _, err := db.SignCheckpoint(ctx, signer); err != nil {
		t.Fatal(err)
	}
	if report, problems, err := db.VerifyLog(ctx, verifier); err != nil || !report.OK() || len(problems) > 0 {
		t.Fatalf("log verify %s: %+v, %v, %v", what, report, problems, err)
	}
	return verifier
}

// TestLoadOrders reads orders in the order their ids are given, a
// repeated id as often as it is named, and names an id that has no order.
func TestLoadOrders(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedOrders(t, db)
		ids := draftCallUps(t, db, 3)
		want := []string{ids[2], ids[0], ids[2], ids[1]}
		got, err := db.loadOrders(ctx, db.sql, want, false)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range got {
			if o.ID != want[i] || o.State != order.StateDraft || o.Addressee.ID == "" || len(o.Items) != 1 {
				t.Errorf("order %d: %+v, want draft %s with its addressee and item", i, o, want[i])
			}
		}
		if got[0].Addressee == got[1].Addressee && got[0].Addressee == got[3].Addressee {
			t.Errorf("every order names addressee %v; the drafts alternate between two", got[0].Addressee)
		}
		missing := "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
		_, err = db.loadOrders(ctx, db.sql, []string{ids[0], missing}, false)
		if muster.ErrorKind(err) != muster.NotFound || !strings.Contains(err.Error(), missing) {
			t.Errorf("loading a missing order: %v, want not found naming %s", err, missing)
		}
	})
}
