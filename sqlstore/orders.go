package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/tlog"
)

// IssuedOrder is an order with what issuing added: the signed payload
// printed as its QR code, the key that signed it and the transparency-log
// index of its issue event.
type IssuedOrder struct {
	order.Order
	Signed   string `json:"signed,omitempty"`
	KeyID    string `json:"key_id,omitempty"`
	LogIndex uint64 `json:"log_index,omitempty"`
}

// details is the non-personal body of an order, kept as JSON.
type details struct {
	Items        []order.Item        `json:"items"`
	Place        order.Place         `json:"place"`
	LegalBasis   string              `json:"legal_basis"`
	Reason       string              `json:"reason"`
	Compensation *order.Compensation `json:"compensation,omitempty"`
}

// logEntry is the public record of one order event: the order's id, its
// kind and authority, the transition, the actor's role and a keyed hash of
// the actor's name. No names: not the addressee's, not the officers'; but
// who approved an order cannot be rewritten without the log telling.
func (db *DB) logEntry(o order.Order, r order.Record, signed string) tlog.Entry {
	return db.logEntryBy(o, r, signed, db.actorRef(r.Actor))
}

// actorRef is the keyed hash of an actor's name that log entries carry.
func (db *DB) actorRef(name string) string {
	return hex.EncodeToString(db.keys.Index("order.actor", name)[:8])
}

// logEntryBy is logEntry with the actor's keyed hash already worked out.
func (db *DB) logEntryBy(o order.Order, r order.Record, signed, actorRef string) tlog.Entry {
	return orderLogEntry(make(map[string]string, orderLogFields), o, r, signed, actorRef)
}

// orderLogFields is the number of Data fields of an order's log entry.
const orderLogFields = 7

// orderLogEntry is logEntryBy with its Data written into data, which it
// clears first: issuing encodes two entries per order and reuses their
// maps, a kilobyte per order otherwise allocated and dropped.
func orderLogEntry(data map[string]string, o order.Order, r order.Record, signed, actorRef string) tlog.Entry {
	clear(data)
	data["from"], data["to"], data["seq"] = string(r.From), string(r.To), strconv.FormatInt(r.Seq, 10)
	data["kind"], data["authority"], data["role"], data["actor_ref"] = string(o.Kind), o.Authority, string(r.Role), actorRef
	e := tlog.Entry{Kind: "order.event", Subject: o.ID, Event: string(r.Event), At: r.At, Data: data}
	if signed != "" {
		// The log commits to the exact signed order, so a second order
		// signed with a stolen key under the same id stands out.
		e.DataHash = sha256.Sum256([]byte(signed))
	}
	return e
}

// DraftOrders validates and stores new orders as drafts, their draft
// events and log leaves, in one transaction. Addressees and the authority
// must exist.
func (db *DB) DraftOrders(ctx context.Context, drafts []order.Order, by order.Actor) ([]order.Order, error) {
	return db.DraftBatch(ctx, "", drafts, by)
}

// DraftBatch is DraftOrders with the drafts tagged as one batch (a CSV
// file's orders), so that they can be approved together.
func (db *DB) DraftBatch(ctx context.Context, batch string, drafts []order.Order, by order.Actor) ([]order.Order, error) {
	var out []order.Order
	err := db.inTx(ctx, func(tx *dbTx) error {
		var err error
		out, err = db.draftInTx(ctx, tx, batch, drafts, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// draftInTx drafts orders in the caller's transaction.
func (db *DB) draftInTx(ctx context.Context, tx *dbTx, batch string, drafts []order.Order, by order.Actor) ([]order.Order, error) {
	drafts = slices.Clone(drafts) // values are filled in; the caller's slice stays as it was
	if err := db.fillDeclaredValues(ctx, tx, drafts); err != nil {
		return nil, err
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	out := make([]order.Order, 0, len(drafts))
	var entries []tlog.Entry
	var records []order.Record
	for i, d := range drafts {
		o, rec, err := order.Draft(d, by, now)
		if err != nil {
			return nil, fmt.Errorf("order %d: %w", i+1, err)
		}
		out = append(out, o)
		records = append(records, rec)
		entries = append(entries, db.logEntry(o, rec, ""))
	}
	if err := db.insertOrders(ctx, tx, batch, out); err != nil {
		return nil, err
	}
	return out, db.recordEvents(ctx, tx, records, entries)
}

// addressee is where an order's addressee lives in the database.
type addressee struct {
	personID, orgID *int64
	areaID          int64
}

// addressees resolves the addressees of orders, with one query per kind
// of addressee per 500 orders rather than one per order.
func (db *DB) addressees(ctx context.Context, q querier, orders []order.Order) (map[registry.Owner]addressee, error) {
	out := map[registry.Owner]addressee{}
	byIndex := map[string]string{}
	var nids, orgs []any
	for _, o := range orders {
		switch o.Addressee.Kind {
		case registry.OwnerPerson:
			idx := db.NationalIDIndex(o.Addressee.ID)
			if _, ok := byIndex[string(idx)]; !ok {
				byIndex[string(idx)] = o.Addressee.ID
				nids = append(nids, idx)
			}
		default:
			orgs = append(orgs, o.Addressee.ID)
		}
	}
	err := db.inChunksQ(ctx, q, `SELECT id, nid_index, area_id FROM persons WHERE nid_index IN `, nids, func(rows *sql.Rows) error {
		var id, area int64
		var idx []byte
		if err := rows.Scan(&id, &idx, &area); err != nil {
			return err
		}
		out[registry.Owner{Kind: registry.OwnerPerson, ID: byIndex[string(idx)]}] = addressee{personID: &id, areaID: area}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = db.inChunksQ(ctx, q, `SELECT id, org_id, area_id FROM organisations WHERE org_id IN `, orgs, func(rows *sql.Rows) error {
		var id, area int64
		var orgID string
		if err := rows.Scan(&id, &orgID, &area); err != nil {
			return err
		}
		out[registry.Owner{Kind: registry.OwnerOrganisation, ID: orgID}] = addressee{orgID: &id, areaID: area}
		return nil
	})
	return out, err
}

var orderInsert = []string{"id", "code", "kind", "addressee_person_id", "addressee_org_id", "area_id",
	"authority_id", "state", "seq", "deadline", "details", "drafted_by", "created_at", "batch"}

func (db *DB) insertOrders(ctx context.Context, tx *dbTx, batch string, orders []order.Order) error {
	found, err := db.addressees(ctx, tx, orders)
	if err != nil {
		return err
	}
	authorities := map[string]int64{}
	rows := make([][]any, len(orders))
	for i, o := range orders {
		a, ok := found[o.Addressee]
		if !ok {
			return muster.Errorf(muster.NotFound, "order %d: addressee %s is not in the registry", i+1, o.Addressee)
		}
		authorityID, ok := authorities[o.Authority]
		if !ok {
			if err := tx.QueryRowContext(ctx, db.rebind(`SELECT id FROM authorities WHERE code = ?`), o.Authority).Scan(&authorityID); err != nil {
				return notFound(err, "order %d: no authority %s", i+1, o.Authority)
			}
			authorities[o.Authority] = authorityID
		}
		body, err := json.Marshal(details{Items: o.Items, Place: o.Place, LegalBasis: o.LegalBasis, Reason: o.Reason})
		if err != nil {
			return err
		}
		rows[i] = []any{o.ID, string(o.Code), string(o.Kind), a.personID, a.orgID, a.areaID, authorityID,
			string(o.State), o.Seq, o.Deadline.UTC(), string(body), o.DraftedBy, o.CreatedAt.UTC(), batch}
	}
	if err := db.insertMany(ctx, tx, "orders", orderInsert, rows); err != nil {
		if isUniqueViolation(err) {
			return muster.Errorf(muster.Conflict, "an order id or code is already taken; draft again")
		}
		return err
	}
	return nil
}

// insertMany inserts rows in the caller's transaction: with COPY when
// PostgreSQL gets many, else with multi-row INSERTs.
func (db *DB) insertMany(ctx context.Context, tx *dbTx, table string, cols []string, rows [][]any) error {
	if db.copies(len(rows)) {
		if err := tx.copyRows(ctx, table, cols, rows); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		return nil
	}
	per := max(1, min(sqliteRowsPerStatement, 30000/len(cols)))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		values, args := db.rowsQuery(chunk)
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") " + values
		if _, err := db.execBatch(ctx, tx, len(chunk) == per, q, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

// recordEvents appends the events' leaves to the transparency log and
// stores each event with its leaf index, in the caller's transaction.
func (db *DB) recordEvents(ctx context.Context, tx *dbTx, records []order.Record, entries []tlog.Entry) error {
	if len(records) == 0 {
		return nil
	}
	first, err := db.transparencyLog(tx).Append(ctx, entries...)
	if err != nil {
		return fmt.Errorf("transparency log: %w", err)
	}
	return db.insertEvents(ctx, tx, db.eventRows(records, first))
}

// eventColumns are the order_events columns eventRows fills.
var eventColumns = []string{"order_id", "seq", "event", "from_state", "to_state", "actor", "role", "at", "deadline", "note", "log_index"}

// eventRows makes the order_events rows of records whose log leaves start
// at index first: notes sealed, times in UTC.
func (db *DB) eventRows(records []order.Record, first uint64) [][]any {
	rows := make([][]any, len(records))
	for i, r := range records {
		var note []byte
		if r.Note != "" {
			note = db.keys.Seal([]byte(r.Note), []byte(fmt.Sprintf("order_events.note|%s|%d", r.OrderID, r.Seq)))
		}
		var deadline *time.Time
		if !r.Deadline.IsZero() {
			d := r.Deadline.UTC()
			deadline = &d
		}
		rows[i] = []any{r.OrderID, r.Seq, string(r.Event), string(r.From), string(r.To), r.Actor,
			string(r.Role), r.At.UTC(), deadline, note, first + uint64(i)}
	}
	return rows
}

func (db *DB) insertEvents(ctx context.Context, tx *dbTx, rows [][]any) error {
	return db.insertMany(ctx, tx, "order_events", eventColumns, rows)
}

// insertEventPairs stores records whose log leaves start at index first,
// like insertEvents(eventRows(records, first)), for records that come in
// pairs of one order's consecutive events alike in every pair but for the
// order and the numbers, as issuing makes them (approve, issue). On SQLite
// such pairs go as one row of three parameters per order, the rest bound
// once per statement: binding all eleven columns of every event, each text
// copied into C memory, was a third of the events' insert. Other records,
// and PostgreSQL's COPY, take the general path.
func (db *DB) insertEventPairs(ctx context.Context, tx *dbTx, records []order.Record, first uint64) error {
	if db.dialect != sqlite || !alikePairs(records) {
		return db.insertEvents(ctx, tx, db.eventRows(records, first))
	}
	pair := db.eventRows(records[:2], 0)
	shared := make([]any, 0, 2*8)
	for _, row := range pair {
		shared = append(shared, row[2:10]...) // event ... note
	}
	for start := 0; start < len(records); start += 2 * sqliteRowsPerStatement {
		chunk := records[start:min(start+2*sqliteRowsPerStatement, len(records))]
		n := len(chunk) / 2
		args := make([]any, 0, 3*n+len(shared))
		for i := 0; i < len(chunk); i += 2 {
			args = append(args, chunk[i].OrderID, chunk[i].Seq, int64(first)+int64(start+i))
		}
		args = append(args, shared...)
		query := `INSERT INTO order_events (order_id, seq, event, from_state, to_state, actor, role, at, deadline, note, log_index)
			SELECT o.column1, o.column2 + e.column1, e.column2, e.column3, e.column4, e.column5, e.column6, e.column7, e.column8, e.column9, o.column3 + e.column1
			FROM (VALUES ` + placeholders(n, 3) + `) o
			CROSS JOIN (VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?), (1, ?, ?, ?, ?, ?, ?, ?, ?)) e`
		if _, err := db.execBatch(ctx, tx, n == sqliteRowsPerStatement, query, args...); err != nil {
			return fmt.Errorf("insert order_events: %w", err)
		}
	}
	return nil
}

// alikePairs tells whether records are pairs of one order's consecutive
// events, every pair with the same events, states, actors, time and
// deadline, and no notes: what insertEventPairs may store as one row per
// order.
func alikePairs(records []order.Record) bool {
	if len(records) == 0 || len(records)%2 != 0 {
		return false
	}
	alike := func(a, b order.Record) bool {
		return a.Event == b.Event && a.From == b.From && a.To == b.To && a.Actor == b.Actor && a.Role == b.Role &&
			a.At.Equal(b.At) && a.Deadline.Equal(b.Deadline) && a.Note == "" && b.Note == ""
	}
	for i := 0; i < len(records); i += 2 {
		first, second := records[i], records[i+1]
		if second.OrderID != first.OrderID || second.Seq != first.Seq+1 || !alike(first, records[0]) || !alike(second, records[1]) {
			return false
		}
	}
	return true
}

// fillDeclaredValues gives each requisition item that names registry
// resources and carries no value the sum of their declared values, the
// base of the damage supplement at return: an officer drafting by
// resource id need not copy it, and the owner's declaration is what
// counts.
func (db *DB) fillDeclaredValues(ctx context.Context, tx *dbTx, drafts []order.Order) error {
	var ids []any
	for _, o := range drafts {
		for _, it := range o.Items {
			if it.ValueXOF == 0 {
				for _, id := range it.ResourceIDs {
					ids = append(ids, id)
				}
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	values := make(map[string]int64, len(ids))
	err := db.inChunksQ(ctx, tx, `SELECT resource_id, declared_value_xof FROM resources WHERE resource_id IN `, ids, func(rows *sql.Rows) error {
		var id string
		var v int64
		err := rows.Scan(&id, &v)
		values[id] = v
		return err
	})
	if err != nil {
		return err
	}
	for i := range drafts {
		for j, it := range drafts[i].Items {
			if it.ValueXOF != 0 || len(it.ResourceIDs) == 0 {
				continue
			}
			var sum int64
			for _, id := range it.ResourceIDs {
				sum += values[id]
			}
			if len(drafts[i].Items[j].ResourceIDs) > 0 {
				items := slices.Clone(drafts[i].Items)
				items[j].ValueXOF = sum
				drafts[i].Items = items
			}
		}
	}
	return nil
}
