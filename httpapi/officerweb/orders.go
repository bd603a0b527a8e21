package officerweb

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The orders pages: the approval queue (the two-person rule in view), the
// orders list, and an order with its history and its proof of inclusion
// in the transparency log.
//
// Lists name an addressee person by the short reference printed in the
// order's QR code, never by national ID, so that reading a list reads no
// personal data; an order's own page and its PDF show who it is addressed
// to, and each such read is recorded in the access log, as the API does.

// orderRow is an order in a list.
type orderRow struct {
	sqlstore.IssuedOrder
	Addressee string // the organisation's id, or the person's reference
	Mine      bool   // drafted by the user: another officer approves it
	Overdue   bool
	// Expired marks a draft whose deadline has passed: approving it would
	// issue an order already late.
	Expired bool
}

func (h *Handler) orderRow(o sqlstore.IssuedOrder, c *call) orderRow {
	now := h.now()
	row := orderRow{IssuedOrder: o, Mine: o.DraftedBy == c.user.Name, Overdue: o.Overdue(now),
		Expired: o.State == order.StateDraft && now.After(o.Deadline)}
	if o.Addressee.Kind == registry.OwnerPerson {
		row.Addressee = t(c.lang, "person_ref", h.store.AddresseeRef(o.Addressee))
	} else {
		row.Addressee = t(c.lang, "org_ref", o.Addressee.ID)
	}
	return row
}

type ordersList struct {
	Orders []orderRow
	CSV    string
	State  string
	States []order.State
	Next   string
	First  string
}

// orderPage reads the state filter and the cursor of an orders list.
func orderPage(r *http.Request, c *call, state order.State) (sqlstore.OrderFilter, error) {
	f := sqlstore.OrderFilter{Within: c.user.Area, State: state, Limit: pageSize + 1}
	if v := r.URL.Query().Get("after"); v != "" {
		if len(v) != 26 || strings.Trim(v, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != "" {
			return f, muster.Errorf(muster.Invalid, "after: not a page of this list")
		}
		f.After = v
	}
	return f, nil
}

// listPage cuts one page from orders read with a limit one above it, and
// names the link to the next page.
func (h *Handler) listPage(c *call, orders []sqlstore.IssuedOrder, base url.Values, path string) ([]orderRow, string) {
	next := ""
	if len(orders) > pageSize {
		orders = orders[:pageSize]
		base.Set("after", orders[pageSize-1].ID)
		next = path + "?" + base.Encode()
	}
	rows := make([]orderRow, len(orders))
	for i, o := range orders {
		rows[i] = h.orderRow(o, c)
	}
	return rows, next
}

func (h *Handler) listOrders(w http.ResponseWriter, r *http.Request, c *call) error {
	var state order.State
	if v := r.URL.Query().Get("state"); v != "" {
		s, err := order.ParseState(v)
		if err != nil {
			return muster.Errorf(muster.Invalid, "state: %s", muster.ErrorMessage(err))
		}
		state = s
	}
	f, err := orderPage(r, c, state)
	if err != nil {
		return err
	}
	orders, err := h.store.ListOrders(r.Context(), f)
	if err != nil {
		return err
	}
	q := url.Values{}
	if state != "" {
		q.Set("state", string(state))
	}
	v := ordersList{State: string(state), States: order.States, CSV: "/o/orders.csv?" + q.Encode()}
	if f.After != "" {
		v.First = "/o/orders?" + q.Encode()
	}
	v.Orders, v.Next = h.listPage(c, orders, q, "/o/orders")
	h.render(w, r, c, http.StatusOK, "orders", "orders_title", v)
	return nil
}

type approvalQueue struct {
	Orders []orderRow
	Mine   int
	Next   string
	First  string
}

func (h *Handler) approvalQueue(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.renderQueue(w, r, c, http.StatusOK, "")
}

func (h *Handler) renderQueue(w http.ResponseWriter, r *http.Request, c *call, status int, problem string) error {
	f, err := orderPage(r, c, order.StateDraft)
	if err != nil {
		return err
	}
	orders, err := h.store.ListOrders(r.Context(), f)
	if err != nil {
		return err
	}
	v := approvalQueue{}
	if f.After != "" {
		v.First = "/o/approvals"
	}
	v.Orders, v.Next = h.listPage(c, orders, url.Values{}, "/o/approvals")
	for _, o := range v.Orders {
		if o.Mine {
			v.Mine++
		}
	}
	pg := h.newPage(r, c, "approvals_title", v)
	if problem != "" {
		pg.Notice, pg.Error = problem, true
	}
	h.renderPage(w, status, "approvals", pg)
	return nil
}

// approve approves the drafts ticked, which signs, logs and issues them,
// in one batch like POST /api/v1/orders/approve. Each is checked first so
// that a refusal names its order.
func (h *Handler) approve(w http.ResponseWriter, r *http.Request, c *call) error {
	keys := r.PostForm["order"]
	if len(keys) == 0 {
		return h.renderQueue(w, r, c, http.StatusBadRequest, t(c.lang, "err_no_order"))
	}
	if len(keys) > 1000 {
		return muster.Errorf(muster.Invalid, "approve at most 1000 orders at once")
	}
	found, err := h.store.FindOrders(r.Context(), keys, c.user.Area)
	if muster.ErrorKind(err) == muster.NotFound {
		return h.renderQueue(w, r, c, http.StatusConflict, t(c.lang, "err_order_gone"))
	}
	if err != nil {
		return err
	}
	actor := order.Actor{Role: c.user.Role, Name: c.user.Name}
	ids := make([]string, len(found))
	seen := map[string]bool{}
	for i, o := range found {
		if seen[o.ID] {
			return muster.Errorf(muster.Invalid, "order %s is named twice", o.Code)
		}
		seen[o.ID] = true
		if _, err := order.Transition(o.Facts(), order.EventApprove, actor); err != nil {
			key := "err_approve"
			if o.DraftedBy == c.user.Name {
				key = "err_own_draft"
			}
			return h.renderQueue(w, r, c, http.StatusConflict, t(c.lang, text(key), o.Code.String()))
		}
		ids[i] = o.ID
	}
	if err := h.logOrderReads(r.Context(), c, "orders.approve", "approve", found); err != nil {
		return err
	}
	issued, err := h.store.ApproveOrders(r.Context(), ids, actor, h.store.AddresseeRef)
	if err != nil {
		return err
	}
	redirect(w, r, "/o/approvals", "done_approved", strconv.Itoa(len(issued)))
	return nil
}

// logOrderReads records that the user is shown orders addressed to
// persons, as the API does: one order by its id and the blind index of
// its addressee's national ID, several by how many. If the read cannot be
// recorded, the data is not shown.
func (h *Handler) logOrderReads(ctx context.Context, c *call, action, selection string, orders []sqlstore.IssuedOrder) error {
	var persons []string
	for _, o := range orders {
		if o.Addressee.Kind == registry.OwnerPerson {
			persons = append(persons, hex.EncodeToString(h.store.NationalIDIndex(o.Addressee.ID)))
		}
	}
	if len(persons) == 0 {
		return nil
	}
	subject := fmt.Sprintf("%s count=%d person_addressed=%d", selection, len(orders), len(persons))
	if len(orders) == 1 {
		subject = strings.TrimSpace(fmt.Sprintf("%s order=%s addressee_nid_index=%s", selection, orders[0].ID, persons[0]))
	}
	return h.store.LogAccess(ctx, c.user.ID, action, "web "+subject)
}

type orderView struct {
	orderRow
	Person     bool // addressed to a person, named by national ID
	Events     []sqlstore.StoredEvent
	Notes      bool // the role reads events' notes
	Proof      *inclusion
	ProofError string
	PDFLangs   []string
	// The names of the place's area and of the issuing authority.
	PlaceArea, AuthorityName string

	Actions orderActions
	Claim   *claimInfo // the claim and its appeal, for the roles that read notes
	Receipt bool       // a requisition handed over: its receipt can be printed
	// AddresseeName names an organisation, and AddresseeHref is the
	// addressee's registry page for the roles that read it.
	AddresseeName, AddresseeHref string
	// HandedCondition is the items' condition at handover, which their
	// return is compared with.
	HandedCondition string
}

func (h *Handler) showOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := h.store.Order(r.Context(), r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	return h.renderOrder(w, r, c, o, http.StatusOK, "", eventForm{})
}

// renderOrder shows an order with its history, its proof and the forms
// of what the user may record on it, under a problem notice when one is
// given (with form as it was typed).
func (h *Handler) renderOrder(w http.ResponseWriter, r *http.Request, c *call, o sqlstore.IssuedOrder, status int, problem string, form eventForm) error {
	events, err := h.store.OrderEvents(r.Context(), o.ID)
	if err != nil {
		return err
	}
	// Notes may be personal (a claim's grounds): only the roles that act
	// on them read them, as in the API.
	notes := readsNotes(c.user.Role)
	if !notes {
		for i := range events {
			events[i].Note = ""
		}
	}
	if err := h.logOrderReads(r.Context(), c, "orders.read", "", []sqlstore.IssuedOrder{o}); err != nil {
		return err
	}
	v := orderView{orderRow: h.orderRow(o, c), Person: o.Addressee.Kind == registry.OwnerPerson, Events: events, Notes: notes,
		PDFLangs: []string{"fr", "en", "ha", "dje"}, Actions: h.orderActions(c, o, form), Receipt: sqlstore.Handover(o, events) != nil}
	v.Addressee = o.Addressee.String()
	if v.Receipt && len(o.Items) > 0 && o.Items[0].Condition != "" {
		v.HandedCondition = t(c.lang, text("cond_"+o.Items[0].Condition))
	}
	switch {
	case o.Addressee.Kind == registry.OwnerPerson && auth.Can(c.user.Role, auth.ReadPersons):
		v.AddresseeHref = "/o/persons/" + url.PathEscape(o.Addressee.ID)
	case o.Addressee.Kind == registry.OwnerOrganisation:
		if org, err := h.store.Organisation(r.Context(), o.Addressee.ID, c.user.Area); err == nil {
			v.AddresseeName = org.Name
		}
		if auth.Can(c.user.Role, auth.ReadOrganisations) {
			v.AddresseeHref = "/o/organisations/" + url.PathEscape(o.Addressee.ID)
		}
	}
	if notes {
		if claim := readClaim(events); claim.ClaimedAt != (time.Time{}) {
			h.labelGround(r.Context(), c, &claim)
			v.Claim = &claim
		}
	}
	if tree, err := h.areaTree(r.Context(), c); err == nil && o.Place.Area != "" {
		v.PlaceArea = areaName(tree, o.Place.Area)
	}
	if all, err := h.store.Authorities(r.Context()); err == nil {
		for _, a := range all {
			if a.Code == o.Authority {
				v.AuthorityName = a.Name
			}
		}
	}
	if o.Signed != "" {
		proof, err := h.inclusionProof(r.Context(), o)
		if err != nil {
			h.log.WarnContext(r.Context(), "officer web: inclusion proof", "order", o.ID, "err", err)
			v.ProofError = t(c.lang, "proof_unavailable")
		}
		v.Proof = proof
	}
	pg := h.newPage(r, c, "order_title", v)
	pg.Title = t(c.lang, "order_title", o.Code.String())
	if problem != "" {
		pg.Notice, pg.Error = problem, true
	}
	h.renderPage(w, status, "order", pg)
	return nil
}

// readsNotes reports whether a role reads the notes of order events,
// which may hold a claim's grounds: the officers and the review board,
// who act on them, as in the API.
func readsNotes(role auth.Role) bool { return role == auth.Officer || role == auth.Reviewer }

// orderPDF answers the issued order as the PDF printed for its addressee,
// like `muster orders pdf`.
func (h *Handler) orderPDF(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := h.store.Order(r.Context(), r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	lang, err := pdfLang(r, c)
	if err != nil {
		return err
	}
	if err := h.logOrderReads(r.Context(), c, "orders.pdf", "", []sqlstore.IssuedOrder{o}); err != nil {
		return err
	}
	doc, err := h.store.Printable(r.Context(), o, h.verify)
	if err != nil {
		return err
	}
	pdf, err := printout.Render(doc, lang)
	if err != nil {
		return err
	}
	sendPDF(w, o.Code.String()+".pdf", pdf)
	return nil
}

// inclusion is the proof that an order's issue event is a leaf of the
// transparency log, against a signed checkpoint anyone can check with
// the log's public key.
type inclusion struct {
	Index      uint64
	Size       uint64
	Checkpoint string
	Hashes     []string // base64, in RFC 6962 order
	Leaf       string
}

// encoding of hashes as the API's /log/proof/inclusion gives them.
var b64 = base64.StdEncoding

// sendPDF answers a PDF download named file; it holds personal data, so no
// cache keeps it.
func sendPDF(w http.ResponseWriter, file string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}
