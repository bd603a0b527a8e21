package sms

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster"
)

var testMessage = Message{ID: 42, OrderID: "ORD-1", Topic: "order.issued", To: "+22790123456",
	Text: "Ordre de réquisition 7KQ2-9XJD : vérifiez sur muster.ne"}

func TestATRequestShape(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   AfricasTalking
		want url.Values
	}{
		{"minimal", AfricasTalking{Username: "muster-ne", APIKey: "k3y"},
			url.Values{"username": {"muster-ne"}, "to": {testMessage.To}, "message": {testMessage.Text}}},
		{"sender ID and queueing", AfricasTalking{Username: "muster-ne", APIKey: "k3y", From: "MUSTER", Enqueue: true},
			url.Values{"username": {"muster-ne"}, "to": {testMessage.To}, "message": {testMessage.Text}, "from": {"MUSTER"}, "enqueue": {"1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *http.Request
			var form url.Values
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil {
					t.Errorf("ParseForm: %v", err)
				}
				got, form = r, r.PostForm
				w.WriteHeader(http.StatusCreated)
				w.Write(readFixture(t, "at/sent.json"))
			}))
			defer srv.Close()
			tc.at.BaseURL = srv.URL + "/" // a trailing slash must not double
			id, err := tc.at.Send(context.Background(), testMessage)
			if err != nil || id != "ATXid_5c3fb2bd1ea6b0a0e43c26b2a6d4f1e0" {
				t.Fatalf("Send = %q, %v", id, err)
			}
			if got.Method != http.MethodPost || got.URL.Path != "/version1/messaging" {
				t.Errorf("request %s %s, want POST /version1/messaging", got.Method, got.URL.Path)
			}
			for h, want := range map[string]string{"apiKey": "k3y", "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"} {
				if v := got.Header.Get(h); v != want {
					t.Errorf("header %s = %q, want %q", h, v, want)
				}
			}
			if form.Encode() != tc.want.Encode() {
				t.Errorf("form = %v, want %v", form, tc.want)
			}
		})
	}
}

func TestATAnswers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		fixture    string // under testdata/, or a literal body when it has no extension
		wantID     string
		wantErr    bool
		permanent  bool
		kind       muster.Kind
		retryAfter time.Duration
	}{
		{name: "sent", status: 201, fixture: "at/sent.json", wantID: "ATXid_5c3fb2bd1ea6b0a0e43c26b2a6d4f1e0"},
		{name: "queued", status: 201, fixture: "at/queued.json", wantID: "ATXid_queued01"},
		{name: "accepted without an ID", status: 201, fixture: "at/processed_no_id.json", wantID: ""},
		{name: "invalid number", status: 201, fixture: "at/invalid_number.json", wantErr: true, permanent: true, kind: muster.Invalid},
		{name: "blacklisted", status: 201, fixture: "at/blacklisted.json", wantErr: true, permanent: true, kind: muster.Forbidden},
		{name: "insufficient balance is temporary", status: 201, fixture: "at/insufficient_balance.json", wantErr: true, kind: muster.Internal},
		{name: "gateway error", status: 201, fixture: "at/gateway_error.json", wantErr: true, kind: muster.Internal},
		{name: "unknown status code", status: 201, fixture: "at/unknown_code.json", wantErr: true, kind: muster.Internal},
		{name: "sender ID refused, no recipients", status: 201, fixture: "at/invalid_sender_no_recipients.json", wantErr: true, permanent: true, kind: muster.Invalid},
		{name: "no recipients, unknown why", status: 201, fixture: "at/no_recipients.json", wantErr: true, kind: muster.Internal},
		{name: "2xx not JSON", status: 200, fixture: "at/not_json.txt", wantErr: true, kind: muster.Internal},
		{name: "bad API key", status: 401, fixture: "The supplied authentication is invalid", wantErr: true, permanent: true, kind: muster.Unauthorized},
		{name: "bad request", status: 400, fixture: "Invalid phoneNumber", wantErr: true, permanent: true, kind: muster.Invalid},
		{name: "server error", status: 500, fixture: "oops", wantErr: true, kind: muster.Internal},
		{name: "unavailable with a date", status: 503, header: http.Header{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}}, fixture: "", wantErr: true, kind: muster.Internal},
		{name: "rate limited", status: 429, header: http.Header{"Retry-After": {"7"}}, fixture: "slow down", wantErr: true, kind: muster.Internal, retryAfter: 7 * time.Second},
		{name: "absurd Retry-After is capped", status: 429, header: http.Header{"Retry-After": {"99999999"}}, wantErr: true, kind: muster.Internal, retryAfter: maxRetryAfter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.fixture)
			if filepath.Ext(tc.fixture) != "" {
				body = readFixture(t, tc.fixture)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tc.status)
				w.Write(body)
			}))
			defer srv.Close()
			at := &AfricasTalking{BaseURL: srv.URL, Username: "muster-ne", APIKey: "k3y"}
			id, err := at.Send(context.Background(), testMessage)
			if (err != nil) != tc.wantErr || id != tc.wantID {
				t.Fatalf("Send = %q, %v; want %q, error %v", id, err, tc.wantID, tc.wantErr)
			}
			if err == nil {
				return
			}
			if IsPermanent(err) != tc.permanent || muster.ErrorKind(err) != tc.kind {
				t.Errorf("error %q: permanent %v, kind %s; want %v, %s", err, IsPermanent(err), muster.ErrorKind(err), tc.permanent, tc.kind)
			}
			if got := retryAfter(err); got != tc.retryAfter {
				t.Errorf("retry after %v, want %v", got, tc.retryAfter)
			}
		})
	}
}

// TestATErrorsHidePersonalData: an answer that echoes the number, the
// text or the key must not carry them into the outbox's reason column.
func TestATErrorsHidePersonalData(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		answer func(to, text, key string) string
	}{
		{"4xx echoing the request", http.StatusBadRequest, func(to, text, key string) string {
			return "rejected " + to + " " + text + " key " + key
		}},
		{"2xx that does not decode", http.StatusCreated, func(to, text, key string) string {
			return `{"SMSMessageData":{"Message":"` + text + `","Recipients":[{"statusCode":"101","number":"` + to + `"}]}}`
		}},
		{"no recipients, reason echoing the text", http.StatusCreated, func(to, text, key string) string {
			return `{"SMSMessageData":{"Message":"cannot send ` + text + ` to ` + to + `","Recipients":[]}}`
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.answer(r.PostForm.Get("to"), r.PostForm.Get("message"), r.Header.Get("apiKey"))))
			}))
			defer srv.Close()
			at := &AfricasTalking{BaseURL: srv.URL, Username: "muster-ne", APIKey: "s3cret-key"}
			_, err := at.Send(context.Background(), testMessage)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			for _, secret := range []string{testMessage.To, testMessage.Text, "s3cret-key"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds %q", err, secret)
				}
			}
		})
	}
}

func TestATTimeoutIsTemporary(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // the server notices a client gone only once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	at := &AfricasTalking{BaseURL: srv.URL, Username: "muster-ne", APIKey: "k3y"}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := at.Send(ctx, testMessage)
	if err == nil || IsPermanent(err) {
		t.Fatalf("Send past its deadline = %v, want a temporary error", err)
	}
	if strings.Contains(err.Error(), srv.URL+"/version1") {
		t.Errorf("error %q holds the request URL", err)
	}
}

func TestATValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   AfricasTalking
		want string // "" for valid
	}{
		{"production by default", AfricasTalking{Username: "muster-ne", APIKey: "k"}, ""},
		{"sandbox", AfricasTalking{BaseURL: ATSandbox, Username: "sandbox", APIKey: "k"}, ""},
		{"no key", AfricasTalking{Username: "muster-ne"}, "Username and APIKey"},
		{"no username", AfricasTalking{APIKey: "k"}, "Username and APIKey"},
		{"relative URL", AfricasTalking{BaseURL: "api.africastalking.com", Username: "u", APIKey: "k"}, "BaseURL"},
		{"sandbox user on production", AfricasTalking{Username: "sandbox", APIKey: "k"}, "sandbox works only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.at.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if err != nil && muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("kind %s, want invalid", muster.ErrorKind(err))
			}
		})
	}
}

func TestParseATDeliveryReport(t *testing.T) {
	full := url.Values{"id": {"ATXid_1"}, "status": {"Failed"}, "phoneNumber": {"+22790123456"},
		"networkCode": {"61402"}, "failureReason": {"AbsentSubscriber"}, "retryCount": {"3"}}
	for _, tc := range []struct {
		name string
		form url.Values
		want DeliveryReport
		err  string // a part of the error, "" for none
	}{
		{"all fields", full, DeliveryReport{ProviderID: "ATXid_1", Delivery: Undelivered, Status: "Failed",
			Phone: "+22790123456", Network: "61402", FailureReason: "AbsentSubscriber", RetryCount: 3}, ""},
		{"delivered", url.Values{"id": {"ATXid_2"}, "status": {"Success"}}, DeliveryReport{ProviderID: "ATXid_2", Delivery: Delivered, Status: "Success"}, ""},
		{"buffered", url.Values{"id": {"ATXid_3"}, "status": {"Buffered"}}, DeliveryReport{ProviderID: "ATXid_3", Delivery: InTransit, Status: "Buffered"}, ""},
		{"expired", url.Values{"id": {"ATXid_4"}, "status": {"Expired"}}, DeliveryReport{ProviderID: "ATXid_4", Delivery: Undelivered, Status: "Expired"}, ""},
		{"no id", url.Values{"status": {"Success"}}, DeliveryReport{}, "field id: missing"},
		{"no status", url.Values{"id": {"x"}}, DeliveryReport{}, "field status: missing"},
		{"unknown status", url.Values{"id": {"x"}, "status": {"Delivered"}}, DeliveryReport{}, "field status: \"Delivered\" is not one of"},
		{"status in lower case", url.Values{"id": {"x"}, "status": {"success"}}, DeliveryReport{}, "field status"},
		{"id twice", url.Values{"id": {"a", "b"}, "status": {"Success"}}, DeliveryReport{}, "field id: given 2 times"},
		{"negative retryCount", url.Values{"id": {"x"}, "status": {"Success"}, "retryCount": {"-1"}}, DeliveryReport{}, "field retryCount"},
		{"retryCount not a number", url.Values{"id": {"x"}, "status": {"Success"}, "retryCount": {"three"}}, DeliveryReport{}, "field retryCount"},
		{"control character", url.Values{"id": {"x\x00y"}, "status": {"Success"}}, DeliveryReport{}, "field id: not printable"},
		{"id too long", url.Values{"id": {strings.Repeat("x", 129)}, "status": {"Success"}}, DeliveryReport{}, "field id: 129 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseATDeliveryReport(tc.form)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseATDeliveryReport = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("ParseATDeliveryReport error = %v, want Invalid containing %q", err, tc.err)
			}
		})
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
