// Package seal encrypts personal fields at rest (AES-256-GCM) and computes
// blind indexes (keyed HMAC-SHA256) so that a store can find a record by
// national ID without holding the ID in clear. Both keys derive from one
// master key kept in a file outside the database.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// KeySize is the size of the master key in bytes.
const KeySize = 32

// version prefixes every ciphertext so that a later key or algorithm can
// live beside this one.
const version byte = 1

// IndexSize is the length of a blind index in bytes: 128 bits leaves no
// practical chance of two IDs colliding at national scale.
const IndexSize = 16

// Keyring seals and opens field values and computes blind indexes. It is
// safe for concurrent use.
type Keyring struct {
	aead  cipher.AEAD
	index sync.Pool // of hash.Hash keyed for blind indexes
}

// New derives the field and index keys from a master key.
func New(master []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("seal: master key is %d bytes, want %d", len(master), KeySize)
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, "muster field encryption v1", 32)
	if err != nil {
		return nil, err
	}
	indexKey, err := hkdf.Key(sha256.New, master, nil, "muster blind index v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &Keyring{aead: aead}
	k.index.New = func() any { return hmac.New(sha256.New, indexKey) }
	return k, nil
}

// Seal encrypts plaintext. aad binds the ciphertext to where it is stored
// (table, column and row key), so a value copied to another column or row
// fails to open.
func (k *Keyring) Seal(plaintext, aad []byte) []byte {
	ns := k.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+k.aead.Overhead())
	out[0] = version
	rand.Read(out[1:]) // never fails (crypto/rand panics rather than return short)
	return k.aead.Seal(out, out[1:1+ns], plaintext, aad)
}

// ErrOpen is returned when a ciphertext does not open: wrong key, altered
// bytes, or a value moved from where it was sealed.
var ErrOpen = errors.New("seal: ciphertext does not open with this key (altered, moved or wrong key)")

// Open decrypts what Seal produced with the same aad.
func (k *Keyring) Open(ciphertext, aad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(ciphertext) < 1+ns+k.aead.Overhead() || ciphertext[0] != version {
		return nil, ErrOpen
	}
	pt, err := k.aead.Open(nil, ciphertext[1:1+ns], ciphertext[1+ns:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Index returns the blind index of value in a domain ("person.national_id"):
// equal values give equal indexes, and nobody without the key can compute
// or invert one.
func (k *Keyring) Index(domain, value string) []byte {
	h := k.index.Get().(hash.Hash)
	defer k.index.Put(h)
	h.Reset()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return h.Sum(make([]byte, 0, sha256.Size))[:IndexSize]
}

// LoadOrCreateKeyFile reads the master key from path, creating the file
// with a fresh random key (mode 0600) when it does not exist. A file that
// exists but is readable by others is refused: the key protects the
// registry.
func LoadOrCreateKeyFile(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s: mode %v lets others read it; chmod 600 it", path, info.Mode().Perm())
	}
	master, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
	if err != nil || len(master) != KeySize {
		return nil, fmt.Errorf("key file %s: not a base64-encoded %d-byte key", path, KeySize)
	}
	return New(master)
}

// createKeyFile writes a fresh key to a temporary file and links it into
// place, so that a process starting at the same moment sees either no key
// file or a complete one, and both end up with the same key.
func createKeyFile(path string) ([]byte, error) {
	master := make([]byte, KeySize)
	rand.Read(master)
	data := []byte(base64.StdEncoding.EncodeToString(master) + "\n")
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".key-*") // created 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path) // another process won: use its key
	} else if err != nil {
		return nil, err
	}
	return data, nil
}
