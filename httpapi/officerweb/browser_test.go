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
	"strings"
	"testing"
	"time"

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

// TestBrowserRound drives a whole mobilization round through the real
// pages in Chromium: a requesting unit files a need, an officer runs the
// allocation, accepts its lines and drafts the orders, a second officer
// approves them, and the orders show as issued. The officer then hands a
// vehicle's requisition over, takes the vehicle (its signed receipt
// answers as a PDF), records its return and sees the compensation owed,
// and searches the registry; the other order's addressee claims through
// the citizen channels and the review board grants a deferral. Any
// console error or uncaught exception on any page fails the test. With
// MUSTER_SCREENSHOTS set to a directory, full-page screenshots of the
// pages are written there.
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
		b.open("/o/?lang=fr")
		b.logout()

		// The officer hands the vehicle's requisition to its owner, takes
		// the vehicle over, prints the receipt, and records its return.
		var vehicle, second sqlstore.IssuedOrder
		for _, id := range drafted {
			o, err := db.Order(t.Context(), id, "")
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(o.Items[0].Type, "vehicle.") && vehicle.ID == "" {
				vehicle = o
			} else {
				second = o
			}
		}
		if vehicle.ID == "" || second.ID == "" {
			t.Fatalf("the proposal's orders are not a vehicle's and another: %v", drafted)
		}
		o = vehicle
		b.login("officer")
		b.open("/o/orders/" + o.Code.String())
		b.submit(`#ev-notify button[type=submit]`)
		b.see("main", "remise au destinataire enregistrée")
		b.set("#cond-fulfil", "good")
		b.set("#note-fulfil", "En état de marche, 120 000 km au compteur")
		b.submit(`#ev-fulfil button[type=submit]`)
		b.see("main", "prise en charge enregistrée")
		b.see(".status", "exécuté")
		receipt := "/o/orders/" + o.Code.String() + "/receipt?lang=fr"
		b.see(fmt.Sprintf(`a[href=%q]`, receipt), "fr")
		if status, kind, body := b.fetch(receipt); status != http.StatusOK || kind != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
			t.Errorf("receipt %s: %d %s", receipt, status, kind)
		}
		b.screenshot("handover")
		b.set("#cond-return", "fair")
		b.set("#note-return", "Rétroviseur gauche cassé")
		b.submit(`#ev-return button[type=submit]`)
		b.see("main", "restitution enregistrée")
		b.see("section.comp", "XOF")
		returned, err := db.Order(t.Context(), o.ID, "")
		if err != nil || returned.State != order.StateReturned || returned.Compensation == nil {
			t.Fatalf("after the return in the browser: %+v %v", returned, err)
		}
		b.screenshot("returned")

		// The other is handed to its owner, who claims a deferral through
		// the citizen channels; the review board decides it.
		b.open("/o/orders/" + second.Code.String())
		b.submit(`#ev-notify button[type=submit]`)
		b.see(".status", "notifié")

		// The registry: a search, and a person's record, whose read is
		// recorded.
		b.open("/o/persons")
		b.set("#f-area", "NE.DS")
		b.set("#f-skill", "driver")
		b.submit(`form.filters button[type=submit]`)
		b.see("main", "Dosso")
		b.screenshot("registry")
		before, err := db.AccessLog(t.Context(), 1)
		if err != nil || len(before) != 1 || before[0].Action != "persons.list" {
			t.Fatalf("the search is not recorded: %+v %v", before, err)
		}
		b.submit(`table.list tbody tr:first-child a`)
		b.see("main", "cette consultation est enregistrée")
		if after, err := db.AccessLog(t.Context(), 1); err != nil || after[0].Action != "persons.read" {
			t.Errorf("the record's read is not recorded: %+v %v", after, err)
		}
		b.logout()

		if _, err := db.ApplyOrderEvent(t.Context(), second.ID, "", sqlstore.Change{Event: order.EventClaim, Actor: order.AddresseeActor,
			Ground: "hardship", Note: "Stock réservé à la campagne agricole"}); err != nil {
			t.Fatal(err)
		}
		b.login("reviewer")
		b.open("/o/claims")
		b.see("main", second.Code.String())
		b.see("main", "Difficulté grave")
		b.screenshot("claims")
		b.submit(fmt.Sprintf(`a[href="/o/orders/%s#act"]`, second.Code))
		b.see("section.claim", "Stock réservé à la campagne agricole")
		b.click(`#ev-claim input[name=event][value=defer]`)
		until := second.Deadline.AddDate(0, 0, 30).UTC()
		b.set("#until", until.Format(deadlineLayout))
		b.set("#note-claim", "Report jusqu'après les récoltes")
		b.screenshot("decide")
		b.submit(`#ev-claim button[type=submit]`)
		b.see("main", "report accordé")
		b.see(".status", "reporté")
		if deferred, err := db.Order(t.Context(), second.ID, ""); err != nil || deferred.State != order.StateDeferred ||
			!deferred.Deadline.Equal(until.Truncate(time.Minute)) || deferred.ReviewedBy != "reviewer" {
			t.Errorf("after the decision in the browser: %+v %v", deferred, err)
		}
		// The appeals of claims this reviewer rejected go to another.
		b.open("/o/claims?state=appealed")
		b.see("main", "Vous ne pouvez pas statuer sur")
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
		{Name: "officer", Role: auth.Officer, Area: "NE"}, {Name: "approver", Role: auth.Approver, Area: "NE"},
		{Name: "reviewer", Role: auth.Reviewer, Area: "NE"}} {
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
