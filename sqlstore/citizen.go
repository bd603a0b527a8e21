package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/qr"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/trust"
)

// trustRefresh is how long the citizen service keeps the authorities'
// keys and names before reading them again: a key added or revoked is
// seen within a minute, and a look-up costs no extra queries.
const trustRefresh = time.Minute

// Citizens is the citizen use cases (citizen.Service) over the store, for
// the USSD menu, the SMS commands and the citizen page. The second factor
// is the addressee's birth date, read from their sealed record; only
// orders addressed to a person can be opened with it, and only once
// issued. It is safe for concurrent use.
//
// An order still in state issued when its addressee opens it with the
// second factor has evidently reached them, whatever the SMS delivery
// reports say (a file provider sends none): the first action records the
// notify event, by the system, before the addressee's own.
type Citizens struct {
	db   *DB
	zone *time.Location

	mu          sync.Mutex
	groundsHash string // the policy the grounds were read from
	grounds     []citizen.Ground
	groundsAt   time.Time // when the policy in force was last checked
	// verified caches the signature checks of signed orders, by the
	// SHA-256 of their signed text, for as long as the trust list they
	// were checked against: a signed order never changes, and checking
	// it is a fifth of a look-up.
	verified  map[[32]byte]bool
	trustAt   time.Time // when keys and names were read; zero: never
	trustList trust.TrustList
	names     map[string]string // authority code → name
}

var _ citizen.Service = (*Citizens)(nil)

// Citizens returns the citizen service. Deadlines are given in zone (UTC
// when nil), the time the citizens read.
func (db *DB) Citizens(zone *time.Location) *Citizens {
	if zone == nil {
		zone = time.UTC
	}
	return &Citizens{db: db, zone: zone}
}

// FormKey returns a 32-byte key derived from the master key, for the
// citizen page to sign its action forms with: every server sharing the
// master key derives the same, so a form served by one is accepted by
// another behind the same load balancer.
func (c *Citizens) FormKey() []byte {
	k := c.db.keys
	return append(k.Index("citizen.form", "1"), k.Index("citizen.form", "2")...)
}

// Lookup implements citizen.Service.
func (c *Citizens) Lookup(ctx context.Context, _ citizen.Channel, _ string, code order.Code, birthDate time.Time) (citizen.OrderView, error) {
	o, err := c.match(ctx, code, birthDate)
	if err != nil {
		return citizen.OrderView{}, err
	}
	return c.view(ctx, o)
}

// Act implements citizen.Service: the event is the action's, by the
// addressee, with the note "via <channel>" (sealed, as every event note).
func (c *Citizens) Act(ctx context.Context, ch citizen.Channel, _ string, code order.Code, birthDate time.Time, a citizen.Action, groundCode string) (citizen.OrderView, error) {
	o, err := c.match(ctx, code, birthDate)
	if err != nil {
		return citizen.OrderView{}, err
	}
	if a.Event() == "" {
		return citizen.OrderView{}, muster.Errorf(muster.Invalid, "action %q is not acknowledge, claim or appeal", a)
	}
	if !slices.Contains(citizen.AllowedActions(o.Kind, addresseeState(o.State)), a) {
		return citizen.OrderView{}, citizen.ErrNotAllowed
	}
	if o.State == order.StateIssued {
		_, err := c.db.ApplyOrderEvent(ctx, o.ID, "", Change{Event: order.EventNotify, Actor: order.SystemActor,
			Note: "the addressee opened the order via " + string(ch)})
		if err != nil && muster.ErrorKind(err) != muster.Conflict { // a conflict: someone notified it meanwhile
			return citizen.OrderView{}, err
		}
	}
	after, err := c.db.ApplyOrderEvent(ctx, o.ID, "", Change{Event: a.Event(), Actor: order.AddresseeActor,
		Note: "via " + string(ch), Ground: groundCode})
	switch {
	case muster.ErrorKind(err) == muster.Conflict:
		return citizen.OrderView{}, citizen.ErrNotAllowed // the order moved meanwhile, or the lifecycle refuses
	case err != nil:
		return citizen.OrderView{}, err
	}
	return c.view(ctx, after)
}

// addresseeState is the state whose actions the addressee is offered: an
// issued order they opened counts as notified (see Citizens).
func addresseeState(s order.State) order.State {
	if s == order.StateIssued {
		return order.StateNotified
	}
	return s
}

// match finds the order with code whose addressee was born on birthDate.
// Every way of not matching is the same ErrNoMatch: no such code, an
// order not yet issued, addressed to an organisation, or another date.
func (c *Citizens) match(ctx context.Context, code order.Code, birthDate time.Time) (IssuedOrder, error) {
	// One query and one opening of the addressee's sealed fields: the
	// look-up is the citizens' hottest path.
	st, err := c.db.stmt(ctx, `SELECT `+orderColumns+orderFrom+` WHERE o.code = ?`)
	if err != nil {
		return IssuedOrder{}, fmt.Errorf("citizen look-up: %w", err)
	}
	o, pf, err := c.db.scanOrderAddressee(st.QueryRowContext(ctx, string(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return IssuedOrder{}, citizen.ErrNoMatch
	}
	if err != nil {
		return IssuedOrder{}, fmt.Errorf("citizen look-up: %w", err)
	}
	if !issued(o.State) || o.Addressee.Kind != registry.OwnerPerson || pf.birthDate == "" ||
		pf.birthDate != birthDate.Format(registry.DateLayout) {
		return IssuedOrder{}, citizen.ErrNoMatch
	}
	return o, nil
}

// issued reports whether an order in state s has been issued: drafts and
// approved orders are nobody's business outside the office yet.
func issued(s order.State) bool {
	return s != order.StateNone && s != order.StateDraft && s != order.StateApproved
}

// view lays out what the addressee sees of o.
func (c *Citizens) view(ctx context.Context, o IssuedOrder) (citizen.OrderView, error) {
	tl, names, err := c.trust(ctx)
	if err != nil {
		return citizen.OrderView{}, err
	}
	v := citizen.OrderView{
		Code: o.Code, Kind: o.Kind, State: o.State, Items: itemsSummary(o.Order), Place: o.Place.Text,
		Deadline: o.Deadline.In(c.zone), Authority: authorityName(names, o.Authority), LegalBasis: o.LegalBasis,
		Actions: citizen.AllowedActions(o.Kind, addresseeState(o.State)),
	}
	v.Verified = c.verify(o, tl)
	if v.Compensation, err = c.compensation(ctx, o); err != nil {
		return citizen.OrderView{}, err
	}
	return v, nil
}

// compensation reads what the addressee of o is owed and has been paid,
// or nil when no compensation was computed.
//
// It reads the same figures as DB.Payable, but with two look-ups by key
// instead of a scan of the ledger for the transfers on the order's
// payable, since every citizen look-up of a returned order makes it: the
// payable account's balance is what is outstanding (the owed transfer
// credits it, payments and their reversals move it, and nothing else
// does: see fund.Owe and fund.Pay), and the owed transfer says what was
// booked. An order returned before the fund existed has no payable yet:
// it owes the amount computed, and nothing of it is paid.
func (c *Citizens) compensation(ctx context.Context, o IssuedOrder) (*citizen.CompensationView, error) {
	if o.Compensation == nil {
		return nil, nil
	}
	cv := &citizen.CompensationView{OwedXOF: o.Compensation.AmountXOF, Days: o.Compensation.Days, Lines: o.Compensation.Lines}
	var outstanding, owed int64
	err := c.db.sql.QueryRowContext(ctx, c.db.rebind(`SELECT a.credits - a.debits,
		COALESCE((SELECT t.amount FROM ledger_transfers t WHERE t.id = ?), 0)
		FROM ledger_accounts a WHERE a.id = ?`), fund.OwedTransferID(o.ID), fund.PayableAccount(o.ID)).Scan(&outstanding, &owed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return cv, nil
	case err != nil:
		return nil, fmt.Errorf("order %s: compensation payable: %w", o.ID, err)
	}
	if owed > 0 {
		cv.OwedXOF = owed
	}
	cv.PaidXOF = max(cv.OwedXOF-outstanding, 0)
	cv.Settled = cv.OwedXOF > 0 && cv.PaidXOF == cv.OwedXOF
	return cv, nil
}

// itemsSummary says what an order asks in a few words: the skill of a
// call-up, the quantities and types of a requisition ("2 vehicle.truck,
// 400 l fuel.diesel").
func itemsSummary(o order.Order) string {
	parts := make([]string, 0, len(o.Items))
	for _, it := range o.Items {
		if o.Kind == order.CallUp {
			parts = append(parts, it.Type)
			continue
		}
		q := strconv.FormatFloat(it.Quantity, 'f', -1, 64)
		if it.Unit != "" && it.Unit != "unit" {
			q += " " + it.Unit
		}
		parts = append(parts, q+" "+it.Type)
	}
	return strings.Join(parts, ", ")
}

func authorityName(names map[string]string, code string) string {
	if n := names[code]; n != "" {
		return n
	}
	return code
}

// trust returns the trust list of the authorities' keys and their names,
// read at most once per trustRefresh.
func (c *Citizens) trust(ctx context.Context) (trust.TrustList, map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.db.now()
	if !c.trustAt.IsZero() && now.Sub(c.trustAt) < trustRefresh {
		return c.trustList, c.names, nil
	}
	keys, err := c.db.Keys(ctx)
	if err != nil {
		return trust.TrustList{}, nil, err
	}
	tl, err := trust.NewTrustList(keys, 0, now)
	if err != nil {
		return trust.TrustList{}, nil, muster.Wrap(muster.Internal, err, "citizen service: trust list of the stored keys")
	}
	authorities, err := c.db.Authorities(ctx)
	if err != nil {
		return trust.TrustList{}, nil, err
	}
	names := make(map[string]string, len(authorities))
	for _, a := range authorities {
		names[a.Code] = a.Name
	}
	c.trustList, c.names, c.trustAt = tl, names, now
	c.verified = nil // checked against the previous trust list
	return tl, names, nil
}

// maxVerified bounds the cache of signature checks (about 50 bytes each).
const maxVerified = 200_000

// verify reports whether o's signed payload verifies against tl and names
// o itself, from the cache when it was checked against the same list.
func (c *Citizens) verify(o IssuedOrder, tl trust.TrustList) bool {
	key := sha256.Sum256([]byte(o.ID + "\n" + string(o.Code) + "\n" + o.Authority + "\n" + o.Signed))
	c.mu.Lock()
	ok, found := c.verified[key]
	c.mu.Unlock()
	if found {
		return ok
	}
	if claims, err := qr.Verify(o.Signed, tl, c.db.now()); err == nil {
		ok = claims.OrderID == o.ID && claims.Code == string(o.Code) && claims.Authority == o.Authority
	}
	c.mu.Lock()
	if c.verified == nil || len(c.verified) >= maxVerified {
		c.verified = make(map[[32]byte]bool)
	}
	c.verified[key] = ok
	c.mu.Unlock()
	return ok
}

// Grounds implements citizen.Service: the claim grounds of the policy in
// force, read again only when another policy is loaded. It returns none
// when the policy cannot be read, and the channels then offer no claim.
func (c *Citizens) Grounds(ctx context.Context) []citizen.Ground {
	c.mu.Lock()
	if c.grounds != nil && c.db.now().Sub(c.groundsAt) < trustRefresh {
		defer c.mu.Unlock()
		return c.grounds
	}
	c.mu.Unlock()
	var hash string
	err := c.db.sql.QueryRowContext(ctx, `SELECT hash FROM policies ORDER BY id DESC LIMIT 1`).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	c.mu.Lock()
	if c.grounds != nil && c.groundsHash == hash {
		defer c.mu.Unlock()
		c.groundsAt = c.db.now()
		return c.grounds
	}
	c.mu.Unlock()
	p, _, err := c.db.ActivePolicy(ctx)
	if err != nil {
		return nil
	}
	var out []citizen.Ground
	for _, g := range p.Grounds() {
		cg := citizen.Ground{Code: g.Code, Kind: citizen.GroundKind(g.Kind), Labels: map[citizen.Language]string{}}
		for lang, label := range g.Labels {
			cg.Labels[citizen.Language(lang)] = label
		}
		out = append(out, cg)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.grounds, c.groundsHash, c.groundsAt = out, hash, c.db.now()
	return out
}

// Verify implements citizen.Service: whether an order with this code was
// issued, and by whom; nothing about its addressee or what it asks.
func (c *Citizens) Verify(ctx context.Context, code order.Code) (citizen.VerifyView, error) {
	var (
		kind, authority, state string
		deadline               time.Time
	)
	err := c.db.sql.QueryRowContext(ctx, c.db.rebind(`SELECT o.kind, au.name, o.state, o.deadline
		FROM orders o JOIN authorities au ON au.id = o.authority_id WHERE o.code = ?`), string(code)).
		Scan(&kind, &authority, &state, &deadline)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !issued(order.State(state))) {
		return citizen.VerifyView{}, citizen.ErrNoMatch
	}
	if err != nil {
		return citizen.VerifyView{}, fmt.Errorf("citizen verify: %w", err)
	}
	return citizen.VerifyView{Kind: order.Kind(kind), Authority: authority, State: order.State(state), Deadline: deadline.In(c.zone)}, nil
}

// PreferredLanguage implements citizen.Service: the language the registry
// holds for the person with this phone number (found by its blind index),
// if the channels speak it. A number shared by several persons gives the
// first registered one's.
func (c *Citizens) PreferredLanguage(ctx context.Context, phone string) (citizen.Language, bool) {
	if !strings.HasPrefix(phone, "+") {
		phone = "+" + phone // some gateways drop the plus of E.164
	}
	if !registry.ValidPhone(phone) {
		return "", false
	}
	st, err := c.db.stmt(ctx, `SELECT language FROM persons WHERE phone_index = ? AND language <> '' ORDER BY id LIMIT 1`)
	if err != nil {
		return "", false
	}
	var lang string
	if err := st.QueryRowContext(ctx, c.db.phoneIndex(phone)).Scan(&lang); err != nil {
		return "", false // none known, or the database is down: the menu asks
	}
	l, err := citizen.ParseLanguage(lang)
	return l, err == nil
}

// OrderPDF renders the order with code, whose addressee was born on
// birth, as its printable PDF in lang, saying how to verify it as
// verify does; the same ErrNoMatch as Lookup for every way of not
// matching.
func (c *Citizens) OrderPDF(ctx context.Context, code order.Code, birth time.Time, lang citizen.Language, verify printout.Verification) ([]byte, error) {
	o, err := c.match(ctx, code, birth)
	if err != nil {
		return nil, err
	}
	doc, err := c.db.Printable(ctx, o, verify)
	if err != nil {
		return nil, err
	}
	return printout.Render(doc, string(lang))
}
