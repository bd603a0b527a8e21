package tlog

import (
	"encoding/hex"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/muster-org/muster"
	"github.com/transparency-dev/merkle/rfc6962"
)

// LeafVersion is the value of the "v" member of every leaf this package
// writes. A later encoding gets a new number; ParseLeaf rejects numbers it
// does not know rather than guessing.
const LeafVersion = 1

// Limits on an entry. They keep a leaf small enough to serve and fuzz, and
// keep free text (where personal data could slip in) short.
const (
	MaxLeafSize   = 16 << 10 // bytes of an encoded leaf
	maxTokenLen   = 64       // Kind, Event and Data keys
	maxSubjectLen = 128
	maxDataKeys   = 64
	maxValueLen   = 1024
)

// timeLayout always has three fraction digits, so that one instant has
// exactly one spelling.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Entry is one event of the transparency log: an order state change, a policy
// change, a ledger transfer, a campaign commitment. It must hold no personal
// data: put a hash of anything personal in DataHash or in a Data value.
type Entry struct {
	Kind     string            // what sort of event: "order.event", "policy", "ledger.transfer", "campaign.commitment"
	Subject  string            // a non-personal id of what changed, such as an order id; may be empty
	Event    string            // what happened to it: "issued", "approved", "published"...
	At       time.Time         // when; recorded in UTC at millisecond precision
	Data     map[string]string // non-personal fields; nil and empty are the same
	DataHash [32]byte          // optional hash of an off-log document; all zeros means none
}

// Validate reports whether e can be logged: Kind, Event and every Data key
// are tokens (lower-case ASCII letters, digits, '.', '_', '-', starting with a
// letter or digit, at most 64 bytes), Subject is printable ASCII without
// spaces, values are valid UTF-8, and At is set and within years 0000-9999.
// Restricting keys to ASCII makes the byte order of keys the same as the
// UTF-16 order RFC 8785 sorts by.
func (e Entry) Validate() error {
	if !isToken(e.Kind) {
		return muster.Errorf(muster.Invalid, "leaf kind %q is not a token", e.Kind)
	}
	if !isToken(e.Event) {
		return muster.Errorf(muster.Invalid, "leaf event %q is not a token", e.Event)
	}
	if len(e.Subject) > maxSubjectLen {
		return muster.Errorf(muster.Invalid, "leaf subject is longer than %d bytes", maxSubjectLen)
	}
	for i := 0; i < len(e.Subject); i++ {
		if c := e.Subject[i]; c <= ' ' || c > '~' {
			return muster.Errorf(muster.Invalid, "leaf subject %q is not printable ASCII without spaces", e.Subject)
		}
	}
	if e.At.IsZero() {
		return muster.Errorf(muster.Invalid, "leaf time is not set")
	}
	if y := e.At.UTC().Year(); y < 0 || y > 9999 {
		return muster.Errorf(muster.Invalid, "leaf time %v is out of range", e.At)
	}
	if len(e.Data) > maxDataKeys {
		return muster.Errorf(muster.Invalid, "leaf has more than %d data fields", maxDataKeys)
	}
	for k, v := range e.Data {
		if !isToken(k) {
			return muster.Errorf(muster.Invalid, "leaf data key %q is not a token", k)
		}
		if len(v) > maxValueLen || !utf8.ValidString(v) {
			return muster.Errorf(muster.Invalid, "leaf data %q is not valid UTF-8 of at most %d bytes", k, maxValueLen)
		}
	}
	return nil
}

func isToken(s string) bool {
	if s == "" || len(s) > maxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// MarshalLeaf returns the canonical encoding of e: a JSON object serialised
// as RFC 8785 (JSON Canonicalization Scheme) prescribes, so that anyone can
// re-derive the bytes with a JCS library. Members, in sorted order:
//
//	at         RFC 3339 UTC time with exactly three fraction digits
//	data       object of string values, omitted when empty
//	data_hash  64 lower-case hex digits, omitted when DataHash is all zeros
//	event, kind
//	subject    omitted when empty
//	v          the number 1 (LeafVersion)
//
// The same valid entry always gives the same bytes; an entry that fails
// Validate gives bytes that ParseLeaf rejects.
func (e Entry) MarshalLeaf() []byte {
	// Room for the leaf as written when nothing needs escaping: the
	// punctuation, time and version take 60 bytes, the subject's member 13
	// besides its value, the data's 9 and 6 for each field besides its key
	// and value, the data hash's 79 (TestLeafSizeExact).
	size := 60 + len(e.Kind) + len(e.Event)
	if e.Subject != "" {
		size += 13 + len(e.Subject)
	}
	if len(e.Data) > 0 {
		size += 9
		for k, v := range e.Data {
			size += 6 + len(k) + len(v)
		}
	}
	if e.DataHash != ([32]byte{}) {
		size += 79
	}
	b := make([]byte, 0, size)
	// The time's spelling has nothing to escape.
	b = append(b, `{"at":"`...)
	b = e.At.UTC().Truncate(time.Millisecond).AppendFormat(b, timeLayout)
	b = append(b, '"')
	if len(e.Data) > 0 {
		b = append(b, `,"data":{`...)
		// Sorted on the stack: a leaf is written for every event logged.
		var keyBuf [maxDataKeys]string
		keys := keyBuf[:0]
		for k := range e.Data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, e.Data[k])
		}
		b = append(b, '}')
	}
	if e.DataHash != ([32]byte{}) {
		b = append(b, `,"data_hash":"`...)
		b = hex.AppendEncode(b, e.DataHash[:])
		b = append(b, '"')
	}
	b = append(b, `,"event":`...)
	b = appendString(b, e.Event)
	b = append(b, `,"kind":`...)
	b = appendString(b, e.Kind)
	if e.Subject != "" {
		b = append(b, `,"subject":`...)
		b = appendString(b, e.Subject)
	}
	b = append(b, `,"v":`...)
	b = strconv.AppendInt(b, LeafVersion, 10)
	return append(b, '}')
}

// appendString writes s as RFC 8785 does: only '"', '\\' and control
// characters are escaped, with the short forms where JSON has them.
// encoding/json is not used because it also escapes U+2028 and U+2029.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	// Most values need no escape: copy the run up to the first that does.
	plain := 0
	for plain < len(s) && s[plain] >= 0x20 && s[plain] != '"' && s[plain] != '\\' {
		plain++
	}
	b = append(b, s[:plain]...)
	for i := plain; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// LeafHash returns the RFC 6962 leaf hash of an encoded leaf,
// SHA-256(0x00 || leaf): the value the Merkle tree commits to.
func LeafHash(leaf []byte) []byte {
	return rfc6962.DefaultHasher.HashLeaf(leaf)
}
