package sms

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

// capture is what a test gateway saw of one request.
type capture struct {
	method, query, body, contentType, auth string
}

func TestCourierTemplating(t *testing.T) {
	msg := Message{ID: 42, To: "+22790123456", Text: `Ordre 7KQ2 & "vérifiez" <ici> {{to}}`}
	for _, tc := range []struct {
		name string
		c    Courier // SendURL is relative to the test server
		want capture
	}{
		{"GET with the message in the URL",
			Courier{SendURL: "/send?to={{to_no_plus}}&text={{text}}&ref={{id}}", Method: "get"},
			capture{method: "GET", query: "to=22790123456&text=Ordre+7KQ2+%26+%22v%C3%A9rifiez%22+%3Cici%3E+%7B%7Bto%7D%7D&ref=42"}},
		{"POST with courier's default body",
			Courier{SendURL: "/send", From: "+22720000000", Channel: "8c5e0d1f-7d42-4a55-9e55-3c0f6a2f9b11"},
			capture{method: "POST", contentType: "application/x-www-form-urlencoded",
				body: "id=42&text=Ordre+7KQ2+%26+%22v%C3%A9rifiez%22+%3Cici%3E+%7B%7Bto%7D%7D&to=%2B22790123456&to_no_plus=22790123456" +
					"&from=%2B22720000000&from_no_plus=22720000000&channel=8c5e0d1f-7d42-4a55-9e55-3c0f6a2f9b11"}},
		{"PUT JSON, variables quoted or not",
			Courier{SendURL: "/send/{{id}}", Method: "PUT", ContentType: "json", Body: `{"to":"{{to}}","text":{{text}},"ref":'{{id}}'}`,
				Headers: map[string]string{"Authorization": "Token abc"}},
			capture{method: "PUT", contentType: "application/json", auth: "Token abc",
				body: `{"to":"+22790123456","text":"Ordre 7KQ2 \u0026 \"vérifiez\" \u003cici\u003e {{to}}","ref":"42"}`}},
		{"XML",
			Courier{SendURL: "/send", ContentType: "xml", Body: `<sms><to>{{to}}</to><text>{{text}}</text></sms>`},
			capture{method: "POST", contentType: "text/xml; charset=utf-8",
				body: `<sms><to>+22790123456</to><text>Ordre 7KQ2 &amp; &#34;vérifiez&#34; &lt;ici&gt; {{to}}</text></sms>`}},
		{"a literal MIME type takes values as they are",
			Courier{SendURL: "/send", ContentType: "text/plain", Body: "{{to}}: {{text}}"},
			capture{method: "POST", contentType: "text/plain",
				body: `+22790123456: Ordre 7KQ2 & "vérifiez" <ici> {{to}}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got capture
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = capture{method: r.Method, query: r.URL.RawQuery, body: string(b),
					contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization")}
				if strings.HasPrefix(r.URL.Path, "/send/") && r.URL.Path != "/send/42" {
					t.Errorf("path %s, want /send/42", r.URL.Path)
				}
				w.Write([]byte("ok"))
			}))
			defer srv.Close()
			c := tc.c
			c.SendURL = srv.URL + c.SendURL
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			id, err := c.Send(context.Background(), msg)
			if err != nil || id != "42" {
				t.Fatalf("Send = %q, %v; want the outbox ID 42", id, err)
			}
			if got != tc.want {
				t.Errorf("gateway saw\n%+v\nwant\n%+v", got, tc.want)
			}
			if tc.want.contentType == "application/json" && !json.Valid([]byte(got.body)) {
				t.Errorf("body %s is not JSON", got.body)
			}
		})
	}
}

func TestCourierAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		answer    string
		check     string
		wantErr   bool
		permanent bool
	}{
		{"accepted", 200, `{"status":"queued"}`, "", false, false},
		{"accepted with the expected text", 202, `{"status":"queued"}`, "queued", false, false},
		{"2xx without the expected text", 200, `{"status":"error"}`, "queued", true, false},
		{"server error", 502, "bad gateway", "", true, false},
		{"rate limited", 429, "", "", true, false},
		{"credentials rejected", 401, "", "", true, true},
		{"request rejected", 422, "bad number", "", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.answer))
			}))
			defer srv.Close()
			c := &Courier{SendURL: srv.URL, ResponseCheck: tc.check}
			_, err := c.Send(context.Background(), testMessage)
			if (err != nil) != tc.wantErr || IsPermanent(err) != tc.permanent {
				t.Fatalf("Send error = %v (permanent %v); want error %v, permanent %v", err, IsPermanent(err), tc.wantErr, tc.permanent)
			}
		})
	}
}

// TestCourierTransportErrorHidesURL: a GET send's URL holds the number and
// the text; a network error must not carry it into the outbox.
func TestCourierTransportErrorHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens any more
	c := &Courier{SendURL: base + "/send?to={{to}}&text={{text}}", Method: "GET"}
	_, err := c.Send(context.Background(), testMessage)
	if err == nil || IsPermanent(err) {
		t.Fatalf("Send to a closed server = %v, want a temporary error", err)
	}
	for _, secret := range []string{url.QueryEscape(testMessage.To), url.QueryEscape(testMessage.Text), "22790123456"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q holds %q", err, secret)
		}
	}
}

func TestCourierValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Courier
		want string // "" for valid
	}{
		{"defaults", Courier{SendURL: "https://gw.example/send"}, ""},
		{"variables in the host's path", Courier{SendURL: "https://gw.example/{{channel}}/send?id={{id}}", Method: "GET"}, ""},
		{"no URL", Courier{}, "SendURL is required"},
		{"relative URL", Courier{SendURL: "gw.example/send"}, "SendURL"},
		{"URL is all variable", Courier{SendURL: "{{text}}"}, "SendURL"},
		{"DELETE", Courier{SendURL: "https://gw.example/send", Method: "DELETE"}, `field Method: "DELETE"`},
		{"unknown variable in the URL", Courier{SendURL: "https://gw.example/send?x={{phone}}"}, "field SendURL: unknown variable {{phone}}"},
		{"unknown variable in the body", Courier{SendURL: "https://gw.example/send", Body: "t={{txt}}"}, "field Body: unknown variable {{txt}}"},
		{"body not JSON", Courier{SendURL: "https://gw.example/send", ContentType: "json", Body: `{"text": {{text}}`}, "field Body: not JSON"},
		{"JSON body ignored by GET", Courier{SendURL: "https://gw.example/send", Method: "GET", ContentType: "json", Body: `{`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if err != nil && muster.ErrorKind(err) != muster.Invalid {
				t.Errorf("kind %s, want invalid", muster.ErrorKind(err))
			}
		})
	}
}

func TestParseCourierStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action string
		form   url.Values
		want   DeliveryReport
		err    string
	}{
		{"delivered", "delivered", url.Values{"id": {"42"}}, DeliveryReport{ProviderID: "42", Delivery: Delivered, Status: "delivered"}, ""},
		{"sent, upper case", "SENT", url.Values{"id": {"42"}}, DeliveryReport{ProviderID: "42", Delivery: InTransit, Status: "sent"}, ""},
		{"failed, id with leading zeros", "failed", url.Values{"id": {"0042"}}, DeliveryReport{ProviderID: "42", Delivery: Undelivered, Status: "failed"}, ""},
		{"unknown action", "read", url.Values{"id": {"42"}}, DeliveryReport{}, `action "read"`},
		{"stopped is not a status", "stopped", url.Values{"from": {"+22790123456"}}, DeliveryReport{}, "action"},
		{"no id", "sent", url.Values{}, DeliveryReport{}, "field id: missing"},
		{"id not a number", "sent", url.Values{"id": {"ATXid_1"}}, DeliveryReport{}, "field id: \"ATXid_1\" is not a message ID"},
		{"id zero", "sent", url.Values{"id": {"0"}}, DeliveryReport{}, "field id"},
		{"id negative", "sent", url.Values{"id": {"-4"}}, DeliveryReport{}, "field id"},
		{"id overflows", "sent", url.Values{"id": {"99999999999999999999"}}, DeliveryReport{}, "field id"},
		{"id twice", "sent", url.Values{"id": {"1", "2"}}, DeliveryReport{}, "given 2 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCourierStatus(tc.action, tc.form)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseCourierStatus = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || muster.ErrorKind(err) != muster.Invalid {
				t.Fatalf("ParseCourierStatus error = %v, want Invalid containing %q", err, tc.err)
			}
		})
	}
}
