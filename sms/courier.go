package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/muster-org/muster"
)

// CourierDefaultBody is the body courier's external channel sends when
// none is configured.
const CourierDefaultBody = "id={{id}}&text={{text}}&to={{to}}&to_no_plus={{to_no_plus}}&from={{from}}&from_no_plus={{from_no_plus}}&channel={{channel}}"

// courierContentTypes maps courier's content type names to MIME types.
var courierContentTypes = map[string]string{
	"urlencoded": "application/x-www-form-urlencoded",
	"json":       "application/json",
	"xml":        "text/xml; charset=utf-8",
}

// courierVariables are the template variables courier's external channel
// knows and muster fills.
var courierVariables = []string{"id", "text", "to", "to_no_plus", "from", "from_no_plus", "channel"}

// Courier sends the way RapidPro/courier's "External API" channel (EX)
// does, so that any SMS gateway built for RapidPro works with muster: a
// request to SendURL with the message in {{variables}}: {{id}} (the
// message's outbox ID, its client reference), {{text}}, {{to}},
// {{to_no_plus}}, {{from}}, {{from_no_plus}} and {{channel}}. Variables
// in SendURL are URL-encoded; in Body they are encoded for ContentType
// (json: a JSON string, quotes included, so "{{text}}" and {{text}} both
// give valid JSON; xml: escaped; a literal MIME type: as is). Templates
// are filled in one pass, so a text holding "{{to}}" stays as written.
//
// The gateway reports back on courier's status URLs,
// /c/ex/{channel}/sent|delivered|failed?id={{id}}: see
// ParseCourierStatus. Unlike courier, muster does not split long texts
// into 160-character parts: the gateway does, or the network does.
// Courier is safe for concurrent use.
type Courier struct {
	SendURL     string            // required; may hold variables
	Method      string            // GET, POST or PUT; "" → POST
	Body        string            // for POST and PUT; "" → CourierDefaultBody
	ContentType string            // urlencoded, json, xml or a MIME type; "" → urlencoded
	From        string            // the channel's address, {{from}}
	Channel     string            // the channel's UUID, {{channel}}
	Headers     map[string]string // set on every request (Authorization ...)
	// ResponseCheck, if set, is text that a 2xx answer must contain for
	// the message to count as sent (courier's mt_response_check); an
	// answer without it is a temporary error.
	ResponseCheck string
	HTTPClient    *http.Client
}

// Validate checks the settings: the method, that the templates use known
// variables only, that SendURL filled in is an absolute http or https URL
// and, for JSON, that Body filled in is JSON.
func (c *Courier) Validate() error {
	const who = "courier"
	method, body, ctype := c.settings()
	if method != http.MethodGet && method != http.MethodPost && method != http.MethodPut {
		return muster.Errorf(muster.Invalid, "%s: field Method: %q is not GET, POST or PUT", who, c.Method)
	}
	if c.SendURL == "" {
		return muster.Errorf(muster.Invalid, "%s: field SendURL is required", who)
	}
	for field, tmpl := range map[string]string{"SendURL": c.SendURL, "Body": body} {
		for _, m := range courierPlaceholder.FindAllStringSubmatch(tmpl, -1) {
			if name := placeholderName(m); !knownVariable(name) {
				return muster.Errorf(muster.Invalid, "%s: field %s: unknown variable {{%s}}; known: %s", who, field, name, strings.Join(courierVariables, ", "))
			}
		}
	}
	sample := Message{ID: 1, To: "+22790000000", Text: `a "sample" & <text>`}
	if err := checkBaseURL(c.fill(c.SendURL, sample, "urlencoded"), "SendURL"); err != nil {
		return muster.Wrap(muster.Invalid, err, "%s", who)
	}
	if method != http.MethodGet && ctype == "json" && !json.Valid([]byte(c.fill(body, sample, ctype))) {
		return muster.Errorf(muster.Invalid, "%s: field Body: not JSON once its variables are filled in", who)
	}
	return nil
}

// Send implements Provider. The returned ID is the message's outbox ID in
// decimal: the gateway names it in its status callbacks.
func (c *Courier) Send(ctx context.Context, m Message) (string, error) {
	const who = "courier"
	method, body, ctype := c.settings()
	var reader io.Reader
	if method == http.MethodPost || method == http.MethodPut {
		reader = strings.NewReader(c.fill(body, m, ctype))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.fill(c.SendURL, m, "urlencoded"), reader)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds the number and the text
		}
		return "", Permanent(muster.Wrap(muster.Invalid, err, "%s: field SendURL", who))
	}
	if reader != nil {
		req.Header.Set("Content-Type", cmpOrString(courierContentTypes[ctype], ctype))
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, answer, err := exchange(c.HTTPClient, req, who)
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", statusError(resp, answer, who, m.To, m.Text)
	}
	if c.ResponseCheck != "" && !bytes.Contains(answer, []byte(c.ResponseCheck)) {
		return "", muster.Errorf(muster.Internal, "%s: HTTP %d without the expected %q: %s", who, resp.StatusCode, c.ResponseCheck, quoteAnswer(answer, m.To, m.Text))
	}
	return strconv.FormatInt(m.ID, 10), nil
}

// settings returns the method, body template and content type with their
// defaults.
func (c *Courier) settings() (method, body, ctype string) {
	return strings.ToUpper(cmpOrString(c.Method, http.MethodPost)), cmpOrString(c.Body, CourierDefaultBody), cmpOrString(c.ContentType, "urlencoded")
}

// courierPlaceholder matches a variable, with the quotes around it if
// any: courier replaces "{{x}}" and '{{x}}' whole, so that a JSON
// template may quote its variables or not.
var courierPlaceholder = regexp.MustCompile(`"\{\{([^{}]*)\}\}"|'\{\{([^{}]*)\}\}'|\{\{([^{}]*)\}\}`)

func placeholderName(m []string) string {
	return m[1] + m[2] + m[3] // only one group matched
}

func knownVariable(name string) bool {
	for _, v := range courierVariables {
		if v == name {
			return true
		}
	}
	return false
}

// fill replaces the variables of tmpl with m's values encoded for ctype.
// Unknown variables, which Validate rejects, are left as written.
func (c *Courier) fill(tmpl string, m Message, ctype string) string {
	values := map[string]string{
		"id":           strconv.FormatInt(m.ID, 10),
		"text":         m.Text,
		"to":           m.To,
		"to_no_plus":   strings.TrimPrefix(m.To, "+"),
		"from":         c.From,
		"from_no_plus": strings.TrimPrefix(c.From, "+"),
		"channel":      c.Channel,
	}
	return courierPlaceholder.ReplaceAllStringFunc(tmpl, func(match string) string {
		name := placeholderName(courierPlaceholder.FindStringSubmatch(match))
		v, ok := values[name]
		if !ok {
			return match
		}
		return encodeVariable(v, ctype)
	})
}

// encodeVariable encodes v for a template of content type ctype.
func encodeVariable(v, ctype string) string {
	switch ctype {
	case "urlencoded":
		return url.QueryEscape(v)
	case "json":
		b, _ := json.Marshal(v) // a string always marshals
		return string(b)
	case "xml":
		var b strings.Builder
		xml.EscapeText(&b, []byte(v)) // writes to a Builder never fail
		return b.String()
	}
	return v
}

// courierStatuses maps courier's status URL actions onto Delivery.
var courierStatuses = map[string]Delivery{
	"sent":      InTransit,
	"delivered": Delivered,
	"failed":    Undelivered,
}

// ParseCourierStatus decodes a gateway's status callback in courier's
// external channel convention, /c/ex/{channel}/{action}?id={id} by GET or
// POST: action is the last path segment (sent, delivered or failed, in
// any case) and form the request's form, query and body merged, which
// must hold id, the message's outbox ID that Courier sent as {{id}}. The
// report's ProviderID is that ID in canonical decimal, as Courier.Send
// returned it. Anything else is an Invalid error naming the field.
func ParseCourierStatus(action string, form url.Values) (DeliveryReport, error) {
	const who = "courier status"
	d, ok := courierStatuses[strings.ToLower(action)]
	if !ok {
		return DeliveryReport{}, muster.Errorf(muster.Invalid, "%s: action %q is not sent, delivered or failed", who, clip(action, 32))
	}
	f := formReader{form: form, who: who}
	s := f.get("id", true, 20)
	if f.err != nil {
		return DeliveryReport{}, f.err
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return DeliveryReport{}, muster.Errorf(muster.Invalid, "%s: field id: %q is not a message ID (a positive whole number)", who, s)
	}
	return DeliveryReport{ProviderID: strconv.FormatInt(id, 10), Delivery: d, Status: strings.ToLower(action)}, nil
}
