package sms

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster"
)

// defaultClient serves providers whose HTTPClient is nil. Its timeout is
// a backstop: the worker's SendTimeout normally ends a call first.
var defaultClient = &http.Client{Timeout: 30 * time.Second}

// maxAnswer is how much of a provider's answer is read; a send's answer
// is a few hundred bytes, and a runaway body must not fill memory.
const maxAnswer = 64 << 10

// maxRetryAfter caps a provider's Retry-After, so that a wrong header
// cannot park a message for days.
const maxRetryAfter = time.Hour

// exchange sends req and reads the answer. A transport error is temporary
// and loses the request's URL, which may hold the number and the text
// (courier's GET sends), and the host is all the log needs.
func exchange(client *http.Client, req *http.Request, who string) (*http.Response, []byte, error) {
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, muster.Wrap(muster.Internal, err, "%s: %s %s", who, req.Method, req.URL.Host)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, nil, muster.Wrap(muster.Internal, err, "%s: reading the answer from %s", who, req.URL.Host)
	}
	return resp, body, nil
}

// statusError classifies an answer that is not 2xx. 429, 408 and 5xx are
// temporary, with the provider's Retry-After if it gave one; 401 and 403
// mean our credentials are wrong and other 4xx that our request is, so no
// retry can help. Anything else (a 3xx the client did not follow) is
// taken as temporary: an unknown failure is retried rather than lost.
// hide lists strings (the number, the text) to blank out of the quoted
// answer, which ends up in the outbox's reason column.
func statusError(resp *http.Response, body []byte, who string, hide ...string) error {
	code := resp.StatusCode
	msg := who + ": HTTP " + strconv.Itoa(code)
	if snippet := quoteAnswer(body, hide...); snippet != "" {
		msg += ": " + snippet
	}
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		return RetryAfter(muster.Errorf(muster.Internal, "%s", msg), parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	case code == http.StatusUnauthorized:
		return Permanent(muster.Errorf(muster.Unauthorized, "%s (credentials rejected)", msg))
	case code == http.StatusForbidden:
		return Permanent(muster.Errorf(muster.Forbidden, "%s (not allowed)", msg))
	case code >= 400:
		return Permanent(muster.Errorf(muster.Invalid, "%s (request rejected)", msg))
	}
	return muster.Errorf(muster.Internal, "%s (unexpected answer)", msg)
}

// quoteAnswer returns the start of a provider's answer, quoted, for an
// error message, with the strings in hide blanked out.
func quoteAnswer(body []byte, hide ...string) string {
	s := strings.TrimSpace(string(body))
	for _, h := range hide {
		if h != "" {
			s = strings.ReplaceAll(s, h, "…")
		}
	}
	if s == "" {
		return ""
	}
	const limit = 200
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return strconv.Quote(s)
}

// parseRetryAfter reads an HTTP Retry-After value, seconds or a date,
// capped at maxRetryAfter; 0 if absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// checkBaseURL verifies that u is an absolute http or https URL.
func checkBaseURL(u, field string) error {
	p, err := url.Parse(u)
	if err != nil {
		return muster.Wrap(muster.Invalid, err, "field %s", field)
	}
	if (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return muster.Errorf(muster.Invalid, "field %s: %q is not an absolute http or https URL", field, u)
	}
	return nil
}
