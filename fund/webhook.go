package fund

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/muster-org/muster"
)

// The mobile-money webhook's contract (docs/FUND.md): a provider POSTs a
// Notification as JSON and signs the exact bytes it sends with HMAC-SHA256
// under a secret it shares with the fund, in the header
//
//	X-Muster-Signature: sha256=<64 lowercase hex digits>
//
// A notification is identified by the provider's transaction id: sending
// it again is a retry and records nothing new.

// SignatureHeader is the header that carries a notification's signature.
const SignatureHeader = "X-Muster-Signature"

const signaturePrefix = "sha256="

// MinSecretLen is the shortest shared secret accepted: 32 bytes, the
// strength of the hash.
const MinSecretLen = 32

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// Secrets are the webhook secrets by provider. A provider may have several
// while it rotates its secret: any of them verifies.
type Secrets map[string][][]byte

// Verify reports whether header is a signature of body under one of the
// provider's secrets. Each comparison takes constant time, so that timing
// tells nothing of a secret.
func (s Secrets) Verify(provider string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil || len(sig) != sha256.Size {
		return false
	}
	valid := false
	for _, secret := range s[provider] {
		m := hmac.New(sha256.New, secret)
		m.Write(body)
		if hmac.Equal(m.Sum(nil), sig) {
			valid = true
		}
	}
	return valid
}

// ParseSecrets reads a secrets file: one "provider secret" pair per line,
// separated by spaces or tabs; blank lines and lines starting with '#' are
// skipped. A provider is a programme-style slug (orange-money); a secret is
// at least MinSecretLen bytes of printable ASCII without spaces, used as
// its bytes. name is the file's name, for errors (which never quote a
// secret). Errors are muster.Invalid and name the line.
func ParseSecrets(r io.Reader, name string) (Secrets, error) {
	out := Secrets{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, muster.Errorf(muster.Invalid, "%s:%d: want \"provider secret\", found %d fields", name, line, len(fields))
		}
		provider, secret := fields[0], fields[1]
		if !ValidSlug(provider) {
			return nil, muster.Errorf(muster.Invalid, "%s:%d: provider %q: want lowercase letters, digits, '_' or '-', starting with a letter", name, line, provider)
		}
		if len(secret) < MinSecretLen {
			return nil, muster.Errorf(muster.Invalid, "%s:%d: the secret of %s is %d bytes; use at least %d random bytes", name, line, provider, len(secret), MinSecretLen)
		}
		for i := 0; i < len(secret); i++ {
			if secret[i] <= ' ' || secret[i] > '~' {
				return nil, muster.Errorf(muster.Invalid, "%s:%d: the secret of %s must be printable ASCII", name, line, provider)
			}
		}
		for _, s := range out[provider] {
			if string(s) == secret {
				return nil, muster.Errorf(muster.Invalid, "%s:%d: the same secret of %s is given twice", name, line, provider)
			}
		}
		out[provider] = append(out[provider], []byte(secret))
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, muster.Errorf(muster.Invalid, "%s:%d: line longer than 4096 bytes", name, line+1)
		}
		return nil, muster.Wrap(muster.Invalid, err, "%s", name)
	}
	return out, nil
}

// Notification is the body of a provider's webhook call: one completed
// collection into the fund's wallet. It has no field for the payer's
// phone number, on purpose, and a body with any field not listed here is
// refused, so that one cannot be sent by mistake.
type Notification struct {
	TransactionID string `json:"transaction_id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	CompletedAt   string `json:"completed_at"`
	// ContributorName is present only if the contributor chose to be
	// named on the public report.
	ContributorName string `json:"contributor_name,omitempty"`
}

// MaxNotificationBytes bounds a notification body.
const MaxNotificationBytes = 4096

// ParseNotification reads a notification from provider and returns the
// contribution it records. Errors are muster.Invalid and name the field;
// now bounds the completion time, which may not be more than a day ahead
// (clocks differ, but not by days).
func ParseNotification(provider string, body []byte, now time.Time) (Contribution, error) {
	if len(body) > MaxNotificationBytes {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: body is larger than %d bytes", MaxNotificationBytes)
	}
	var n Notification
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		return Contribution{}, notificationJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: more after the JSON object")
	}
	if n.TransactionID == "" {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: transaction_id is required")
	}
	if !ValidKey(n.TransactionID) {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: transaction_id must be 1 to %d letters, digits, '.', '_' or '-'", MaxKeyLen)
	}
	if n.Amount <= 0 {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: amount must be a positive whole number of %s", Currency)
	}
	if n.Currency != Currency {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: currency %q is not %s", n.Currency, Currency)
	}
	at, err := time.Parse(time.RFC3339Nano, n.CompletedAt)
	if err != nil {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: completed_at %q is not an RFC 3339 time", n.CompletedAt)
	}
	if at.Year() < 2000 || at.After(now.Add(24*time.Hour)) {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: completed_at %s is out of range (after 2000, at most a day ahead)", n.CompletedAt)
	}
	c := Contribution{Channel: MobileMoney, Amount: n.Amount, At: at.UTC(), Provider: provider, ProviderTx: n.TransactionID,
		Contributor: strings.TrimSpace(n.ContributorName)}
	if n.ContributorName != "" && c.Contributor == "" {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: contributor_name is blank; leave it out for an anonymous contribution")
	}
	if err := c.Validate(); err != nil {
		return Contribution{}, muster.Errorf(muster.Invalid, "notification: %s", muster.ErrorMessage(err))
	}
	return c, nil
}

func notificationJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return muster.Errorf(muster.Invalid, "notification: body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return muster.Errorf(muster.Invalid, "notification: truncated JSON")
	case errors.As(err, &syntax):
		return muster.Errorf(muster.Invalid, "notification: malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return muster.Errorf(muster.Invalid, "notification: body must be a JSON object")
		}
		return muster.Errorf(muster.Invalid, "notification: field %s has the wrong type (%s)", typ.Field, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return muster.Errorf(muster.Invalid, "notification: unknown field %s (no other fields are accepted; never send a phone number)",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return muster.Errorf(muster.Invalid, "notification: %s", fmt.Sprint(err))
}
