package trust

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// ContentType is the COSE content type (protected header 3) of a signed
// trust list. It is what tells a trust list from any other payload the same
// stack carries, such as a signed order.
const ContentType = "application/vnd.muster.trustlist+cbor"

// listVersion is the version claim of the trust list payload.
const listVersion = 1

// maxListSize bounds the signed file OpenTrustList accepts: a country's
// keys take a few kilobytes, so anything near this is not a trust list.
const maxListSize = 1 << 20

// TrustList is the published set of authority keys. Seq grows by one at each
// publication, so a verifier that keeps the highest Seq it has seen can
// refuse to go back to an older list (one that does not yet know of a
// revocation). The list is signed as a whole by the root key; see Sign.
type TrustList struct {
	Seq      uint64    `json:"seq"`
	IssuedAt time.Time `json:"issued_at"`
	Keys     []Key     `json:"keys"`
}

// wireList and wireKey are the CBOR payload of a signed trust list; the key
// table is documented in qr/FORMAT.md beside the order's. Times are whole
// seconds since 1970-01-01 UTC, as in CWT. A key's ID is not sent: the reader
// computes it from the public key, so the two cannot disagree.
type wireList struct {
	V        uint      `cbor:"0,keyasint"`
	Seq      uint64    `cbor:"1,keyasint"`
	IssuedAt uint64    `cbor:"2,keyasint"`
	Keys     []wireKey `cbor:"3,keyasint"`
}

type wireKey struct {
	Authority string  `cbor:"1,keyasint"`
	Public    []byte  `cbor:"2,keyasint"`
	NotBefore uint64  `cbor:"3,keyasint"`
	NotAfter  uint64  `cbor:"4,keyasint"`
	Revoked   *uint64 `cbor:"5,keyasint,omitempty"`
}

var (
	encMode = mustEncMode()
	decMode = mustDecMode()
)

func mustEncMode() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}

// mustDecMode is strict on purpose: what the root signs is exactly one
// encoding of one structure, so anything else is refused as malformed.
func mustDecMode() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   8,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}

// NewTrustList returns the trust list of keys with sequence number seq,
// issued at issuedAt. It refuses a key that could not be published: bad
// public key, ID not matching it, no authority, empty validity, or an ID
// listed twice.
func NewTrustList(keys []Key, seq uint64, issuedAt time.Time) (TrustList, error) {
	tl := TrustList{Seq: seq, IssuedAt: issuedAt.UTC().Truncate(time.Second), Keys: make([]Key, 0, len(keys))}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		k = k.normal()
		if err := k.check(); err != nil {
			return TrustList{}, err
		}
		if seen[k.ID] {
			return TrustList{}, fmt.Errorf("%w: key %s listed twice", ErrMalformed, k.ID)
		}
		seen[k.ID] = true
		tl.Keys = append(tl.Keys, k)
	}
	// A stable order makes two signings of the same list byte-identical and
	// the JSON view easy to read.
	sort.Slice(tl.Keys, func(i, j int) bool {
		a, b := tl.Keys[i], tl.Keys[j]
		if a.Authority != b.Authority {
			return a.Authority < b.Authority
		}
		if !a.NotBefore.Equal(b.NotBefore) {
			return a.NotBefore.Before(b.NotBefore)
		}
		return a.ID < b.ID
	})
	return tl, nil
}

// normal keeps times to the second and in UTC, as they are published, so
// that a list compares equal to itself after a signing and an opening.
func (k Key) normal() Key {
	k.NotBefore = k.NotBefore.UTC().Truncate(time.Second)
	k.NotAfter = k.NotAfter.UTC().Truncate(time.Second)
	if k.Revoked != nil {
		r := k.Revoked.UTC().Truncate(time.Second)
		k.Revoked = &r
	}
	return k
}

// Key returns the key with the given ID, or an error wrapping ErrUnknownKey.
// It says nothing of the key's validity; see Key.ValidAt and Lookup.
func (tl TrustList) Key(id string) (Key, error) {
	// A linear scan: a list holds tens of keys, and one scan costs far less
	// than the signature check that follows it.
	for _, k := range tl.Keys {
		if k.ID == id {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("%w: key %s is not in trust list %d", ErrUnknownKey, id, tl.Seq)
}

// Lookup returns the key with the given ID if a signature it made at time at
// is to be trusted. The error wraps ErrUnknownKey, ErrRevoked,
// ErrNotYetValid or ErrExpired.
func (tl TrustList) Lookup(id string, at time.Time) (Key, error) {
	k, err := tl.Key(id)
	if err != nil {
		return Key{}, err
	}
	if err := k.ValidAt(at); err != nil {
		return Key{}, err
	}
	return k, nil
}

// Active returns the key authority should sign with at time at: of its keys
// valid then, the one that became valid last. It is how rotation takes
// effect: once a new key's period starts, new orders use it, while orders
// signed earlier keep verifying against the old key. The error wraps
// ErrUnknownKey when the authority has no valid key at that time.
func (tl TrustList) Active(authority string, at time.Time) (Key, error) {
	var best Key
	found := false
	for _, k := range tl.Keys {
		if k.Authority != authority || k.ValidAt(at) != nil {
			continue
		}
		if !found || k.NotBefore.After(best.NotBefore) {
			best, found = k, true
		}
	}
	if !found {
		return Key{}, fmt.Errorf("%w: authority %s has no key valid at %s", ErrUnknownKey, authority, at.UTC().Format(time.RFC3339))
	}
	return best, nil
}

// JSON returns a readable view of the list, for people and for tools that
// speak no CBOR. It is not signed: only the file from Sign is authoritative.
func (tl TrustList) JSON() []byte {
	b, err := json.MarshalIndent(tl, "", "  ")
	if err != nil {
		panic(err) // a TrustList holds nothing json cannot encode
	}
	return append(b, '\n')
}

// Sign returns the list as a COSE_Sign1 message (EdDSA, tagged) whose
// protected header holds the algorithm, ContentType and the root key's ID,
// and whose payload is the CBOR list described in qr/FORMAT.md.
func (tl TrustList) Sign(rootPriv ed25519.PrivateKey) ([]byte, error) {
	if len(rootPriv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("trust: root private key is %d bytes, want %d", len(rootPriv), ed25519.PrivateKeySize)
	}
	w := wireList{V: listVersion, Seq: tl.Seq, Keys: make([]wireKey, 0, len(tl.Keys))}
	var err error
	if w.IssuedAt, err = seconds(tl.IssuedAt); err != nil {
		return nil, err
	}
	for _, k := range tl.Keys {
		if err := k.check(); err != nil {
			return nil, err
		}
		wk := wireKey{Authority: k.Authority, Public: k.Public}
		if wk.NotBefore, err = seconds(k.NotBefore); err != nil {
			return nil, err
		}
		if wk.NotAfter, err = seconds(k.NotAfter); err != nil {
			return nil, err
		}
		if k.Revoked != nil {
			r, err := seconds(*k.Revoked)
			if err != nil {
				return nil, err
			}
			wk.Revoked = &r
		}
		w.Keys = append(w.Keys, wk)
	}
	payload, err := encMode.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("trust: encoding list: %w", err)
	}
	rootKID, _ := ParseKeyID(KeyID(rootPriv.Public().(ed25519.PublicKey)))
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmEdDSA)
	msg.Headers.Protected[cose.HeaderLabelContentType] = ContentType
	msg.Headers.Protected[cose.HeaderLabelKeyID] = rootKID
	msg.Payload = payload
	signer, err := cose.NewSigner(cose.AlgorithmEdDSA, rootPriv)
	if err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		return nil, fmt.Errorf("trust: signing list: %w", err)
	}
	return msg.MarshalCBOR()
}

// OpenTrustList checks that data is a trust list signed by rootPub and
// returns it. The error wraps ErrMalformed (not a COSE_Sign1 trust list, or
// a bad payload) or ErrBadSignature (not signed by that root, or altered).
func OpenTrustList(data []byte, rootPub ed25519.PublicKey) (TrustList, error) {
	if len(rootPub) != ed25519.PublicKeySize {
		return TrustList{}, fmt.Errorf("%w: root public key is %d bytes, want %d", ErrMalformed, len(rootPub), ed25519.PublicKeySize)
	}
	if len(data) > maxListSize {
		return TrustList{}, fmt.Errorf("%w: trust list is %d bytes, more than %d", ErrMalformed, len(data), maxListSize)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(data); err != nil {
		return TrustList{}, fmt.Errorf("%w: trust list is not a COSE_Sign1 message: %v", ErrMalformed, err)
	}
	if ct, _ := msg.Headers.Protected[cose.HeaderLabelContentType].(string); ct != ContentType {
		return TrustList{}, fmt.Errorf("%w: content type %q is not %q", ErrMalformed, ct, ContentType)
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmEdDSA, rootPub)
	if err != nil {
		return TrustList{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
		return TrustList{}, fmt.Errorf("%w: trust list (signed by key %x) does not verify with root key %s: %v",
			ErrBadSignature, kid, KeyID(rootPub), err)
	}
	return decodeList(msg.Payload)
}

// decodeList decodes a verified payload. A root that signs nonsense is still
// refused, so that no one downstream meets a key without an authority.
func decodeList(payload []byte) (TrustList, error) {
	var w wireList
	if err := decMode.Unmarshal(payload, &w); err != nil {
		return TrustList{}, fmt.Errorf("%w: trust list payload: %v", ErrMalformed, err)
	}
	if w.V != listVersion {
		return TrustList{}, fmt.Errorf("%w: trust list version %d, want %d", ErrMalformed, w.V, listVersion)
	}
	keys := make([]Key, 0, len(w.Keys))
	for _, wk := range w.Keys {
		k := newKey(wk.Authority, wk.Public, fromSeconds(wk.NotBefore), fromSeconds(wk.NotAfter))
		if wk.Revoked != nil {
			r := fromSeconds(*wk.Revoked)
			k.Revoked = &r
		}
		keys = append(keys, k)
	}
	return NewTrustList(keys, w.Seq, fromSeconds(w.IssuedAt))
}

// seconds returns t as whole seconds since 1970 for the wire, refusing
// times the wire cannot carry rather than silently wrapping them.
func seconds(t time.Time) (uint64, error) {
	s := t.Unix()
	if s < 0 {
		return 0, fmt.Errorf("trust: time %s is before 1970", t.UTC().Format(time.RFC3339))
	}
	return uint64(s), nil
}

// maxSeconds is 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
const maxSeconds = 253402300799

// fromSeconds is the inverse of seconds. Later values are clamped to
// maxSeconds: they stay later than any real clock and printable.
func fromSeconds(s uint64) time.Time {
	if s > maxSeconds {
		s = maxSeconds
	}
	return time.Unix(int64(s), 0).UTC()
}
