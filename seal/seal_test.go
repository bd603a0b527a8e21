package seal

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func testKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := testKeyring(t)
	aad := []byte("persons.given_name|row1")
	ct := k.Seal([]byte("Aïssatou"), aad)
	if bytes.Contains(ct, []byte("Aïssatou")) {
		t.Fatal("ciphertext holds the plaintext")
	}
	pt, err := k.Open(ct, aad)
	if err != nil || string(pt) != "Aïssatou" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if bytes.Equal(ct, k.Seal([]byte("Aïssatou"), aad)) {
		t.Error("two seals of one value are equal: nonce reused")
	}
}

func TestOpenRefuses(t *testing.T) {
	k := testKeyring(t)
	ct := k.Seal([]byte("Moussa"), []byte("a"))
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	flipped := bytes.Clone(ct)
	flipped[len(flipped)-1] ^= 1
	cases := []struct {
		name string
		k    *Keyring
		ct   []byte
		aad  string
	}{
		{"moved to another place", k, ct, "b"},
		{"altered byte", k, flipped, "a"},
		{"other key", other, ct, "a"},
		{"truncated", k, ct[:10], "a"},
		{"empty", k, nil, "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.k.Open(c.ct, []byte(c.aad)); err != ErrOpen {
				t.Errorf("Open err = %v, want ErrOpen", err)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	k := testKeyring(t)
	a, b := k.Index("person.national_id", "NE123"), k.Index("person.national_id", "NE123")
	if !bytes.Equal(a, b) || len(a) != IndexSize {
		t.Fatalf("index not stable or wrong size: %x %x", a, b)
	}
	if bytes.Equal(a, k.Index("person.national_id", "NE124")) {
		t.Error("different values share an index")
	}
	if bytes.Equal(a, k.Index("org.org_id", "NE123")) {
		t.Error("different domains share an index")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if bytes.Equal(a, other.Index("person.national_id", "NE123")) {
		t.Error("index does not depend on the key")
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "muster.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", info.Mode().Perm())
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ct := k1.Seal([]byte("x"), nil)
	if _, err := k2.Open(ct, nil); err != nil {
		t.Errorf("reloaded key does not open: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Error("world-readable key file accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("not base64!"), 0o600)
	if _, err := LoadOrCreateKeyFile(bad); err == nil {
		t.Error("malformed key file accepted")
	}
}

func BenchmarkSeal(b *testing.B) {
	k, _ := New(bytes.Repeat([]byte{7}, KeySize))
	v, aad := []byte("Abdoulkarim"), []byte("persons.given_name|0123456789abcdef")
	for b.Loop() {
		k.Seal(v, aad)
	}
}
