package httpapi

import (
	"bytes"
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sms"
)

// requestBodies reads the JSON body of each request type the API takes,
// by its schema name, as its handler does before it reaches the store:
// the decoder, then the checks that need no database.
var requestBodies = map[string]func(t *testing.T, tree *area.Tree, body []byte){
	"LoginRequest":       decodeOnly[loginRequest],
	"ApproveRequest":     decodeOnly[approveRequest],
	"EventRequest":       decodeOnly[eventRequest],
	"ForceRequest":       decodeOnly[forceRequest],
	"FundUndoRequest":    decodeOnly[undoRequest],
	"FundPaymentRequest": decodeOnly[paymentRequest],
	"FundContributionRequest": func(t *testing.T, _ *area.Tree, body []byte) {
		var req contributionRequest
		if decodeBody(t, body, &req) {
			ch, err := parseChannel("channel", req.Channel)
			if err == nil {
				err = fund.Contribution{Key: "k", Channel: ch, Amount: req.Amount, Contributor: req.Contributor}.Validate()
			}
			checkInvalid(t, body, err)
		}
	},
	"FundProgrammeRequest": func(t *testing.T, _ *area.Tree, body []byte) {
		var req fund.ProgrammeDef
		if decodeBody(t, body, &req) {
			_, err := req.Account()
			checkInvalid(t, body, err)
		}
	},
	"FundAllocationRequest": batchBody[allocationRequest],
	"FundSpendingRequest":   batchBody[spendingRequest],
	"FundMovementRequest":   batchBody[movementRequest],
	"DraftRequest": func(t *testing.T, _ *area.Tree, body []byte) {
		var req draftRequest
		if decodeBody(t, body, &req) {
			for _, d := range req.Orders {
				_, errs := d.toOrder(time.Now(), map[string]bool{"NE-MOB": true})
				checkFieldErrors(t, body, errs)
			}
		}
	},
	"NeedsRequest": func(t *testing.T, tree *area.Tree, body []byte) {
		var req needsRequest
		if decodeBody(t, body, &req) {
			for _, f := range req.Needs {
				_, errs := f.toNeed(time.Now(), tree, "NE.DS")
				checkFieldErrors(t, body, errs)
			}
		}
	},
}

// FuzzRequestBodies sends any bytes as the body of every request type:
// nothing panics, and every refusal is invalid, naming what is wrong.
// Each route's body type must have its reader above, so that a new
// request type is fuzzed from the day it is served.
func FuzzRequestBodies(f *testing.F) {
	var names []string
	for _, rt := range New(nil, Options{}).routes {
		if rt.body != "" && !slices.Contains(names, rt.body) {
			names = append(names, rt.body)
			if requestBodies[rt.body] == nil {
				f.Fatalf("route %s %s takes a %s: add its reader to requestBodies", rt.Method, rt.Pattern, rt.body)
			}
		}
	}
	slices.Sort(names)
	tree, err := area.NewTree(testAreas)
	if err != nil {
		f.Fatal(err)
	}
	deadline := time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
	for _, body := range []string{
		`{"name":"dosso.registrar","password":"x"}`, `{"ids":["7KQ4-M9TX-2HZP-R8WD-J"]}`, `{"event":"defer","until":"2030-01-01T00:00:00Z"}`,
		`{"code":"BN3","name":"3e bataillon","scope":"NE.DS","target":500,"strength":420}`,
		`{"id":"r-1","channel":"cash","amount":150000,"contributor":"Coopérative"}`, `{"slug":"agriculture","name":"Agriculture"}`,
		`{"programme":"agriculture","amount":600000}`, `{"programme":"agriculture","channel":"bank","amount":1,"memo":"semences"}`,
		`{"from":"cash","to":"mobile_money","amount":100000}`, `{"transfer":"ctb:r-1","why":"erreur"}`,
		`{"order":"7KQ4-M9TX-2HZP-R8WD-J","channel":"cash","amount":1}`, draftBody(callUpJSON("DS0003"), requisitionJSON("ORG-DS2", `{"type":"fuel.diesel","quantity":1000,"unit":"l"}`)),
		`{"needs":[` + needJSON("N-1", "NE.DS", `,"point":{"lat":13.1,"lon":3.2}`) + `]}`, `{"needs":[{"need_id":"x","deadline":"` + deadline + `","area":"NE.XX"}]}`,
		``, `{`, `[]`, `null`, `{"amount":1e400}`, `{"orders":[{"items":[{"quantity":-1}]}]}`,
	} {
		for i := range names {
			f.Add(uint8(i), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		requestBodies[names[int(kind)%len(names)]](t, tree, body)
	})
}

func decodeBody(t *testing.T, body []byte, v any) bool {
	t.Helper()
	r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body))
	err := decodeJSON(httptest.NewRecorder(), r, v)
	checkInvalid(t, body, err)
	return err == nil
}

func decodeOnly[T any](t *testing.T, _ *area.Tree, body []byte) {
	var v T
	decodeBody(t, body, &v)
}

func batchBody[R batchRequest](t *testing.T, _ *area.Tree, body []byte) {
	var req R
	if decodeBody(t, body, &req) {
		_, err := req.transfers("fuzz-key")
		checkInvalid(t, body, err)
	}
}

func checkInvalid(t *testing.T, body []byte, err error) {
	t.Helper()
	if err != nil && (muster.ErrorKind(err) != muster.Invalid || muster.ErrorMessage(err) == "") {
		t.Fatalf("body %q: %v (kind %s), want an invalid error with a message", body, err, muster.ErrorKind(err))
	}
}

func checkFieldErrors(t *testing.T, body []byte, errs []registry.FieldError) {
	t.Helper()
	for _, e := range errs {
		if e.Field == "" || e.Message == "" {
			t.Fatalf("body %q: field error %+v names no field or says nothing", body, e)
		}
	}
}

// FuzzGatewayCallbacks posts any form to the USSD and inbound SMS
// callbacks, as a gateway or a forger could: the USSD answer is always a
// screen the gateway shows (CON or END, GSM alphabet, at most 160
// characters), an inbound SMS is answered 200 with its reply queued for a
// phone number or refused with a reason, and nothing panics.
func FuzzGatewayCallbacks(f *testing.F) {
	outbox := &fuzzOutbox{}
	s := New(nil, Options{USSDCode: testUSSDCode, SMSOutbox: outbox})
	for _, form := range []string{
		"sessionId=s1&serviceCode=*384*123%23&phoneNumber=%2B22790000001&text=",
		"sessionId=s1&phoneNumber=%2B22790000001&text=1*1*1234567890123*23111978",
		"from=%2B22790000001&text=OK+7KQ4M9TX2HZPR8WDJ+23111978", "from=22790000001&text=STOP", "from=&text=AIDE",
		"text=%ff%fe", "from=%2B227&text=" + strings.Repeat("A", 2000), "a=1&a=2&text=1&text=2", "%", "",
	} {
		f.Add(false, form)
		f.Add(true, form)
	}
	f.Fuzz(func(t *testing.T, isSMS bool, form string) {
		path := "/ussd"
		if isSMS {
			path = "/sms/inbound"
		}
		rec := serve(s, "POST", path, "192.0.2.1:1234", form, "Content-Type", "application/x-www-form-urlencoded")
		body := rec.Body.String()
		switch {
		case !isSMS:
			if rec.Code != 200 || !(strings.HasPrefix(body, "CON ") || strings.HasPrefix(body, "END ")) || len([]rune(body)) > 160 ||
				citizen.FoldGSM7(body) != body {
				t.Fatalf("USSD %q: %d %q", form, rec.Code, body)
			}
		case rec.Code == 200:
			if body != "queued" && !strings.HasPrefix(body, "ignored: ") {
				t.Fatalf("SMS %q: 200 %q", form, body)
			}
		case rec.Code != 400:
			t.Fatalf("SMS %q: %d %q", form, rec.Code, body)
		}
		for _, q := range outbox.take() {
			if !isSMS || !sms.ValidNumber(q.to) || q.text == "" {
				t.Fatalf("%q queued %+v", form, q)
			}
		}
	})
}

// fuzzOutbox keeps what the inbound SMS handler queues.
type fuzzOutbox struct{ queued []struct{ to, text string } }

func (o *fuzzOutbox) QueueReply(_ context.Context, to, text string) (int64, error) {
	o.queued = append(o.queued, struct{ to, text string }{to, text})
	return int64(len(o.queued)), nil
}
func (o *fuzzOutbox) Stop(context.Context, string) error { return nil }
func (o *fuzzOutbox) Delivered(context.Context, string, sms.Delivery, time.Time) error {
	return nil
}

func (o *fuzzOutbox) take() []struct{ to, text string } {
	q := o.queued
	o.queued = nil
	return q
}
