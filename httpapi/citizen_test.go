package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/printout"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/sqlstore"
)

const (
	testUSSDCode = "*384*123#"
	testSecret   = "s3cret-callback-path"
)

// citizenFixture is a seeded database with issued orders behind a server
// whose citizen channels are wired to the real store.
type citizenFixture struct {
	db     *sqlstore.DB
	outbox *sqlstore.Outbox
	srv    *httptest.Server
	// orders are issued call-ups: [0] to DS0003 (seedLog's), then to
	// DS0005, DS0007 and DS0009, one per test that changes an order.
	orders []sqlstore.IssuedOrder
}

// birthOf is the birth date testPersons gives person DSnnnn.
func birthOf(n int) time.Time { return time.Date(1980+n%20, 3, 1+n, 0, 0, 0, 0, time.UTC) }

func newCitizenFixture(t testing.TB, db *sqlstore.DB) *citizenFixture {
	t.Helper()
	ctx := context.Background()
	if err := db.SaveAreas(ctx, testAreas); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPersons(ctx, testPersons()); err != nil {
		t.Fatal(err)
	}
	seedLog(t, db)
	var drafts []order.Order
	for _, nid := range []string{"DS0005", "DS0007", "DS0009"} {
		drafts = append(drafts, order.Order{Kind: order.CallUp, Addressee: registry.Owner{Kind: registry.OwnerPerson, ID: nid},
			Items: []order.Item{{Type: "driver", Quantity: 1}}, Place: order.Place{Text: "Caserne de Dosso"},
			Deadline: time.Now().Add(72 * time.Hour), LegalBasis: "Loi 2026-01, art. 4", Authority: "NE-MOB", Reason: "test"})
	}
	drafted, err := db.DraftOrders(ctx, drafts, order.Actor{Role: auth.Officer, Name: "drafter"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range drafted {
		ids = append(ids, d.ID)
	}
	if _, err := db.ApproveOrders(ctx, ids, order.Actor{Role: auth.Approver, Name: "approver"}, db.AddresseeRef); err != nil {
		t.Fatal(err)
	}
	f := &citizenFixture{db: db}
	all, err := db.ListOrders(ctx, sqlstore.OrderFilter{State: order.StateIssued})
	if err != nil {
		t.Fatal(err)
	}
	for _, nid := range []string{"DS0003", "DS0005", "DS0007", "DS0009"} {
		for _, o := range all {
			if o.Addressee.ID == nid {
				f.orders = append(f.orders, o)
			}
		}
	}
	if len(f.orders) != 4 {
		t.Fatalf("issued orders: %d, want 4", len(f.orders))
	}
	f.outbox, err = db.Outbox(citizen.Contact{USSD: testUSSDCode, URL: "https://muster.test/c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.server(nil))
	t.Cleanup(f.srv.Close)
	return f
}

// server returns a server on the fixture's store with guard (the default
// limits when nil).
func (f *citizenFixture) server(guard *citizen.Guard) *Server {
	citizens := f.db.Citizens(nil)
	pdf := func(ctx context.Context, code order.Code, birth time.Time, lang citizen.Language) ([]byte, error) {
		return citizens.OrderPDF(ctx, code, birth, lang, printout.Verification{USSD: testUSSDCode})
	}
	return New(f.db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Citizen: citizens,
		CitizenGuard: guard, USSDCode: testUSSDCode, SMSOutbox: f.outbox, SMSCallbackSecret: testSecret, CitizenPDF: pdf})
}

func (f *citizenFixture) state(t *testing.T, o sqlstore.IssuedOrder) order.State {
	t.Helper()
	got, err := f.db.Order(context.Background(), o.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return got.State
}

type httpResult struct {
	status int
	header http.Header
	body   string
}

func postForm(t *testing.T, srv *httptest.Server, path string, form url.Values, cookies ...*http.Cookie) httpResult {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, srv, req, cookies...)
}

func get(t *testing.T, srv *httptest.Server, path string, cookies ...*http.Cookie) httpResult {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, srv, req, cookies...)
}

func send(t *testing.T, srv *httptest.Server, req *http.Request, cookies ...*http.Cookie) httpResult {
	t.Helper()
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res := doRequest(t, srv.Client(), req)
	return httpResult{status: res.status, header: res.header, body: string(res.body)}
}

// digits is what a keypad types of a numeric code.
func digits(o sqlstore.IssuedOrder) string {
	return strings.ReplaceAll(citizen.NumericCode(o.Code), " ", "")
}

// ussdSession drives one USSD session as the gateway does: every input
// so far, joined by '*', in each callback.
type ussdSession struct {
	t      *testing.T
	srv    *httptest.Server
	id     string
	phone  string
	inputs []string
}

func (s *ussdSession) send(input string) string {
	s.t.Helper()
	if input != "" || len(s.inputs) > 0 {
		s.inputs = append(s.inputs, input)
	}
	res := postForm(s.t, s.srv, "/ussd", url.Values{"sessionId": {s.id}, "serviceCode": {testUSSDCode},
		"phoneNumber": {s.phone}, "text": {strings.Join(s.inputs, "*")}})
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
		s.t.Fatalf("USSD %q: %d %s %q", s.inputs, res.status, res.header.Get("Content-Type"), res.body)
	}
	if !strings.HasPrefix(res.body, "CON ") && !strings.HasPrefix(res.body, "END ") || len([]rune(res.body)) > 160 {
		s.t.Fatalf("USSD %q: screen %q is not CON/END in 160 characters", s.inputs, res.body)
	}
	return res.body
}

// openOrder dials, picks the language (1 fr, 2 en), opens the order and
// pages to the screen with its actions.
func (s *ussdSession) openOrder(lang string, o sqlstore.IssuedOrder, birth time.Time) string {
	s.t.Helper()
	s.send("")
	s.send(lang)
	s.send("1")
	s.send(digits(o))
	screen := s.send(birth.Format("02012006"))
	for strings.Contains(screen, "\n9 ") {
		screen = s.send("9")
	}
	return screen
}

func TestCitizenUSSD(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		ctx := context.Background()

		// Acknowledge, in French.
		s := &ussdSession{t: t, srv: f.srv, id: "ATUid_1", phone: "+22790000001"}
		if screen := s.send(""); !strings.Contains(screen, "1 Francais") {
			t.Fatalf("first screen %q, want the language menu", screen)
		}
		actions := s.openOrder("1", f.orders[0], birthOf(3))
		if !strings.Contains(actions, "1 Accuser réception") || !strings.Contains(actions, "2 Demander exemption") {
			t.Fatalf("actions screen %q", actions)
		}
		if end := s.send("1"); !strings.HasPrefix(end, "END Réception enregistrée") {
			t.Fatalf("acknowledge: %q", end)
		}
		if st := f.state(t, f.orders[0]); st != order.StateAcknowledged {
			t.Errorf("after a USSD acknowledgement the order is %s", st)
		}

		// Claim on a ground, in English.
		s = &ussdSession{t: t, srv: f.srv, id: "ATUid_2", phone: "+22790000002"}
		s.openOrder("2", f.orders[1], birthOf(5))
		if grounds := s.send("2"); !strings.Contains(grounds, "1 Medically unfit") {
			t.Fatalf("grounds screen %q", grounds)
		}
		if confirm := s.send("1"); !strings.Contains(confirm, "Medically unfit?") {
			t.Fatalf("confirm screen %q", confirm)
		}
		if end := s.send("1"); !strings.HasPrefix(end, "END Claim recorded") {
			t.Fatalf("claim: %q", end)
		}
		if st := f.state(t, f.orders[1]); st != order.StateClaimed {
			t.Errorf("after a USSD claim the order is %s", st)
		}
		events, err := db.OrderEvents(ctx, f.orders[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := events[len(events)-1]; last.Event != order.EventClaim || last.Actor != "addressee" ||
			last.Note != "ground: medical (exemption)\nvia ussd" {
			t.Errorf("claim event %+v", last)
		}

		// A wrong birth date, and a verification.
		s = &ussdSession{t: t, srv: f.srv, id: "ATUid_3", phone: "+22790000003"}
		s.send("")
		s.send("1")
		s.send("1")
		s.send(digits(f.orders[2]))
		if end := s.send("01011970"); end != "END Numéro ou date de naissance incorrect." {
			t.Errorf("wrong birth date: %q", end)
		}
		s = &ussdSession{t: t, srv: f.srv, id: "ATUid_4", phone: "+22790000003"}
		s.send("")
		s.send("1")
		s.send("2")
		if end := s.send(digits(f.orders[2])); !strings.HasPrefix(end, "END Ordre AUTHENTIQUE") {
			t.Errorf("verification: %q", end)
		}
		if st := f.state(t, f.orders[2]); st != order.StateIssued {
			t.Errorf("a look-up changed the order to %s", st)
		}
	})
}

// claimReplies returns the texts of the queued replies, by phone.
func claimReplies(t *testing.T, f *citizenFixture) map[string][]string {
	t.Helper()
	msgs, err := f.outbox.Claim(context.Background(), time.Now(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, m := range msgs {
		if m.Topic == sqlstore.TopicReply {
			out[m.To] = append(out[m.To], m.Text)
		}
	}
	return out
}

func TestCitizenSMS(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		o := f.orders[3]
		for _, tc := range []struct{ from, text string }{
			{"+22790000011", "OK " + citizen.NumericCode(o.Code) + " " + birthOf(9).Format("02/01/2006")},
			{"22790000012", "verify " + o.Code.String()},
			{"+22790000013", "AIDE"},
			{"+22790000014", "bonjour"},
			{"+22790000015", "OK " + digits(o) + " 01011970"},
		} {
			res := postForm(t, f.srv, "/sms/inbound", url.Values{"from": {tc.from}, "to": {"12345"}, "text": {tc.text},
				"date": {"2026-03-01 10:00:00"}, "id": {"abc"}, "linkId": {"l1"}})
			if res.status != http.StatusOK || res.body != "queued" {
				t.Errorf("inbound %q: %d %q", tc.text, res.status, res.body)
			}
		}
		if st := f.state(t, o); st != order.StateAcknowledged {
			t.Errorf("after OK by SMS the order is %s", st)
		}
		replies := claimReplies(t, f)
		for phone, want := range map[string]string{
			"+22790000011": "Réception de l'ordre " + citizen.NumericCode(o.Code) + " enregistrée",
			"+22790000012": "GENUINE order. Call-up order issued by Mobilisation.",
			"+22790000013": "Ou composez " + testUSSDCode,
			"+22790000014": "Message non compris.",
			"+22790000015": "Numéro ou date de naissance incorrect.",
		} {
			if got := replies[phone]; len(got) != 1 || !strings.Contains(got[0], want) {
				t.Errorf("reply to %s = %q, want one holding %q", phone, got, want)
			}
		}
		if res := postForm(t, f.srv, "/sms/inbound", url.Values{"text": {"OK"}}); res.status != http.StatusOK || !strings.HasPrefix(res.body, "ignored") {
			t.Errorf("inbound without a sender: %d %q", res.status, res.body)
		}

		// STOP silences the notices to that phone, and is answered.
		res := postForm(t, f.srv, "/sms/inbound", url.Values{"from": {"+22791000007"}, "text": {"STOP"}})
		if res.status != http.StatusOK {
			t.Fatalf("STOP: %d %s", res.status, res.body)
		}
		replies = claimReplies(t, f)
		if got := replies["+22791000007"]; len(got) != 1 || !strings.HasPrefix(got[0], "Vous ne recevrez plus nos SMS") {
			t.Errorf("reply to STOP = %q", got)
		}
	})
}

// TestCitizenDeliveryCallbacks: a delivery report at the secret URL marks
// the message delivered and notifies its order; a wrong secret is a 404
// like any unknown path.
func TestCitizenDeliveryCallbacks(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		ctx := context.Background()
		msgs, err := f.outbox.Claim(ctx, time.Now(), 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		byOrder := map[string]sms.Message{}
		for _, m := range msgs {
			byOrder[m.OrderID] = m
		}
		at, courier := byOrder[f.orders[0].ID], byOrder[f.orders[1].ID]
		if at.ID == 0 || courier.ID == 0 {
			t.Fatalf("no issue notices claimed for the orders: %+v", msgs)
		}
		if err := f.outbox.Sent(ctx, at.ID, "ATXid_77", time.Now()); err != nil {
			t.Fatal(err)
		}
		courierID := url.Values{"id": {strconv.FormatInt(courier.ID, 10)}}
		if err := f.outbox.Sent(ctx, courier.ID, courierID.Get("id"), time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, path string
			form       url.Values
			status     int
		}{
			{"wrong secret", "/sms/delivery/guess", url.Values{"id": {"ATXid_77"}, "status": {"Success"}}, http.StatusNotFound},
			{"unknown status", "/sms/delivery/" + testSecret, url.Values{"id": {"ATXid_77"}, "status": {"Read"}}, http.StatusBadRequest},
			{"unknown message", "/sms/delivery/" + testSecret, url.Values{"id": {"ATXid_00"}, "status": {"Success"}}, http.StatusNotFound},
			{"delivered", "/sms/delivery/" + testSecret, url.Values{"id": {"ATXid_77"}, "status": {"Success"}, "phoneNumber": {"+22791000003"}}, http.StatusOK},
			{"courier wrong secret", "/sms/courier/guess/delivered", courierID, http.StatusNotFound},
			{"courier delivered", "/sms/courier/" + testSecret + "/delivered", courierID, http.StatusOK},
		} {
			if res := postForm(t, f.srv, tc.path, tc.form); res.status != tc.status {
				t.Errorf("%s: %d %s, want %d", tc.name, res.status, res.body, tc.status)
			}
		}
		for _, o := range f.orders[:2] {
			if st := f.state(t, o); st != order.StateNotified {
				t.Errorf("order %s after its delivery report: %s, want notified", o.Code, st)
			}
		}
		if st := f.state(t, f.orders[2]); st != order.StateIssued {
			t.Errorf("an order without a report: %s, want issued", st)
		}
		for _, rt := range New(nil, Options{}).Routes() {
			if strings.HasPrefix(rt.Pattern, "/sms/delivery") || strings.HasPrefix(rt.Pattern, "/sms/courier") {
				t.Errorf("%s is served without a callback secret", rt.Pattern)
			}
		}
	})
}

// hiddenField reads the action forms' signed fields of an order page.
var hiddenField = regexp.MustCompile(`<input type="hidden" name="(lang|code|birth|exp|tok)" value="([^"]*)">`)

func actionForm(t *testing.T, page string, action string) url.Values {
	t.Helper()
	form := url.Values{"a": {action}}
	for _, m := range hiddenField.FindAllStringSubmatch(page, 5) {
		form.Set(m[1], m[2])
	}
	if form.Get("tok") == "" || !strings.Contains(page, `value="`+action+`"`) {
		t.Fatalf("the page offers no %s form:\n%s", action, page)
	}
	return form
}

const maxPageBytes = 50 << 10

func checkPage(t *testing.T, what string, res httpResult, status int) {
	t.Helper()
	if res.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if !strings.Contains(res.header.Get("Content-Security-Policy"), "default-src 'none'") || res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: headers %v", what, res.header)
	}
	if len(res.body) >= maxPageBytes {
		t.Errorf("%s: %d bytes, want under %d", what, len(res.body), maxPageBytes)
	}
	if strings.Contains(res.body, "<script") {
		t.Errorf("%s: the page has a script", what)
	}
}

func TestCitizenWeb(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		o := f.orders[2]
		home := get(t, f.srv, "/c")
		checkPage(t, "home", home, http.StatusOK)
		if !strings.Contains(home.body, `<html lang="fr">`) || !strings.Contains(home.body, "Numéro de l&#39;ordre") {
			t.Errorf("home page is not the French form:\n%s", home.body)
		}
		english := get(t, f.srv, "/c/?lang=en")
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: english.header}).Cookies() {
			if c.Name == "lang" {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value != "en" || !strings.Contains(english.body, "Order number") {
			t.Fatalf("?lang=en: cookie %v, page:\n%s", cookie, english.body)
		}
		if again := get(t, f.srv, "/c/", cookie); !strings.Contains(again.body, `<html lang="en">`) {
			t.Error("the language cookie is not followed")
		}
		checkPage(t, "unknown page", get(t, f.srv, "/c/nothing-here"), http.StatusNotFound)

		// Unknown code and wrong birth date: the same bytes.
		unknown := postForm(t, f.srv, "/c/", url.Values{"code": {string(order.NewCode())}, "birth": {"04/03/1983"}})
		wrongDate := postForm(t, f.srv, "/c/", url.Values{"code": {o.Code.String()}, "birth": {"04/03/1983"}})
		checkPage(t, "unknown code", unknown, http.StatusOK)
		if unknown.body != wrongDate.body || !strings.Contains(unknown.body, "Numéro ou date de naissance incorrect.") {
			t.Errorf("unknown code and wrong birth date answer differently:\n%s\n----\n%s", unknown.body, wrongDate.body)
		}

		// The order, by its numeric code, then acknowledge and claim.
		view := postForm(t, f.srv, "/c/", url.Values{"code": {citizen.NumericCode(o.Code)}, "birth": {birthOf(7).Format("02/01/2006")}})
		checkPage(t, "order", view, http.StatusOK)
		for _, want := range []string{"Ordre d&#39;appel", "driver", "Caserne de Dosso", "Mobilisation", "Loi 2026-01, art. 4",
			"vérifiée", o.Code.String(), citizen.FormatDeadline(o.Deadline)} {
			if !strings.Contains(view.body, want) {
				t.Errorf("order page lacks %q", want)
			}
		}
		tampered := actionForm(t, view.body, "acknowledge")
		tampered.Set("code", string(f.orders[3].Code))
		if res := postForm(t, f.srv, "/c/act", tampered); !strings.Contains(res.body, "Cette page a expiré") {
			t.Errorf("a form for another code was accepted:\n%s", res.body)
		}
		done := postForm(t, f.srv, "/c/act", actionForm(t, view.body, "acknowledge"))
		checkPage(t, "acknowledged", done, http.StatusOK)
		if !strings.Contains(done.body, "Réception enregistrée") || f.state(t, o) != order.StateAcknowledged {
			t.Fatalf("acknowledge: state %s, page:\n%s", f.state(t, o), done.body)
		}
		claim := actionForm(t, done.body, "claim")
		claim.Set("g", "essential_worker")
		if res := postForm(t, f.srv, "/c/act", claim); !strings.Contains(res.body, "Demande enregistrée") || f.state(t, o) != order.StateClaimed {
			t.Fatalf("claim: state %s, page:\n%s", f.state(t, o), res.body)
		}
		if res := postForm(t, f.srv, "/c/act", actionForm(t, view.body, "acknowledge")); !strings.Contains(res.body, "Action impossible") {
			t.Errorf("acknowledging a claimed order from an old page:\n%s", res.body)
		}

		// Verification needs no birth date.
		if res := get(t, f.srv, "/c/verify?code="+url.QueryEscape(o.Code.String())); !strings.Contains(res.body, "Ordre AUTHENTIQUE") {
			t.Errorf("verify:\n%s", res.body)
		}
		if res := get(t, f.srv, "/c/verify?code="+string(order.NewCode())); !strings.Contains(res.body, "AUCUN ordre") {
			t.Errorf("verify an unknown code:\n%s", res.body)
		}
	})
}

// TestCitizenPDF: an order page offers the printable order, which comes
// only with the page's signed form.
func TestCitizenPDF(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		o := f.orders[2]
		view := postForm(t, f.srv, "/c/", url.Values{"code": {o.Code.String()}, "birth": {birthOf(7).Format("02/01/2006")}, "lang": {"ha"}})
		if !strings.Contains(view.body, `action="/c/pdf"`) {
			t.Fatalf("the order page offers no PDF:\n%s", view.body)
		}
		form := url.Values{}
		for _, m := range hiddenField.FindAllStringSubmatch(view.body, 5) {
			form.Set(m[1], m[2])
		}
		res := postForm(t, f.srv, "/c/pdf", form)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.body, "%PDF-") {
			t.Fatalf("pdf: %d %s, %d bytes", res.status, res.header.Get("Content-Type"), len(res.body))
		}
		form.Set("code", string(f.orders[3].Code))
		if res := postForm(t, f.srv, "/c/pdf", form); res.header.Get("Content-Type") == "application/pdf" {
			t.Error("a form for another order gave its PDF")
		}
	})
}

// TestCitizenCompensation: once an order is released with compensation
// computed (the default policy's rate for a driver) and part paid, its
// addressee sees what is owed and paid on the USSD menu, and the amounts
// with their breakdown on the citizen page.
func TestCitizenCompensation(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		ctx := context.Background()
		o := f.orders[3]
		officer := order.Actor{Role: auth.Officer, Name: "officer"}
		for _, c := range []sqlstore.Change{{Event: order.EventNotify, Actor: officer}, {Event: order.EventFulfil, Actor: officer},
			{Event: order.EventRelease, Actor: officer}} {
			if _, err := db.ApplyOrderEvent(ctx, o.ID, "", c); err != nil {
				t.Fatalf("%s: %v", c.Event, err)
			}
		}
		if _, err := db.RecordContribution(ctx, fund.Contribution{Key: "c1", Channel: fund.MobileMoney, Amount: 10_000}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyFund(ctx, mustBatch(t)(fund.Allocate(fund.Allocation{Key: "a1", Programme: fund.CompensationProgramme, Amount: 10_000}))); err != nil {
			t.Fatal(err)
		}
		treasurer := order.Actor{Role: auth.Treasurer, Name: "treasurer"}
		// One day of a driver's service at 5,000, of which 2,000 paid.
		p, err := db.PayCompensation(ctx, fund.Payment{Key: "p1", Order: o.ID, Channel: fund.MobileMoney, Amount: 2_000}, treasurer, "")
		if err != nil || p.Owed != 5_000 || p.Paid != 2_000 {
			t.Fatalf("part payment: %+v, %v", p, err)
		}

		// USSD, in English: every page of the order, one of them with the
		// compensation's line.
		s := &ussdSession{t: t, srv: f.srv, id: "ATUid_9", phone: "+22790000009"}
		s.send("")
		s.send("2")
		s.send("1")
		s.send(digits(o))
		pages := []string{s.send(birthOf(9).Format("02012006"))}
		for strings.Contains(pages[len(pages)-1], "\n9 ") {
			pages = append(pages, s.send("9"))
		}
		if all := strings.Join(pages, "\n"); !strings.Contains(all, "\nCompensation: 5,000 FCFA owed, 2,000 FCFA paid.\n") ||
			!strings.Contains(all, "Status: released from service.") {
			t.Errorf("the USSD order view does not show the compensation:\n%s", all)
		}

		// The citizen page, in French: the status, the breakdown and the
		// amounts owed, paid and still to pay.
		view := postForm(t, f.srv, "/c/", url.Values{"code": {o.Code.String()}, "birth": {birthOf(9).Format("02/01/2006")}})
		checkPage(t, "order with compensation", view, http.StatusOK)
		for _, want := range []string{
			"<h2>Indemnité</h2>",
			"Indemnité: 5 000 FCFA, payé: 2 000 FCFA.",
			"Jours comptés: 1",
			`<tr><td>Service</td><td>driver: 1 day × 5000 XOF/day</td><td class="num">5 000 FCFA</td></tr>`,
			`<th colspan="2">Montant dû</th><td class="num">5 000 FCFA</td>`,
			`<th colspan="2">Déjà payé</th><td class="num">2 000 FCFA</td>`,
			`<th colspan="2">Reste à payer</th><td class="num">3 000 FCFA</td>`,
		} {
			if !strings.Contains(view.body, want) {
				t.Errorf("the order page lacks %q:\n%s", want, view.body)
			}
		}

		// Paid in full, the order is compensated and says so.
		if p, err = db.PayCompensation(ctx, fund.Payment{Key: "p2", Order: o.ID, Channel: fund.MobileMoney}, treasurer, ""); err != nil || p.State != order.StateCompensated {
			t.Fatalf("paying the rest: %+v, %v", p, err)
		}
		view = postForm(t, f.srv, "/c/", url.Values{"code": {o.Code.String()}, "birth": {birthOf(9).Format("02/01/2006")}, "lang": {"en"}})
		for _, want := range []string{"Compensation: 5,000 FCFA, paid in full.", "<dd>compensated</dd>",
			`<th colspan="2">Still to pay</th><td class="num">0 FCFA</td>`} {
			if !strings.Contains(view.body, want) {
				t.Errorf("the page of the compensated order lacks %q:\n%s", want, view.body)
			}
		}

		// An order with no compensation computed shows none.
		other := postForm(t, f.srv, "/c/", url.Values{"code": {f.orders[2].Code.String()}, "birth": {birthOf(7).Format("02/01/2006")}})
		if strings.Contains(other.body, "Indemnité") || strings.Contains(other.body, `class="comp"`) {
			t.Errorf("an issued order shows a compensation:\n%s", other.body)
		}
	})
}

// mustBatch returns the batch of a fund use case that must succeed.
func mustBatch(t *testing.T) func([]ledger.Transfer, error) []ledger.Transfer {
	return func(batch []ledger.Transfer, err error) []ledger.Transfer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return batch
	}
}

// TestCitizenWebLockout: after five wrong birth dates the code and the
// client are locked, even for the right date.
func TestCitizenWebLockout(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		guard, err := citizen.NewGuard(citizen.DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(f.server(guard))
		defer srv.Close()
		o := f.orders[0]
		for i := range citizen.DefaultConfig().MaxFailures {
			res := postForm(t, srv, "/c/", url.Values{"code": {o.Code.String()}, "birth": {"01/01/" + strconv.Itoa(1960+i)}})
			if !strings.Contains(res.body, "Numéro ou date de naissance incorrect.") {
				t.Fatalf("wrong date %d: %d\n%s", i, res.status, res.body)
			}
		}
		res := postForm(t, srv, "/c/", url.Values{"code": {o.Code.String()}, "birth": {birthOf(3).Format("02/01/2006")}})
		checkPage(t, "locked", res, http.StatusTooManyRequests)
		if !strings.Contains(res.body, "Trop d&#39;essais incorrects") {
			t.Errorf("the right date after the lockout:\n%s", res.body)
		}
	})
}

// TestCitizenRoutesWithoutService: the channels of a server without a
// citizen service answer, and say the service is unavailable.
func TestCitizenRoutesWithoutService(t *testing.T) {
	s := New(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/ussd", "sessionId=1&phoneNumber=%2B22790000001&text=", http.StatusOK, "END Service indisponible"},
		{"POST", "/sms/inbound", "from=%2B22790000001&text=AIDE", http.StatusOK, "ignored: no outbox"},
		{"GET", "/c/", "", http.StatusOK, "<form"},
		{"POST", "/c/", "code=0000-0000-0000-0000-0&birth=01011990", http.StatusServiceUnavailable, "Service indisponible"},
	} {
		rec := serve(s, tc.method, tc.path, "", tc.body, "Content-Type", "application/x-www-form-urlencoded")
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s %s = %d %q, want %d with %q", tc.method, tc.path, rec.Code, rec.Body, tc.status, tc.want)
		}
	}
}

// FuzzCitizenForms posts arbitrary forms to the citizen endpoints: they
// answer without panicking, with a status of their own.
func FuzzCitizenForms(f *testing.F) {
	s := New(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CitizenFormKey: []byte("0123456789abcdef0123456789abcdef")})
	f.Add("/c/act", "a=claim&g=medical&code=7KQ4M9TX2HZPR8WDJ&birth=1990-03-05&exp=99999999999&tok=AAAA&lang=ha")
	f.Add("/c/", "code=01208+92581+96146+29174+70617+6&birth=05%2F03%2F1990&lang=dje")
	f.Add("/ussd", "sessionId=x&phoneNumber=%2B227900&text=1*1*0120892581961462917470617*05031990*9*9*2*1*1")
	f.Add("/sms/inbound", "from=%2B22790000001&text=OK+0120892581961462917470617+05+03+1990")
	f.Add("/c/act", "exp=-1&tok=%00%ff")
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/c/act" && path != "/c/" && path != "/ussd" && path != "/sms/inbound" {
			return
		}
		rec := serve(s, "POST", path, "", body, "Content-Type", "application/x-www-form-urlencoded")
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
		default:
			t.Errorf("POST %s %q = %d %s", path, body, rec.Code, rec.Body)
		}
	})
}

// TestCitizenRegisteredLanguage: a caller whose phone the registry knows,
// with a language, gets the main menu in it at once; an SMS word of every
// language is answered in it too.
func TestCitizenRegisteredLanguage(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newCitizenFixture(t, db)
		p := testPersons()[9]
		p.Language = string(citizen.Zarma)
		if err := db.UpsertPersons(context.Background(), []registry.Person{p}); err != nil {
			t.Fatal(err)
		}
		s := &ussdSession{t: t, srv: f.srv, id: "ATUid_lang", phone: p.Phone}
		first := s.send("")
		if !strings.Contains(first, citizen.FoldGSM7(citizen.Zarma.Text(citizen.MsgMenuOrder))) || strings.Contains(first, "1 Francais") {
			t.Errorf("first screen for a Zarma speaker %q, want the main menu in Zarma", first)
		}
		stranger := &ussdSession{t: t, srv: f.srv, id: "ATUid_stranger", phone: "+22799999999"}
		if screen := stranger.send(""); !strings.Contains(screen, "1 Francais") {
			t.Errorf("first screen for an unknown phone %q, want the language menu", screen)
		}
		if res := postForm(t, f.srv, "/sms/inbound", url.Values{"from": {p.Phone}, "text": {"STOP"}}); res.status != http.StatusOK {
			t.Fatalf("STOP: %d %s", res.status, res.body)
		}
		want := citizen.Zarma.Text(citizen.MsgSMSStopped, testUSSDCode)
		if got := claimReplies(t, f)[p.Phone]; len(got) != 1 || got[0] != want {
			t.Errorf("reply to STOP from a Zarma speaker = %q, want %q", got, want)
		}
	})
}
