package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/httpapi"
)

// soakOptions are the sizes and pace of a soak run.
type soakOptions struct {
	duration, sample time.Duration
	rate             float64
	workers          int
	persons, orders  int
}

// The bounds on memory growth from the second quarter of a soak run to
// its last: what a server that keeps nothing per request may grow by
// while caches settle, and far below what a leak of even a few hundred
// bytes a request adds over minutes.
const (
	soakHeapGrowth  = 1.25 // × the second quarter's peak heap in use, plus soakHeapSlack
	soakHeapSlack   = 8 << 20
	soakRSSGrowth   = 1.25 // × the second quarter's peak RSS, plus soakRSSSlack
	soakRSSSlack    = 32 << 20
	soakGoroutineUp = 20 // more goroutines than the second quarter's most
)

func newBenchSoakCmd(cfg *config) *cobra.Command {
	var o soakOptions
	cmd := &cobra.Command{
		Use:   "soak [--duration 3m]",
		Short: "Serve a demo store on loopback under a steady mixed load, sampling memory; fail on any error or on growth",
		Long: `Load a demo country of --persons persons into a fresh database, issue
--orders call-ups, and start the server in this process on a loopback
port, as muster serve builds it: the API, the citizen channels with their
guard, and the SMS worker sending the orders' notifications to a file.
Then --workers clients send a mix at --rate requests/s in all for
--duration: citizen look-ups on the /c/ page (one in ten with a wrong
birth date), USSD sessions to an order screen, API reads with a bearer
token (an order, persons, the orders list) and log proofs (checkpoint,
leaf, inclusion proof). Every answer is checked.

Every --sample, the heap in use, the resident set (/proc/self/status) and
the goroutines are sampled and printed. The run fails (exit 1) on any
wrong answer, or when the last quarter's peak of any of them exceeds the
second quarter's by more than the stated bounds: heap 1.25× + 8 MB, RSS
1.25× + 32 MB, goroutines +20.

Uses a fresh SQLite file in a temporary directory, or, with --db
postgres://..., a fresh schema in that database (dropped afterwards).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case o.duration < 4*o.sample || o.sample <= 0:
				return usageError("--duration must hold at least 4 samples of --sample")
			case o.rate <= 0 || o.workers <= 0 || o.persons <= 0 || o.orders < 2 || o.orders > o.persons:
				return usageError("--rate, --workers and --persons must be positive, and --orders from 2 to --persons")
			}
			return benchSoak(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg.db, o)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.duration, "duration", 3*time.Minute, "how long to drive the load")
	f.DurationVar(&o.sample, "sample", 5*time.Second, "how often to sample memory")
	f.Float64Var(&o.rate, "rate", 100, "requests per second, all clients together")
	f.IntVar(&o.workers, "workers", 4, "clients sending at once")
	f.IntVar(&o.persons, "persons", 5000, "persons in the demo country")
	f.IntVar(&o.orders, "orders", 2000, "call-ups issued, whose codes citizens look up")
	return cmd
}

// soakSample is one sample of the process's memory.
type soakSample struct {
	at               time.Duration
	requests, errors int64
	heapInuse, rss   uint64
	goroutines       int
}

func benchSoak(ctx context.Context, out, log io.Writer, dsn string, o soakOptions) error {
	w, err := newBenchWorkspace(1)
	if err != nil {
		return err
	}
	defer w.close()
	store, err := benchDB(ctx, dsn, w.dir, "soak", w.keys, w.areas)
	if err != nil {
		return err
	}
	defer store.close()
	db := store.db
	fmt.Fprintf(log, "loading %d persons and issuing %d call-ups ...\n", o.persons, o.orders)
	targets, err := issueLookupOrders(ctx, db, o.persons, o.orders)
	if err != nil {
		return err
	}
	password := make([]byte, 16)
	rand.Read(password)
	hash, err := auth.HashPassword(hex.EncodeToString(password))
	if err != nil {
		return err
	}
	if _, err := db.CreateUser(ctx, auth.User{Name: "soak.officer", Role: auth.Officer, Area: "NE"}, hash); err != nil {
		return err
	}

	// The server, as muster serve builds it, logging warnings only.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	serverCtx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	scfg := &config{dataDir: w.dir, db: store.dsn, trustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	cs := citizenSettings{smsProvider: "file", ussdCode: "*384*123#", zone: "UTC"}
	channels, err := startCitizenChannels(serverCtx, scfg, db, addr, cs, logger)
	if err != nil {
		return err
	}
	defer channels.stop()
	signer, _, err := scfg.logSigner()
	if err != nil {
		return err
	}
	api := httpapi.New(db, httpapi.Options{Logger: logger, LogSigner: signer, TrustedProxies: scfg.trustedProxies,
		Citizen: channels.service, CitizenGuard: channels.guard, CitizenFormKey: channels.service.FormKey(), USSDCode: cs.ussdCode,
		SMSOutbox: channels.outbox})
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	defer srv.Close()

	d := &soakDriver{base: "http://" + addr, targets: targets, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: o.workers, DisableCompression: true}}}
	if err := d.prepare(ctx, hex.EncodeToString(password)); err != nil {
		return err
	}
	fmt.Fprintf(out, "bench soak: %s at %.0f req/s from %d clients over %d persons and %d orders, %s, %d CPUs, %s\n",
		o.duration, o.rate, o.workers, o.persons, len(targets), db.Dialect(), runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(out, "| t (s) | requests | errors | heap in use MB | RSS MB | goroutines |\n|---:|---:|---:|---:|---:|---:|\n")

	debug.FreeOSMemory() // the setup's garbage is not the server's
	runCtx, stop := context.WithTimeout(ctx, o.duration)
	defer stop()
	limiter := rate.NewLimiter(rate.Limit(o.rate), 1)
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for limiter.Wait(runCtx) == nil {
				d.next(runCtx)
			}
		})
	}
	var samples []soakSample
	start := time.Now()
	tick := time.NewTicker(o.sample)
	for done := false; !done; {
		select {
		case <-tick.C:
		case <-runCtx.Done():
			done = true
		}
		s := d.sample(time.Since(start))
		if n := len(samples); n > 0 && s.at-samples[n-1].at < o.sample/10 {
			continue // the end came with a tick
		}
		samples = append(samples, s)
		fmt.Fprintf(out, "| %.0f | %d | %d | %.1f | %.1f | %d |\n", s.at.Seconds(), s.requests, s.errors,
			float64(s.heapInuse)/(1<<20), float64(s.rss)/(1<<20), s.goroutines)
	}
	tick.Stop()
	wg.Wait()
	return d.verdict(out, samples, o.duration)
}

// soakDriver sends the mix and counts what it got.
type soakDriver struct {
	base     string
	client   *http.Client
	targets  []lookupTarget
	token    string
	logSize  int
	seq      atomic.Int64
	requests atomic.Int64
	errors   atomic.Int64
	kinds    [4]atomic.Int64 // answers: web look-ups, USSD screens, API reads, log reads
	sent     [4]atomic.Int64 // requests of each kind begun, numbering them
	first    atomic.Pointer[string]
	noMatch  string
}

const (
	kindWeb = iota
	kindUSSD
	kindAPI
	kindLog
)

// prepare logs in and reads the log's size, which the mix does not change.
func (d *soakDriver) prepare(ctx context.Context, password string) error {
	body, _ := json.Marshal(map[string]string{"name": "soak.officer", "password": password})
	status, got, err := d.do(ctx, "POST", "/api/v1/login", "application/json", string(body), "")
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("soak: login: %d %s %v", status, got, err)
	}
	var login struct{ Token string }
	if err := json.Unmarshal(got, &login); err != nil || login.Token == "" {
		return fmt.Errorf("soak: login answer %s: %v", got, err)
	}
	d.token = login.Token
	status, got, err = d.do(ctx, "GET", "/log/checkpoint", "", "", "")
	lines := strings.Split(string(got), "\n")
	if err != nil || status != http.StatusOK || len(lines) < 2 {
		return fmt.Errorf("soak: checkpoint: %d %s %v", status, got, err)
	}
	if d.logSize, err = strconv.Atoi(lines[1]); err != nil || d.logSize < 2 {
		return fmt.Errorf("soak: checkpoint size %q: %v", lines[1], err)
	}
	d.noMatch = citizen.French.Text(citizen.MsgNoMatch)
	return nil
}

// next sends the next request of the mix: 4 web look-ups, 2 USSD
// screens, 3 API reads and 1 log read in every 10.
func (d *soakDriver) next(ctx context.Context) {
	i := int(d.seq.Add(1) - 1)
	kind := map[int]int{0: kindWeb, 3: kindWeb, 6: kindWeb, 8: kindWeb, 1: kindUSSD, 5: kindUSSD, 2: kindAPI, 4: kindAPI, 7: kindAPI, 9: kindLog}[i%10]
	n := int(d.sent[kind].Add(1) - 1)
	var err error
	switch kind {
	case kindWeb:
		err = d.webLookup(ctx, n)
	case kindUSSD:
		err = d.ussdScreen(ctx, n)
	case kindAPI:
		err = d.apiRead(ctx, n)
	default:
		err = d.logRead(ctx, n)
	}
	if ctx.Err() != nil {
		return // the run ended during the request: not the server's fault
	}
	d.requests.Add(1)
	d.kinds[kind].Add(1)
	if err != nil {
		d.errors.Add(1)
		msg := err.Error()
		d.first.CompareAndSwap(nil, &msg)
	}
}

// webLookup looks up order n of the first half of the targets on the
// citizen page; the guard's per-code limit is met by spreading look-ups
// over the codes, and its lockout by the same wrong-date pattern as bench
// lookup.
func (d *soakDriver) webLookup(ctx context.Context, n int) error {
	half := len(d.targets) / 2
	t := d.targets[n%half]
	birth, wrong := t.birth, wrongBirth(n, half)
	if wrong {
		birth = birth.AddDate(0, 0, 1)
	}
	form := url.Values{"lang": {"fr"}, "code": {string(t.code)}, "birth": {birth.Format("02/01/2006")}}
	status, body, err := d.do(ctx, "POST", "/c/", "application/x-www-form-urlencoded", form.Encode(), clientAddr(n))
	switch {
	case err != nil:
		return err
	case status != http.StatusOK:
		return fmt.Errorf("look-up of %s: status %d", t.code, status)
	case wrong != !bytes.Contains(body, []byte(t.code.String())):
		return fmt.Errorf("look-up of %s (wrong birth date: %v): not the page it should be", t.code, wrong)
	}
	return nil
}

// ussdScreen plays one screen of the session of order n of the second
// half of the targets: each session dials, picks French, opens the order,
// types its code and the birth date, from a phone of its own.
func (d *soakDriver) ussdScreen(ctx context.Context, n int) error {
	const screens = 5
	session, step := n/screens, n%screens
	half := len(d.targets) / 2
	t := d.targets[half+session%(len(d.targets)-half)]
	inputs := []string{"1", "1", strings.ReplaceAll(citizen.NumericCode(t.code), " ", ""), t.birth.Format("02012006")}[:step]
	form := url.Values{"sessionId": {fmt.Sprintf("soak-%d", session)}, "serviceCode": {"*384*123#"},
		"phoneNumber": {fmt.Sprintf("+2279%07d", session%10_000_000)}, "text": {strings.Join(inputs, "*")}}
	status, body, err := d.do(ctx, "POST", "/ussd", "application/x-www-form-urlencoded", form.Encode(), "")
	switch {
	case err != nil:
		return err
	case status != http.StatusOK || !bytes.HasPrefix(body, []byte("CON ")):
		return fmt.Errorf("USSD %q: %d %q, want a CON screen", inputs, status, body)
	case step == screens-1 && bytes.Contains(body, []byte(citizen.FoldGSM7(d.noMatch))):
		return fmt.Errorf("USSD %q: the order is not found with its birth date", inputs)
	}
	return nil
}

// apiRead reads an order, a page of persons or a page of orders.
func (d *soakDriver) apiRead(ctx context.Context, i int) error {
	t := d.targets[i%len(d.targets)]
	path := []string{"/api/v1/orders/" + string(t.code), "/api/v1/persons?limit=20&area=NE.DS", "/api/v1/orders?limit=20"}[i%3]
	status, body, err := d.do(ctx, "GET", path, "", "", "")
	switch {
	case err != nil:
		return err
	case status != http.StatusOK:
		return fmt.Errorf("GET %s: status %d: %.200s", path, status, body)
	case i%3 == 0 && !bytes.Contains(body, []byte(t.code.String())):
		return fmt.Errorf("GET %s: not the order", path)
	}
	return nil
}

// logRead reads the checkpoint, a leaf or an inclusion proof.
func (d *soakDriver) logRead(ctx context.Context, i int) error {
	index := i % d.logSize
	path := []string{"/log/checkpoint", "/log/leaf/" + strconv.Itoa(index),
		fmt.Sprintf("/log/proof/inclusion?index=%d&size=%d", index, d.logSize)}[i%3]
	status, body, err := d.do(ctx, "GET", path, "", "", "")
	if err == nil && (status != http.StatusOK || len(body) == 0) {
		err = fmt.Errorf("GET %s: status %d", path, status)
	}
	return err
}

func (d *soakDriver) do(ctx context.Context, method, path, contentType, body, forwardedFor string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	if d.token != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+d.token)
	}
	res, err := d.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	return res.StatusCode, got, err
}

func (d *soakDriver) sample(at time.Duration) soakSample {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return soakSample{at: at, requests: d.requests.Load(), errors: d.errors.Load(), heapInuse: m.HeapInuse, rss: residentSet(),
		goroutines: runtime.NumGoroutine()}
}

// residentSet is the process's resident set from /proc/self/status, 0
// where there is none.
func residentSet() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// verdict prints the summary and fails on errors or on growth from the
// second quarter of the run to the last.
func (d *soakDriver) verdict(out io.Writer, samples []soakSample, duration time.Duration) error {
	peak := func(from, to time.Duration) (s soakSample) {
		for _, x := range samples {
			if x.at >= from && x.at <= to+time.Second {
				s.heapInuse, s.rss, s.goroutines = max(s.heapInuse, x.heapInuse), max(s.rss, x.rss), max(s.goroutines, x.goroutines)
			}
		}
		return s
	}
	second, last := peak(duration/4, duration/2), peak(duration*3/4, duration)
	total, errs := d.requests.Load(), d.errors.Load()
	fmt.Fprintf(out, "requests: %d (web look-ups %d, USSD screens %d, API reads %d, log reads %d), errors %d\n",
		total, d.kinds[kindWeb].Load(), d.kinds[kindUSSD].Load(), d.kinds[kindAPI].Load(), d.kinds[kindLog].Load(), errs)
	mb := func(b uint64) float64 { return float64(b) / (1 << 20) }
	heapBound := uint64(float64(second.heapInuse)*soakHeapGrowth) + soakHeapSlack
	rssBound := uint64(float64(second.rss)*soakRSSGrowth) + soakRSSSlack
	grown := []string{}
	if last.heapInuse > heapBound {
		grown = append(grown, "heap in use")
	}
	if second.rss > 0 && last.rss > rssBound {
		grown = append(grown, "RSS")
	}
	if last.goroutines > second.goroutines+soakGoroutineUp {
		grown = append(grown, "goroutines")
	}
	fmt.Fprintf(out, "peaks, second quarter → last quarter: heap in use %.1f → %.1f MB (bound %.1f), RSS %.1f → %.1f MB (bound %.1f), goroutines %d → %d (bound %d)\n",
		mb(second.heapInuse), mb(last.heapInuse), mb(heapBound), mb(second.rss), mb(last.rss), mb(rssBound),
		second.goroutines, last.goroutines, second.goroutines+soakGoroutineUp)
	switch {
	case total == 0:
		return fmt.Errorf("bench soak: no request was answered")
	case errs > 0:
		return fmt.Errorf("bench soak: %d of %d answers were wrong; the first: %s", errs, total, *d.first.Load())
	case len(grown) > 0:
		return fmt.Errorf("bench soak: %s grew beyond the bound from the second quarter to the last", strings.Join(grown, ", "))
	}
	fmt.Fprintln(out, "no errors, no growth beyond the bounds")
	return nil
}
