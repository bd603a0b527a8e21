package officerweb

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// TestClaimsQueue: the board sees the claims and appeals of its
// jurisdiction with their grounds; an appeal of a claim a reviewer
// decided is marked as another reviewer's; roles that do not read notes
// see the queue without grounds.
func TestClaimsQueue(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// A claim in Diffa, which Dosso's officer does not see.
		diffa, err := db.ApplyOrderEvent(t.Context(), f.issuedDF.String(), "", sqlstore.Change{Event: order.EventNotify, Actor: order.SystemActor})
		if err == nil {
			_, err = db.ApplyOrderEvent(t.Context(), diffa.ID, "", sqlstore.Change{Event: order.EventClaim, Actor: order.AddresseeActor, Ground: "hardship"})
		}
		if err != nil {
			t.Fatal(err)
		}
		reviewer := f.as(t, "niger.reviewer")
		before := accessCount(t, db)
		res := f.get(t, reviewer, "/o/claims")
		text := res.text()
		for _, want := range []string{f.claimedDS.String(), "Inaptitude médicale", "(exemption)", f.issuedDF.String(), "Difficulté grave",
			"Réclamations 2", "Recours 1", msg(fr, "decide_link")} {
			if !strings.Contains(text, want) {
				t.Errorf("claims queue lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, f.appealedDS.String()) || strings.Contains(res.body, "DS0003") {
			t.Errorf("claims queue shows an appeal or a national ID:\n%s", text)
		}
		if log := accessLog(t, db, before); len(log) != 1 || log[0].Action != "claims.list" || log[0].Subject != "web list state=claimed count=2" {
			t.Errorf("access log %+v", log)
		}
		// The appeal of the claim niger.reviewer rejected is another's.
		res = f.get(t, reviewer, "/o/claims?state=appealed")
		text = res.text()
		for _, want := range []string{f.appealedDS.String(), "Élève ou étudiant", "rejet de la réclamation par niger.reviewer",
			msg(fr, "rule_appeal_other"), "Vous ne pouvez pas statuer sur 1 de ces ordres"} {
			if !strings.Contains(text, want) {
				t.Errorf("appeals queue lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(res.body, `<tr class="mine">`) || strings.Contains(res.body, `href="/o/orders/`+f.appealedDS.String()+`#act"`) {
			t.Errorf("the appeal is not marked as another reviewer's:\n%s", res.body)
		}
		other := f.get(t, f.as(t, "other.reviewer"), "/o/claims?state=appealed")
		if !strings.Contains(other.body, `href="/o/orders/`+f.appealedDS.String()+`#act"`) || strings.Contains(other.body, `class="mine"`) {
			t.Errorf("another reviewer's appeals queue:\n%s", other.text())
		}
		// A treasurer sees the queue, not the grounds.
		before = accessCount(t, db)
		res = f.get(t, f.as(t, "niger.treasurer"), "/o/claims")
		if res.status != http.StatusOK || !strings.Contains(res.text(), f.claimedDS.String()) || strings.Contains(res.text(), "Inaptitude") ||
			strings.Contains(res.text(), msg(fr, "decide_link")) {
			t.Errorf("a treasurer's queue: %d\n%s", res.status, res.text())
		}
		if n := accessCount(t, db); n != before {
			t.Errorf("a queue without grounds recorded %d reads", n-before)
		}
		// Dosso's officer: Dosso's claims only.
		if text := f.get(t, f.as(t, "dosso.officer"), "/o/claims").text(); strings.Contains(text, f.issuedDF.String()) ||
			!strings.Contains(text, f.claimedDS.String()) {
			t.Errorf("Dosso's queue:\n%s", text)
		}
		if res := f.get(t, reviewer, "/o/claims?state=issued"); res.status != http.StatusBadRequest {
			t.Errorf("a queue of issued orders: %d", res.status)
		}
		if text := f.get(t, reviewer, "/o/claims?lang=en").text(); !strings.Contains(text, "Medically unfit") || !strings.Contains(text, "Claims 2") {
			t.Errorf("in English:\n%s", text)
		}
	})
}

// TestDecideClaim: a reviewer decides a claim on the order's page, with
// reasons; a deferral moves the deadline; the appeal of a claim goes to
// another reviewer; other roles get no form and are refused.
func TestDecideClaim(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		reviewer := f.as(t, "niger.reviewer")
		path := "/o/orders/" + f.claimedDS.String()
		page := f.get(t, reviewer, path)
		text := page.text()
		for _, want := range []string{msg(fr, "decide_claim"), msg(fr, "decide_exempt"), msg(fr, "decide_defer"), msg(fr, "decide_reject_claim"),
			"Inaptitude médicale", "Certificat du médecin de Dosso"} {
			if !strings.Contains(text, want) {
				t.Errorf("claimed order's page lacks %q:\n%s", want, text)
			}
		}
		// An officer reads the ground but has nothing to decide.
		if text := f.get(t, f.as(t, "niger.officer"), path).text(); strings.Contains(text, msg(fr, "decide_claim")) || !strings.Contains(text, "Inaptitude médicale") {
			t.Errorf("an officer's view of a claim:\n%s", text)
		}
		state := func() order.State {
			o, err := db.Order(t.Context(), f.claimedDS.String(), "")
			if err != nil {
				t.Fatal(err)
			}
			return o.State
		}
		post := func(who *client, form url.Values) response { return f.post(t, who, path+"/event", form) }
		// No reasons: refused beside the field, nothing recorded.
		res := post(reviewer, url.Values{"event": {"exempt"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_reasons")) || state() != order.StateClaimed {
			t.Errorf("a decision without reasons: %d\n%s", res.status, res.text())
		}
		// A deferral before the current deadline: refused, what was typed kept.
		o, _ := db.Order(t.Context(), f.claimedDS.String(), "")
		early := o.Deadline.Add(-time.Hour).Format(deadlineLayout)
		res = post(reviewer, url.Values{"event": {"defer"}, "until": {early}, "note": {"Examens <en cours>"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_until")) ||
			!strings.Contains(res.body, "Examens &lt;en cours&gt;</textarea>") || !strings.Contains(res.body, `value="defer" checked`) {
			t.Errorf("an early deferral: %d\n%s", res.status, res.body)
		}
		// Other roles, and events the page does not record.
		if res := post(f.as(t, "niger.officer"), url.Values{"event": {"exempt"}, "note": {"x"}}); res.status != http.StatusForbidden ||
			!strings.Contains(res.text(), "Votre rôle ne permet pas") {
			t.Errorf("an officer deciding: %d\n%s", res.status, res.text())
		}
		if res := post(reviewer, url.Values{"event": {"acknowledge"}}); res.status != http.StatusBadRequest {
			t.Errorf("acknowledging from the officers' UI: %d", res.status)
		}
		if res := post(reviewer, url.Values{"event": {"fulfil"}}); res.status != http.StatusConflict || !strings.Contains(res.text(), "« exécution »") {
			t.Errorf("a handover while a claim is pending: %d\n%s", res.status, res.text())
		}
		// Without the session's token, nothing changes.
		if res := post(reviewer, url.Values{"event": {"exempt"}, "note": {"x"}, "csrf": {"forged"}}); res.status != http.StatusForbidden ||
			state() != order.StateClaimed {
			t.Errorf("a forged decision: %d, order %s", res.status, state())
		}
		// A deferral with reasons moves the deadline.
		until := o.Deadline.Add(30 * 24 * time.Hour).UTC().Truncate(time.Minute)
		res = post(reviewer, url.Values{"event": {"defer"}, "until": {until.Format(deadlineLayout)}, "note": {"Examens en cours"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != path+"?arg="+f.claimedDS.String()+"&done=done_defer" {
			t.Fatalf("deferral: %d %q\n%s", res.status, res.header.Get("Location"), res.text())
		}
		o, _ = db.Order(t.Context(), f.claimedDS.String(), "")
		if o.State != order.StateDeferred || !o.Deadline.Equal(until) || o.ReviewedBy != "niger.reviewer" {
			t.Errorf("after the deferral: %s, deadline %s, reviewed by %q", o.State, o.Deadline, o.ReviewedBy)
		}
		page = f.get(t, reviewer, res.header.Get("Location"))
		if text := page.text(); !strings.Contains(text, "Ordre "+f.claimedDS.String()+" : report accordé.") || !strings.Contains(text, "Examens en cours") ||
			strings.Contains(text, msg(fr, "decide_claim")) {
			t.Errorf("after the deferral:\n%s", text)
		}
		// Deciding twice is refused with the state.
		if res := post(reviewer, url.Values{"event": {"exempt"}, "note": {"x"}}); res.status != http.StatusConflict || !strings.Contains(res.text(), "reporté") {
			t.Errorf("deciding twice: %d\n%s", res.status, res.text())
		}

		// The appeal: not by the reviewer who rejected the claim.
		appeal := "/o/orders/" + f.appealedDS.String()
		page = f.get(t, reviewer, appeal)
		if text := page.text(); strings.Contains(text, msg(fr, "decide_appeal")) || !strings.Contains(text, msg(fr, "rule_appeal_other")) {
			t.Errorf("the first reviewer's view of the appeal:\n%s", text)
		}
		res = f.post(t, reviewer, appeal+"/event", url.Values{"event": {"dismiss"}, "note": {"x"}})
		if res.status != http.StatusForbidden || !strings.Contains(res.text(), msg(fr, "rule_appeal_other")) {
			t.Errorf("the first reviewer deciding the appeal: %d\n%s", res.status, res.text())
		}
		other := f.as(t, "other.reviewer")
		if text := f.get(t, other, appeal+"?lang=en").text(); !strings.Contains(text, "Decision on the appeal") || !strings.Contains(text, "Student") {
			t.Errorf("another reviewer's view of the appeal:\n%s", text)
		}
		res = f.post(t, other, appeal+"/event", url.Values{"event": {"uphold"}, "note": {"Inscription prouvée"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("upholding: %d\n%s", res.status, res.text())
		}
		if o, _ := db.Order(t.Context(), f.appealedDS.String(), ""); o.State != order.StateUpheld {
			t.Errorf("after upholding: %s", o.State)
		}
		// Outside the jurisdiction the order is not found.
		if res := f.post(t, f.as(t, "dosso.officer"), "/o/orders/"+f.issuedDF.String()+"/event", url.Values{"event": {"notify"}}); res.status != http.StatusNotFound {
			t.Errorf("an order of Diffa from Dosso: %d", res.status)
		}
	})
}

// TestHandoverAndReturn: an officer hands a printed requisition over,
// takes the property with its condition, prints the signed receipt, and
// records its return, which shows the compensation owed; a call-up is
// reported for and released. Buttons show only for the roles and states
// that allow them.
func TestHandoverAndReturn(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		code := issueRequisition(t, db)
		path := "/o/orders/" + code
		officer, approver := f.as(t, "niger.officer"), f.as(t, "niger.approver")
		forms := func(who *client) string {
			body := f.get(t, who, path).body
			var events []string
			for _, e := range webEvents {
				if strings.Contains(body, `name="event" value="`+string(e)+`"`) {
					events = append(events, string(e))
				}
			}
			return strings.Join(events, ",")
		}
		if got := forms(approver); got != "cancel" {
			t.Errorf("an approver's forms on an issued order: %q", got)
		}
		if got := forms(officer); got != "notify,cancel" {
			t.Fatalf("an officer's forms on an issued order: %q", got)
		}
		do := func(form url.Values, want int) response {
			t.Helper()
			res := f.post(t, officer, path+"/event", form)
			if res.status != want {
				t.Fatalf("%s: %d, want %d\n%s", form.Get("event"), res.status, want, res.text())
			}
			return res
		}
		do(url.Values{"event": {"notify"}}, http.StatusSeeOther)
		if got := forms(officer); got != "fulfil,cancel" {
			t.Fatalf("forms on a notified requisition: %q", got)
		}
		// The handover states the property's condition.
		res := do(url.Values{"event": {"fulfil"}}, http.StatusBadRequest)
		if !strings.Contains(res.text(), msg(fr, "err_condition")) {
			t.Errorf("a handover without condition:\n%s", res.text())
		}
		do(url.Values{"event": {"fulfil"}, "condition": {"good"}, "note": {"Pneus neufs"}}, http.StatusSeeOther)
		page := f.get(t, officer, path)
		if !strings.Contains(page.body, `href="/o/orders/`+code+`/receipt?lang=ha"`) || forms(officer) != "return,release" ||
			!strings.Contains(page.text(), "État à la remise bon") {
			t.Errorf("after the handover: forms %q\n%s", forms(officer), page.text())
		}
		pdf := f.get(t, officer, path+"/receipt?lang=ha")
		if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
			t.Errorf("receipt: %d %s", pdf.status, pdf.header.Get("Content-Type"))
		}
		if res := f.get(t, officer, path+"/receipt?lang=xx"); res.status != http.StatusBadRequest {
			t.Errorf("a receipt in an unknown language: %d", res.status)
		}
		// The return computes the compensation, shown on the page.
		do(url.Values{"event": {"return"}, "condition": {"castle"}}, http.StatusBadRequest)
		do(url.Values{"event": {"return"}, "condition": {"poor"}, "note": {"Pare-brise fêlé"}}, http.StatusSeeOther)
		o, err := db.Order(ctx, code, "")
		if err != nil || o.State != order.StateReturned || o.Compensation == nil || o.Compensation.AmountXOF <= 0 {
			t.Fatalf("after the return: %+v %v", o, err)
		}
		page = f.get(t, officer, path)
		amount := formatInt(fr, o.Compensation.AmountXOF) + "&nbsp;XOF"
		if text := page.text(); !strings.Contains(page.body, amount) || !strings.Contains(text, msg(fr, "compensation_title")) ||
			!strings.Contains(text, "dommage") || !strings.Contains(text, "restitué") || !strings.Contains(text, "bon → mauvais") || strings.Contains(text, "XOF/day") {
			t.Errorf("the compensation %s is not shown:\n%s", amount, text)
		}
		if got := forms(officer); got != "" {
			t.Errorf("forms on a returned requisition: %q", got)
		}
		if res := f.get(t, approver, path+"?lang=en"); !strings.Contains(res.text(), "Compensation owed") || !strings.Contains(res.text(), "Handover receipt (PDF)") {
			t.Errorf("in English:\n%s", res.text())
		}

		// A call-up: no receipt; reporting takes no condition; release
		// computes the service owed.
		callUp := "/o/orders/" + f.issuedDS.String()
		if res := f.get(t, officer, callUp+"/receipt"); res.status != http.StatusConflict {
			t.Errorf("a call-up's receipt: %d", res.status)
		}
		for _, step := range []struct {
			form url.Values
			want int
		}{
			{url.Values{"event": {"notify"}}, http.StatusSeeOther},
			{url.Values{"event": {"fulfil"}, "condition": {"good"}}, http.StatusBadRequest},
			{url.Values{"event": {"fulfil"}, "until": {"2030-01-01T08:00"}}, http.StatusBadRequest},
			{url.Values{"event": {"return"}, "condition": {"good"}}, http.StatusConflict},
			{url.Values{"event": {"fulfil"}}, http.StatusSeeOther},
			{url.Values{"event": {"release"}}, http.StatusSeeOther},
		} {
			if res := f.post(t, officer, callUp+"/event", step.form); res.status != step.want {
				t.Errorf("call-up, %v: %d, want %d\n%s", step.form, res.status, step.want, res.text())
			}
		}
		if text := f.get(t, officer, callUp).text(); !strings.Contains(text, msg(fr, "compensation_title")) || !strings.Contains(text, "service") ||
			!strings.Contains(text, "libéré") {
			t.Errorf("a released call-up:\n%s", text)
		}
	})
}

// TestCancelOrder: the authority withdraws an issued order from its page,
// stating why; the event and its log leaf record it, and nothing can be
// recorded on the order afterwards.
func TestCancelOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		code := issueRequisition(t, db)
		path := "/o/orders/" + code
		officer, reviewer := f.as(t, "niger.officer"), f.as(t, "niger.reviewer")
		page := f.get(t, officer, path)
		if !strings.Contains(page.body, `id="ev-cancel"`) || !strings.Contains(page.text(), msg(fr, "cancel_hint")) {
			t.Fatalf("no cancel form for the officer:\n%s", page.text())
		}
		if strings.Contains(f.get(t, reviewer, path).body, `id="ev-cancel"`) {
			t.Error("a reviewer is offered the cancel form")
		}
		if res := f.post(t, reviewer, path+"/event", url.Values{"event": {"cancel"}, "note": {"x"}}); res.status != http.StatusForbidden {
			t.Errorf("a reviewer cancelling: %d, want 403", res.status)
		}
		// Without reasons: refused, field by field, nothing recorded.
		res := f.post(t, officer, path+"/event", url.Values{"event": {"cancel"}, "note": {"  "}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(fr, "err_reasons")) {
			t.Fatalf("a cancellation without reasons: %d\n%s", res.status, res.text())
		}
		if o, _ := db.Order(ctx, code, ""); o.State != order.StateIssued {
			t.Fatalf("after a refused cancellation the order is %s", o.State)
		}
		res = f.post(t, officer, path+"/event", url.Values{"event": {"cancel"}, "note": {"Le camion n'est plus nécessaire"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("cancel: %d\n%s", res.status, res.text())
		}
		o, err := db.Order(ctx, code, "")
		if err != nil || o.State != order.StateCancelled {
			t.Fatalf("after the cancellation: %s, %v", o.State, err)
		}
		events, err := db.OrderEvents(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if last.Event != order.EventCancel || last.Note != "Le camion n'est plus nécessaire" || last.Actor != "niger.officer" {
			t.Errorf("the cancel event: %+v", last)
		}
		leaf, err := db.Log().Leaf(ctx, last.LogIndex)
		if err != nil || !strings.Contains(string(leaf), "cancel") {
			t.Errorf("log leaf %d: %q, %v", last.LogIndex, leaf, err)
		}
		page = f.get(t, officer, path)
		if strings.Contains(page.body, `name="event"`) {
			t.Errorf("forms on a cancelled order:\n%s", page.text())
		}
		if res := f.post(t, officer, path+"/event", url.Values{"event": {"notify"}}); res.status != http.StatusConflict {
			t.Errorf("notify after cancel: %d, want 409", res.status)
		}
	})
}

// issueRequisition drafts and issues a requisition of a Dosso truck and
// returns its code.
func issueRequisition(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	ctx := t.Context()
	drafts, err := db.DraftOrders(ctx, []order.Order{{Kind: order.Requisition, Addressee: registry.Owner{Kind: registry.OwnerOrganisation, ID: "ORG-DS"},
		Items: []order.Item{{Type: "vehicle.truck", Quantity: 1, Unit: "unit", ResourceIDs: []string{"T-DS2"}}}, Place: order.Place{Text: "Base de Dosso"},
		Deadline: time.Now().AddDate(0, 0, 5), LegalBasis: "Décret 2026-114", Authority: "NE-MOB", Reason: "transport"}},
		order.Actor{Role: auth.Officer, Name: "niger.officer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApproveOrders(ctx, []string{drafts[0].ID}, order.Actor{Role: auth.Approver, Name: "niger.approver"}, db.AddresseeRef); err != nil {
		t.Fatal(err)
	}
	return drafts[0].Code.String()
}
