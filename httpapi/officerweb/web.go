// Package officerweb is the officers' web UI under /o/: the state of the
// mobilization at a glance (needs and fill rate by region, orders by
// state, overdue answers, claims waiting, force targets, the situational
// map) and the daily work done without the CLI: filing needs, running and
// reviewing allocation proposals, approving drafts, reading orders,
// searching the registry, deciding claims and appeals, recording
// handovers and returns with their receipts, and exporting lists as CSV
// with an HXL hashtag row (and needs as GeoJSON).
//
// It is made for slow connections and plain browsers: server-rendered
// html/template, one small embedded stylesheet, no JavaScript, no
// external resource, pinned by a Content-Security-Policy. French by
// default, English on request (a cookie remembers it).
//
// A login opens a session kept in the store's sessions table; its token
// travels in the HttpOnly cookie muster_session, and every POST form
// carries a CSRF token derived from the session. Every route declares the
// auth.Action it needs (Routes lists them for the access tests), and
// every query is scoped to the user's jurisdiction like the JSON API's:
// a record outside it is not found.
//
// It is an adapter at the edge, like package httpapi: it imports the
// store's types but talks to the store through the Store interface.
package officerweb

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/time/rate"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/httpapi/statusrec"
	"github.com/muster-org/muster/incident"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/policy"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/proposal"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
)

// Prefix is where the UI is mounted.
const Prefix = "/o/"

// Store is what the UI asks of storage; *sqlstore.DB satisfies it.
type Store interface {
	AreaTree(ctx context.Context) (*area.Tree, error)
	Area(ctx context.Context, code string) (area.Area, error)

	UserByName(ctx context.Context, name string) (auth.User, string, error)
	CreateSession(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error
	SessionUser(ctx context.Context, tokenHash []byte) (auth.User, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	LogAccess(ctx context.Context, userID int64, action, subject string) error
	NationalIDIndex(nationalID string) []byte

	Dashboard(ctx context.Context, within string, now time.Time) (sqlstore.Dashboard, error)
	ForceTargets(ctx context.Context, within string) ([]sqlstore.ForceStatus, error)
	IncidentCounts(ctx context.Context, within string, since time.Time) ([]sqlstore.IncidentCount, error)
	RecentIncidents(ctx context.Context, within string, since time.Time, limit int) ([]incident.Incident, error)

	FileNeedsWithin(ctx context.Context, needs []need.Need, by, within string) ([]need.Need, error)
	ListNeeds(ctx context.Context, f sqlstore.NeedFilter) (sqlstore.Page[need.Need], error)
	Need(ctx context.Context, needID, within string) (need.Need, error)
	CancelNeed(ctx context.Context, needID, within string) (need.Need, error)

	Propose(ctx context.Context, scope string, needIDs []string, by string, opt allocate.Options) (sqlstore.StoredProposal, proposal.Excluded, error)
	ProposalsWithin(ctx context.Context, within string, limit int) ([]sqlstore.StoredProposal, error)
	Proposal(ctx context.Context, id string) (sqlstore.StoredProposal, error)
	DecideLines(ctx context.Context, id string, lines []int, accept bool, by string) (sqlstore.StoredProposal, error)
	DraftProposalOrders(ctx context.Context, id, authority string, by order.Actor) ([]order.Order, error)
	Authorities(ctx context.Context) ([]sqlstore.Authority, error)

	Order(ctx context.Context, idOrCode, within string) (sqlstore.IssuedOrder, error)
	ListOrders(ctx context.Context, f sqlstore.OrderFilter) ([]sqlstore.IssuedOrder, error)
	FindOrders(ctx context.Context, keys []string, within string) ([]sqlstore.IssuedOrder, error)
	OrderEvents(ctx context.Context, orderID string) ([]sqlstore.StoredEvent, error)
	ApproveOrders(ctx context.Context, ids []string, by order.Actor, addresseeRef func(registry.Owner) string) ([]sqlstore.IssuedOrder, error)
	AddresseeRef(o registry.Owner) string
	Printable(ctx context.Context, o sqlstore.IssuedOrder, verify printout.Verification) (printout.Order, error)
	PrintableReceipt(ctx context.Context, o sqlstore.IssuedOrder, verify printout.Verification) (printout.Receipt, error)
	AddresseeOrders(ctx context.Context, owner registry.Owner, within string, limit int) ([]sqlstore.IssuedOrder, error)
	CountOrders(ctx context.Context, within string) (map[order.State]int, error)
	ApplyOrderEvent(ctx context.Context, idOrCode, within string, c sqlstore.Change) (sqlstore.IssuedOrder, error)
	ActivePolicy(ctx context.Context) (*policy.Policy, sqlstore.StoredPolicy, error)

	ListPersons(ctx context.Context, f sqlstore.PersonFilter) (sqlstore.Page[registry.Person], error)
	Person(ctx context.Context, nationalID, within string) (registry.Person, error)
	ListOrganisations(ctx context.Context, f sqlstore.OrganisationFilter) (sqlstore.Page[registry.Organisation], error)
	Organisation(ctx context.Context, orgID, within string) (registry.Organisation, error)
	ListResources(ctx context.Context, f sqlstore.ResourceFilter) (sqlstore.Page[registry.Resource], error)
	Resource(ctx context.Context, resourceID, within string) (registry.Resource, error)

	Log() *tlog.Log
	SignCheckpoint(ctx context.Context, signer note.Signer) ([]byte, error)
	LatestCheckpoint(ctx context.Context) ([]byte, bool, error)
}

// Options configures a Handler; the zero value works.
type Options struct {
	Logger     *slog.Logger     // nil → slog.Default()
	SessionTTL time.Duration    // 0 → 12h, one working shift
	Now        func() time.Time // nil → time.Now
	// CSRFKey derives the forms' CSRF tokens from sessions: at least 32
	// random bytes, the same on every server behind one load balancer;
	// nil → a random key, which such servers must not rely on.
	CSRFKey []byte
	// LogSigner signs a fresh checkpoint for an order's inclusion proof;
	// nil → the proof is against the latest stored checkpoint.
	LogSigner note.Signer
	// Verify is printed on orders' PDFs: how their addressees check them.
	Verify printout.Verification
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client for the login rate limit; nil trusts no one.
	TrustedProxies []netip.Prefix
	// LoginRate and LoginBurst bound login attempts per client address;
	// 0 → 5 a minute after a burst of 10.
	LoginRate  rate.Limit
	LoginBurst int
	// Zone is the time zone in which officers type and read times;
	// nil → UTC.
	Zone *time.Location
}

// Handler serves the officers' UI under Prefix. It is safe for
// concurrent use.
type Handler struct {
	store     Store
	log       *slog.Logger
	ttl       time.Duration
	now       func() time.Time
	csrfKey   []byte
	logSigner note.Signer
	verify    printout.Verification
	proxies   []netip.Prefix
	logins    *ipLimiter
	zone      *time.Location
	routes    []route
	mux       *http.ServeMux
}

// Authenticated is the Action of routes that any logged-in user may use.
const Authenticated auth.Action = "authenticated"

// Route is one entry of the route table: a method, a ServeMux pattern and
// the action the user's role must be granted ("" for a public route).
type Route struct {
	Method  string
	Pattern string
	Action  auth.Action
}

// route is a Route with its handler.
type route struct {
	Route
	handle func(w http.ResponseWriter, r *http.Request, c *call) error
}

// New returns the UI over store.
func New(store Store, opts Options) *Handler {
	h := &Handler{store: store, log: opts.Logger, ttl: opts.SessionTTL, now: opts.Now, csrfKey: opts.CSRFKey,
		logSigner: opts.LogSigner, verify: opts.Verify, proxies: opts.TrustedProxies, zone: opts.Zone}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.ttl <= 0 {
		h.ttl = 12 * time.Hour
	}
	if h.now == nil {
		h.now = time.Now
	}
	if len(h.csrfKey) == 0 {
		h.csrfKey = make([]byte, 32)
		rand.Read(h.csrfKey)
	}
	if h.zone == nil {
		h.zone = time.UTC
	}
	limit, burst := opts.LoginRate, opts.LoginBurst
	if limit == 0 {
		limit, burst = rate.Limit(5.0/60), 10
	}
	h.logins = newIPLimiter(limit, burst)
	h.routes = h.routeTable()
	h.mux = http.NewServeMux()
	for _, rt := range h.routes {
		h.mux.Handle(rt.Method+" "+rt.Pattern, h.wrap(rt))
	}
	return h
}

// Routes returns every route the Handler serves with the action it needs.
func (h *Handler) Routes() []Route {
	out := make([]Route, len(h.routes))
	for i, rt := range h.routes {
		out[i] = rt.Route
	}
	return out
}

func (h *Handler) routeTable() []route {
	r := func(method, pattern string, action auth.Action, handle func(http.ResponseWriter, *http.Request, *call) error) route {
		return route{Route{method, pattern, action}, handle}
	}
	return []route{
		r("GET", "/o/static/style.css", "", h.serveStyle),
		r("GET", "/o/login", "", h.loginPage),
		r("POST", "/o/login", "", h.login),
		r("POST", "/o/logout", Authenticated, h.logout),

		r("GET", "/o/{$}", auth.ReadAreas, h.dashboard),
		r("GET", "/o/dashboard.csv", auth.ReadAreas, h.dashboardCSV),
		r("GET", "/o/dashboard.geojson", auth.ReadAreas, h.dashboardGeoJSON),

		r("GET", "/o/needs", auth.ReadNeeds, h.listNeeds),
		r("GET", "/o/needs.csv", auth.ReadNeeds, h.needsCSV),
		r("GET", "/o/needs.geojson", auth.ReadNeeds, h.needsGeoJSON),
		r("GET", "/o/needs/new", auth.WriteNeeds, h.needForm),
		r("POST", "/o/needs", auth.WriteNeeds, h.fileNeed),
		r("GET", "/o/needs/{id}", auth.ReadNeeds, h.showNeed),
		r("POST", "/o/needs/{id}/cancel", auth.WriteNeeds, h.cancelNeed),

		r("GET", "/o/proposals", auth.Allocate, h.listProposals),
		r("GET", "/o/proposals/new", auth.Allocate, h.proposalForm),
		r("POST", "/o/proposals", auth.Allocate, h.runAllocation),
		r("GET", "/o/proposals/{id}", auth.Allocate, h.showProposal),
		r("POST", "/o/proposals/{id}/decide", auth.Allocate, h.decideLines),
		r("POST", "/o/proposals/{id}/orders", auth.DraftOrders, h.draftOrders),

		r("GET", "/o/approvals", auth.ApproveOrders, h.approvalQueue),
		r("POST", "/o/approvals", auth.ApproveOrders, h.approve),

		r("GET", "/o/orders", auth.ReadOrders, h.listOrders),
		r("GET", "/o/orders.csv", auth.ReadOrders, h.ordersCSV),
		r("GET", "/o/orders/{code}", auth.ReadOrders, h.showOrder),
		r("GET", "/o/orders/{code}/pdf", auth.ReadOrders, h.orderPDF),
		r("GET", "/o/orders/{code}/receipt", auth.ReadOrders, h.receiptPDF),
		// Which event a role may record on which order is the lifecycle's
		// rule (package order): the handler checks it.
		r("POST", "/o/orders/{code}/event", auth.RecordOrderEvents, h.recordEvent),

		r("GET", "/o/claims", auth.RecordOrderEvents, h.claimsQueue),
		r("GET", "/o/claims.csv", auth.RecordOrderEvents, h.claimsCSV),

		r("GET", "/o/persons", auth.ReadPersons, h.listPersons),
		r("GET", "/o/persons.csv", auth.ReadPersons, h.personsCSV),
		r("GET", "/o/persons/{nid}", auth.ReadPersons, h.showPerson),
		r("GET", "/o/organisations", auth.ReadOrganisations, h.listOrganisations),
		r("GET", "/o/organisations.csv", auth.ReadOrganisations, h.organisationsCSV),
		r("GET", "/o/organisations/{id}", auth.ReadOrganisations, h.showOrganisation),
		r("GET", "/o/resources", auth.ReadResources, h.listResources),
		r("GET", "/o/resources.csv", auth.ReadResources, h.resourcesCSV),
		r("GET", "/o/resources/{id}", auth.ReadResources, h.showResource),
	}
}

// call is one request of a logged-in user, in their language.
type call struct {
	user      auth.User
	tokenHash []byte
	lang      lang
	tree      *area.Tree // read once per request, by areaTree
	// policyLabels are the claim grounds' labels in the user's language,
	// read once per request, by labelGround.
	policyLabels map[string]string
}

// areaTree returns the area hierarchy, read from the store at most once
// per request: the layout and most pages need it.
func (h *Handler) areaTree(ctx context.Context, c *call) (*area.Tree, error) {
	if c.tree == nil {
		tree, err := h.store.AreaTree(ctx)
		if err != nil {
			return nil, err
		}
		c.tree = tree
	}
	return c.tree, nil
}

// ServeHTTP serves the UI.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if _, pattern := h.mux.Handler(r); pattern == "" {
		l := h.language(w, r)
		c := &call{lang: l}
		if u, hash, err := h.session(r); err == nil {
			c.user, c.tokenHash = u, hash
		}
		h.errorPage(w, r, c, muster.Errorf(muster.NotFound, "no such page"))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// wrap authenticates and authorizes a route, checks the CSRF token of
// POST forms, recovers from panics and logs the request by its pattern
// (paths hold order codes and need ids).
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusrec.New(w)
		c := &call{lang: h.language(sw, r)}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.ErrorContext(r.Context(), "officer web: panic", "route", rt.Pattern, "panic", v)
				if !sw.Wrote() {
					h.errorPage(sw, r, c, muster.Errorf(muster.Internal, "panic"))
				}
			}
			h.log.InfoContext(r.Context(), "request", "method", rt.Method, "route", rt.Pattern, "status", sw.Status(),
				"user", c.user.Name, "duration", time.Since(start))
		}()
		if err := h.serveRoute(sw, r, rt, c); err != nil {
			h.errorPage(sw, r, c, err)
		}
	})
}

func (h *Handler) serveRoute(w http.ResponseWriter, r *http.Request, rt route, c *call) error {
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			return muster.Errorf(muster.Invalid, "the form could not be read")
		}
	}
	if rt.Action == "" {
		return rt.handle(w, r, c)
	}
	u, hash, err := h.session(r)
	if err != nil {
		h.toLogin(w, r)
		return nil
	}
	c.user, c.tokenHash = u, hash
	if rt.Action != Authenticated {
		if err := u.Authorize(rt.Action); err != nil {
			return err
		}
	}
	if r.Method == http.MethodPost && !h.validCSRF(hash, r.PostFormValue("csrf")) {
		return errBadCSRF
	}
	return rt.handle(w, r, c)
}

// maxForm bounds a POST body: the largest form is a proposal page's
// checkboxes or an approval queue's, a few kilobytes.
const maxForm = 256 << 10

// errBadCSRF refuses a form that this server did not produce for this
// session: an old page after a new login, or a forgery.
var errBadCSRF = &csrfError{}

type csrfError struct{}

func (*csrfError) Error() string { return "the form's security token does not match your session" }

// toLogin sends an anonymous user to the login page, which brings them
// back here afterwards (GET requests only: a form's data is lost anyway).
func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/o/login"
	if r.Method == http.MethodGet && r.URL.Path != "/o/" {
		target += "?next=" + urlQueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath reports whether next is a path of this UI, safe to redirect to.
func localPath(next string) bool {
	return strings.HasPrefix(next, Prefix) && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n")
}
