package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The orders routes. An officer sees the orders addressed to persons and
// organisations of their jurisdiction and nothing else: an order outside
// it is not found. An order names its addressee by national ID, so every
// answer that carries orders addressed to persons is recorded in the
// access log, like a read of persons.

// Bounds on one request: a wave of 100,000 drafts goes through the CLI or
// many requests.
const (
	maxDrafts    = 1000
	maxApprovals = 10000
)

// orderView is an order with its history, as GET /api/v1/orders/{code}
// answers it.
type orderView struct {
	sqlstore.IssuedOrder
	Events []sqlstore.StoredEvent `json:"events"`
}

// itemsOf is the answer of the batch routes.
type itemsOf[T any] struct {
	Items []T `json:"items"`
}

// notesVisible says whether a role sees the notes of an order's events.
// Notes are sealed at rest because they may be personal (the medical
// grounds of a claim, what an owner said at handover): only the roles that
// write and act on them, officers (handover, return) and reviewers
// (claims, appeals), read them. Approvers and treasurers see the events
// without their notes.
func notesVisible(r auth.Role) bool { return r == auth.Officer || r == auth.Reviewer }

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := sqlstore.OrderFilter{Within: c.user.Area}
	var err error
	if v := q.Get("state"); v != "" {
		if f.State, err = order.ParseState(v); err != nil {
			return muster.Errorf(muster.Invalid, "state: %s", muster.ErrorMessage(err))
		}
	}
	if v := q.Get("kind"); v != "" {
		if f.Kind, err = order.ParseKind(v); err != nil {
			return muster.Errorf(muster.Invalid, "kind: %s", muster.ErrorMessage(err))
		}
	}
	if f.After, err = parseOrderCursor(q.Get("after")); err != nil {
		return err
	}
	limit, err := parseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 100
	}
	// Ask for one more to know whether there is a next page; at the
	// largest page size a full page gets a cursor, which may lead to an
	// empty page.
	f.Limit = min(limit+1, maxLimit)
	items, err := s.store.ListOrders(r.Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(items) > limit || len(items) == maxLimit {
		items = items[:limit]
		next = formatOrderCursor(items[limit-1].ID)
	}
	subject := "list"
	for _, kv := range [][2]string{{"state", string(f.State)}, {"kind", string(f.Kind)}, {"after", f.After}} {
		if kv[1] != "" {
			subject += " " + kv[0] + "=" + kv[1]
		}
	}
	if err := s.logOrderReads(r.Context(), c, "orders.list", subject, items); err != nil {
		return err
	}
	if items == nil {
		items = []sqlstore.IssuedOrder{}
	}
	writeJSON(w, http.StatusOK, page[sqlstore.IssuedOrder]{Items: items, Next: next})
	return nil
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.store.Order(r.Context(), r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	events, err := s.store.OrderEvents(r.Context(), o.ID)
	if err != nil {
		return err
	}
	if events == nil {
		events = []sqlstore.StoredEvent{}
	}
	if !notesVisible(c.user.Role) {
		for i := range events {
			events[i].Note = ""
		}
	}
	if err := s.logOrderReads(r.Context(), c, "orders.read", "", []sqlstore.IssuedOrder{o}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, orderView{IssuedOrder: o, Events: events})
	return nil
}

// logOrderReads records that the caller is shown orders, when any is
// addressed to a person: one order by its id and the blind index of the
// addressee's national ID, several by what selected them and how many.
// It is called before the answer is sent: if the read cannot be recorded,
// the data is not served.
func (s *Server) logOrderReads(ctx context.Context, c *caller, action, selection string, orders []sqlstore.IssuedOrder) error {
	var persons []string
	for _, o := range orders {
		if o.Addressee.Kind == registry.OwnerPerson {
			persons = append(persons, s.nidIndex(o.Addressee.ID))
		}
	}
	if len(persons) == 0 {
		return nil
	}
	subject := fmt.Sprintf("%s count=%d person_addressed=%d", selection, len(orders), len(persons))
	if len(orders) == 1 {
		subject = strings.TrimSpace(fmt.Sprintf("%s order=%s addressee_nid_index=%s", selection, orders[0].ID, persons[0]))
	}
	return s.store.LogAccess(ctx, c.user.ID, action, subject)
}

// draftRequest is the body of POST /api/v1/orders.
type draftRequest struct {
	Orders []orderDraft `json:"orders"`
}

// orderDraft is one order to draft: what order.Order holds that its
// drafter chooses.
type orderDraft struct {
	Kind       string      `json:"kind"`
	Addressee  string      `json:"addressee"`
	Items      []draftItem `json:"items"`
	Place      order.Place `json:"place"`
	Deadline   string      `json:"deadline"`
	LegalBasis string      `json:"legal_basis"`
	Authority  string      `json:"authority"`
	Reason     string      `json:"reason"`
}

type draftItem struct {
	Type        string   `json:"type"`
	Quantity    float64  `json:"quantity"`
	Unit        string   `json:"unit"`
	ResourceIDs []string `json:"resource_ids,omitempty"`
}

// toOrder turns d into an order and checks it as the store will, with the
// field names of the request.
func (d orderDraft) toOrder(now time.Time, authorities map[string]bool) (order.Order, []registry.FieldError) {
	o := order.Order{Kind: order.Kind(d.Kind), Place: d.Place, LegalBasis: d.LegalBasis, Authority: d.Authority,
		Reason: d.Reason, CreatedAt: now}
	for _, it := range d.Items {
		o.Items = append(o.Items, order.Item{Type: it.Type, Quantity: it.Quantity, Unit: it.Unit, ResourceIDs: it.ResourceIDs})
	}
	var own []registry.FieldError
	addressee, err := registry.ParseOwner(d.Addressee)
	if err != nil {
		// The message quotes the value, which may be a national ID; it
		// goes back to its own sender only.
		own = append(own, registry.FieldError{Field: "addressee", Message: err.Error()})
	}
	o.Addressee = addressee
	if d.Deadline != "" {
		if o.Deadline, err = time.Parse(time.RFC3339, d.Deadline); err != nil {
			own = append(own, registry.FieldError{Field: "deadline", Message: fmt.Sprintf("%q is not an RFC 3339 time (2026-03-01T08:00:00Z)", d.Deadline)})
		}
	}
	if registry.ValidID(o.Authority) && !authorities[o.Authority] {
		own = append(own, registry.FieldError{Field: "authority", Message: fmt.Sprintf("no authority %s", o.Authority)})
	}
	errs := own
	for _, e := range o.Validate() {
		if !slices.ContainsFunc(own, func(f registry.FieldError) bool { return f.Field == e.Field }) { // one message per field
			errs = append(errs, e)
		}
	}
	return o, errs
}

func (s *Server) draftOrders(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req draftRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if n := len(req.Orders); n == 0 || n > maxDrafts {
		return muster.Errorf(muster.Invalid, "orders: send 1 to %d orders, not %d", maxDrafts, n)
	}
	list, err := s.store.Authorities(r.Context())
	if err != nil {
		return err
	}
	authorities := map[string]bool{}
	for _, a := range list {
		authorities[a.Code] = true
	}
	now := s.now().UTC()
	drafts := make([]order.Order, len(req.Orders))
	var problems []string
	for i, d := range req.Orders {
		var errs []registry.FieldError
		drafts[i], errs = d.toOrder(now, authorities)
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("orders[%d].%s", i, e))
		}
	}
	if len(problems) > 0 {
		return invalidList(problems)
	}
	if err := s.checkJurisdiction(r.Context(), c, drafts); err != nil {
		return err
	}
	out, err := s.store.DraftOrders(r.Context(), drafts, order.Actor{Role: c.user.Role, Name: c.user.Name})
	if muster.ErrorKind(err) == muster.NotFound {
		return muster.Wrap(muster.Invalid, err, "%s", muster.ErrorMessage(err)) // removed meanwhile
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, itemsOf[order.Order]{Items: out})
	return nil
}

// checkJurisdiction refuses drafts addressed outside the caller's
// jurisdiction, or naming resources outside it or of another owner. The
// registry answers not found for both the unknown and the out of reach,
// and so does this: forbidden, naming the order in the batch.
func (s *Server) checkJurisdiction(ctx context.Context, c *caller, drafts []order.Order) error {
	seen := map[string]bool{}
	for i, o := range drafts {
		if key := o.Addressee.String(); !seen[key] {
			var err error
			if o.Addressee.Kind == registry.OwnerPerson {
				_, err = s.store.Person(ctx, o.Addressee.ID, c.user.Area)
			} else {
				_, err = s.store.Organisation(ctx, o.Addressee.ID, c.user.Area)
			}
			if muster.ErrorKind(err) == muster.NotFound {
				return muster.Errorf(muster.Forbidden, "orders[%d].addressee: %s is not in the registry of your jurisdiction (%s)",
					i, o.Addressee, c.user.Area)
			}
			if err != nil {
				return err
			}
			seen[key] = true
		}
		for j, it := range o.Items {
			for _, id := range it.ResourceIDs {
				res, err := s.store.Resource(ctx, id, c.user.Area)
				if muster.ErrorKind(err) == muster.NotFound {
					return muster.Errorf(muster.Forbidden, "orders[%d].items[%d].resource_ids: %s is not in the registry of your jurisdiction (%s)",
						i, j, id, c.user.Area)
				}
				if err != nil {
					return err
				}
				if res.Owner != o.Addressee || res.Type != it.Type {
					return muster.Errorf(muster.Invalid, "orders[%d].items[%d].resource_ids: %s is a %s of another owner or type than the order's",
						i, j, id, res.Type)
				}
			}
		}
	}
	return nil
}

// approveRequest is the body of POST /api/v1/orders/approve.
type approveRequest struct {
	IDs []string `json:"ids"`
}

func (s *Server) approveOrders(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req approveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if n := len(req.IDs); n == 0 || n > maxApprovals {
		return muster.Errorf(muster.Invalid, "ids: send 1 to %d order ids or codes, not %d", maxApprovals, n)
	}
	actor := order.Actor{Role: c.user.Role, Name: c.user.Name}
	ids := make([]string, len(req.IDs))
	orders := make([]sqlstore.IssuedOrder, len(req.IDs))
	index := map[string]int{}
	found, err := s.store.FindOrders(r.Context(), req.IDs, c.user.Area)
	if err != nil {
		if k := muster.ErrorKind(err); k != muster.Internal {
			return muster.Errorf(k, "ids%s", muster.ErrorMessage(err))
		}
		return err
	}
	for i, o := range found {
		if j, dup := index[o.ID]; dup {
			return muster.Errorf(muster.Invalid, "ids[%d] names the same order as ids[%d]", i, j)
		}
		// The store checks again in its transaction; checking here names
		// the order that fails in a batch.
		if _, err := order.Transition(o.Facts(), order.EventApprove, actor); err != nil {
			return muster.Errorf(muster.ErrorKind(err), "ids[%d] (order %s): %s", i, o.Code, muster.ErrorMessage(err))
		}
		index[o.ID], ids[i], orders[i] = i, o.ID, o
	}
	if err := s.logOrderReads(r.Context(), c, "orders.approve", "approve", orders); err != nil {
		return err
	}
	issued, err := s.store.ApproveOrders(r.Context(), ids, actor, s.store.AddresseeRef)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, itemsOf[sqlstore.IssuedOrder]{Items: issued})
	return nil
}

// eventRequest is the body of POST /api/v1/orders/{code}/events.
type eventRequest struct {
	Event  string `json:"event"`
	Note   string `json:"note"`
	Until  string `json:"until"`
	Ground string `json:"ground"`
}

func (s *Server) recordOrderEvent(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req eventRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	ev, err := order.ParseEvent(req.Event)
	if err != nil {
		return muster.Errorf(muster.Invalid, "event: %s", muster.ErrorMessage(err))
	}
	switch ev {
	case order.EventDraft:
		return muster.Errorf(muster.Invalid, "event: orders are drafted with POST /api/v1/orders")
	case order.EventApprove:
		return muster.Errorf(muster.Invalid, "event: orders are approved with POST /api/v1/orders/approve, which also signs and issues them")
	}
	var until time.Time
	switch {
	case ev == order.EventDefer && req.Until == "":
		return muster.Errorf(muster.Invalid, "until: a deferral needs the new deadline")
	case ev == order.EventDefer:
		if until, err = time.Parse(time.RFC3339, req.Until); err != nil {
			return muster.Errorf(muster.Invalid, "until: %q is not an RFC 3339 time (2026-03-01T08:00:00Z)", req.Until)
		}
	case req.Until != "":
		return muster.Errorf(muster.Invalid, "until: only a deferral takes a new deadline")
	}
	o, err := s.store.Order(r.Context(), r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	if err := s.logOrderReads(r.Context(), c, "orders.event", string(ev), []sqlstore.IssuedOrder{o}); err != nil {
		return err
	}
	out, err := s.store.ApplyOrderEvent(r.Context(), o.ID, c.user.Area, sqlstore.Change{Event: ev, Ground: req.Ground,
		Actor: order.Actor{Role: c.user.Role, Name: c.user.Name}, Note: req.Note, Until: until})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Order cursors hold the id of the last order of a page; like the other
// cursors they are opaque and tagged with their listing.
const orderIDAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func formatOrderCursor(id string) string {
	return cursorEncoding.EncodeToString([]byte("orders:" + id))
}

func parseOrderCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	bad := muster.Errorf(muster.Invalid, "after: not a cursor of a previous page of orders")
	b, err := cursorEncoding.DecodeString(s)
	if err != nil {
		return "", bad
	}
	tag, id, ok := strings.Cut(string(b), ":")
	if !ok || tag != "orders" || len(id) != 26 || strings.Trim(id, orderIDAlphabet) != "" {
		return "", bad
	}
	return id, nil
}

// invalidList is one Invalid error listing the problems of a batch
// request, the first 20 of them.
func invalidList(problems []string) error {
	const shown = 20
	msg := strings.Join(problems[:min(len(problems), shown)], "; ")
	if len(problems) > shown {
		msg += fmt.Sprintf("; and %d more", len(problems)-shown)
	}
	return muster.Errorf(muster.Invalid, "%s", msg)
}
