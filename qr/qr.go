// Package qr encodes a signed order as the text of a QR code and checks it
// offline: COSE_Sign1 (EdDSA) over CBOR claims, zlib, Base45, prefix "MU1:",
// the layering of the EU Digital COVID Certificate, so that any COSE library
// can check an order (FORMAT.md says how). It is pure except for drawing the
// PNG, and must not import the store or the network: a checkpoint phone runs
// it with nothing but a trust list.
package qr

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/muster-org/muster/trust"
	"github.com/veraison/go-cose"
)

// Prefix starts every order text; the 1 is the version of the layering.
const Prefix = "MU1:"

// MaxText is the longest text Decode reads: 4296 characters is all a QR code
// holds in alphanumeric mode, so anything longer was never printed by us.
const MaxText = 4296

// MaxDecompressed caps the inflated COSE message. A real one is a few
// hundred bytes; the cap refuses a small text that inflates to gigabytes.
const MaxDecompressed = 64 << 10

// MaxClockSkew is how far in the future an order's issue time may be, to
// forgive a verifying phone whose clock is a little slow.
const MaxClockSkew = time.Hour

// The reasons an order is refused. They are the trust package's sentinels,
// so errors.Is works with either name; every error wraps one with detail.
var (
	ErrMalformed    = trust.ErrMalformed    // not a well-formed MU1 text: prefix, Base45, zlib, COSE or CBOR
	ErrBadSignature = trust.ErrBadSignature // the signature does not match: altered, or not signed by that key
	ErrUnknownKey   = trust.ErrUnknownKey   // kid not in the trust list, or not a key of the claimed authority
	ErrRevoked      = trust.ErrRevoked      // the key was revoked at or before the issue time
	ErrNotYetValid  = trust.ErrNotYetValid  // issued before the key's period, or later than now
	ErrExpired      = trust.ErrExpired      // issued after the key's period ended
)

// Encode signs claims with priv, whose key ID is keyID, and returns the text
// to print as a QR code. claims.KeyID may be empty; if set it must be keyID.
func Encode(claims Claims, keyID string, priv ed25519.PrivateKey) (string, error) {
	s, err := NewSigner(keyID, priv)
	if err != nil {
		return "", err
	}
	return s.Encode(claims)
}

// Signer signs many orders with one key: what Encode checks and encodes
// about the key (that keyID names priv, the COSE protected header) is done
// once. A Signer may be used from several goroutines at once.
type Signer struct {
	keyID     string
	protected cose.ProtectedHeader
	raw       []byte // the protected header, encoded
	signer    cose.Signer
}

// NewSigner returns a Signer for priv, whose key ID is keyID.
func NewSigner(keyID string, priv ed25519.PrivateKey) (*Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("qr: private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	// A key ID that does not name the key would make an order no one can
	// verify; it is cheaper to catch here than at a checkpoint.
	if id := trust.KeyID(priv.Public().(ed25519.PublicKey)); id != keyID {
		return nil, fmt.Errorf("qr: key ID %s does not belong to the private key (%s)", keyID, id)
	}
	kid, err := trust.ParseKeyID(keyID)
	if err != nil {
		return nil, err
	}
	s := &Signer{keyID: keyID, protected: cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm: cose.AlgorithmEdDSA,
		cose.HeaderLabelKeyID:     kid,
	}}
	h := cose.Headers{Protected: s.protected}
	if s.raw, err = h.MarshalProtected(); err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	if s.signer, err = cose.NewSigner(cose.AlgorithmEdDSA, priv); err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return s, nil
}

// Encode signs claims and returns the text to print as a QR code.
// claims.KeyID may be empty; if set it must be the signer's key ID.
func (s *Signer) Encode(claims Claims) (string, error) {
	if claims.KeyID != "" && claims.KeyID != s.keyID {
		return "", fmt.Errorf("qr: claims name key %s, signing with %s", claims.KeyID, s.keyID)
	}
	payload, err := claims.marshal()
	if err != nil {
		return "", fmt.Errorf("qr: order %s: %w", claims.OrderID, err)
	}
	msg := cose.Sign1Message{
		Headers: cose.Headers{Protected: s.protected, RawProtected: s.raw},
		Payload: payload,
	}
	if err := msg.Sign(rand.Reader, nil, s.signer); err != nil {
		return "", fmt.Errorf("qr: signing order %s: %w", claims.OrderID, err)
	}
	raw, err := msg.MarshalCBOR()
	if err != nil {
		return "", fmt.Errorf("qr: %w", err)
	}
	text := prefixedBase45(Prefix, deflate(raw))
	if len(text) > MaxText {
		return "", fmt.Errorf("qr: order %s takes %d characters, more than a QR code holds (%d)", claims.OrderID, len(text), MaxText)
	}
	return text, nil
}

// Writers and readers are pooled because a zlib writer allocates hundreds
// of kilobytes of state, which would otherwise dominate bulk issuing.
var (
	writers sync.Pool // of *zlib.Writer
	readers sync.Pool // of io.ReadCloser implementing zlib.Resetter
)

// deflate returns b as a zlib stream: compressed when that is shorter, else
// one stored block. A typical order is a signature and short unique strings,
// which deflate cannot shrink: compress/flate then emits stored blocks and
// an empty final one, five bytes (eight characters of QR text) more than the
// single block written here, after spending as long as the signing itself.
// So only messages of compressFrom bytes or more, which hold many item
// lines, are compressed. Both forms are plain RFC 1950 zlib.
func deflate(b []byte) []byte {
	if len(b) >= compressFrom {
		var buf bytes.Buffer
		w, _ := writers.Get().(*zlib.Writer)
		if w == nil {
			w, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression)
		} else {
			w.Reset(&buf)
		}
		// Writes to a bytes.Buffer do not fail.
		_, _ = w.Write(b)
		_ = w.Close()
		writers.Put(w)
		if len(b) > 0xffff || buf.Len() <= len(b)+storedOverhead {
			return buf.Bytes()
		}
	}
	out := make([]byte, 0, len(b)+storedOverhead)
	// CMF 0x78: deflate with a 32 KiB window; FLG 0x01: no dictionary,
	// fastest level, and (CMF<<8|FLG) % 31 == 0 as RFC 1950 requires.
	out = append(out, 0x78, 0x01)
	// BFINAL=1, BTYPE=00 (stored), then LEN and its one's complement NLEN.
	n := uint16(len(b))
	out = append(out, 0x01, byte(n), byte(n>>8), byte(^n), byte(^n>>8))
	out = append(out, b...)
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(b))
}

// compressFrom is the message size from which deflate tries compression;
// below it, on the orders we measured, a stored block always won.
const compressFrom = 384

// storedOverhead is the zlib header, stored block header and checksum.
const storedOverhead = 2 + 5 + 4

// inflate decompresses one zlib stream, checks its checksum, and refuses
// output past MaxDecompressed and bytes after the stream.
func inflate(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	r, _ := readers.Get().(io.ReadCloser)
	var err error
	if r == nil {
		r, err = zlib.NewReader(src)
	} else {
		err = r.(zlib.Resetter).Reset(src, nil)
	}
	if err != nil {
		return nil, err
	}
	defer readers.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, MaxDecompressed+1))
	switch {
	case err != nil:
		return nil, err
	case len(out) > MaxDecompressed:
		return nil, fmt.Errorf("inflates to more than %d bytes", MaxDecompressed)
	case src.Len() > 0:
		return nil, fmt.Errorf("%d bytes after the zlib stream", src.Len())
	}
	return out, nil
}

// Decode takes an order text apart without checking its signature: it
// returns the claims (with KeyID from the kid header), the key ID and the
// COSE message. Nothing it returns is to be trusted before Verify; it is for
// tools that show why an order was refused. The error wraps ErrMalformed.
func Decode(text string) (Claims, string, *cose.Sign1Message, error) {
	malformed := func(format string, args ...any) (Claims, string, *cose.Sign1Message, error) {
		return Claims{}, "", nil, fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
	// Scanners and terminals add a line end; nothing else is forgiven.
	text = strings.TrimRight(text, "\r\n")
	if len(text) > MaxText {
		return malformed("%d characters, more than a QR code holds (%d)", len(text), MaxText)
	}
	body, ok := strings.CutPrefix(text, Prefix)
	if !ok {
		return malformed("does not start with %q", Prefix)
	}
	compressed, err := DecodeBase45(body)
	if err != nil {
		return malformed("%v", err)
	}
	raw, err := inflate(compressed)
	if err != nil {
		return malformed("bad zlib: %v", err)
	}
	msg := new(cose.Sign1Message)
	if err := msg.UnmarshalCBOR(raw); err != nil {
		return malformed("bad COSE_Sign1: %v", err)
	}
	if alg, err := msg.Headers.Protected.Algorithm(); err != nil || alg != cose.AlgorithmEdDSA {
		return malformed("algorithm is not EdDSA")
	}
	kidBytes, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	kid, err := trust.FormatKeyID(kidBytes)
	if err != nil {
		return malformed("protected kid header: %v", err)
	}
	// Unprotected headers are not signed: we never write one, and accepting
	// one would let anyone vary a valid order's bytes.
	if len(msg.Headers.Unprotected) > 0 {
		return malformed("unprotected header is not empty")
	}
	if msg.Payload == nil {
		return malformed("detached payload")
	}
	claims, err := unmarshalClaims(msg.Payload)
	if err != nil {
		return malformed("bad CBOR claims: %v", err)
	}
	claims.KeyID = kid
	return claims, kid, msg, nil
}

// Verify checks an order text against a trust list and returns its claims.
//
// The checks run in an order that never trusts an unsigned claim: decode
// (ErrMalformed), find the kid in tl (ErrUnknownKey), check the signature
// (ErrBadSignature), check that the key belongs to the claimed authority
// (ErrUnknownKey), then judge the key's validity at the signed issue time:
// ErrRevoked if revoked at or before it, ErrNotYetValid if issued before the
// key's period or more than MaxClockSkew after now, ErrExpired if issued
// after the key's period ended.
//
// "Expired" is about the key, not the order: an order keeps verifying after
// its key is rotated out, and after its deadline, because a receipt or a
// compensation claim must still be checkable years later. Whether a passed
// deadline matters is the caller's business (Claims.Deadline).
func Verify(text string, tl trust.TrustList, now time.Time) (Claims, error) {
	claims, kid, msg, err := Decode(text)
	if err != nil {
		return Claims{}, err
	}
	key, err := tl.Key(kid)
	if err != nil {
		return Claims{}, err
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmEdDSA, key.Public)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: key %s: %v", ErrMalformed, kid, err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		return Claims{}, fmt.Errorf("%w: order %s does not match key %s of %s", ErrBadSignature, claims.OrderID, kid, key.Authority)
	}
	if claims.Authority != key.Authority {
		return Claims{}, fmt.Errorf("%w: key %s belongs to %s, not to %s", ErrUnknownKey, kid, key.Authority, claims.Authority)
	}
	if err := key.ValidAt(claims.IssuedAt); err != nil {
		return Claims{}, fmt.Errorf("order %s issued %s: %w", claims.OrderID, claims.IssuedAt.Format(time.RFC3339), err)
	}
	if claims.IssuedAt.After(now.Add(MaxClockSkew)) {
		return Claims{}, fmt.Errorf("%w: order %s is issued %s, later than now (%s)", ErrNotYetValid,
			claims.OrderID, claims.IssuedAt.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return claims, nil
}
