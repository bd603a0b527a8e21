// Package trust holds the issuing authorities' Ed25519 signing keys and the
// trust list that publishes them, signed by a root key, so that anyone can
// check a signed order with no network. It is pure crypto and encoding: it
// must not import the store, the network or any other package of muster.
package trust

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// The reasons a signature cannot be trusted. They are distinct sentinels so
// that `muster verify` can name the reason; callers test them with
// errors.Is, since every returned error wraps one of them with detail.
var (
	ErrMalformed    = errors.New("malformed")
	ErrBadSignature = errors.New("bad signature")
	ErrUnknownKey   = errors.New("unknown key")
	ErrRevoked      = errors.New("revoked key")
	ErrNotYetValid  = errors.New("key not yet valid")
	ErrExpired      = errors.New("expired")
)

// KeyIDSize is the length in bytes of a key ID: the first 8 bytes of the
// SHA-256 of the raw public key, as in the EU Digital COVID Certificate.
// Eight bytes keep the QR small and make an accidental collision among a
// country's few hundred keys practically impossible; a deliberate one would
// not help an attacker, who still needs the private key to sign.
const KeyIDSize = 8

// Key is one Ed25519 signing key of an issuing authority. An authority
// rotates keys by holding several, each valid from NotBefore (inclusive) to
// NotAfter (exclusive). A key is trusted for a signature made at time t when
// t falls in that period and t is before Revoked (if set).
type Key struct {
	// ID is KeyID(Public): 16 lowercase hex digits. Hex rather than base64
	// because people read key IDs aloud and type them on the command line.
	ID        string            `json:"id"`
	Authority string            `json:"authority"` // issuing authority, e.g. "NE-MOB-DS"
	Public    ed25519.PublicKey `json:"public"`    // raw 32 bytes; base64 in JSON
	NotBefore time.Time         `json:"not_before"`
	NotAfter  time.Time         `json:"not_after"`
	// Revoked, when set, is the moment from which the key's signatures are no
	// longer trusted. An authority that suspects a compromise sets it to the
	// earliest moment the key may have leaked: a stolen key can backdate what
	// it signs, so to refuse every signature of the key, set it to NotBefore.
	Revoked *time.Time `json:"revoked,omitempty"`
}

// KeyID returns the ID of an Ed25519 public key: the hex form of the first
// KeyIDSize bytes of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:KeyIDSize])
}

// ParseKeyID returns the raw bytes of a key ID in its text form, as carried
// in the COSE kid header.
func ParseKeyID(id string) ([]byte, error) {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != KeyIDSize {
		return nil, fmt.Errorf("%w: key ID %q is not %d hex bytes", ErrMalformed, id, KeyIDSize)
	}
	return b, nil
}

// FormatKeyID returns the text form of a key ID carried as raw bytes.
func FormatKeyID(kid []byte) (string, error) {
	if len(kid) != KeyIDSize {
		return "", fmt.Errorf("%w: key ID is %d bytes, want %d", ErrMalformed, len(kid), KeyIDSize)
	}
	return hex.EncodeToString(kid), nil
}

// NewKey returns the Key of authority for an existing public key, as when
// loading keys from the store.
func NewKey(authority string, pub ed25519.PublicKey, notBefore, notAfter time.Time) (Key, error) {
	k := newKey(authority, pub, notBefore, notAfter)
	return k, k.check()
}

func newKey(authority string, pub ed25519.PublicKey, notBefore, notAfter time.Time) Key {
	k := Key{ID: KeyID(pub), Authority: authority, Public: pub, NotBefore: notBefore, NotAfter: notAfter}
	return k.normal()
}

// GenerateKey returns a new signing key of authority valid from notBefore to
// notAfter, and its private key.
func GenerateKey(authority string, notBefore, notAfter time.Time) (Key, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		// crypto/rand does not fail on supported platforms; if it does,
		// issuing keys from a broken source of randomness must not go on.
		panic("trust: generating key: " + err.Error())
	}
	return newKey(authority, pub, notBefore, notAfter), priv
}

// check reports whether k is fit to be published.
func (k Key) check() error {
	switch {
	case len(k.Public) != ed25519.PublicKeySize:
		return fmt.Errorf("%w: key %s: public key is %d bytes, want %d", ErrMalformed, k.ID, len(k.Public), ed25519.PublicKeySize)
	case k.ID != KeyID(k.Public):
		return fmt.Errorf("%w: key %s: ID does not match the public key (%s)", ErrMalformed, k.ID, KeyID(k.Public))
	case k.Authority == "":
		return fmt.Errorf("%w: key %s: no authority", ErrMalformed, k.ID)
	case !k.NotAfter.After(k.NotBefore):
		return fmt.Errorf("%w: key %s: not after %s is not later than not before %s", ErrMalformed, k.ID,
			k.NotAfter.Format(time.RFC3339), k.NotBefore.Format(time.RFC3339))
	}
	return nil
}

// ValidAt reports whether a signature of k made at t is to be trusted: nil,
// or an error wrapping ErrRevoked, ErrNotYetValid or ErrExpired.
// Revocation is checked first because it is the gravest.
func (k Key) ValidAt(t time.Time) error {
	switch {
	case k.Revoked != nil && !t.Before(*k.Revoked):
		return fmt.Errorf("%w: key %s of %s was revoked on %s", ErrRevoked, k.ID, k.Authority, k.Revoked.UTC().Format(time.RFC3339))
	case t.Before(k.NotBefore):
		return fmt.Errorf("%w: key %s of %s is valid from %s, not at %s", ErrNotYetValid, k.ID, k.Authority,
			k.NotBefore.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	case !t.Before(k.NotAfter):
		return fmt.Errorf("%w: key %s of %s was valid until %s, not at %s", ErrExpired, k.ID, k.Authority,
			k.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}
