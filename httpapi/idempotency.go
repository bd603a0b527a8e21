package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/sqlstore"
)

// Idempotency keys, after Stripe's and the IETF's draft
// (draft-ietf-httpapi-idempotency-key-header). Every POST under /api/v1
// that changes data (all but login and logout) requires an Idempotency-Key
// header, 1 to 200 printable ASCII characters, chosen by the client (a
// UUID) and scoped to the logged-in user. The server keeps, per user and
// key, the SHA-256 of the request (method, path, body) and, once it has
// run, its response (status, content type, body):
//
//   - the first request under a key runs;
//   - the same request again gets the stored response byte for byte, with
//     the header Idempotent-Replayed: true, and nothing runs twice;
//   - another request under the same key is refused with 422 (code
//     conflict): a client bug, not to be retried;
//   - the same request while the first still runs is refused with 409
//     (code conflict) and Retry-After: 1;
//   - 2xx and 4xx responses are stored; 5xx responses and panics are not:
//     the key is released and a retry runs again;
//   - keys expire after 24 hours (sqlstore.IdempotencyTTL): a request
//     under an older key runs as new. A key held by a request that never
//     finished (its server died) is released after
//     sqlstore.IdempotencyLease.
//
// Authentication and the query string are checked before the key, so a
// refused login or role is not stored. A replay records no new read in the
// access log: it repeats a response the same user already received.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	maxIdempotencyKey    = 200
)

// idempotencyKey reads and checks the Idempotency-Key header.
func idempotencyKey(r *http.Request) (string, error) {
	values := r.Header.Values(headerIdempotencyKey)
	switch {
	case len(values) == 0 || values[0] == "":
		return "", muster.Errorf(muster.Invalid,
			"this route needs an %s header: a value of your choice (a UUID), the same when you retry the request", headerIdempotencyKey)
	case len(values) > 1:
		return "", muster.Errorf(muster.Invalid, "the %s header is given %d times; give it once", headerIdempotencyKey, len(values))
	}
	key := values[0]
	if len(key) > maxIdempotencyKey {
		return "", muster.Errorf(muster.Invalid, "the %s header is longer than %d characters", headerIdempotencyKey, maxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", muster.Errorf(muster.Invalid, "the %s header must be printable ASCII", headerIdempotencyKey)
		}
	}
	return key, nil
}

// requestHash is what makes two requests the same request.
func requestHash(r *http.Request, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.EscapedPath()))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

// serveIdempotent runs an idempotent route for an authenticated caller.
func (s *Server) serveIdempotent(w http.ResponseWriter, r *http.Request, rt route, c *caller) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return jsonError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	stored, err := s.store.BeginIdempotent(r.Context(), c.user.ID, key, requestHash(r, body))
	switch {
	case errors.Is(err, sqlstore.ErrIdempotencyKeyReused):
		// 422 as the IETF draft says; the body is the usual error body.
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{errorDetail{Code: string(muster.Conflict), Message: muster.ErrorMessage(err)}})
		return nil
	case errors.Is(err, sqlstore.ErrIdempotencyInProgress):
		w.Header().Set("Retry-After", "1")
		return err
	case err != nil:
		return err
	case stored != nil:
		if stored.ContentType != "" {
			w.Header().Set("Content-Type", stored.ContentType)
		}
		w.Header().Set(headerReplayed, "true")
		w.WriteHeader(stored.Status)
		_, err := w.Write(stored.Body)
		return err
	}

	// The key is ours: run the handler into a buffer, store what it
	// answered, then send it. Storing and releasing go on even if the
	// client has gone: the work is done, and its retry must find it.
	ctx := context.WithoutCancel(r.Context())
	finished := false
	defer func() {
		if !finished { // the handler panicked; wrap answers 500
			s.release(ctx, c, key)
		}
	}()
	rec := &recorder{header: http.Header{}}
	if err := rt.handle(rec, r, c); err != nil {
		s.writeError(rec, r, rt.Pattern, err)
	}
	finished = true
	status := rec.code()
	if status >= 500 {
		s.release(ctx, c, key)
	} else if err := s.store.FinishIdempotent(ctx, c.user.ID, key, status, rec.header.Get("Content-Type"), rec.body.Bytes()); err != nil {
		// The work is done: answer it all the same. A retry will be told
		// the request is running until the lease ends.
		s.log.ErrorContext(r.Context(), "storing an idempotent response", "route", rt.Pattern, "err", err)
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, err = w.Write(rec.body.Bytes())
	return err
}

func (s *Server) release(ctx context.Context, c *caller, key string) {
	if err := s.store.AbandonIdempotent(ctx, c.user.ID, key); err != nil {
		s.log.ErrorContext(ctx, "releasing an idempotency key", "err", err)
	}
}

// recorder is the response a handler writes, held until it is stored.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *recorder) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// idempotencyHeader documents the header in the OpenAPI document.
func idempotencyHeader() obj {
	return obj{"name": headerIdempotencyKey, "in": "header", "required": true,
		"description": "a value of your choice (a UUID), unique per request and the same on its retries; see the API description",
		"schema":      obj{"type": "string", "minLength": 1, "maxLength": maxIdempotencyKey, "pattern": "^[ -~]+$"}}
}

// replayedHeader documents the header of a replayed response.
var replayedHeader = obj{headerReplayed: obj{
	"description": "true when this is the stored response to an earlier request under the same Idempotency-Key",
	"schema":      obj{"type": "string", "enum": []string{"true"}}}}
