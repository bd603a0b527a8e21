package sms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/muster-org/muster"
)

// The Africa's Talking API hosts. The sandbox takes the username
// "sandbox" and delivers only to its simulator.
const (
	ATProduction = "https://api.africastalking.com"
	ATSandbox    = "https://api.sandbox.africastalking.com"
)

// AfricasTalking sends through Africa's Talking's bulk SMS API: a form
// POST to {BaseURL}/version1/messaging, one recipient per request. The
// API takes no client reference, so a message whose send failed
// ambiguously (a timeout after the request went out) can reach the
// citizen twice; see the package documentation. It is safe for
// concurrent use.
type AfricasTalking struct {
	BaseURL    string // ATProduction, ATSandbox or a test server; "" → ATProduction
	Username   string // the application's username ("sandbox" in the sandbox)
	APIKey     string // sent in the apiKey header, never logged
	From       string // an approved sender ID or short code; "" → the account's default
	Enqueue    bool   // ask the API to queue the message and answer at once (for large waves)
	HTTPClient *http.Client
}

// Validate checks the settings; the worker calls it before it starts.
func (a *AfricasTalking) Validate() error {
	if a.Username == "" || a.APIKey == "" {
		return muster.Errorf(muster.Invalid, "africastalking: fields Username and APIKey are required")
	}
	base := cmpOrString(a.BaseURL, ATProduction)
	if err := checkBaseURL(base, "BaseURL"); err != nil {
		return muster.Wrap(muster.Invalid, err, "africastalking")
	}
	if a.Username == "sandbox" && strings.TrimRight(base, "/") == ATProduction {
		return muster.Errorf(muster.Invalid, "africastalking: the username sandbox works only with BaseURL %s", ATSandbox)
	}
	return nil
}

// Send implements Provider. The returned ID is Africa's Talking's
// messageId ("ATXid_..."), which its delivery reports name.
func (a *AfricasTalking) Send(ctx context.Context, m Message) (string, error) {
	const who = "africastalking"
	form := url.Values{"username": {a.Username}, "to": {m.To}, "message": {m.Text}}
	if a.From != "" {
		form.Set("from", a.From)
	}
	if a.Enqueue {
		form.Set("enqueue", "1")
	}
	endpoint := strings.TrimRight(cmpOrString(a.BaseURL, ATProduction), "/") + "/version1/messaging"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", Permanent(muster.Wrap(muster.Invalid, err, "%s: field BaseURL", who))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("apiKey", a.APIKey)
	resp, body, err := exchange(a.HTTPClient, req, who)
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", statusError(resp, body, who, m.To, m.Text, a.APIKey)
	}
	id, err := parseATAnswer(body, m.To, m.Text)
	if err != nil {
		return "", muster.Wrap(muster.ErrorKind(err), err, "%s: %s", who, m)
	}
	return id, nil
}

// atAnswer is the JSON answer of the send API.
type atAnswer struct {
	SMSMessageData struct {
		Message    string        `json:"Message"` // "Sent to 1/1 Total Cost: ...", or why nothing was sent
		Recipients []atRecipient `json:"Recipients"`
	} `json:"SMSMessageData"`
}

type atRecipient struct {
	StatusCode int    `json:"statusCode"`
	Number     string `json:"number"`
	Status     string `json:"status"`
	Cost       string `json:"cost"`
	MessageID  string `json:"messageId"`
}

// atStatus is the meaning of one of the send API's per-recipient status
// codes.
type atStatus struct {
	name      string
	accepted  bool
	permanent bool
	kind      muster.Kind
}

// atStatuses classifies the send API's status codes. Faults of the
// recipient (invalid, blacklisted, unroutable numbers) are permanent, and
// so are those of our account that need a person to fix them (a sender ID
// not approved, a message held for risk review): the message is
// dead-lettered with the reason and an operator requeues it once fixed.
// InsufficientBalance is temporary: a top-up fixes it without touching
// the message, and a national call-up must not be dead-lettered wholesale
// because the account ran dry overnight; the retries' backoff gives the
// treasurer hours to pay. Unknown codes are temporary too.
var atStatuses = map[int]atStatus{
	100: {name: "Processed", accepted: true},
	101: {name: "Sent", accepted: true},
	102: {name: "Queued", accepted: true},
	401: {name: "RiskHold", permanent: true, kind: muster.Forbidden},
	402: {name: "InvalidSenderId", permanent: true, kind: muster.Invalid},
	403: {name: "InvalidPhoneNumber", permanent: true, kind: muster.Invalid},
	404: {name: "UnsupportedNumberType", permanent: true, kind: muster.Invalid},
	405: {name: "InsufficientBalance", kind: muster.Internal},
	406: {name: "UserInBlacklist", permanent: true, kind: muster.Forbidden},
	407: {name: "CouldNotRoute", permanent: true, kind: muster.Invalid},
	409: {name: "DoNotDisturbRejection", permanent: true, kind: muster.Forbidden},
	500: {name: "InternalServerError", kind: muster.Internal},
	501: {name: "GatewayError", kind: muster.Internal},
	502: {name: "RejectedByGateway", kind: muster.Internal},
}

// parseATAnswer reads the send API's 2xx answer for one recipient and
// returns the messageId, or the classified failure; hide lists what must
// not be quoted from the answer (the number, the text). An answer it
// cannot read is a temporary error: retrying risks a duplicate, not
// retrying risks a lost call-up, and muster prefers the duplicate.
func parseATAnswer(body []byte, hide ...string) (string, error) {
	var a atAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		// The decoder's error quotes no input; the snippet is redacted.
		return "", muster.Errorf(muster.Internal, "unreadable answer (%v): %s", err, quoteAnswer(body, hide...))
	}
	rs := a.SMSMessageData.Recipients
	if len(rs) == 0 {
		// Nothing was sent; Message says why, often as a status name.
		why := a.SMSMessageData.Message
		for _, st := range atStatuses {
			if st.name == why && st.permanent {
				return "", Permanent(muster.Errorf(st.kind, "nothing sent: %s", why))
			}
		}
		return "", muster.Errorf(muster.Internal, "nothing sent: %s", quoteAnswer([]byte(why), hide...))
	}
	r := rs[0] // one recipient per request
	st, known := atStatuses[r.StatusCode]
	switch {
	case st.accepted:
		if r.MessageID == "None" {
			return "", nil // accepted without an ID: sent, though no report can be matched to it
		}
		return r.MessageID, nil
	case !known:
		return "", muster.Errorf(muster.Internal, "recipient status %d (%s) unknown", r.StatusCode, quoteAnswer([]byte(r.Status)))
	case st.permanent:
		return "", Permanent(muster.Errorf(st.kind, "recipient rejected: %s (%d)", st.name, r.StatusCode))
	}
	return "", muster.Errorf(st.kind, "recipient not sent: %s (%d)", st.name, r.StatusCode)
}

// atDeliveries maps the delivery report statuses onto Delivery.
var atDeliveries = map[string]Delivery{
	"Sent":             InTransit,
	"Submitted":        InTransit,
	"Buffered":         InTransit,
	"Success":          Delivered,
	"Rejected":         Undelivered,
	"Failed":           Undelivered,
	"AbsentSubscriber": Undelivered,
	"Expired":          Undelivered,
}

// ParseATDeliveryReport decodes the form of an Africa's Talking delivery
// report callback: id and status are required; phoneNumber, networkCode,
// failureReason and retryCount are kept if present. An unknown status,
// a field given twice, a malformed retryCount or a value too long is an
// Invalid error naming the field. The callback carries no signature, so
// the HTTP handler must only be reachable at a secret URL.
func ParseATDeliveryReport(form url.Values) (DeliveryReport, error) {
	const who = "africastalking delivery report"
	f := formReader{form: form, who: who}
	r := DeliveryReport{
		ProviderID:    f.get("id", true, 128),
		Status:        f.get("status", true, 32),
		Phone:         f.get("phoneNumber", false, 32),
		Network:       f.get("networkCode", false, 16),
		FailureReason: f.get("failureReason", false, 128),
	}
	r.RetryCount = f.count("retryCount", 1000)
	if f.err != nil {
		return DeliveryReport{}, f.err
	}
	d, ok := atDeliveries[r.Status]
	if !ok {
		return DeliveryReport{}, muster.Errorf(muster.Invalid, "%s: field status: %q is not one of Sent, Submitted, Buffered, Rejected, Success, Failed, AbsentSubscriber, Expired", who, r.Status)
	}
	r.Delivery = d
	return r, nil
}

func cmpOrString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
