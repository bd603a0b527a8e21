package officerweb

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

// The review board's queue: the orders of the jurisdiction whose
// addressee claimed an exemption or a deferral, and those whose addressee
// appealed the decision, oldest first, each with its ground. A reviewer
// decides each on the order's page. The board is independent: nobody
// decides on an order they drafted or approved, and an appeal goes to
// another reviewer than the one who decided the claim; the queue shows
// which orders the user may not decide, and why.
//
// A claim's ground may be health data: only the roles that read events'
// notes (the board and the officers) see it, and each list that shows
// grounds is recorded in the access log.

// claimInfo is what an order's history says of its claim and appeal.
type claimInfo struct {
	GroundCode, GroundKind string
	Ground                 string // the ground's label in the page's language
	ClaimNote              string // what the addressee added to the ground
	ClaimedAt              time.Time
	Decision               order.Event // exempt, defer or reject_claim, once decided
	DecidedBy              string
	DecisionNote           string
	AppealedAt             time.Time
	AppealNote             string
}

// groundLine is how the store writes a claim's ground into its note.
var groundLine = regexp.MustCompile(`^ground: ([a-z0-9_.-]+) \(([a-z]+)\)\n?`)

// readClaim reads the claim, its decision and its appeal from a history.
func readClaim(events []sqlstore.StoredEvent) claimInfo {
	var ci claimInfo
	for _, e := range events {
		switch e.Event {
		case order.EventClaim:
			ci.ClaimedAt, ci.ClaimNote = e.At, e.Note
			if m := groundLine.FindStringSubmatch(e.Note); m != nil {
				ci.GroundCode, ci.GroundKind = m[1], m[2]
				ci.ClaimNote = strings.TrimSpace(e.Note[len(m[0]):])
			}
		case order.EventExempt, order.EventDefer, order.EventRejectClaim:
			ci.Decision, ci.DecidedBy, ci.DecisionNote = e.Event, e.Actor, e.Note
		case order.EventAppeal:
			ci.AppealedAt, ci.AppealNote = e.At, e.Note
		}
	}
	return ci
}

// labelGround names the claim's ground in the page's language, from the
// policy in force; a ground that policy no longer has keeps its code.
func (h *Handler) labelGround(ctx context.Context, c *call, ci *claimInfo) {
	ci.Ground = ci.GroundCode
	if c.policyLabels == nil {
		c.policyLabels = map[string]string{}
		p, _, err := h.store.ActivePolicy(ctx)
		if err != nil {
			h.log.WarnContext(ctx, "officer web: policy for ground labels", "err", err)
			return
		}
		for _, g := range p.Grounds() {
			c.policyLabels[g.Code] = g.Label(string(c.lang))
		}
	}
	if label, ok := c.policyLabels[ci.GroundCode]; ok {
		ci.Ground = label
	}
}

// claimRow is an order in the queue.
type claimRow struct {
	orderRow
	claimInfo
	// Rule says why the user, a reviewer, may not decide this one.
	Rule string
}

// Since is when the order entered the queue: its claim, or its appeal.
func (r claimRow) Since() time.Time {
	if r.State == order.StateAppealed {
		return r.AppealedAt
	}
	return r.ClaimedAt
}

type claimTab struct {
	State   order.State
	Count   int
	Href    string
	Current bool
}

type claimsView struct {
	State       order.State
	Tabs        []claimTab
	Rows        []claimRow
	Notes       bool // the role reads the grounds
	Decides     bool // the user is of the review board
	Barred      int  // rows the user may not decide
	Next, First string
	CSV         string
}

// queueState reads which queue is asked for: claims unless appeals.
func queueState(r *http.Request) (order.State, error) {
	switch v := r.URL.Query().Get("state"); v {
	case "", string(order.StateClaimed):
		return order.StateClaimed, nil
	case string(order.StateAppealed):
		return order.StateAppealed, nil
	}
	return "", muster.Errorf(muster.Invalid, "state: claimed or appealed")
}

// claimRows reads the histories of orders in the queue and makes their
// rows, grounds only for the roles that read notes.
func (h *Handler) claimRows(ctx context.Context, c *call, orders []sqlstore.IssuedOrder) ([]claimRow, error) {
	notes := readsNotes(c.user.Role)
	rows := make([]claimRow, len(orders))
	for i, o := range orders {
		events, err := h.store.OrderEvents(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		ci := readClaim(events)
		if notes {
			h.labelGround(ctx, c, &ci)
		} else {
			ci.GroundCode, ci.GroundKind, ci.ClaimNote, ci.DecisionNote, ci.AppealNote = "", "", "", "", ""
		}
		rows[i] = claimRow{orderRow: h.orderRow(o, c), claimInfo: ci}
		if rule := independenceRule(o, c.user); rule != "" {
			rows[i].Rule = t(c.lang, rule)
		}
	}
	return rows, nil
}

func (h *Handler) claimsQueue(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	state, err := queueState(r)
	if err != nil {
		return err
	}
	f, err := orderPage(r, c, state)
	if err != nil {
		return err
	}
	orders, err := h.store.ListOrders(ctx, f)
	if err != nil {
		return err
	}
	counts, err := h.store.CountOrders(ctx, c.user.Area)
	if err != nil {
		return err
	}
	v := claimsView{State: state, Notes: readsNotes(c.user.Role), Decides: c.user.Role == auth.Reviewer, CSV: "/o/claims.csv?state=" + string(state)}
	for _, s := range []order.State{order.StateClaimed, order.StateAppealed} {
		v.Tabs = append(v.Tabs, claimTab{State: s, Count: counts[s], Href: "/o/claims?state=" + string(s), Current: s == state})
	}
	if f.After != "" {
		v.First = "/o/claims?state=" + string(state)
	}
	if len(orders) > pageSize {
		orders = orders[:pageSize]
		v.Next = "/o/claims?" + url.Values{"state": {string(state)}, "after": {orders[pageSize-1].ID}}.Encode()
	}
	if v.Notes && len(orders) > 0 {
		if err := h.store.LogAccess(ctx, c.user.ID, "claims.list", "web list state="+string(state)+" count="+strconv.Itoa(len(orders))); err != nil {
			return err
		}
	}
	if v.Rows, err = h.claimRows(ctx, c, orders); err != nil {
		return err
	}
	for _, row := range v.Rows {
		if row.Rule != "" {
			v.Barred++
		}
	}
	h.render(w, r, c, http.StatusOK, "claims", "claims_title", v)
	return nil
}

var claimColumns = []csvColumn{
	{"order_id", "#meta+id"}, {"code", "#meta+code"}, {"kind", "#activity+type"}, {"state", "#status"},
	{"addressee_ref", "#meta+addressee+ref"}, {"place_area", "#loc+code"}, {"claimed_at", "#date+claimed"},
	{"ground", "#meta+ground+code"}, {"ground_kind", "#meta+ground+type"}, {"decision", "#status+decision"},
	{"decided_by", "#meta+decided_by"}, {"appealed_at", "#date+appealed"}, {"deadline", "#date+deadline"},
}

// claimsCSV answers the whole queue as CSV, grounds (not the addressee's
// own words) for the roles that read them.
func (h *Handler) claimsCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	state, err := queueState(r)
	if err != nil {
		return err
	}
	if readsNotes(c.user.Role) {
		if err := h.store.LogAccess(ctx, c.user.ID, "claims.export", "web export state="+string(state)); err != nil {
			return err
		}
	}
	f := sqlstore.OrderFilter{Within: c.user.Area, State: state, Limit: exportRows}
	cw := startCSV(w, "muster-"+string(state)+"-"+c.user.Area+".csv", claimColumns)
	for {
		orders, err := h.store.ListOrders(ctx, f)
		if err == nil {
			var rows []claimRow
			if rows, err = h.claimRows(ctx, c, orders); err == nil {
				for _, row := range rows {
					rec := h.orderRecord(row.IssuedOrder)
					cw.Write([]string{row.ID, row.Code.String(), string(row.Kind), string(row.State), rec[3], row.Place.Area,
						stamp(row.ClaimedAt), row.GroundCode, row.GroundKind, string(row.Decision), row.DecidedBy, stamp(row.AppealedAt),
						stamp(row.Deadline)})
				}
			}
		}
		if err != nil {
			h.log.ErrorContext(ctx, "officer web: claims CSV", "err", err)
			break
		}
		if len(orders) < exportRows {
			break
		}
		f.After = orders[len(orders)-1].ID
	}
	cw.Flush()
	return cw.Error()
}
