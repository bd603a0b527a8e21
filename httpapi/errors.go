package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/muster-org/muster"
)

// Error codes that are HTTP concerns rather than domain kinds: error
// bodies carry them as "code" beside the muster.Kind values.
const (
	CodeRateLimited      = "rate_limited"       // the client sent too many requests (429)
	CodeMethodNotAllowed = "method_not_allowed" // the path exists under other methods (405)
)

// errorCodes lists every code an error body may carry, for the OpenAPI
// document.
var errorCodes = []string{
	string(muster.Invalid), string(muster.NotFound), string(muster.Conflict),
	string(muster.Unauthorized), string(muster.Forbidden), string(muster.Internal),
	CodeRateLimited, CodeMethodNotAllowed,
}

// statusOf maps an error kind to its HTTP status. It is the one place that
// mapping lives.
func statusOf(kind muster.Kind) int {
	switch kind {
	case muster.Invalid:
		return http.StatusBadRequest
	case muster.NotFound:
		return http.StatusNotFound
	case muster.Conflict:
		return http.StatusConflict
	case muster.Unauthorized:
		return http.StatusUnauthorized
	case muster.Forbidden:
		return http.StatusForbidden
	default:
		return http.StatusInternalServerError
	}
}

// rateLimitedError refuses a request until RetryAfter has passed.
type rateLimitedError struct{ RetryAfter time.Duration }

func (e *rateLimitedError) Error() string {
	return fmt.Sprintf("too many attempts; try again in %d seconds", retrySeconds(e.RetryAfter))
}

func retrySeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

var (
	errNoRoute = muster.Errorf(muster.NotFound, "no such route; see /api/v1/openapi.json")
	errPanic   = muster.Errorf(muster.Internal, "handler panicked")
)

// methodNotAllowedError answers 405; the route exists under other methods.
type methodNotAllowedError struct{ method string }

func (e *methodNotAllowedError) Error() string {
	return fmt.Sprintf("method %s is not allowed here; see the Allow header", e.method)
}

func errMethodNotAllowed(method string) error {
	return &methodNotAllowedError{method: metricMethod(method)}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError writes err as a JSON error body. Internal errors are logged
// with their detail and reach the caller as a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, route string, err error) {
	var (
		status        int
		code, message string
		limited       *rateLimitedError
		notAllowed    *methodNotAllowedError
	)
	switch {
	case errors.As(err, &limited):
		status, code, message = http.StatusTooManyRequests, CodeRateLimited, limited.Error()
		w.Header().Set("Retry-After", strconv.FormatInt(retrySeconds(limited.RetryAfter), 10))
	case errors.As(err, &notAllowed):
		status, code, message = http.StatusMethodNotAllowed, CodeMethodNotAllowed, notAllowed.Error()
	default:
		kind := muster.ErrorKind(err)
		status, code, message = statusOf(kind), string(kind), muster.ErrorMessage(err)
		if kind == muster.Internal {
			s.log.ErrorContext(r.Context(), "internal error", "route", route, "err", err)
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="muster"`)
	}
	writeJSON(w, status, errorBody{errorDetail{Code: code, Message: message}})
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unmarshalable type) gets here.
		b, status = []byte(`{"error":{"code":"internal","message":"internal error"}}`), http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
