package officerweb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/time/rate"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/demo"
	"github.com/muster-org/muster/incident"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/trust"
)

// chromium is Debian's browser, which CI installs (apt-get install chromium).
const chromium = "/usr/bin/chromium"

// TestBrowserRound drives the real pages in Chromium: a requesting unit
// files a need, an officer runs the allocation, accepts its lines and
// drafts the orders, a second officer approves them, and the order shows
// as issued. Any console error or uncaught exception on any page fails
// the test. With MUSTER_SCREENSHOTS set to a directory, full-page
// screenshots of the dashboard, the proposal review, the approval queue
// and the order are written there.
func TestBrowserRound(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is absent: the browser test needs Debian's chromium package (apt-get install chromium), which CI installs", chromium)
	}
	if testing.Short() {
		t.Skip("-short: the browser test starts Chromium")
	}
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		srv := seedCountry(t, db)
		b := newBrowser(t, srv.URL)

		b.login("requester.dosso")
		b.open("/o/needs/new")
		b.set("#need_id", "N-NAV-1")
		b.set("#unit", "3e bataillon")
		b.set("#type", "vehicle")
		b.set("#quantity", "2")
		b.set("#deadline", time.Now().AddDate(0, 0, 12).UTC().Format(deadlineLayout))
		b.set("#priority", "5")
		b.set("#justification", "Transport du bataillon vers Diffa")
		b.set("#legal_basis", "Décret n° 2026-114, art. 3")
		b.submit(`form.form button[type=submit]`)
		b.see("main", "Besoin N-NAV-1 déposé.")
		b.logout()

		b.login("officer")
		b.open("/o/")
		b.see("main", "besoins ouverts")
		b.screenshot("dashboard")
		b.run("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.open("/o/")
		b.screenshot("dashboard-phone")
		b.run("back to 1280 px", chromedp.EmulateViewport(1280, 900))
		b.open("/o/proposals/new")
		b.set("#scope", "NE.DS")
		b.set("#needs", "N-NAV-1, N-FUEL-1")
		b.submit(`form.form button[type=submit]`)
		b.see("main", "Proposition calculée")
		b.see("section.short", "N-FUEL-1")
		b.screenshot("proposal")
		b.click(`input[name=line][value="1"]`)
		b.click(`input[name=line][value="2"]`)
		b.submit(`button[name=decision][value=accept]:not(.second)`)
		b.see("main", "Lignes acceptées : 2.")
		b.set("#authority", "NE-MOB")
		b.submit(`form.draft button[type=submit]`)
		b.see("main", "Ordres rédigés : 2.")
		id := b.location()[len(srv.URL+"/o/proposals/"):]
		id, _, _ = strings.Cut(id, "?")
		sp, err := db.Proposal(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		b.logout()

		b.login("approver")
		b.open("/o/approvals")
		b.see("main", "rédigé par vous")
		b.screenshot("approvals")
		var drafted []string
		for _, l := range sp.Lines {
			if l.OrderID != "" {
				drafted = append(drafted, l.OrderID)
				b.click(fmt.Sprintf(`input[name=order][value=%q]`, l.OrderID))
			}
		}
		if len(drafted) != 2 {
			t.Fatalf("%d orders drafted from the proposal, want 2", len(drafted))
		}
		b.submit(`main form button[type=submit]`)
		b.see("main", "Ordres approuvés, signés et émis : 2.")
		o, err := db.Order(t.Context(), drafted[0], "")
		if err != nil {
			t.Fatal(err)
		}
		b.open("/o/orders?state=issued")
		b.submit(fmt.Sprintf(`a[href="/o/orders/%s"]`, o.Code))
		b.see(".status", "émis")
		b.see("main", "Vérifiée : la feuille")
		b.screenshot("order")
		b.run("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.screenshot("order-phone")
		b.run("back to 1280 px", chromedp.EmulateViewport(1280, 900))
		b.open("/o/?lang=en")
		b.see("main", "open needs")
		b.logout()
		b.checkConsole()
	})
}

// seedCountry loads a small synthetic Niger (package demo), officers, an
// issuing authority, orders in several states, a force target and a few
// weeks of incidents, and serves the UI over it.
func seedCountry(t *testing.T, db *sqlstore.DB) *httptest.Server {
	t.Helper()
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	_, err := demo.Generate(ctx, demo.Config{Persons: 1500, Seed: 1, Today: now.Truncate(24 * time.Hour)}, storeSink{db}, nil)
	must(err)
	for _, u := range []auth.User{{Name: "requester.dosso", Role: auth.Requester, Area: "NE.DS"},
		{Name: "officer", Role: auth.Officer, Area: "NE"}, {Name: "approver", Role: auth.Approver, Area: "NE"}} {
		_, err := db.CreateUser(ctx, u, testHash())
		must(err)
	}
	must(db.CreateAuthority(ctx, sqlstore.Authority{Code: "NE-MOB", Name: "Direction générale de la mobilisation", Area: "NE"}))
	key, priv := trust.GenerateKey("NE-MOB", now.AddDate(0, 0, -30), now.AddDate(1, 0, 0))
	must(db.AddKey(ctx, key, priv))

	// Call-ups across the regions, drafted and issued three weeks ago with
	// some deadlines passed since: notified, acknowledged, claimed,
	// appealed; a few left to approve, one of them drafted by the approver
	// when they were an officer.
	past := now.AddDate(0, 0, -21)
	db.SetClock(func() time.Time { return past })
	persons, err := db.ListPersons(ctx, sqlstore.PersonFilter{Limit: 120})
	must(err)
	var drafts []order.Order
	for i, p := range persons.Items {
		deadline := now.AddDate(0, 0, 10)
		if i%3 == 0 {
			deadline = past.AddDate(0, 0, 7)
		}
		drafts = append(drafts, order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: p.NationalID},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne régionale", Area: p.Area},
			Deadline: deadline, LegalBasis: "Ordonnance n° 2026-05, art. 4", Authority: "NE-MOB", Reason: "Renfort logistique"})
	}
	drafted, err := db.DraftOrders(ctx, drafts[:len(drafts)-1], order.Actor{Role: auth.Officer, Name: "officer.previous"})
	must(err)
	_, err = db.DraftOrders(ctx, drafts[len(drafts)-1:], order.Actor{Role: auth.Officer, Name: "approver"})
	must(err)
	var ids []string
	for _, o := range drafted[:len(drafted)-6] {
		ids = append(ids, o.ID)
	}
	_, err = db.ApproveOrders(ctx, ids, order.Actor{Role: auth.Approver, Name: "approver.previous"}, db.AddresseeRef)
	must(err)
	board := order.Actor{Role: auth.Reviewer, Name: "reviewer"}
	for i, id := range ids {
		changes := []sqlstore.Change{{Event: order.EventNotify, Actor: order.SystemActor}}
		switch i % 6 {
		case 1, 4:
			changes = append(changes, sqlstore.Change{Event: order.EventAcknowledge, Actor: order.AddresseeActor})
		case 2:
			changes = append(changes, sqlstore.Change{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "sole_caregiver"})
		case 3:
			if i%4 == 3 {
				changes = append(changes, sqlstore.Change{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "sole_caregiver"},
					sqlstore.Change{Event: order.EventRejectClaim, Actor: board}, sqlstore.Change{Event: order.EventAppeal, Actor: order.AddresseeActor})
			}
		case 5:
			if i%2 == 1 {
				changes = nil // issued, never notified
			}
		}
		for _, c := range changes {
			_, err := db.ApplyOrderEvent(ctx, id, "", c)
			must(err)
		}
	}
	db.SetClock(time.Now)
	_, err = db.FileNeeds(ctx, []need.Need{{ID: "N-FUEL-1", Unit: "3e bataillon", Type: "fuel.diesel", Quantity: 60000, Area: "NE.DS",
		Deadline: now.AddDate(0, 0, 12), Priority: 4, Justification: "Carburant du convoi", LegalBasis: "Décret n° 2026-114, art. 3"}}, "requester.dosso")
	must(err)
	_, err = db.SetForceTarget(ctx, sqlstore.ForceTarget{Code: "FAN", Name: "Forces armées nigériennes", Scope: "NE", Target: 400, Base: 310, UpdatedBy: "officer"})
	must(err)

	// A few weeks of incidents, most of them in Tillabéri, Diffa and Tahoua.
	tree, err := db.AreaTree(ctx)
	must(err)
	rng := rand.New(rand.NewPCG(1, 2))
	types := incident.EventTypes
	var incidents []incident.Incident
	for i := range 90 {
		region := []string{"NE.TL", "NE.TL", "NE.TL", "NE.DF", "NE.DF", "NE.TH", "NE.MA", "NE.DS"}[i%8]
		a, _ := tree.Get(region)
		at := area.Point{Lat: a.Label.Lat + rng.NormFloat64()*0.4, Lon: a.Label.Lon + rng.NormFloat64()*0.4}
		incidents = append(incidents, incident.Incident{ID: fmt.Sprintf("NER%05d", i), Date: now.AddDate(0, 0, -rng.IntN(80)).Truncate(24 * time.Hour),
			EventType: types[rng.IntN(len(types))], Location: a.Name, Lat: at.Lat, Lon: at.Lon, Fatalities: rng.IntN(4) * rng.IntN(5), Area: region})
	}
	must(db.UpsertIncidents(ctx, incidents))

	skey, _, err := tlog.GenerateLogKey("muster.test/log")
	must(err)
	signer, err := note.NewSigner(skey)
	must(err)
	h := New(db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginRate: rate.Inf, LogSigner: signer})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// storeSink writes the demo country into the store.
type storeSink struct{ db *sqlstore.DB }

func (s storeSink) Areas(ctx context.Context, a []area.Area) error { return s.db.SaveAreas(ctx, a) }
func (s storeSink) Organisations(ctx context.Context, o []registry.Organisation) error {
	return s.db.UpsertOrganisations(ctx, o)
}
func (s storeSink) Persons(ctx context.Context, p []registry.Person) error {
	return s.db.UpsertPersons(ctx, p)
}
func (s storeSink) Resources(ctx context.Context, r []registry.Resource) error {
	return s.db.UpsertResources(ctx, r)
}

// browser is one Chromium tab on the test server, with what its console
// said.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	page string // the path last opened, for messages

	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "fr-FR"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// listen keeps every console error, uncaught exception and browser log
// error (a refused stylesheet, a Content-Security-Policy violation).
func (b *browser) listen(ev any) {
	var problem string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			problem = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		problem = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			problem += " " + e.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			problem = "log (" + string(e.Entry.Source) + "): " + e.Entry.Text + " " + e.Entry.URL
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

func (b *browser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser console: %s", p)
	}
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s on %s: %v", what, b.page, err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.page = path
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	if res.Status != http.StatusOK {
		b.t.Fatalf("opening %s: status %d", path, res.Status)
	}
}

// submit clicks what sel names and waits for the page it leads to, which
// must be served with 200.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("clicking %s on %s: %v", sel, b.page, err)
	}
	if res.Status != http.StatusOK {
		b.t.Fatalf("clicking %s on %s: status %d", sel, b.page, res.Status)
	}
	b.page = strings.TrimPrefix(res.URL, b.base)
}

func (b *browser) set(sel, value string) {
	b.t.Helper()
	b.run("setting "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.run("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// see checks that the element sel shows want.
func (b *browser) see(sel, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s on %s: %v", sel, b.page, err)
	}
	if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
		b.t.Fatalf("%s on %s does not say %q:\n%s", sel, b.page, want, got)
	}
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

func (b *browser) login(name string) {
	b.t.Helper()
	b.open("/o/login")
	b.set("#name", name)
	b.set("#password", testPassword)
	b.submit(`form button[type=submit]`)
	b.see(".who", name)
}

func (b *browser) logout() {
	b.t.Helper()
	b.submit(`.who button[type=submit]`)
	if loc := b.location(); loc != b.base+"/o/login" {
		b.t.Fatalf("after logging out: %s", loc)
	}
}

// screenshot writes a full-page PNG of the current page as
// MUSTER_SCREENSHOTS/officer-NAME-DB.png, when that variable is set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("MUSTER_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot of %s: %v", b.page, err)
	}
	db := filepath.Base(b.t.Name())
	if err := os.WriteFile(filepath.Join(dir, "officer-"+name+"-"+db+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
