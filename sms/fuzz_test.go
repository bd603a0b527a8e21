package sms

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParseATDeliveryReport: any callback body either parses to a report
// with an ID and a known delivery, or is an Invalid error; never a panic.
func FuzzParseATDeliveryReport(f *testing.F) {
	f.Add("id=ATXid_1&status=Success&phoneNumber=%2B22790123456&networkCode=61402&retryCount=0")
	f.Add("id=ATXid_2&status=Failed&failureReason=AbsentSubscriber&retryCount=3")
	f.Add("id=a&id=b&status=Sent")
	f.Add("status=Buffered")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r, err := ParseATDeliveryReport(form)
		if err != nil {
			return
		}
		if r.ProviderID == "" || r.Delivery.Rank() == 0 || r.RetryCount < 0 {
			t.Fatalf("accepted %q as %+v", body, r)
		}
	})
}

// FuzzParseCourierStatus: a report's ProviderID is always the canonical
// decimal of a positive ID, as Courier.Send returns it.
func FuzzParseCourierStatus(f *testing.F) {
	f.Add("delivered", "id=42")
	f.Add("FAILED", "id=0042")
	f.Add("sent", "id=-1")
	f.Add("stopped", "from=%2B22790123456")
	f.Fuzz(func(t *testing.T, action, query string) {
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r, err := ParseCourierStatus(action, form)
		if err != nil {
			return
		}
		var id int64
		if json.Unmarshal([]byte(r.ProviderID), &id) != nil || id < 1 || itoa(id) != r.ProviderID || r.Delivery.Rank() == 0 {
			t.Fatalf("ParseCourierStatus(%q, %q) = %+v", action, query, r)
		}
	})
}

// FuzzATAnswer: any 2xx answer gives an ID or an error, never a panic,
// and an ID only for an accepted status.
func FuzzATAnswer(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "at", "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		id, err := parseATAnswer(body)
		if err != nil && id != "" {
			t.Fatalf("parseATAnswer gave both %q and %v", id, err)
		}
	})
}

// FuzzCourierFill: whatever the text, a JSON template filled in is JSON
// that gives the text back, and a form body gives it back too; a text
// holding a {{variable}} is never expanded.
func FuzzCourierFill(f *testing.F) {
	f.Add("Ordre 7KQ2 : vérifiez")
	f.Add(`{{to}} "quoted" & <tag> 'single'`)
	f.Add("\x00\n\t\\u0000")
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // outbox texts are UTF-8; JSON would replace invalid bytes
		}
		c := &Courier{From: "+22720000000"}
		m := Message{ID: 7, To: "+22790123456", Text: text}
		var got struct{ Text, To, ID string }
		body := c.fill(`{"text":{{text}},"to":"{{to}}","id":'{{id}}'}`, m, "json")
		if err := json.Unmarshal([]byte(body), &got); err != nil || got.Text != text || got.To != m.To || got.ID != "7" {
			t.Fatalf("JSON body %s decodes to %+v, %v", body, got, err)
		}
		form, err := url.ParseQuery(c.fill(CourierDefaultBody, m, "urlencoded"))
		if err != nil || form.Get("text") != text || form.Get("to") != m.To || form.Get("from") != c.From {
			t.Fatalf("form body for %q decodes to %v, %v", text, form, err)
		}
	})
}
