package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
)

// maxBodyBytes bounds a request body: the API takes small JSON objects only.
const maxBodyBytes = 1 << 20

// decodeJSON reads r's body, one JSON object with no unknown fields, into
// v. Its errors are invalid and say what is wrong in the caller's terms.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return jsonError(err)
		}
		return muster.Errorf(muster.Invalid, "request body has more after its JSON object")
	}
	return nil
}

// jsonError turns a json.Decoder error into an invalid error naming the
// problem.
func jsonError(err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		unknown = "json: unknown field "
	)
	switch {
	case errors.Is(err, io.EOF):
		return muster.Errorf(muster.Invalid, "request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return muster.Errorf(muster.Invalid, "request body is truncated JSON")
	case errors.As(err, &tooBig):
		return muster.Errorf(muster.Invalid, "request body is larger than %d bytes", tooBig.Limit)
	case errors.As(err, &syntax):
		return muster.Errorf(muster.Invalid, "malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return muster.Errorf(muster.Invalid, "request body must be a JSON object, not %s", typ.Value)
		}
		return muster.Errorf(muster.Invalid, "field %s must be %s, not %s", typ.Field, jsonTypeName(typ.Type.Kind()), typ.Value)
	case strings.HasPrefix(err.Error(), unknown):
		return muster.Errorf(muster.Invalid, "unknown field %s in request body", strings.TrimPrefix(err.Error(), unknown))
	}
	return muster.Wrap(muster.Invalid, err, "request body is not valid JSON")
}

func jsonTypeName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a number"
}

// maxLimit is the largest page a caller may ask for; the store clamps to
// the same.
const maxLimit = 1000

// parseLimit reads the limit parameter; absent means the store's default.
func parseLimit(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, muster.Errorf(muster.Invalid, "limit: %q is not a whole number from 1 to %d", s, maxLimit)
	}
	return n, nil
}

// Cursors are opaque to callers: the keyset position of a listing, tagged
// with the listing it belongs to so that a cursor of one collection is
// refused by another rather than silently skipping rows.
var cursorEncoding = base64.RawURLEncoding

func formatCursor(collection string, next int64) string {
	if next == 0 {
		return ""
	}
	return cursorEncoding.EncodeToString([]byte(collection + ":" + strconv.FormatInt(next, 10)))
}

func parseCursor(collection, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	bad := muster.Errorf(muster.Invalid, "after: not a cursor of a previous page of %s", collection)
	b, err := cursorEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	tag, num, ok := strings.Cut(string(b), ":")
	if !ok || tag != collection {
		return 0, bad
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, bad
	}
	return n, nil
}

// parseBool reads a boolean query parameter; absent is nil (no filter).
func parseBool(name, s string) (*bool, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return nil, muster.Errorf(muster.Invalid, "%s: %q is not true or false", name, s)
	}
	return &v, nil
}

// scopeArea checks an area= filter against the caller's jurisdiction: an
// unknown area is invalid, one outside the jurisdiction forbidden.
func (s *Server) scopeArea(ctx context.Context, u auth.User, code string) error {
	if code == "" {
		return nil
	}
	tree, err := s.store.AreaTree(ctx)
	if err != nil {
		return err
	}
	if _, ok := tree.Get(code); !ok {
		return muster.Errorf(muster.Invalid, "area: no area %q", code)
	}
	if !tree.Within(code, u.Area) {
		return muster.Errorf(muster.Forbidden, "area: %s is outside your jurisdiction (%s)", code, u.Area)
	}
	return nil
}
