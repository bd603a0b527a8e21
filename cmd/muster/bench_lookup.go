package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/httpapi"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/trust"
)

// lookupSizes are the sizes of a bench lookup run.
type lookupSizes struct {
	persons, orders, requests, concurrency int
	// existing looks up orders already issued in the configured database
	// (--db) instead of loading a fresh country: the figures at the size
	// of a real registry.
	existing bool
}

// wrongBirthEvery is one look-up in this many giving a wrong birth date.
const wrongBirthEvery = 10

func newBenchLookupCmd(cfg *config) *cobra.Command {
	var sz lookupSizes
	cmd := &cobra.Command{
		Use:   "lookup",
		Short: "Drive citizen look-ups (POST /c/, rate limiter on) through the real HTTP server and compare with bare net/http",
		Long: `Load a demo country of --persons persons into a fresh database and issue
--orders call-ups to persons spread over it. Then start the real HTTP
server on a loopback port, with the citizen guard on at its default limits
and 127.0.0.1 as a trusted proxy, and post --requests look-ups to the
citizen page (POST /c/: code and birth date) from --concurrency clients
over keep-alive connections. Every request names a client address of its
own in X-Forwarded-For, as a load balancer would, so the per-address limit
is met by many citizens rather than one. One look-up in ten gives a wrong
birth date and must get the "no match" page; the others must get the
order page with its signature checked. Any other answer is an error.

In the same run, the same requests go to a bare net/http handler that
writes a page of the same size, for the floor. Prints requests/s, the
p50, p90, p99 and maximum latency and the errors of both, their ratio, and
the process's peak heap during the look-ups (clients included).

The guard allows 20 look-ups per order code at once, so --requests may be
at most 20 times --orders. Uses a fresh SQLite file in a temporary
directory, or, with --db postgres://..., a fresh schema in that database
(dropped afterwards).

With --existing, nothing is loaded: the look-ups are of --orders orders
already issued in the configured database (--db, with its --key-file),
whose addressees' birth dates are read from the registry, so that the
figures are those of a registry of its size. Nothing is written to it but
the guard's memory, which is the process's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sz.check(); err != nil {
				return err
			}
			if sz.existing {
				db, err := cfg.open(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				return benchLookupExisting(cmd.Context(), cmd.OutOrStdout(), db, sz)
			}
			return benchLookup(cmd.Context(), cmd.OutOrStdout(), cfg.db, sz)
		},
	}
	f := cmd.Flags()
	f.IntVar(&sz.persons, "persons", 20_000, "persons in the demo country")
	f.IntVar(&sz.orders, "orders", 5000, "call-ups issued, whose codes are looked up")
	f.IntVar(&sz.requests, "requests", 50_000, "look-ups to post")
	f.IntVar(&sz.concurrency, "concurrency", 32, "client goroutines posting at once")
	f.BoolVar(&sz.existing, "existing", false, "look up orders already issued in the --db database instead of a fresh country")
	return cmd
}

// check refuses sizes the run cannot honour, before any work.
func (sz lookupSizes) check() error {
	perCode := citizen.DefaultConfig().PerCode.Burst
	switch {
	case sz.persons <= 0 || sz.orders <= 0 || sz.requests <= 0 || sz.concurrency <= 0:
		return usageError("--persons, --orders, --requests and --concurrency must be positive")
	case sz.orders > sz.persons && !sz.existing:
		return usageError("--orders %d: at most --persons (%d), one call-up per person", sz.orders, sz.persons)
	case sz.requests > sz.orders*perCode:
		// Beyond that, the per-code limit refuses look-ups that a real
		// wave, spread over many more orders, would never send.
		return usageError("--requests %d: at most %d × --orders (%d), the guard's burst per order code", sz.requests, perCode, sz.orders*perCode)
	}
	return nil
}

// lookupTarget is an issued order and its addressee's birth date: what a
// citizen types on the page.
type lookupTarget struct {
	code  order.Code
	birth time.Time
}

// lookupResult is what bench lookup measured: the look-ups and the bare
// floor, driven alike.
type lookupResult struct {
	sz             lookupSizes
	dialect        string
	orders         int
	lookups, floor lookupRun
	pageSize       int
	peakHeap       uint64
}

func benchLookup(ctx context.Context, out io.Writer, dsn string, sz lookupSizes) error {
	r, err := measureLookup(ctx, out, dsn, sz)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nbench lookup: %d look-ups (1 in %d with a wrong birth date) of %d orders among %d persons, %d clients, %s, %d CPUs, %s\n",
		sz.requests, wrongBirthEvery, r.orders, sz.persons, sz.concurrency, r.dialect, runtime.NumCPU(), runtime.Version())
	return reportLookups(out, r.lookups, r.floor, r.pageSize, r.peakHeap)
}

// benchLookupExisting is bench lookup over the orders already issued in db.
func benchLookupExisting(ctx context.Context, out io.Writer, db *sqlstore.DB, sz lookupSizes) error {
	fmt.Fprintf(out, "reading %d issued orders and their addressees' birth dates ...\n", sz.orders)
	targets, err := existingLookupTargets(ctx, db, sz.orders)
	if err != nil {
		return err
	}
	if perCode := citizen.DefaultConfig().PerCode.Burst; sz.requests > len(targets)*perCode {
		return usageError("--requests %d: at most %d × the %d issued orders found", sz.requests, perCode, len(targets))
	}
	r, err := driveLookupTargets(ctx, db, targets, sz)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nbench lookup --existing: %d look-ups (1 in %d with a wrong birth date) of %d orders, %d clients, %s, %d CPUs, %s\n",
		sz.requests, wrongBirthEvery, r.orders, sz.concurrency, r.dialect, runtime.NumCPU(), runtime.Version())
	return reportLookups(out, r.lookups, r.floor, r.pageSize, r.peakHeap)
}

// existingLookupTargets returns up to n call-ups to persons of db that
// were issued (whatever their state since), with their addressees' birth
// dates.
func existingLookupTargets(ctx context.Context, db *sqlstore.DB, n int) ([]lookupTarget, error) {
	var targets []lookupTarget
	after := ""
	for len(targets) < n {
		page, err := db.ListOrders(ctx, sqlstore.OrderFilter{Kind: order.CallUp, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, o := range page {
			if o.Addressee.Kind != registry.OwnerPerson || o.State == order.StateDraft || o.State == order.StateApproved || len(targets) == n {
				continue // a citizen looks up only what was issued
			}
			p, err := db.Person(ctx, o.Addressee.ID, "")
			if err != nil {
				return nil, fmt.Errorf("bench lookup: addressee of order %s: %w", o.Code, err)
			}
			targets = append(targets, lookupTarget{code: o.Code, birth: p.BirthDate})
		}
		after = page[len(page)-1].ID
	}
	if len(targets) == 0 {
		return nil, muster.Errorf(muster.NotFound, "bench lookup --existing: the database has no issued call-up to a person")
	}
	return targets, nil
}

// measureLookup loads the country, issues the orders, and drives the
// look-ups through the real server and then the bare one; progress goes
// to log.
func measureLookup(ctx context.Context, log io.Writer, dsn string, sz lookupSizes) (lookupResult, error) {
	w, err := newBenchWorkspace(1)
	if err != nil {
		return lookupResult{}, err
	}
	defer w.close()
	store, err := benchDB(ctx, dsn, w.dir, "lookup", w.keys, w.areas)
	if err != nil {
		return lookupResult{}, err
	}
	defer store.close()
	db := store.db
	fmt.Fprintf(log, "loading %d persons and issuing %d call-ups ...\n", sz.persons, sz.orders)
	targets, err := issueLookupOrders(ctx, db, sz.persons, sz.orders)
	if err != nil {
		return lookupResult{}, err
	}
	return driveLookupTargets(ctx, db, targets, sz)
}

// driveLookupTargets drives the look-ups of targets through the real
// server over db, then the same requests through the bare one.
func driveLookupTargets(ctx context.Context, db *sqlstore.DB, targets []lookupTarget, sz lookupSizes) (lookupResult, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)) // as muster serve logs
	api, err := lookupAPI(db, logger)
	if err != nil {
		return lookupResult{}, err
	}
	realCheck, err := lookupAnswers(targets)
	if err != nil {
		return lookupResult{}, err
	}
	var page []byte // an order page as served, for the floor to send
	var keep sync.Once
	check := func(i int, status int, body []byte) error {
		err := realCheck(i, status, body)
		if err == nil && !wrongBirth(i, len(targets)) {
			keep.Do(func() { page = bytes.Clone(body) })
		}
		return err
	}
	request := func(i int) string {
		t := targets[i%len(targets)]
		birth := t.birth
		if wrongBirth(i, len(targets)) {
			birth = birth.AddDate(0, 0, 1)
		}
		return "lang=fr&code=" + string(t.code) + "&birth=" + birth.Format("02/01/2006")
	}

	runtime.GC()
	peak := watchHeap()
	lookups, err := driveLookups(ctx, api, logger, sz, request, check)
	peakHeap := peak()
	if err != nil {
		return lookupResult{}, err
	}
	if page == nil {
		return lookupResult{}, fmt.Errorf("bench lookup: no look-up got its order page: %s", lookups.firstError)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	bareCheck := func(_ int, status int, body []byte) error {
		if status != http.StatusOK || len(body) != len(page) {
			return fmt.Errorf("status %d, %d bytes; want 200 and %d bytes", status, len(body), len(page))
		}
		return nil
	}
	floor, err := driveLookups(ctx, bare, logger, sz, request, bareCheck)
	if err != nil {
		return lookupResult{}, err
	}
	return lookupResult{sz: sz, dialect: db.Dialect(), orders: len(targets), lookups: lookups, floor: floor, pageSize: len(page), peakHeap: peakHeap}, nil
}

// reportLookups prints the table of both runs and the summary line, and
// fails when any answer was an error: the figures of a run that served
// wrong pages mean nothing.
func reportLookups(out io.Writer, lookups, floor lookupRun, pageSize int, peakHeap uint64) error {
	fmt.Fprintf(out, "| path | seconds | req/s | p50 ms | p90 ms | p99 ms | max ms | CPU µs/req | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	lookups.row(out, "POST /c/ (guard, look-up, unseal, Ed25519 verify, page)")
	floor.row(out, fmt.Sprintf("bare net/http, %d-byte page", pageSize))
	met := "met"
	if lookups.rate() < 5000 || lookups.percentile(0.99) >= 20*time.Millisecond {
		met = "not met"
	}
	fmt.Fprintf(out, "ratio look-up/bare: %.2f; target ≥ 5000 req/s with p99 < 20 ms: %s; look-up peak heap: %.0f MB\n",
		lookups.rate()/floor.rate(), met, float64(peakHeap)/(1<<20))
	if n := lookups.errors + floor.errors; n > 0 {
		first := cmp.Or(lookups.firstError, floor.firstError)
		return fmt.Errorf("bench lookup: %d answers were errors; the first: %s", n, first)
	}
	return nil
}

// lookupAPI is the HTTP API as muster serve builds it for the citizen
// channels, the guard at its default limits, behind a load balancer on
// the loopback address whose X-Forwarded-For it believes.
func lookupAPI(db *sqlstore.DB, logger *slog.Logger) (http.Handler, error) {
	guard, err := citizen.NewGuard(citizen.DefaultConfig(), nil)
	if err != nil {
		return nil, err
	}
	service := db.Citizens(time.UTC)
	return httpapi.New(db, httpapi.Options{Logger: logger, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Citizen: service, CitizenGuard: guard, CitizenFormKey: service.FormKey(), USSDCode: "*384*123#"}), nil
}

// wrongBirth reports whether request i gives a wrong birth date. The
// wrong ones are spread so that each code gets at most one in
// wrongBirthEvery of its look-ups: with at most 20 look-ups per code,
// no code ever reaches the guard's lockout of 5 failures.
func wrongBirth(i, codes int) bool {
	code, round := i%codes, i/codes
	return (code+round)%wrongBirthEvery == 0
}

// issueLookupOrders loads the demo country and issues a call-up to
// orders persons spread evenly over it, returning their codes and
// birth dates.
func issueLookupOrders(ctx context.Context, db *sqlstore.DB, persons, orders int) ([]lookupTarget, error) {
	sink := &pickingSink{storeSink: &storeSink{db: db}, every: persons / orders, want: orders, births: map[string]time.Time{}}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if _, err := demo.Generate(ctx, demo.Config{Persons: persons, Seed: 1, Today: today}, sink, nil); err != nil {
		return nil, err
	}
	if err := sink.flush(ctx); err != nil {
		return nil, err
	}
	if err := db.CreateAuthority(ctx, demoAuthority); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	key, priv := trust.GenerateKey(demoAuthority.Code, now.Add(-time.Minute), now.AddDate(1, 0, 0))
	if err := db.AddKey(ctx, key, priv); err != nil {
		return nil, err
	}
	officer := order.Actor{Role: auth.Officer, Name: "officer"}
	approver := order.Actor{Role: auth.Approver, Name: "approver"}
	targets := make([]lookupTarget, 0, orders)
	const batch = 1000
	for i := 0; i < len(sink.picked); i += batch {
		var drafts []order.Order
		for _, p := range sink.picked[i:min(i+batch, len(sink.picked))] {
			drafts = append(drafts, order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID},
				Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne régionale", Area: p.Area},
				Deadline: now.AddDate(0, 0, 10), LegalBasis: "Ordonnance n° 2026-05, art. 4", Authority: demoAuthority.Code, Reason: "Campagne"})
		}
		drafted, err := db.DraftOrders(ctx, drafts, officer)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(drafted))
		for j, o := range drafted {
			ids[j] = o.ID
		}
		issued, err := db.ApproveOrders(ctx, ids, approver, db.AddresseeRef)
		if err != nil {
			return nil, err
		}
		for _, o := range issued {
			targets = append(targets, lookupTarget{code: o.Code, birth: sink.births[o.Addressee.ID]})
		}
	}
	if len(targets) != orders {
		return nil, fmt.Errorf("bench lookup: issued %d call-ups, want %d", len(targets), orders)
	}
	return targets, nil
}

// pickingSink stores the demo country and keeps every every-th person,
// up to want, to address a call-up to.
type pickingSink struct {
	*storeSink
	every, want, seen int
	picked            []registry.Person
	births            map[string]time.Time // national ID → birth date
}

func (s *pickingSink) Persons(ctx context.Context, ps []registry.Person) error {
	for _, p := range ps {
		if s.seen%s.every == 0 && len(s.picked) < s.want {
			s.picked = append(s.picked, p)
			s.births[p.NationalID] = p.BirthDate
		}
		s.seen++
	}
	return s.storeSink.Persons(ctx, ps)
}

// lookupAnswers returns the check of the answer to request i: the order
// page with its signature checked for a right birth date, the "no match"
// page for a wrong one, both with status 200.
func lookupAnswers(targets []lookupTarget) (func(i, status int, body []byte) error, error) {
	var b strings.Builder
	// The page's own escaping, so the text is found as the page has it.
	if err := template.Must(template.New("").Parse("{{.}}")).Execute(&b, citizen.French.Text(citizen.MsgNoMatch)); err != nil {
		return nil, err
	}
	noMatch := []byte(b.String())
	verified := []byte(`class="ok"`)
	return func(i, status int, body []byte) error {
		t := targets[i%len(targets)]
		switch {
		case status != http.StatusOK:
			return fmt.Errorf("look-up of %s: status %d", t.code, status)
		case wrongBirth(i, len(targets)):
			if !bytes.Contains(body, noMatch) || bytes.Contains(body, []byte(t.code.String())) {
				return fmt.Errorf("look-up of %s with a wrong birth date: not the no-match page", t.code)
			}
		case !bytes.Contains(body, []byte(t.code.String())):
			return fmt.Errorf("look-up of %s: not its order page", t.code)
		case !bytes.Contains(body, verified):
			return fmt.Errorf("look-up of %s: the order page does not show its signature checked", t.code)
		}
		return nil
	}, nil
}

// lookupRun is what one drive of look-ups measured.
type lookupRun struct {
	elapsed    time.Duration
	cpu        time.Duration   // of the whole process, clients included; 0: unknown
	latencies  []time.Duration // sorted
	errors     int64
	firstError string
}

func (r lookupRun) rate() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

// percentile is the nearest-rank percentile q (0 < q ≤ 1) of the latencies.
func (r lookupRun) percentile(q float64) time.Duration {
	i := int(q*float64(len(r.latencies))+0.999999) - 1
	return r.latencies[max(0, min(i, len(r.latencies)-1))]
}

func (r lookupRun) row(out io.Writer, path string) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	cpu := "?"
	if r.cpu > 0 {
		cpu = fmt.Sprintf("%.0f", float64(r.cpu.Microseconds())/float64(len(r.latencies)))
	}
	fmt.Fprintf(out, "| %s | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %s | %d |\n", path, r.elapsed.Seconds(), r.rate(),
		ms(r.percentile(0.50)), ms(r.percentile(0.90)), ms(r.percentile(0.99)), ms(r.latencies[len(r.latencies)-1]), cpu, r.errors)
}

// processCPU is the CPU time the process has used, user and system, read
// from /proc/self/stat: on a shared machine the CPU a request costs says
// more than the rate, which depends on what else runs. It is 0 where
// there is no /proc (not Linux).
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	return time.Duration(math.Round(parseProcessStat(b) * float64(time.Second)))
}

// driveLookups serves handler on a loopback port, as muster serve does,
// and posts sz.requests forms built by request from sz.concurrency
// clients over keep-alive connections, each request from a client
// address of its own in X-Forwarded-For. check judges each answer; a
// failed request or a refused answer counts as an error, not a stop.
func driveLookups(ctx context.Context, handler http.Handler, logger *slog.Logger, sz lookupSizes, request func(int) string,
	check func(i, status int, body []byte) error) (lookupRun, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return lookupRun{}, err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	defer srv.Close()
	transport := &http.Transport{Proxy: nil, MaxIdleConns: sz.concurrency, MaxIdleConnsPerHost: sz.concurrency, DisableCompression: true,
		IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	url := "http://" + ln.Addr().String() + "/c/"

	latencies := make([]time.Duration, sz.requests)
	var next, failed atomic.Int64
	var firstError atomic.Pointer[string]
	fail := func(err error) {
		failed.Add(1)
		msg := err.Error()
		firstError.CompareAndSwap(nil, &msg)
	}
	var wg sync.WaitGroup
	cpuBefore := processCPU()
	start := time.Now()
	for range sz.concurrency {
		wg.Go(func() {
			var body bytes.Buffer
			for {
				i := int(next.Add(1) - 1)
				if i >= sz.requests || ctx.Err() != nil {
					return
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(request(i)))
				if err != nil {
					fail(err)
					continue
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", clientAddr(i))
				sent := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					body.Reset()
					_, err = body.ReadFrom(resp.Body)
					resp.Body.Close()
				}
				latencies[i] = time.Since(sent)
				if err == nil {
					err = check(i, resp.StatusCode, body.Bytes())
				}
				if err != nil {
					fail(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpuAfter := processCPU()
	if err := ctx.Err(); err != nil {
		return lookupRun{}, err
	}
	slices.Sort(latencies)
	run := lookupRun{elapsed: elapsed, latencies: latencies, errors: failed.Load()}
	if cpuBefore > 0 && cpuAfter > cpuBefore {
		run.cpu = cpuAfter - cpuBefore
	}
	if p := firstError.Load(); p != nil {
		run.firstError = *p
	}
	return run, nil
}

// clientAddr is the address of the citizen behind request i: one of the
// 16 million addresses of 10.0.0.0/8, a new one for each request.
func clientAddr(i int) string {
	n := uint32(i+1) & 0xFFFFFF
	return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}).String()
}
