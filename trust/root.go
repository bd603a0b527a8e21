package trust

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
)

// The prefixes of a root key in text. The name says what the key is for, so
// that a root public key pasted where an authority key belongs, or a private
// key pasted where a public one belongs, is refused instead of misused.
const (
	RootPublicPrefix  = "muster-root:"
	RootPrivatePrefix = "muster-root-private:"
)

// GenerateRoot returns a new root key pair. The private key signs trust
// lists only; keep it offline, in a file of mode 0600 (the caller's job).
func GenerateRoot() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic("trust: generating root key: " + err.Error())
	}
	return pub, priv
}

// FormatRootPublic returns pub as "muster-root:" followed by its 32 raw
// bytes in unpadded base64url: one word that survives a command line, a
// config file and a printed page.
func FormatRootPublic(pub ed25519.PublicKey) string {
	return RootPublicPrefix + base64.RawURLEncoding.EncodeToString(pub)
}

// ParseRootPublic is the inverse of FormatRootPublic. Surrounding white
// space is ignored, since the text usually comes from a file.
func ParseRootPublic(s string) (ed25519.PublicKey, error) {
	b, err := parseRoot(s, RootPublicPrefix, ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	return ed25519.PublicKey(b), nil
}

// FormatRootPrivate returns priv as "muster-root-private:" followed by its
// 32-byte seed in unpadded base64url. The seed is all there is to the key.
func FormatRootPrivate(priv ed25519.PrivateKey) string {
	return RootPrivatePrefix + base64.RawURLEncoding.EncodeToString(priv.Seed())
}

// ParseRootPrivate is the inverse of FormatRootPrivate.
func ParseRootPrivate(s string) (ed25519.PrivateKey, error) {
	b, err := parseRoot(s, RootPrivatePrefix, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(b), nil
}

func parseRoot(s, prefix string, size int) ([]byte, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		// Never echo the text: it may be a private key in the wrong place.
		return nil, fmt.Errorf("%w: root key does not start with %q", ErrMalformed, prefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != size {
		return nil, fmt.Errorf("%w: root key after %q is not %d bytes of unpadded base64url", ErrMalformed, prefix, size)
	}
	return b, nil
}
