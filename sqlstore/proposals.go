package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/proposal"
	"github.com/muster-org/muster/registry"
)

// holdingStates are the states in which a requisition's items are taken
// or about to be: what per-owner limits count as already given.
var holdingStates = []order.State{order.StateApproved, order.StateIssued, order.StateNotified, order.StateAcknowledged,
	order.StateFulfilled, order.StateClaimed, order.StateClaimRejected, order.StateAppealed, order.StateDismissed, order.StateDeferred}

// FillBuilder streams into b the registry of scope that its needs ask
// for: every resource of the needed classes, owner by owner with what
// earlier orders took from that owner, and every resident with a needed
// skill with the count of their earlier call-ups. Owners are keyed by row
// ("p123", "org:ORG-1") and persons offered as "p<row>", so that no
// national ID enters a proposal.
func (db *DB) FillBuilder(ctx context.Context, scope string, b *proposal.Builder) error {
	classes, skills := b.Classes()
	given, calls, err := db.givenByOwner(ctx, scope)
	if err != nil {
		return err
	}
	if len(classes) > 0 {
		if err := db.streamResourcesByOwner(ctx, scope, classes, func(owner string, org *registry.Organisation, rs []registry.Resource) error {
			return b.AddOwner(owner, org, rs, given[owner])
		}); err != nil {
			return err
		}
	}
	for _, skill := range skills {
		err := db.eachPerson(ctx, scope, func(p registry.Person, id int64) error {
			if !slices.Contains(p.Skills, skill) {
				return nil
			}
			key := "p" + strconv.FormatInt(id, 10)
			return b.AddPerson(p, key, calls[key])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// givenByOwner reads the items of the requisitions that hold an owner's
// property, and counts each person's call-ups, within scope.
func (db *DB) givenByOwner(ctx context.Context, scope string) (map[string]proposal.Given, map[string]int, error) {
	clause, args, err := db.withinClause(ctx, "o.area_id", scope)
	if err != nil {
		return nil, nil, err
	}
	states := make([]string, len(holdingStates))
	for i, s := range holdingStates {
		states[i] = "'" + string(s) + "'"
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT o.kind, o.addressee_person_id, g.org_id, o.details FROM orders o
		LEFT JOIN organisations g ON g.id = o.addressee_org_id
		WHERE o.state IN (`+strings.Join(states, ", ")+`) AND `+clause), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	given := map[string]proposal.Given{}
	calls := map[string]int{}
	for rows.Next() {
		var (
			kind, body string
			personID   sql.NullInt64
			orgID      sql.NullString
		)
		if err := rows.Scan(&kind, &personID, &orgID, &body); err != nil {
			return nil, nil, err
		}
		owner := "org:" + orgID.String
		if personID.Valid {
			owner = "p" + strconv.FormatInt(personID.Int64, 10)
		}
		if order.Kind(kind) == order.CallUp {
			calls[owner]++
			continue
		}
		var d details
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			return nil, nil, muster.Wrap(muster.Internal, err, "order details")
		}
		for _, it := range d.Items {
			given[owner] = append(given[owner], registry.Resource{ResourceID: "given", Type: it.Type, Quantity: it.Quantity, Unit: it.Unit})
		}
	}
	return given, calls, rows.Err()
}

// streamResourcesByOwner calls fn once per owner with all their resources
// of the given classes within scope.
func (db *DB) streamResourcesByOwner(ctx context.Context, scope string, classes []string,
	fn func(owner string, org *registry.Organisation, rs []registry.Resource) error) error {
	clause, args, err := db.withinClause(ctx, "r.area_id", scope)
	if err != nil {
		return err
	}
	var classClause []string
	for _, c := range classes {
		classClause = append(classClause, `substr(r.type, 1, ?) = ?`)
		args = append(args, len(c)+1, c+".")
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind(`SELECT r.resource_id, r.type, r.quantity, r.unit, a.code, r.lat, r.lon,
		r.condition, r.declared_value_xof, r.owner_person_id, o.org_id, o.name, o.kind, o.protected, o.protected_reason
		FROM resources r JOIN areas a ON a.id = r.area_id LEFT JOIN organisations o ON o.id = r.owner_org_id
		WHERE `+clause+` AND (`+strings.Join(classClause, " OR ")+`)
		ORDER BY r.owner_person_id, r.owner_org_id, r.id`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		current string
		org     *registry.Organisation
		batch   []registry.Resource
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := fn(current, org, batch)
		batch = nil
		return err
	}
	for rows.Next() {
		var (
			r                          registry.Resource
			lat, lon                   sql.NullFloat64
			personID                   sql.NullInt64
			orgID, name, kind, because sql.NullString
			protected                  sql.NullBool
		)
		if err := rows.Scan(&r.ResourceID, &r.Type, &r.Quantity, &r.Unit, &r.Area, &lat, &lon, &r.Condition, &r.DeclaredValueXOF,
			&personID, &orgID, &name, &kind, &protected, &because); err != nil {
			return err
		}
		if lat.Valid && lon.Valid {
			r.Location = &area.Point{Lat: lat.Float64, Lon: lon.Float64}
		}
		owner := "org:" + orgID.String
		if personID.Valid {
			owner = "p" + strconv.FormatInt(personID.Int64, 10)
		}
		if owner != current {
			if err := flush(); err != nil {
				return err
			}
			current, org = owner, nil
			if orgID.Valid {
				org = &registry.Organisation{OrgID: orgID.String, Name: name.String, Kind: kind.String, Protected: protected.Bool,
					ProtectedReason: because.String}
			}
		}
		batch = append(batch, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// Proposal states and line states.
const (
	ProposalOpen = "open" // lines await review
	LinePending  = "pending"
	LineAccepted = "accepted"
	LineRejected = "rejected"
	LineDrafted  = "drafted" // its order is drafted
)

// StoredProposal is a proposal as officers review it.
type StoredProposal struct {
	ID            string               `json:"id"`
	CreatedBy     string               `json:"created_by"`
	CreatedAt     time.Time            `json:"created_at"`
	Scope         string               `json:"scope"`
	PolicyVersion string               `json:"policy_version"`
	PolicyHash    string               `json:"policy_hash"`
	State         string               `json:"state"`
	TotalCost     float64              `json:"total_cost"`
	Needs         int                  `json:"needs"`
	Candidates    int                  `json:"candidates"`
	Lines         []ProposalLine       `json:"lines"`
	Shortfalls    []allocate.Shortfall `json:"shortfalls"`
}

// ProposalLine is one line of a stored proposal with its review.
type ProposalLine struct {
	No int `json:"line"`
	allocate.Line
	State     string `json:"state"`
	DecidedBy string `json:"decided_by,omitempty"`
	OrderID   string `json:"order_id,omitempty"`
}

// SaveProposal stores the allocator's answer for review, with the policy
// version it was computed under.
func (db *DB) SaveProposal(ctx context.Context, p allocate.Proposal, scope, by, policyVersion, policyHash string, needs, candidates int) (StoredProposal, error) {
	now := db.now().UTC()
	sp := StoredProposal{ID: "P-" + order.NewID(now), CreatedBy: by, CreatedAt: now, Scope: scope, PolicyVersion: policyVersion,
		PolicyHash: policyHash, State: ProposalOpen, TotalCost: p.TotalCost, Needs: needs, Candidates: candidates, Shortfalls: p.Shortfalls}
	err := db.inTx(ctx, func(tx *dbTx) error {
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO proposals (id, created_by, created_at, scope, policy_version, policy_hash,
			state, total_cost, needs, candidates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), sp.ID, by, now, scope, policyVersion, policyHash,
			ProposalOpen, p.TotalCost, needs, candidates); err != nil {
			return err
		}
		rows := make([][]any, len(p.Lines))
		for i, l := range p.Lines {
			rows[i] = []any{sp.ID, i + 1, l.Need, l.Candidate, l.Owner, l.Type, l.Quantity, l.Cost.DistanceKm, l.Cost.Burden, l.Cost.Fairness,
				l.Cost.Travel, l.Cost.Total, LinePending}
			sp.Lines = append(sp.Lines, ProposalLine{No: i + 1, Line: l, State: LinePending})
		}
		if err := db.insertMany(ctx, tx, "proposal_lines", []string{"proposal_id", "line", "need_id", "candidate", "owner", "type", "quantity",
			"distance_km", "burden", "fairness", "travel", "cost", "state"}, rows); err != nil {
			return err
		}
		short := make([][]any, len(p.Shortfalls))
		for i, s := range p.Shortfalls {
			short[i] = []any{sp.ID, s.Need, s.Missing, string(s.Reason)}
		}
		return db.insertMany(ctx, tx, "proposal_shortfalls", []string{"proposal_id", "need_id", "missing", "reason"}, short)
	})
	return sp, err
}

// Proposal returns a stored proposal with its lines and shortfalls.
func (db *DB) Proposal(ctx context.Context, id string) (StoredProposal, error) {
	return db.loadProposal(ctx, db.sql, id)
}

func (db *DB) loadProposal(ctx context.Context, q querier, id string) (StoredProposal, error) {
	var sp StoredProposal
	err := q.QueryRowContext(ctx, db.rebind(`SELECT id, created_by, created_at, scope, policy_version, policy_hash, state, total_cost,
		needs, candidates FROM proposals WHERE id = ?`), id).Scan(&sp.ID, &sp.CreatedBy, &sp.CreatedAt, &sp.Scope, &sp.PolicyVersion,
		&sp.PolicyHash, &sp.State, &sp.TotalCost, &sp.Needs, &sp.Candidates)
	if err != nil {
		return sp, notFound(err, "no proposal %s", id)
	}
	sp.CreatedAt = sp.CreatedAt.UTC()
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT line, need_id, candidate, owner, type, quantity, distance_km, travel, burden,
		fairness, cost, state, decided_by, order_id FROM proposal_lines WHERE proposal_id = ? ORDER BY line`), id)
	if err != nil {
		return sp, err
	}
	for rows.Next() {
		var l ProposalLine
		var orderID sql.NullString
		if err := rows.Scan(&l.No, &l.Need, &l.Candidate, &l.Owner, &l.Type, &l.Quantity, &l.Cost.DistanceKm, &l.Cost.Travel,
			&l.Cost.Burden, &l.Cost.Fairness, &l.Cost.Total, &l.State, &l.DecidedBy, &orderID); err != nil {
			rows.Close()
			return sp, err
		}
		l.OrderID = orderID.String
		sp.Lines = append(sp.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sp, err
	}
	rows, err = q.QueryContext(ctx, db.rebind(`SELECT need_id, missing, reason FROM proposal_shortfalls WHERE proposal_id = ? ORDER BY need_id`), id)
	if err != nil {
		return sp, err
	}
	defer rows.Close()
	sp.Shortfalls = []allocate.Shortfall{}
	for rows.Next() {
		var s allocate.Shortfall
		var reason string
		if err := rows.Scan(&s.Need, &s.Missing, &reason); err != nil {
			return sp, err
		}
		s.Reason = allocate.Reason(reason)
		sp.Shortfalls = append(sp.Shortfalls, s)
	}
	return sp, rows.Err()
}

// DecideLines accepts or rejects pending lines of a proposal (all its
// pending lines when lines is empty). Accepting counts the line's
// quantity as filled on its need, which becomes filled when covered; a
// line whose need is no longer open cannot be accepted.
func (db *DB) DecideLines(ctx context.Context, id string, lines []int, accept bool, by string) (StoredProposal, error) {
	state := LineRejected
	if accept {
		state = LineAccepted
	}
	err := db.inTx(ctx, func(tx *dbTx) error {
		sp, err := db.loadProposal(ctx, tx, id)
		if err != nil {
			return err
		}
		chosen := map[int]bool{}
		for _, l := range lines {
			if l < 1 || l > len(sp.Lines) {
				return muster.Errorf(muster.Invalid, "proposal %s has lines 1 to %d, not %d", id, len(sp.Lines), l)
			}
			chosen[l] = true
		}
		for _, l := range sp.Lines {
			if len(lines) > 0 && !chosen[l.No] {
				continue
			}
			if l.State != LinePending {
				if len(lines) > 0 {
					return muster.Errorf(muster.Conflict, "proposal %s line %d is %s already", id, l.No, l.State)
				}
				continue
			}
			if accept {
				var needState string
				var qty, filled float64
				if err := tx.QueryRowContext(ctx, db.rebind(`SELECT state, quantity, filled FROM needs WHERE need_id = ?`+db.forUpdate()), l.Need).
					Scan(&needState, &qty, &filled); err != nil {
					return notFound(err, "line %d: no need %s", l.No, l.Need)
				}
				if needState != string(need.Open) {
					return muster.Errorf(muster.Conflict, "line %d: need %s is %s", l.No, l.Need, needState)
				}
				filled += l.Quantity
				newState := need.Open
				if filled >= qty-1e-9 {
					newState = need.Filled
				}
				if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE needs SET filled = ?, state = ?, updated_at = ? WHERE need_id = ?`),
					filled, string(newState), db.now().UTC(), l.Need); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE proposal_lines SET state = ?, decided_by = ? WHERE proposal_id = ? AND line = ?`),
				state, by, id, l.No); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return StoredProposal{}, err
	}
	return db.Proposal(ctx, id)
}

// DraftProposalOrders drafts one order per accepted line: a requisition of
// the resource from its owner, or a call-up of the person, with the need's
// place, deadline, legal basis and justification, issued in the name of
// authority. The lines become drafted with their order ids, in the same
// transaction as the drafts.
func (db *DB) DraftProposalOrders(ctx context.Context, id, authority string, by order.Actor) ([]order.Order, error) {
	sp, err := db.Proposal(ctx, id)
	if err != nil {
		return nil, err
	}
	var drafts []order.Order
	var lineOf []int
	now := db.now().UTC()
	for _, l := range sp.Lines {
		if l.State != LineAccepted {
			continue
		}
		n, err := db.Need(ctx, l.Need, "")
		if err != nil {
			return nil, err
		}
		o := order.Order{Place: order.Place{Text: n.Unit + ", " + n.Area, Area: n.Area, Location: n.Point}, Deadline: n.Deadline,
			LegalBasis: n.LegalBasis, Authority: authority, Reason: fmt.Sprintf("%s (besoin %s, %s)", n.Justification, n.ID, n.Unit), CreatedAt: now}
		if skill, ok := strings.CutPrefix(l.Type, "skill."); ok {
			nid, err := db.personNationalID(ctx, l.Candidate)
			if err != nil {
				return nil, err
			}
			o.Kind, o.Addressee = order.CallUp, registry.Owner{Kind: registry.OwnerPerson, ID: nid}
			o.Items = []order.Item{{Type: skill, Quantity: 1}}
		} else {
			r, err := db.Resource(ctx, l.Candidate, "")
			if err != nil {
				return nil, err
			}
			o.Kind, o.Addressee = order.Requisition, r.Owner
			qty := l.Quantity
			if r.Unit == "t" || r.Unit == "m3" {
				qty /= 1000 // lines count kilograms and litres
			}
			// The declared value of what is taken: the damage supplement's base.
			value := r.DeclaredValueXOF
			if r.Quantity > 0 && qty < r.Quantity {
				value = int64(float64(value) * qty / r.Quantity)
			}
			o.Items = []order.Item{{Type: r.Type, Quantity: qty, Unit: r.Unit, ResourceIDs: []string{r.ResourceID}, ValueXOF: value}}
		}
		drafts = append(drafts, o)
		lineOf = append(lineOf, l.No)
	}
	if len(drafts) == 0 {
		return nil, muster.Errorf(muster.Conflict, "proposal %s has no accepted line left to draft", id)
	}
	var out []order.Order
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		if out, err = db.draftInTx(ctx, tx, id, drafts, by); err != nil {
			return err
		}
		for i, o := range out {
			res, err := tx.ExecContext(ctx, db.rebind(`UPDATE proposal_lines SET state = ?, order_id = ? WHERE proposal_id = ? AND line = ? AND state = ?`),
				LineDrafted, o.ID, id, lineOf[i], LineAccepted)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return muster.Errorf(muster.Conflict, "proposal %s line %d changed meanwhile", id, lineOf[i])
			}
		}
		return nil
	})
	return out, err
}

// personNationalID resolves a person candidate key ("p<row>").
func (db *DB) personNationalID(ctx context.Context, key string) (string, error) {
	rowID, err := strconv.ParseInt(strings.TrimPrefix(key, "p"), 10, 64)
	if err != nil || !strings.HasPrefix(key, "p") {
		return "", muster.Errorf(muster.Internal, "bad person key %q", key)
	}
	row := db.sql.QueryRowContext(ctx, db.rebind(`SELECT `+personColumns+` FROM persons p JOIN areas a ON a.id = p.area_id WHERE p.id = ?`), rowID)
	p, _, err := db.scanPerson(row)
	if err != nil {
		return "", notFound(err, "no person %s", key)
	}
	return p.NationalID, nil
}

// Proposals lists proposals newest first, without their lines.
func (db *DB) Proposals(ctx context.Context, limit int) ([]StoredProposal, error) {
	return db.listProposals(ctx, "", nil, limit)
}

// ProposalsWithin returns the newest proposals whose scope lies in the
// jurisdiction within (an area and its subtree), newest first: what an
// officer of that jurisdiction may review. A proposal's scope is an area
// code, so the jurisdiction is matched on the areas' paths in the query
// rather than by reading every proposal of the country.
func (db *DB) ProposalsWithin(ctx context.Context, within string, limit int) ([]StoredProposal, error) {
	var path string
	if err := db.sql.QueryRowContext(ctx, db.rebind(`SELECT path FROM areas WHERE code = ?`), within).Scan(&path); err != nil {
		return nil, notFound(err, "no area %s", within)
	}
	out, err := db.listProposals(ctx, `WHERE scope IN (SELECT code FROM areas WHERE substr(path, 1, ?) = ?)`, []any{len(path), path}, limit)
	if err != nil {
		return nil, fmt.Errorf("proposals within %s: %w", within, err)
	}
	return out, nil
}

// listProposals reads the proposals a WHERE clause selects, newest first.
func (db *DB) listProposals(ctx context.Context, where string, args []any, limit int) ([]StoredProposal, error) {
	rows, err := db.sql.QueryContext(ctx, db.rebind(fmt.Sprintf(`SELECT id, created_by, created_at, scope, policy_version, policy_hash,
		state, total_cost, needs, candidates FROM proposals `+where+`
		ORDER BY created_at DESC, id DESC LIMIT %d`, clampLimit(limit))), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredProposal
	for rows.Next() {
		var sp StoredProposal
		if err := rows.Scan(&sp.ID, &sp.CreatedBy, &sp.CreatedAt, &sp.Scope, &sp.PolicyVersion, &sp.PolicyHash, &sp.State,
			&sp.TotalCost, &sp.Needs, &sp.Candidates); err != nil {
			return nil, err
		}
		sp.CreatedAt = sp.CreatedAt.UTC()
		out = append(out, sp)
	}
	return out, rows.Err()
}
