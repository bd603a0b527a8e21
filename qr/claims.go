package qr

import (
	"fmt"
	"math"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Version is the version claim (key 0) this package writes and reads. A
// payload of any other version is refused as malformed: a later version may
// add claims whose meaning an old verifier would miss.
const Version = 1

// The kinds of signed document a payload may carry: the two kinds of
// order, and the receipt an owner gets when handing over requisitioned
// property (its claims describe what was handed over, where and when).
const (
	KindCallUp      = "call_up"
	KindRequisition = "requisition"
	KindReceipt     = "receipt"
)

// wireKinds numbers the kinds on the wire (claim 3): a one-byte integer
// instead of up to twelve bytes of text. Index 0 is no kind.
var wireKinds = [...]string{1: KindCallUp, 2: KindRequisition, 3: KindReceipt}

func kindNumber(kind string) uint {
	for i, k := range wireKinds {
		if k == kind && k != "" {
			return uint(i)
		}
	}
	return 0
}

func kindName(n uint) string {
	if n < uint(len(wireKinds)) {
		return wireKinds[n]
	}
	return ""
}

// Claims are the public claims of a signed order. They hold no personal
// data: the addressee is only a short reference that cannot be turned back
// into a national ID, and the place is where to report, not where anyone
// lives. Times are kept to the second.
type Claims struct {
	OrderID string `json:"order_id"`
	Code    string `json:"code"` // the short human-typable code printed on the order
	Kind    string `json:"kind"` // KindCallUp, KindRequisition or KindReceipt
	// AddresseeRef is a short non-reversible reference to the addressee,
	// such as the first 8 bytes of a keyed HMAC of the national ID, computed
	// by the caller. It lets the addressee recognise the order as theirs.
	AddresseeRef string    `json:"addressee_ref,omitempty"`
	What         []Item    `json:"what,omitempty"`
	Where        Place     `json:"where,omitzero"`
	Deadline     time.Time `json:"deadline,omitzero"`
	Authority    string    `json:"authority"` // issuing authority, e.g. "NE-MOB-DS"
	// KeyID is the signing key. It travels in the COSE protected header
	// (kid), not in the payload: it is signed there all the same and is not
	// sent twice. Decode fills it in.
	KeyID    string    `json:"key_id"`
	IssuedAt time.Time `json:"issued_at"`
	LogIndex uint64    `json:"log_index"` // index of the order's leaf in the transparency log
}

// Item is one line of what an order calls for: a resource type or skill of
// the taxonomy, a quantity and its unit.
type Item struct {
	Type     string  `json:"type"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
}

// Place is where the order is to be fulfilled.
type Place struct {
	Text string `json:"text"` // e.g. "Caserne Tondibiah, Niamey"
	Area string `json:"area"` // area P-code, e.g. "NE008001"
}

// wireClaims is the CBOR payload: a map with small integer keys, as the EU
// DCC does, so each key costs one byte. The table is in FORMAT.md; change
// one only with Version.
type wireClaims struct {
	V            uint       `cbor:"0,keyasint"`
	OrderID      string     `cbor:"1,keyasint"`
	Code         string     `cbor:"2,keyasint"`
	Kind         uint       `cbor:"3,keyasint"`
	AddresseeRef string     `cbor:"4,keyasint,omitempty"`
	What         []wireItem `cbor:"5,keyasint,omitempty"`
	Where        *wirePlace `cbor:"6,keyasint,omitempty"`
	Deadline     uint64     `cbor:"7,keyasint,omitempty"`
	Authority    string     `cbor:"8,keyasint"`
	IssuedAt     uint64     `cbor:"9,keyasint"`
	// LogIndex is a pointer so that a missing claim is told from index 0.
	LogIndex *uint64 `cbor:"10,keyasint"`
}

// wireItem and wirePlace are CBOR arrays: positions instead of keys save
// bytes where the shape is fixed.
type wireItem struct {
	_        struct{} `cbor:",toarray"`
	Type     string
	Quantity quantity
	Unit     string
}

// quantity is written as a CBOR integer when it is whole, as most are (2
// trucks, 400 litres): one to five bytes instead of a float, and plainer to
// a third-party reader. Decoding takes either, into a float64.
type quantity float64

// MarshalCBOR implements cbor.Marshaler.
func (q quantity) MarshalCBOR() ([]byte, error) {
	if f := float64(q); f >= 0 && f <= 1<<53 && f == math.Trunc(f) {
		return encMode.Marshal(uint64(f))
	}
	return encMode.Marshal(float64(q))
}

type wirePlace struct {
	_    struct{} `cbor:",toarray"`
	Text string
	Area string
}

// maxItems bounds the item lines of one order, and thereby the decoder's
// work on a hostile payload; real orders have a handful.
const maxItems = 64

var (
	encMode = mustEncMode()
	decMode = mustDecMode()
)

// mustEncMode uses CBOR core deterministic encoding, so one order always
// gives the same bytes and the shortest float that holds the quantity.
func mustEncMode() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}

// mustDecMode refuses what this package never writes (duplicate keys,
// indefinite lengths, tags, unknown claims), so that what a verifier shows
// is all that was signed.
func mustDecMode() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   4,
		MaxArrayElements:  maxItems,
		MaxMapPairs:       32,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}

// check reports the first reason c cannot be signed or trusted.
func (c Claims) check() error {
	switch {
	case c.OrderID == "":
		return fmt.Errorf("no order ID")
	case c.Code == "":
		return fmt.Errorf("no code")
	case kindNumber(c.Kind) == 0:
		return fmt.Errorf("kind %q is none of %q, %q, %q", c.Kind, KindCallUp, KindRequisition, KindReceipt)
	case c.Authority == "":
		return fmt.Errorf("no authority")
	case c.IssuedAt.IsZero():
		return fmt.Errorf("no issue time")
	case len(c.What) > maxItems:
		return fmt.Errorf("%d items, more than %d", len(c.What), maxItems)
	}
	for i, it := range c.What {
		if it.Type == "" || math.IsNaN(it.Quantity) || math.IsInf(it.Quantity, 0) || it.Quantity < 0 {
			return fmt.Errorf("item %d: needs a type and a finite quantity of zero or more", i+1)
		}
	}
	return nil
}

// marshal returns the CBOR payload of c.
func (c Claims) marshal() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	w := wireClaims{V: Version, OrderID: c.OrderID, Code: c.Code, Kind: kindNumber(c.Kind),
		AddresseeRef: c.AddresseeRef, Authority: c.Authority, LogIndex: &c.LogIndex}
	var err error
	if w.IssuedAt, err = seconds(c.IssuedAt, "issue time"); err != nil {
		return nil, err
	}
	if !c.Deadline.IsZero() {
		if w.Deadline, err = seconds(c.Deadline, "deadline"); err != nil {
			return nil, err
		}
	}
	for _, it := range c.What {
		w.What = append(w.What, wireItem{Type: it.Type, Quantity: quantity(it.Quantity), Unit: it.Unit})
	}
	if c.Where != (Place{}) {
		w.Where = &wirePlace{Text: c.Where.Text, Area: c.Where.Area}
	}
	return encMode.Marshal(w)
}

// unmarshalClaims decodes and checks a CBOR payload. KeyID is left empty:
// it comes from the COSE header.
func unmarshalClaims(payload []byte) (Claims, error) {
	var w wireClaims
	if err := decMode.Unmarshal(payload, &w); err != nil {
		return Claims{}, err
	}
	if w.V != Version {
		return Claims{}, fmt.Errorf("version %d, want %d", w.V, Version)
	}
	if w.LogIndex == nil {
		return Claims{}, fmt.Errorf("no log index (claim 10)")
	}
	if kindName(w.Kind) == "" {
		return Claims{}, fmt.Errorf("kind %d is unknown", w.Kind)
	}
	c := Claims{OrderID: w.OrderID, Code: w.Code, Kind: kindName(w.Kind), AddresseeRef: w.AddresseeRef,
		Authority: w.Authority, LogIndex: *w.LogIndex}
	if w.IssuedAt > 0 {
		c.IssuedAt = fromSeconds(w.IssuedAt)
	}
	if w.Deadline > 0 {
		c.Deadline = fromSeconds(w.Deadline)
	}
	for _, it := range w.What {
		c.What = append(c.What, Item{Type: it.Type, Quantity: float64(it.Quantity), Unit: it.Unit})
	}
	if w.Where != nil {
		c.Where = Place{Text: w.Where.Text, Area: w.Where.Area}
	}
	return c, c.check()
}

// seconds returns t as whole seconds since 1970 UTC, as CWT's NumericDate,
// refusing what the wire cannot carry rather than wrapping it.
func seconds(t time.Time, what string) (uint64, error) {
	if s := t.Unix(); s > 0 {
		return uint64(s), nil
	}
	return 0, fmt.Errorf("%s %s is not after 1970", what, t.UTC().Format(time.RFC3339))
}

// maxSeconds is 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
const maxSeconds = 253402300799

// fromSeconds is the inverse of seconds; later values are clamped to
// maxSeconds, which keeps them printable and later than any real clock.
func fromSeconds(s uint64) time.Time {
	return time.Unix(int64(min(s, maxSeconds)), 0).UTC()
}
