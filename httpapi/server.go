// Package httpapi is muster's authenticated JSON HTTP API over the
// registry (areas, persons, organisations, resources) and orders, scoped
// to the caller's jurisdiction, with login sessions, idempotency keys on
// every POST that changes data, Prometheus metrics and an OpenAPI document
// built from the same route table that builds the mux.
//
// It is an adapter at the edge: it turns requests into store calls and
// muster error kinds into HTTP statuses. Domain packages never import it.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/httpapi/statusrec"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
)

// Store is what the API needs from storage; *sqlstore.DB satisfies it.
type Store interface {
	Ping(ctx context.Context) error

	AreaTree(ctx context.Context) (*area.Tree, error)
	Area(ctx context.Context, code string) (area.Area, error)
	ListAreas(ctx context.Context, f sqlstore.AreaFilter) ([]area.Area, error)

	Person(ctx context.Context, nationalID, within string) (registry.Person, error)
	ListPersons(ctx context.Context, f sqlstore.PersonFilter) (sqlstore.Page[registry.Person], error)
	NationalIDIndex(nationalID string) []byte
	Organisation(ctx context.Context, orgID, within string) (registry.Organisation, error)
	ListOrganisations(ctx context.Context, f sqlstore.OrganisationFilter) (sqlstore.Page[registry.Organisation], error)
	Resource(ctx context.Context, resourceID, within string) (registry.Resource, error)
	ListResources(ctx context.Context, f sqlstore.ResourceFilter) (sqlstore.Page[registry.Resource], error)

	UserByName(ctx context.Context, name string) (auth.User, string, error)
	CreateSession(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error
	SessionUser(ctx context.Context, tokenHash []byte) (auth.User, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	LogAccess(ctx context.Context, userID int64, action, subject string) error

	Order(ctx context.Context, idOrCode, within string) (sqlstore.IssuedOrder, error)
	ListOrders(ctx context.Context, f sqlstore.OrderFilter) ([]sqlstore.IssuedOrder, error)
	OrderEvents(ctx context.Context, orderID string) ([]sqlstore.StoredEvent, error)
	Authorities(ctx context.Context) ([]sqlstore.Authority, error)
	DraftOrders(ctx context.Context, drafts []order.Order, by order.Actor) ([]order.Order, error)
	ApproveOrders(ctx context.Context, ids []string, by order.Actor, addresseeRef func(registry.Owner) string) ([]sqlstore.IssuedOrder, error)
	AddresseeRef(o registry.Owner) string
	ApplyOrderEvent(ctx context.Context, idOrCode, within string, c sqlstore.Change) (sqlstore.IssuedOrder, error)

	BeginIdempotent(ctx context.Context, userID int64, key string, hash []byte) (*sqlstore.StoredResponse, error)
	FinishIdempotent(ctx context.Context, userID int64, key string, status int, contentType string, body []byte) error
	AbandonIdempotent(ctx context.Context, userID int64, key string) error

	FindOrders(ctx context.Context, keys []string, within string) ([]sqlstore.IssuedOrder, error)

	Log() *tlog.Log
	SignCheckpoint(ctx context.Context, signer note.Signer) ([]byte, error)
	LatestCheckpoint(ctx context.Context) ([]byte, bool, error)

	NeedStore
	ForceStore
}

// Options configures a Server; the zero value works.
type Options struct {
	Logger     *slog.Logger         // nil → slog.Default()
	SessionTTL time.Duration        // 0 → 12h
	Now        func() time.Time     // nil → time.Now
	Registry   *prometheus.Registry // nil → a new one; /metrics serves it (plus Go/process collectors)
	LogSigner  note.Signer          // nil → /log/checkpoint serves the latest stored checkpoint
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed when naming a client; nil trusts no one.
	TrustedProxies []netip.Prefix
	// FundWebhookSecrets are the mobile-money providers' shared secrets
	// (see docs/FUND.md); nil refuses every notification.
	FundWebhookSecrets fund.Secrets

	// Citizen serves the citizen channels: /ussd, /sms/inbound and the
	// citizen page /c/; nil answers them "service unavailable".
	Citizen citizen.Service
	// CitizenGuard rate-limits the citizen channels and locks out after
	// repeated wrong birth dates; nil → a guard with citizen.DefaultConfig.
	CitizenGuard *citizen.Guard
	// CitizenFormKey signs the citizen page's action forms; nil → a random
	// key, which servers behind one load balancer must not rely on.
	CitizenFormKey []byte
	// CitizenPDF, when set, renders an order's printable PDF for the
	// citizen page (after its second factor), which then offers it.
	CitizenPDF func(ctx context.Context, code order.Code, birth time.Time, lang citizen.Language) ([]byte, error)
	// USSDCode is the code citizens dial (*384*123#), named in SMS answers
	// and on the citizen page.
	USSDCode string
	// SMSOutbox queues the answers to inbound SMS and records delivery
	// reports; nil leaves inbound SMS unanswered.
	SMSOutbox SMSOutbox
	// SMSCallbackSecret is the secret path segment of the delivery report
	// callbacks /sms/delivery/{secret} and /sms/courier/{secret}/{action};
	// "" serves neither.
	SMSCallbackSecret string
}

// DefaultSessionTTL is how long a login lasts when Options.SessionTTL is 0:
// one working shift.
const DefaultSessionTTL = 12 * time.Hour

// Server is the HTTP API. It is safe for concurrent use.
type Server struct {
	store   Store
	log     *slog.Logger
	ttl     time.Duration
	now     func() time.Time
	metrics *metrics
	logins  *ipLimiter
	routes  []route
	// logSigner signs checkpoints on demand; nil on read-only replicas.
	logSigner      note.Signer
	trustedProxies []netip.Prefix
	fundSecrets    fund.Secrets
	citizen        citizenChannels
	mux            *http.ServeMux
	openapi        []byte
}

// New returns a Server over store. It panics if the route table and the
// OpenAPI document disagree, which is a programming error caught by tests.
func New(store Store, opts Options) *Server {
	s := &Server{store: store, log: opts.Logger, ttl: opts.SessionTTL, now: opts.Now, logSigner: opts.LogSigner,
		trustedProxies: opts.TrustedProxies, fundSecrets: opts.FundWebhookSecrets}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.ttl <= 0 {
		s.ttl = DefaultSessionTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.citizen = s.newCitizenChannels(opts)
	s.metrics = newMetrics(opts.Registry)
	s.logins = newIPLimiter(loginRate, loginBurst)
	s.routes = s.routeTable()
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	doc, err := buildOpenAPI(s.routes)
	if err != nil {
		panic("httpapi: " + err.Error())
	}
	s.openapi = doc
	return s
}

// Routes returns the route table: every route the Server serves, with the
// action it requires.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.Route
	}
	return out
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	// The mux's own 404 and 405 answers are plain text; find them first
	// and answer in JSON like every other error.
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unmatched(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		// Responses carry personal data: no shared or browser cache may keep them.
		h.Set("Cache-Control", "no-store")
	}
}

// caller is the authenticated user of a request and the hash of the token
// they presented (logout deletes that session).
type caller struct {
	user      auth.User
	tokenHash []byte
}

// handler serves one route. c is nil on public routes. A returned error is
// written as the JSON error body; a handler that returns an error must not
// have written anything.
type handler func(w http.ResponseWriter, r *http.Request, c *caller) error

// wrap turns a route into an http.Handler with authentication, query
// checking, panic recovery, metrics and a request log line. It logs the
// route pattern, never the path: paths hold national IDs.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusrec.New(w)
		var c *caller
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "route", rt.Pattern, "panic", v)
				if !sw.Wrote() {
					s.writeError(sw, r, rt.Pattern, errPanic)
				}
			}
			elapsed := time.Since(start)
			s.metrics.observe(rt.Method, rt.Pattern, sw.Status(), elapsed)
			attrs := []any{"method", rt.Method, "route", rt.Pattern, "status", sw.Status(), "duration", elapsed}
			if c != nil {
				attrs = append(attrs, "user", c.user.Name)
			}
			level := slog.LevelInfo
			if !strings.HasPrefix(rt.Pattern, apiPrefix) {
				level = slog.LevelDebug // health checks and scrapes every few seconds
			}
			s.log.Log(r.Context(), level, "request", attrs...)
		}()
		if err := s.serveRoute(sw, r, rt, &c); err != nil {
			s.writeError(sw, r, rt.Pattern, err)
		}
	})
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt route, c **caller) error {
	if rt.Action != "" {
		// Authenticate before looking at parameters, so that an anonymous
		// caller learns nothing about a route but that it needs a token.
		var err error
		if *c, err = s.authenticate(r, rt.Action); err != nil {
			return err
		}
	}
	// Only the API is strict about its query: scrapers and load balancers
	// may add parameters of their own to /metrics and /healthz.
	if strings.HasPrefix(rt.Pattern, apiPrefix) {
		if err := checkQuery(r, rt.params); err != nil {
			return err
		}
	}
	if rt.idempotent {
		return s.serveIdempotent(w, r, rt, *c)
	}
	return rt.handle(w, r, *c)
}

// unmatched answers a request no route matches: 405 with Allow when the
// path exists under another method, 404 otherwise.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h, _ := s.mux.Handler(r)
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	route := "unmatched"
	var err error
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		err = errMethodNotAllowed(r.Method)
	} else {
		err = errNoRoute
	}
	sw := statusrec.New(w)
	s.writeError(sw, r, route, err)
	s.metrics.observe(metricMethod(r.Method), route, sw.Status(), time.Since(start))
}

// headerProbe runs the mux's own not-found or method-not-allowed handler
// to learn its status and Allow header, discarding its plain-text body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }
